package dev.mailgateway.relay.worker;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One delivery attempt of one message to its pending recipients: what a
 * {@link DeliveryTransport} works on and fills in. Finishes exactly once, either when the
 * transport calls {@link #complete()} or when the worker calls {@link #abort} (processing
 * timeout, shutdown); recipients without an outcome then count as deferred.
 *
 * <p>Thread: the worker's event loop only.
 */
public final class Delivery {

    private final SpooledMessage message;
    private final byte[] content;
    private final int attempt;
    private final Promise<Void> done;
    private final Map<String, RecipientOutcome> outcomes;
    private String relay = "none";
    private Runnable abortHook;
    private boolean finished;
    private boolean countsAsAttempt = true;

    public Delivery(SpooledMessage message, byte[] content, EventLoop loop) {
        this.message = message;
        this.content = content;
        this.attempt = message.attempts() + 1;
        this.done = loop.newPromise();
        this.outcomes = new HashMap<>(message.pendingRecipients().size() * 2);
    }

    public SpooledMessage message() {
        return message;
    }

    /** The raw message (CRLF, not dot-stuffed). */
    public byte[] content() {
        return content;
    }

    /** The recipients to deliver to in this attempt, in envelope order. */
    public List<String> recipients() {
        return message.pendingRecipients();
    }

    /** This attempt's number, 1-based. */
    public int attempt() {
        return attempt;
    }

    /**
     * False while the attempt has not talked to any upstream about this message (every provider
     * down or unreachable): such an attempt does not count against {@code retry.maxAttempts}.
     * The SMTP transport clears it at the start and sets it once it holds a connection.
     */
    public boolean countsAsAttempt() {
        return countsAsAttempt;
    }

    public void countsAsAttempt(boolean counts) {
        this.countsAsAttempt = counts;
    }

    public boolean isFinished() {
        return finished;
    }

    /** Completes when the attempt has finished (on the loop). */
    public Future<Void> done() {
        return done;
    }

    /** Where the message went ("host:port" or "local"), for the log line. */
    public String relay() {
        return relay;
    }

    public void relay(String relay) {
        this.relay = relay;
    }

    /** Records outcomes of a batch; ignored once finished. */
    public void record(List<RecipientOutcome> batch) {
        if (finished) {
            return;
        }
        for (RecipientOutcome o : batch) {
            outcomes.put(o.recipient(), o);
        }
    }

    /** What {@link #abort} should also do, e.g. close the connection in use; null to clear. */
    public void onAbort(Runnable hook) {
        this.abortHook = hook;
    }

    /** The transport is done; recipients it did not record are deferred. */
    public void complete(String reasonForMissing) {
        finish(reasonForMissing);
    }

    /** Ends the attempt now: the transport's hook runs, unrecorded recipients are deferred. */
    public void abort(String reason) {
        if (finished) {
            return;
        }
        Runnable hook = abortHook;
        abortHook = null;
        finish(reason);
        if (hook != null) {
            hook.run();
        }
    }

    private void finish(String reasonForMissing) {
        if (finished) {
            return;
        }
        for (String r : recipients()) {
            outcomes.putIfAbsent(r, new RecipientOutcome(r, DeliveryStatus.DEFERRED, reasonForMissing));
        }
        finished = true;
        abortHook = null;
        done.trySuccess(null);
    }

    /** One outcome per recipient, in recipient order. Valid once finished. */
    public List<RecipientOutcome> outcomes() {
        List<RecipientOutcome> list = new ArrayList<>(recipients().size());
        for (String r : recipients()) {
            list.add(outcomes.get(r));
        }
        return list;
    }
}
