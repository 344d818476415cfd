package dev.mailgateway.smtp;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.metrics.UpDownCounter;

/**
 * The SMTP server's metrics on the shared registry (names without the {@code mail_gateway.}
 * prefix). Building one is get-or-create: every instance over one {@link GatewayMetrics}
 * counts into the same metrics.
 */
public final class SmtpMetrics {

    public static final String EMAILS_ACCEPTED = "emails.accepted";
    public static final String RECIPIENTS_ACCEPTED = "recipients.accepted";
    public static final String RATE_LIMITED = "smtp.rate_limited";
    public static final String CONNECTIONS_REJECTED = "smtp.connections.rejected";
    public static final String AUTH_FAILURES = "smtp.auth.failures";
    public static final String DEADLINES_EXPIRED = "smtp.deadlines.expired";
    public static final String CONNECTIONS_OPEN = "smtp.connections.open";
    public static final String ACCEPT_LATENCY = "smtp.accept.latency";

    /** Messages accepted (250 sent): the spec's {@code total_emails}. */
    public final Meter emailsAccepted;
    /** Recipients of accepted messages: the spec's {@code total_recipients}. */
    public final Counter recipientsAccepted;
    /** Transactions refused by a rate limit (451 4.7.1). */
    public final Counter rateLimited;
    /** Connections refused at connect (policy, connection limits). */
    public final Counter connectionsRejected;
    /** Failed AUTH attempts. */
    public final Counter authFailures;
    /** SMTP connections closed with 421 4.4.2 because limits.commandDeadlineSec / limits.dataDeadlineSec passed. */
    public final Counter deadlinesExpired;
    /** Open inbound SMTP connections (inc on accept, dec on close); a gauge, it goes down too. */
    public final UpDownCounter connectionsOpen;
    /** End of DATA to 250 sent: the time a client waits for the spool. */
    public final Timer acceptLatency;

    public SmtpMetrics(GatewayMetrics metrics) {
        emailsAccepted = metrics.meter(EMAILS_ACCEPTED);
        recipientsAccepted = metrics.counter(RECIPIENTS_ACCEPTED);
        rateLimited = metrics.counter(RATE_LIMITED);
        connectionsRejected = metrics.counter(CONNECTIONS_REJECTED);
        authFailures = metrics.counter(AUTH_FAILURES);
        deadlinesExpired = metrics.counter(DEADLINES_EXPIRED);
        connectionsOpen = metrics.upDownCounter(CONNECTIONS_OPEN);
        acceptLatency = metrics.timer(ACCEPT_LATENCY);
    }
}
