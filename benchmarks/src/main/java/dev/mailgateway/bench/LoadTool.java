package dev.mailgateway.bench;

import dev.mailgateway.core.net.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end SMTP load generator: C concurrent connections send M messages of S bytes with R
 * recipients, K messages per connection (1 = a new connection per message, as many apps do).
 * Reports accepted messages/s, accept latency (final dot sent to 250 received) p50/p99/p99.9
 * from an HdrHistogram, errors by reply code, and a last line of JSON for scripts.
 *
 * <p>Every run is bounded: at most M messages are claimed, at most {@code --duration} seconds,
 * a per-reply timeout. Only loopback targets unless {@code --allow-remote}. {@code --idle N}
 * opens N connections, answers their EHLO, prints {@code IDLE_READY n} and holds them for
 * {@code --hold} seconds (the memory-per-connection check).
 *
 * <p>Event loop threads: {@code -Dbench.threads} (default 1; the client should cost little).
 */
public final class LoadTool implements LoadClientHandler.Run {

    private static final AttributeKey<Boolean> IDLE_OK = AttributeKey.valueOf("idleOk");

    private final LoadOptions options;
    private final LoadStats stats = new LoadStats();
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong nextSlot = new AtomicLong();
    private final long intervalNanos;
    private final AtomicInteger liveSlots = new AtomicInteger();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicInteger idleReady = new AtomicInteger();
    private final AtomicInteger idleAttempted = new AtomicInteger();
    private final AtomicInteger idleFailed = new AtomicInteger();
    private final CountDownLatch idleAllSettled = new CountDownLatch(1);
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean stopped;

    private EventLoopGroup group;
    private Bootstrap bootstrap;
    private InetSocketAddress target;
    private ByteBuf message;

    public LoadTool(LoadOptions options) {
        this.options = options;
        this.intervalNanos = options.ratePerSec() > 0 ? (long) (1e9 / options.ratePerSec()) : 0;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
            options.resolveTarget();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(64);
            return;
        }
        Result r = new LoadTool(options).run();
        r.print(System.out);
        System.exit(r.completed ? 0 : 3);
    }

    /** Runs the load (or the idle hold) to the end or the duration cap; blocks the caller. */
    public Result run() throws Exception {
        InetAddress addr = options.resolveTarget();
        target = new InetSocketAddress(addr, options.port());
        NettyTransport transport = NettyTransport.detect();
        group = transport.newGroup(Integer.getInteger("bench.threads", 1), "load-io");
        message = MessageTemplate.build(options.messageBytes());
        bootstrap = new Bootstrap().group(group).channel(transport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long start = System.nanoTime();
        nextSlot.set(start);
        boolean completed;
        try {
            completed = options.idleMode() ? runIdle() : runLoad();
        } finally {
            stopped = true;
            channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(options, stats, elapsed, completed, idleReady.get(), transport.name());
    }

    private boolean runLoad() throws InterruptedException {
        int slots = (int) Math.min(options.concurrency(), options.messages());
        liveSlots.set(slots);
        for (int i = 0; i < slots; i++) {
            openConnection();
        }
        Thread progress = progressReporter();
        boolean completed = done.await(options.durationSec(), TimeUnit.SECONDS);
        progress.interrupt();
        if (!completed) {
            System.err.println("duration cap of " + options.durationSec() + " s reached, stopping");
            stopped = true;
            channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            done.await(10, TimeUnit.SECONDS);
        }
        return completed;
    }

    private void openConnection() {
        if (!claim()) {
            slotDone();
            return;
        }
        connect(true).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                stats.recordError("connect");
                stats.recordFailedMessage();
                if (stopped) {
                    slotDone();
                } else {
                    group.schedule(this::openConnection, 20, TimeUnit.MILLISECONDS);
                }
                return;
            }
            stats.connections.increment();
            f.channel().closeFuture().addListener(c -> openConnection());
        });
    }

    private ChannelFuture connect(boolean firstMessageClaimed) {
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                ch.pipeline().addLast(new LineBasedFrameDecoder(4096));
                if (!options.idleMode()) {
                    ch.pipeline().addLast(new ReadTimeoutHandler(options.replyTimeoutSec()));
                }
                ch.pipeline().addLast(new LoadClientHandler(LoadTool.this, options, message,
                        firstMessageClaimed));
            }
        });
        return b.connect(target);
    }

    private void slotDone() {
        if (liveSlots.decrementAndGet() == 0) {
            done.countDown();
        }
    }

    private boolean runIdle() throws InterruptedException {
        int parallel = Math.min(options.concurrency(), options.idleConnections());
        for (int i = 0; i < parallel; i++) {
            openIdle();
        }
        boolean settled = idleAllSettled.await(options.durationSec(), TimeUnit.SECONDS);
        System.out.println("IDLE_READY " + idleReady.get() + " failed=" + idleFailed.get());
        System.out.flush();
        if (settled && options.holdSec() > 0) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.holdSec()));
        }
        return settled && idleFailed.get() == 0;
    }

    private void openIdle() {
        if (stopped || idleAttempted.incrementAndGet() > options.idleConnections()) {
            return;
        }
        connect(false).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                stats.recordError("connect");
                idleSettled(false);
                return;
            }
            stats.connections.increment();
            f.channel().closeFuture().addListener(c -> {
                if (!stopped && f.channel().attr(IDLE_OK).get() == null) {
                    idleSettled(false); // closed before its EHLO was answered
                }
            });
        });
    }


    private void idleSettled(boolean ok) {
        if (ok) {
            idleReady.incrementAndGet();
        } else {
            idleFailed.incrementAndGet();
        }
        if (idleReady.get() + idleFailed.get() >= options.idleConnections()) {
            idleAllSettled.countDown();
        } else {
            openIdle();
        }
    }

    @Override
    public void idleReady(Channel channel) {
        // called on the channel's loop; mark it so a later close is not counted as a failure
        channel.attr(IDLE_OK).set(Boolean.TRUE);
        idleSettled(true);
    }

    @Override
    public boolean claim() {
        return !stopped && claimed.incrementAndGet() <= options.messages();
    }

    @Override
    public long paceDelayNanos() {
        if (intervalNanos == 0) {
            return 0;
        }
        return nextSlot.getAndAdd(intervalNanos) - System.nanoTime();
    }

    @Override
    public LoadStats stats() {
        return stats;
    }

    private Thread progressReporter() {
        Thread t = new Thread(() -> {
            long last = 0;
            try {
                while (!stopped) {
                    Thread.sleep(5000);
                    long now = stats.accepted.sum();
                    System.err.printf(Locale.ROOT, "progress: accepted %d (+%d/5s) failed %d%n",
                            now, now - last, stats.failed.sum());
                    last = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "load-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The outcome of a run. */
    public static final class Result {
        final LoadOptions options;
        final LoadStats stats;
        final double elapsedSec;
        final boolean completed;
        final int idleReady;
        final String transport;

        Result(LoadOptions options, LoadStats stats, double elapsedSec, boolean completed,
               int idleReady, String transport) {
            this.options = options;
            this.stats = stats;
            this.elapsedSec = elapsedSec;
            this.completed = completed;
            this.idleReady = idleReady;
            this.transport = transport;
        }

        public long accepted() {
            return stats.accepted.sum();
        }

        public long failed() {
            return stats.failed.sum();
        }

        public Map<String, Long> errors() {
            return stats.errors();
        }

        public double acceptedPerSec() {
            return elapsedSec <= 0 ? 0 : accepted() / elapsedSec;
        }

        public void print(PrintStream out) {
            if (options.idleMode()) {
                out.printf(Locale.ROOT, "idle connections held: %d of %d (errors %s)%n",
                        idleReady, options.idleConnections(), errors());
            } else {
                out.printf(Locale.ROOT, "target %s:%d transport %s, %d connections, %d msgs x %d B,"
                                + " %d rcpt, %d msg/conn%s%n",
                        options.host(), options.port(), transport, options.concurrency(),
                        options.messages(), options.messageBytes(), options.recipients(),
                        options.messagesPerConnection(),
                        options.ratePerSec() > 0 ? ", rate " + options.ratePerSec() + "/s" : "");
                out.printf(Locale.ROOT, "accepted %d, failed %d in %.3f s: %.1f msgs/s%n",
                        accepted(), failed(), elapsedSec, acceptedPerSec());
                out.printf(Locale.ROOT, "accept latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                        stats.latencyMs(50), stats.latencyMs(99), stats.latencyMs(99.9), stats.maxLatencyMs());
                out.printf(Locale.ROOT, "MAIL FROM latency ms: p50 %.3f  p99 %.3f%n",
                        stats.mailFromLatencyMs(50), stats.mailFromLatencyMs(99));
                out.println("errors by code: " + errors());
            }
            out.println(json());
        }

        /** The machine-readable summary (one line). */
        public String json() {
            StringBuilder e = new StringBuilder("{");
            errors().forEach((k, v) -> e.append(e.length() > 1 ? "," : "").append('"').append(k)
                    .append("\":").append(v));
            e.append('}');
            return String.format(Locale.ROOT, "{\"tool\":\"LoadTool\",\"mode\":\"%s\",\"host\":\"%s\","
                            + "\"port\":%d,\"connections\":%d,\"messages\":%d,\"size\":%d,\"recipients\":%d,"
                            + "\"perConnection\":%d,\"rate\":%.1f,\"elapsedSec\":%.3f,\"accepted\":%d,"
                            + "\"failed\":%d,\"acceptedPerSec\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,"
                            + "\"p999Ms\":%.3f,\"maxMs\":%.3f,\"connectionsOpened\":%d,\"idleReady\":%d,"
                            + "\"mailP50Ms\":%.3f,\"mailP99Ms\":%.3f,\"completed\":%b,\"errors\":%s}",
                    options.idleMode() ? "idle" : "load", options.host(), options.port(),
                    options.concurrency(), options.messages(), options.messageBytes(),
                    options.recipients(), options.messagesPerConnection(), options.ratePerSec(),
                    elapsedSec, accepted(), failed(), acceptedPerSec(), stats.latencyMs(50),
                    stats.latencyMs(99), stats.latencyMs(99.9), stats.maxLatencyMs(),
                    stats.connections.sum(), idleReady, stats.mailFromLatencyMs(50),
                    stats.mailFromLatencyMs(99), completed, e);
        }
    }
}
