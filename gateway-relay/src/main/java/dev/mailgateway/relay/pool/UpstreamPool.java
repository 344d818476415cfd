package dev.mailgateway.relay.pool;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.relay.client.UpstreamConnection;
import dev.mailgateway.relay.client.UpstreamConnector;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Connections to one upstream for one worker, owned by the worker's event loop (no locks):
 * an {@link ArrayDeque} of idle connections, most recently used first (so the others age out),
 * at most {@code relay.poolMaxPerUpstream} open, idle ones closed after
 * {@code relay.poolIdleTimeoutSec} by {@link #evictIdle}. A connection the upstream closed while
 * idle is dropped when found; the transaction on a reused connection starts with RSET and is
 * re-run on a fresh one if that connection proves dead (see {@code SmtpTransaction}).
 *
 * <p>Call order: {@link #acquire}, then exactly one of {@link #release} or {@link #discard}.
 */
public final class UpstreamPool {

    private final ProviderConfig provider;
    private final String address;
    private final EventLoop loop;
    private final UpstreamConnector connector;
    private final Supplier<RelayConfig> relayConfig;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Promise<UpstreamConnection>> waiters = new ArrayDeque<>();
    private int open; // connected or connecting, idle or in use
    private volatile int openGauge;
    private volatile int idleGauge;
    private boolean closed;

    public UpstreamPool(ProviderConfig provider, EventLoop loop, UpstreamConnector connector,
                        Supplier<RelayConfig> relayConfig) {
        this.provider = provider;
        this.address = provider.address();
        this.loop = loop;
        this.connector = connector;
        this.relayConfig = relayConfig;
    }

    public ProviderConfig provider() {
        return provider;
    }

    /** host:port of the provider, computed once. */
    public String address() {
        return address;
    }

    /** An idle connection, a new one, or (at the cap) the next one released. Loop only. */
    public Future<UpstreamConnection> acquire() {
        Promise<UpstreamConnection> promise = loop.newPromise();
        if (closed) {
            promise.setFailure(new IllegalStateException("pool closed"));
            return promise;
        }
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.isActive()) {
                updateGauges();
                promise.setSuccess(c);
                return promise;
            }
            // closed by the upstream while idle: onClosed accounts for it
        }
        updateGauges();
        if (open < relayConfig.get().poolMaxPerUpstream()) {
            connectFor(promise);
        } else {
            waiters.addLast(promise);
        }
        return promise;
    }

    private void connectFor(Promise<UpstreamConnection> promise) {
        open++;
        updateGauges();
        connector.connect(provider, relayConfig.get(), loop).addListener((Future<UpstreamConnection> f) -> {
            if (!f.isSuccess()) {
                open--;
                updateGauges();
                promise.tryFailure(f.cause());
                serveWaiter();
                return;
            }
            UpstreamConnection c = f.getNow();
            c.channel().closeFuture().addListener(x -> onClosed(c)); // runs on the channel's loop, ours
            if (!promise.trySuccess(c)) {
                release(c);
            }
        });
    }

    /** Returns a healthy connection for reuse. Loop only. */
    public void release(UpstreamConnection c) {
        if (!c.isActive()) {
            return; // onClosed accounts for it
        }
        if (closed) {
            c.quit();
            return;
        }
        Promise<UpstreamConnection> w;
        while ((w = waiters.pollFirst()) != null) {
            if (w.trySuccess(c)) {
                return;
            }
        }
        c.markIdle(System.nanoTime());
        idle.addFirst(c);
        updateGauges();
    }

    /** Closes a connection that must not be reused. Loop only. */
    public void discard(UpstreamConnection c) {
        c.close();
    }

    private void onClosed(UpstreamConnection c) {
        idle.remove(c); // if it died while idle
        open--;
        updateGauges();
        serveWaiter();
    }

    private void serveWaiter() {
        if (!waiters.isEmpty() && open < relayConfig.get().poolMaxPerUpstream() && !closed) {
            connectFor(waiters.pollFirst());
        }
    }

    /** Closes connections idle longer than {@code relay.poolIdleTimeoutSec}. Loop only. */
    public void evictIdle() {
        long maxIdle = TimeUnit.SECONDS.toNanos(relayConfig.get().poolIdleTimeoutSec());
        long now = System.nanoTime();
        // oldest are at the tail
        Iterator<UpstreamConnection> it = idle.descendingIterator();
        while (it.hasNext()) {
            UpstreamConnection c = it.next();
            if (now - c.idleSinceNanos() < maxIdle) {
                break;
            }
            it.remove();
            c.quit(); // onClosed decrements open
        }
        updateGauges();
    }

    /** QUITs idle connections and refuses new acquisitions; in-use ones close on release. */
    public void close() {
        closed = true;
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.quit();
        }
        Promise<UpstreamConnection> w;
        while ((w = waiters.pollFirst()) != null) {
            w.tryFailure(new IllegalStateException("pool closed"));
        }
        updateGauges();
    }

    private void updateGauges() {
        openGauge = open;
        idleGauge = idle.size();
    }

    /** Open connections (any thread, for gauges). */
    public int openCount() {
        return openGauge;
    }

    /** Idle connections (any thread, for gauges). */
    public int idleCount() {
        return idleGauge;
    }
}
