package dev.mailgateway.testkit;

import dev.mailgateway.core.net.NettyTransport;

/**
 * Starts the fast Netty {@link SmtpSink} on 127.0.0.1:0 and closes it after each test:
 * {@code @RegisterExtension final SmtpSinkExtension sinks = new SmtpSinkExtension();} then
 * {@code SmtpSink sink = sinks.start();}.
 */
public final class SmtpSinkExtension extends CloseAfterEach {

    /** A new sink on the detected transport (epoll or NIO), closed after the test. */
    public SmtpSink start() {
        return add(new SmtpSink(NettyTransport.detect()));
    }
}
