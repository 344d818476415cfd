package dev.mailgateway.bench;

import dev.mailgateway.core.net.NettyTransport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fast SMTP sink for end-to-end runs: accepts any SMTP (EHLO with PIPELINING and 8BITMIME,
 * MAIL, RCPT, DATA to the terminator, RSET, NOOP, AUTH, QUIT), discards the content and counts
 * messages, recipients and bytes. Prints {@code LISTENING host:port} when bound, a count every
 * {@code --print-every} seconds, and a JSON summary line at exit. With {@code --exit-after N}
 * it exits once N messages have arrived (end-to-end timing); {@code --max-seconds} caps its life.
 *
 * <p>Usage: {@code SmtpSink [--host 127.0.0.1] [--port 2526] [--threads 1] [--exit-after N]
 * [--print-every SEC] [--max-seconds 3600] [--allow-remote]}
 */
public final class SmtpSink implements AutoCloseable {

    private final SinkStats stats;
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Binds the sink; {@code port} 0 picks a free port (see {@link #address()}). */
    public SmtpSink(InetSocketAddress bind, int threads, long exitAfter) throws InterruptedException {
        this(bind, threads, exitAfter, 0);
    }

    /** As above, also reaching its target once {@code exitAfterRecipients} recipients arrived. */
    public SmtpSink(InetSocketAddress bind, int threads, long exitAfter, long exitAfterRecipients)
            throws InterruptedException {
        this.stats = new SinkStats(exitAfter, exitAfterRecipients);
        NettyTransport transport = NettyTransport.detect();
        this.group = transport.newGroup(threads, "sink-io");
        try {
            this.server = new ServerBootstrap().group(group).channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new SinkHandler(stats));
                        }
                    })
                    .bind(bind).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public long messages() {
        return stats.messages();
    }

    public long recipients() {
        return stats.recipients();
    }

    public long bytes() {
        return stats.bytes();
    }

    /** Waits until the {@code exitAfter} target is reached; false on timeout. */
    public boolean awaitTarget(long millis) throws InterruptedException {
        return stats.awaitTarget(millis);
    }

    /** The summary line printed at exit. */
    public String json() {
        return String.format(Locale.ROOT, "{\"tool\":\"SmtpSink\",\"messages\":%d,\"recipients\":%d,"
                        + "\"bytes\":%d,\"connections\":%d,\"firstMessageEpochMs\":%d,"
                        + "\"lastMessageEpochMs\":%d,\"targetReachedEpochMs\":%d,\"cpuMs\":%d}",
                stats.messages(), stats.recipients(), stats.bytes(), stats.connections(),
                stats.firstMessageEpochMs(), stats.lastMessageEpochMs(), stats.targetReachedEpochMs(),
                ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis()).orElse(-1L));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 2526;
        int threads = 1;
        long exitAfter = 0;
        long exitAfterRcpts = 0;
        int printEvery = 0;
        int maxSeconds = 3600;
        boolean allowRemote = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String opt = args[i];
                if (opt.equals("--allow-remote")) {
                    allowRemote = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(opt + " needs a value");
                }
                String v = args[++i];
                switch (opt) {
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--exit-after" -> exitAfter = Long.parseLong(v);
                    case "--exit-after-rcpts" -> exitAfterRcpts = Long.parseLong(v);
                    case "--print-every" -> printEvery = Integer.parseInt(v);
                    case "--max-seconds" -> maxSeconds = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + opt);
                }
            }
            if (port < 0 || port > 65535 || threads < 1 || threads > 64 || exitAfter < 0
                    || exitAfterRcpts < 0 || printEvery < 0 || maxSeconds < 1 || maxSeconds > 86_400) {
                throw new IllegalArgumentException("option out of range");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\nusage: SmtpSink [--host 127.0.0.1] [--port 2526]"
                    + " [--threads 1] [--exit-after N] [--exit-after-rcpts N] [--print-every SEC] [--max-seconds 3600]"
                    + " [--allow-remote]");
            System.exit(64);
            return;
        }
        InetAddress addr = InetAddress.getByName(host);
        if (!addr.isLoopbackAddress() && !allowRemote) {
            System.err.println("refusing to listen on non-loopback " + addr.getHostAddress()
                    + " without --allow-remote");
            System.exit(64);
            return;
        }
        SmtpSink sink = new SmtpSink(new InetSocketAddress(addr, port), threads, exitAfter, exitAfterRcpts);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!sink.closed.get()) {
                System.out.println(sink.json());
                System.out.flush();
            }
        }, "sink-exit"));
        InetSocketAddress a = sink.address();
        System.out.println("LISTENING " + a.getAddress().getHostAddress() + ":" + a.getPort());
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        long step = printEvery > 0 ? TimeUnit.SECONDS.toMillis(printEvery) : 1000;
        long lastPrinted = -1;
        boolean reached = false;
        while (System.nanoTime() < deadline) {
            if (exitAfter > 0 || exitAfterRcpts > 0) {
                reached = sink.awaitTarget(step);
            } else {
                Thread.sleep(step);
            }
            if (reached) {
                break;
            }
            if (printEvery > 0 && sink.messages() != lastPrinted) {
                lastPrinted = sink.messages();
                System.out.println("count " + lastPrinted + " messages " + sink.recipients() + " recipients");
                System.out.flush();
            }
        }
        String summary = sink.json();
        sink.close();
        System.out.println(summary);
        System.out.flush();
        System.exit(reached || (exitAfter == 0 && exitAfterRcpts == 0) ? 0 : 3);
    }
}
