package dev.mailgateway.relay.worker;

import dev.mailgateway.core.model.DeliveryStatus;
import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one counted attempt's outcomes mean, before anything is written: the outcomes to
 * journal (a deferral past the last attempt or {@code retry.maxAgeSec} becomes a failure), the
 * recipients failed for good and the last failure's reply (for the failed store). Pure values.
 */
record AttemptVerdict(List<RecipientOutcome> journal, List<String> failed, String lastError) {

    /**
     * @param exhausted no attempt left (or too old): deferred recipients fail, with {@code gaveUp}
     *                  appended to their reply
     */
    static AttemptVerdict of(List<RecipientOutcome> outcomes, boolean exhausted, String gaveUp) {
        List<RecipientOutcome> journal = new ArrayList<>(outcomes.size());
        List<String> failed = new ArrayList<>(2);
        String lastError = null;
        for (RecipientOutcome o : outcomes) {
            if (o.status() == DeliveryStatus.DEFERRED && exhausted) {
                o = new RecipientOutcome(o.recipient(), DeliveryStatus.FAILED, o.reply() + gaveUp);
            }
            if (o.status() == DeliveryStatus.FAILED) {
                failed.add(o.recipient());
                lastError = o.reply();
            }
            journal.add(o);
        }
        return new AttemptVerdict(journal, failed, lastError);
    }

    /** The reason appended to a deferral that is given up. */
    static String gaveUp(boolean expired, long ageSec, long maxAgeSec, int attempt) {
        return expired
                ? " (gave up: undelivered for " + ageSec + " s, over retry.maxAgeSec " + maxAgeSec
                        + " s, after " + attempt + " attempt(s))"
                : " (gave up after " + attempt + " attempts)";
    }

    boolean anyFailed() {
        return !failed.isEmpty();
    }

    /** The failed store could not take them: the failures become deferrals, tried (and parked) again. */
    List<RecipientOutcome> keptForRetry() {
        List<RecipientOutcome> kept = new ArrayList<>(journal.size());
        for (RecipientOutcome o : journal) {
            kept.add(o.status() == DeliveryStatus.FAILED
                    ? new RecipientOutcome(o.recipient(), DeliveryStatus.DEFERRED, o.reply()) : o);
        }
        return kept;
    }

    /** The failed store's record of the failed recipients ({@code content} null when it is streamed). */
    FailedMessage failedMessage(SpooledMessage m, int attempt, Instant now, byte[] content) {
        Envelope e = m.envelope();
        return new FailedMessage(m.id(), e.sender(), failed, e.receivedAt(), attempt, now, lastError, content,
                e.smtpUtf8(), e.eightBit(), dsnOf(e, failed));
    }

    /** The envelope's DSN parameters for {@code subset} of its recipients, in that order (the failed store's). */
    static Dsn dsnOf(Envelope e, List<String> subset) {
        Dsn all = e.dsn();
        if (all.isEmpty()) {
            return all;
        }
        List<String> notifies = new ArrayList<>(subset.size());
        List<String> orcpt = new ArrayList<>(subset.size());
        for (String r : subset) {
            int i = e.recipients().indexOf(r);
            notifies.add(i < 0 ? "" : all.notifyOf(i));
            orcpt.add(i < 0 ? "" : all.orcptOf(i));
        }
        return new Dsn(all.ret(), all.envId(), notifies, orcpt);
    }
}
