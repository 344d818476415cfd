package dev.mailgateway.relay.worker;

import dev.mailgateway.core.config.GatewayConfig;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.config.RetryConfig;
import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.RecipientOutcome;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.DispatchQueue;
import dev.mailgateway.core.queue.Dispatcher;
import dev.mailgateway.core.spool.FailedStore;
import dev.mailgateway.core.spool.MessageContent;
import dev.mailgateway.core.spool.Spool;
import dev.mailgateway.relay.RelayMetrics;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one {@link DispatchQueue} on one event loop and sees each message through one attempt:
 * read the bytes from the spool, deliver through the {@link DeliveryTransport}, then per
 * recipient: delivered (final), deferred (retry after back-off) or failed (failed store). Order
 * after an attempt (spool contract): failed recipients go to the failed store first, then every
 * outcome is journalled with {@code spool.recordOutcomes}, then metrics, the outcome log line and
 * the retry timer.
 *
 * <p>Threads: everything runs on {@code loop}; spool and failed-store futures complete elsewhere
 * and hop back with {@code loop.execute}. At most {@code transport.maxConcurrent()} deliveries
 * run at once; at that cap the worker stops polling (the queue stays AWAKE, so producers do not
 * wake it) and resumes when a delivery ends. A message waiting for its retry holds no queue slot:
 * it is a loop timer that re-dispatches it.
 *
 * <p>Outages: while the transport is not {@link DeliveryTransport#ready() ready} (every provider
 * down) the worker stops polling; messages whose attempt never reached an upstream wait in its
 * {@code waitingForProvider} list without using an attempt (logged once each). When a probe
 * brings a provider back ({@link DeliveryTransport#onReady}) the worker resumes at once, those
 * first. Meanwhile, once a second, messages older than {@code retry.maxAgeSec} at the head of
 * the queue or in that list go to the failed store.
 */
public final class RelayWorker {

    private static final Logger log = LoggerFactory.getLogger(RelayWorker.class);

    private final int index;
    private final EventLoop loop;
    private final DispatchQueue queue;
    private final Dispatcher dispatcher;
    private final Spool spool;
    private final FailedStore failedStore;
    private final LiveConfig config;
    private final DeliveryTransport transport;
    private final RelayMetrics metrics;
    private final AtomicInteger retryWaiting;
    private final Clock clock;

    // loop only
    private final Set<Delivery> inFlight = new HashSet<>();
    private final Set<ScheduledFuture<?>> retryTimers = new HashSet<>();
    /** Messages whose attempt reached no upstream, held until a provider is up again. */
    private final ArrayDeque<SpooledMessage> waitingForProvider = new ArrayDeque<>();
    private boolean paused; // not polling: no provider is up
    private ScheduledFuture<?> expiryTimer;
    private volatile int waitingGauge;
    private int reading; // content reads in progress (hold a slot)
    private int finishing; // attempts being stored/journalled
    private boolean atCapacity;
    private boolean stopping;
    private boolean abandoned;
    private Promise<Void> stopped;

    /**
     * What every worker of one relay shares: where messages come from and go, the live config,
     * the metrics, the count of messages waiting for a retry timer (a gauge) and the clock.
     */
    public record Shared(Dispatcher dispatcher, Spool spool, FailedStore failedStore, LiveConfig config,
                         RelayMetrics metrics, AtomicInteger retryWaiting, Clock clock) {
    }

    /** Worker {@code index} consumes {@code queue} on {@code loop} and delivers through {@code transport}. */
    public RelayWorker(int index, EventLoop loop, DispatchQueue queue, DeliveryTransport transport, Shared shared) {
        this.index = index;
        this.loop = loop;
        this.queue = queue;
        this.dispatcher = shared.dispatcher();
        this.spool = shared.spool();
        this.failedStore = shared.failedStore();
        this.config = shared.config();
        this.transport = transport;
        this.metrics = shared.metrics();
        this.retryWaiting = shared.retryWaiting();
        this.clock = shared.clock();
        transport.onReady(() -> loop.execute(this::transportReady));
    }

    public EventLoop loop() {
        return loop;
    }

    public DeliveryTransport transport() {
        return transport;
    }

    /** The queue's wake-up task: poll while there is room. Loop only. */
    public void drain() {
        if (stopping) {
            return; // what is queued stays in the spool and is recovered at the next start
        }
        int max = Math.max(1, transport.maxConcurrent());
        for (;;) {
            if (inFlight.size() + reading >= max) {
                atCapacity = true; // stay AWAKE: resumed by deliveryEnded
                return;
            }
            if (!transport.ready()) {
                pause(); // stay AWAKE: resumed by transportReady
                return;
            }
            if (paused) {
                unpause();
            }
            SpooledMessage m = waitingForProvider.pollFirst();
            if (m != null) {
                updateWaitingGauge();
                start(m);
                continue;
            }
            m = queue.poll();
            if (m == null) {
                atCapacity = false;
                if (queue.parkIfEmpty()) {
                    return;
                }
                continue;
            }
            start(m);
        }
    }

    private void start(SpooledMessage m) {
        loadAndDeliver(m, null);
    }

    /**
     * Loads the content (large contents stream: only the head is read now) and delivers it, or,
     * with {@code expiredReason}, completes the message as expired without calling the transport.
     */
    private void loadAndDeliver(SpooledMessage m, String expiredReason) {
        reading++;
        CompletableFuture<MessageContent> read;
        try {
            read = MessageContent.load(spool, m.id());
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((content, err) -> loop.execute(() -> {
            reading--;
            if (err != null && !abandoned) {
                unreadable(m, err);
            } else if (!abandoned) {
                deliver(m, content, expiredReason);
            }
            slotFreed();
        }));
    }

    /**
     * The content could not be read: never left waiting for a restart. A message no longer in
     * the spool (final meanwhile) is dropped; otherwise it is retried on the normal back-off.
     */
    private void unreadable(SpooledMessage m, Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause() : err;
        if (cause instanceof java.util.NoSuchElementException) {
            log.debug("{} is no longer in the spool: {}", m.id(), cause.toString());
            return;
        }
        long delay = config.current().retry().delayAfterAttempt(Math.max(1, m.attempts()));
        log.warn("{} cannot read its content from the spool ({}); trying again in {} ms", m.id(),
                cause.toString(), delay);
        if (!stopping) {
            scheduleRetry(m, delay);
        }
    }

    /** With {@code expiredReason} non-null the transport is not called: the message has expired. */
    private void deliver(SpooledMessage m, MessageContent content, String expiredReason) {
        Delivery d = new Delivery(m, content, loop);
        inFlight.add(d);
        if (expiredReason != null) {
            d.countsAsAttempt(false);
        }
        int timeoutSec = config.current().processingTimeout();
        ScheduledFuture<?> timeout = loop.schedule(() -> d.abort("451 4.4.7 processing timeout of "
                + timeoutSec + "s exceeded"), timeoutSec, TimeUnit.SECONDS);
        d.done().addListener(f -> {
            timeout.cancel(false);
            inFlight.remove(d);
            if (!abandoned) {
                afterAttempt(d);
            }
            slotFreed();
        });
        if (expiredReason != null) {
            d.complete(expiredReason);
            return;
        }
        try {
            transport.deliver(d);
        } catch (RuntimeException e) {
            log.error("{} transport error", m.id(), e);
            d.abort("451 4.3.0 internal error: " + e);
        }
    }

    private void slotFreed() {
        if (atCapacity) {
            atCapacity = false;
            drain();
        }
        checkStopped();
    }

    private void afterAttempt(Delivery d) {
        GatewayConfig cfg = config.current();
        RetryConfig retry = cfg.retry();
        SpooledMessage m = d.message();
        boolean counted = d.countsAsAttempt();
        long ageSec = Duration.between(m.envelope().receivedAt(), clock.instant()).toSeconds();
        boolean expired = ageSec >= retry.maxAgeSec();
        if (!counted && !expired && !stopping) {
            notAttempted(d, cfg);
            return;
        }
        // an attempt that reached no upstream keeps the count it had (journalled as such)
        int attempt = counted ? d.attempt() : m.attempts();
        boolean exhausted = expired || attempt >= retry.maxAttempts();
        AttemptVerdict verdict = AttemptVerdict.of(d.outcomes(), exhausted,
                AttemptVerdict.gaveUp(expired, ageSec, retry.maxAgeSec(), attempt));
        finishing++;
        if (!verdict.anyFailed()) {
            journal(d, attempt, verdict.journal(), false);
            return;
        }
        MessageContent body = d.body();
        FailedMessage fm = verdict.failedMessage(m, attempt, clock.instant(), body.inMemory() ? body.bytes() : null);
        CompletableFuture<Void> stored;
        try {
            stored = body.inMemory() ? failedStore.store(fm) : failedStore.store(fm, body); // streamed from the spool
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        stored.whenComplete((v, err) -> loop.execute(() -> {
            if (err != null) {
                // not parked: keep them deferred so they are tried (and parked) again, never lost
                log.error("{} cannot write the failed store, keeping {} recipient(s) for retry: {}",
                        m.id(), fm.to().size(), err.toString());
                journal(d, attempt, verdict.keptForRetry(), false);
            } else {
                journal(d, attempt, verdict.journal(), true);
            }
        }));
    }

    private void journal(Delivery d, int attempt, List<RecipientOutcome> outcomes, boolean stored) {
        SpooledMessage m = d.message();
        spool.recordOutcomes(m.id(), attempt, outcomes).whenComplete((v, err) -> loop.execute(() -> {
            if (err != null) {
                log.error("{} cannot journal the outcome of attempt {}: {}", m.id(), attempt, err.toString());
            }
            finished(d, attempt, outcomes, stored);
        }));
    }

    /**
     * The attempt reached no upstream: nothing is journalled (the spool keeps the attempt
     * count), no attempt is used. With every provider down the message waits for one to come
     * back (logged once: the worker holds it until then); otherwise (e.g. the processing timeout
     * hit while connecting) it is retried after the back-off of its current attempt count.
     */
    private void notAttempted(Delivery d, GatewayConfig cfg) {
        SpooledMessage m = d.message();
        List<RecipientOutcome> outcomes = d.outcomes();
        if (!transport.ready()) {
            List<RecipientOutcome> logged = new ArrayList<>(outcomes.size());
            for (RecipientOutcome o : outcomes) {
                logged.add(new RecipientOutcome(o.recipient(), o.status(),
                        o.reply() + " (not counted as an attempt; waiting for a provider)"));
            }
            OutcomeLog.log(m, d.content(), d.attempt(), d.relay(), logged, cfg.security().logAllEmails(),
                    clock.instant());
            waitingForProvider.addLast(m);
            updateWaitingGauge();
            pause();
            return;
        }
        metrics.emailsDeferred.inc();
        OutcomeLog.log(m, d.content(), d.attempt(), d.relay(), outcomes, cfg.security().logAllEmails(),
                clock.instant());
        scheduleRetry(m, cfg.retry().delayAfterAttempt(Math.max(1, m.attempts())));
    }

    private void finished(Delivery d, int attempt, List<RecipientOutcome> outcomes, boolean stored) {
        GatewayConfig cfg = config.current();
        SpooledMessage m = d.message();
        int delivered = 0;
        int failed = 0;
        List<String> deferred = null;
        for (RecipientOutcome o : outcomes) {
            switch (o.status()) {
                case DELIVERED -> delivered++;
                case FAILED -> failed++;
                case DEFERRED -> {
                    if (deferred == null) {
                        deferred = new ArrayList<>(2);
                    }
                    deferred.add(o.recipient());
                }
            }
        }
        Instant now = clock.instant();
        metrics.countAttempt(m.id(), delivered, failed, stored, deferred != null,
                Duration.between(m.envelope().receivedAt(), now));
        OutcomeLog.log(m, d.body().head(), d.attempt(), d.relay(), outcomes, cfg.security().logAllEmails(), now);
        if (deferred != null && !stopping) {
            scheduleRetry(new SpooledMessage(m.envelope(), deferred, attempt), cfg.retry().delayAfterAttempt(attempt));
        }
        finishing--;
        checkStopped();
    }

    private void scheduleRetry(SpooledMessage next, long delayMs) {
        // jitter downwards (up to 20%) so the cap holds and retries of a burst spread out
        long jittered = delayMs - (delayMs > 4 ? ThreadLocalRandom.current().nextLong(delayMs / 5 + 1) : 0);
        retryWaiting.incrementAndGet();
        ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
        holder[0] = loop.schedule(() -> {
            retryTimers.remove(holder[0]);
            retryWaiting.decrementAndGet();
            if (!stopping) {
                dispatcher.dispatch(next);
            }
        }, jittered, TimeUnit.MILLISECONDS);
        retryTimers.add(holder[0]);
        log.debug("{} retry {} in {} ms for {} recipient(s)", next.id(), next.attempts() + 1, jittered,
                next.pendingRecipients().size());
    }

    /** Stops polling, holds what it has: nothing is up. Expired messages are checked every second. */
    private void pause() {
        if (!paused) {
            paused = true;
            log.debug("relay worker {} paused: {}", index, transport.notReadyReason());
        }
        if (expiryTimer == null && !stopping) {
            expiryTimer = loop.scheduleWithFixedDelay(this::expireWaiting, 1, 1, TimeUnit.SECONDS);
        }
        if (transport.ready()) {
            loop.execute(this::transportReady); // came back between our check and now
        }
    }

    /** A provider came up (a probe succeeded): resume, messages waiting for a provider first. Loop only. */
    private void transportReady() {
        if (stopping || !transport.ready() || (!paused && waitingForProvider.isEmpty())) {
            return;
        }
        unpause();
        atCapacity = false;
        drain();
    }

    private void unpause() {
        paused = false;
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        updateWaitingGauge();
    }

    /** While paused: messages past {@code retry.maxAgeSec} go to the failed store, oldest first. */
    private void expireWaiting() {
        if (stopping || (!paused && waitingForProvider.isEmpty())) {
            return;
        }
        if (transport.ready()) {
            transportReady(); // e.g. a reload added a provider that is up: no probe will say so
            return;
        }
        long maxAgeSec = config.current().retry().maxAgeSec();
        Instant now = clock.instant();
        int max = Math.max(1, transport.maxConcurrent());
        java.util.Iterator<SpooledMessage> it = waitingForProvider.iterator();
        while (it.hasNext() && inFlight.size() + reading < max) {
            SpooledMessage m = it.next();
            if (expired(m, now, maxAgeSec)) {
                it.remove();
                expire(m);
            }
        }
        if (paused) {
            SpooledMessage head;
            while (inFlight.size() + reading < max && (head = queue.peek()) != null
                    && expired(head, now, maxAgeSec)) {
                expire(queue.poll());
            }
        }
        updateWaitingGauge();
    }

    private static boolean expired(SpooledMessage m, Instant now, long maxAgeSec) {
        return Duration.between(m.envelope().receivedAt(), now).toSeconds() >= maxAgeSec;
    }

    private void expire(SpooledMessage m) {
        loadAndDeliver(m, "451 4.4.1 no upstream available: " + transport.notReadyReason());
    }

    private void updateWaitingGauge() {
        waitingGauge = waitingForProvider.size() + (paused ? queue.size() : 0);
    }

    /**
     * Messages this worker holds back because no provider is up: those whose attempt reached
     * none, plus (while paused) those in its queue. Any thread.
     */
    public int waitingForProvider() {
        return waitingGauge;
    }

    /** Stops polling; the promise completes when in-flight attempts are done. Loop only. */
    public void stop(Promise<Void> whenIdle) {
        stopping = true;
        stopped = whenIdle;
        waitingForProvider.clear(); // still in the spool: recovered at the next start
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        updateWaitingGauge();
        for (ScheduledFuture<?> t : retryTimers) {
            if (t.cancel(false)) {
                retryWaiting.decrementAndGet();
            }
        }
        retryTimers.clear();
        checkStopped();
    }

    /** Grace is over: abort what is still in flight without journalling (the spool keeps it). */
    public void abandon() {
        abandoned = true;
        for (Delivery d : new ArrayList<>(inFlight)) {
            d.abort("451 4.3.2 shutting down");
        }
        transport.close();
        if (stopped != null) {
            stopped.trySuccess(null);
        }
    }

    private void checkStopped() {
        if (stopping && stopped != null && inFlight.isEmpty() && reading == 0 && finishing == 0) {
            if (stopped.trySuccess(null)) {
                log.debug("relay worker {} idle after stop", index);
            }
        }
    }
}
