package dev.mailgateway.testkit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import dev.mailgateway.core.net.NettyTransport;

/** A fast pipelining SMTP sink (Netty) that counts messages; for throughput runs in tests. */
public final class SmtpSink implements AutoCloseable {

    public final AtomicLong messages = new AtomicLong();
    private final EventLoopGroup group;
    private final Channel server;

    public SmtpSink(NettyTransport transport) {
        group = transport.newGroup(1, "sink");
        server = new ServerBootstrap().group(group).channel(transport.serverChannelClass())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Session());
                        ch.writeAndFlush(ByteBufUtil.writeAscii(ch.alloc(), "220 sink ESMTP\r\n"));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Session extends ByteToMessageDecoder {
        private boolean data;
        private int matched; // progress through CRLF.CRLF

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.isReadable()) {
                if (data) {
                    // find CRLF.CRLF with a ByteProcessor (no per-byte bounds checks)
                    int found = in.forEachByte(b -> {
                        matched = switch (matched) {
                            case 0 -> b == '\r' ? 1 : 0;
                            case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                            case 2 -> b == '.' ? 3 : b == '\r' ? 1 : 0;
                            case 3 -> b == '\r' ? 4 : 0;
                            case 4 -> b == '\n' ? 5 : b == '\r' ? 1 : 0;
                            default -> 0;
                        };
                        return matched != 5;
                    });
                    if (found < 0) {
                        in.skipBytes(in.readableBytes());
                        return;
                    }
                    in.readerIndex(found + 1);
                    data = false;
                    matched = 0;
                    messages.incrementAndGet();
                    ctx.write(ByteBufUtil.writeAscii(ctx.alloc(), "250 2.0.0 Ok\r\n"));
                    continue;
                }
                int eol = in.forEachByte(ByteProcessor.FIND_LF);
                if (eol < 0) {
                    return;
                }
                String line = in.toString(in.readerIndex(), eol - in.readerIndex(), StandardCharsets.US_ASCII).trim();
                in.readerIndex(eol + 1);
                String reply;
                if (line.startsWith("EHLO")) {
                    reply = "250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n";
                } else if (line.equals("DATA")) {
                    data = true;
                    matched = 2; // DATA's CRLF counts: a body of just "." ends at once
                    reply = "354 go\r\n";
                } else if (line.equals("QUIT")) {
                    ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), "221 bye\r\n")).addListener(f -> ctx.close());
                    return;
                } else {
                    reply = "250 Ok\r\n";
                }
                ctx.write(ByteBufUtil.writeAscii(ctx.alloc(), reply));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            ctx.flush();
            super.channelReadComplete(ctx);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
