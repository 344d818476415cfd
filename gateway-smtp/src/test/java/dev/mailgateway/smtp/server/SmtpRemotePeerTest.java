package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.text.LogAddress;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that is not loopback, which real-socket tests (127.0.0.1 only) cannot be: the handler
 * on an {@link EmbeddedChannel}, whose remote address is not an IP address.
 */
class SmtpRemotePeerTest {

    private final CapturingIngress ingress = new CapturingIngress();
    private EmbeddedChannel channel;

    private SmtpServerContext context(String json) {
        return new SmtpServerContext(new LiveConfig(ConfigLoader.fromJson(json)), ingress, new GatewayMetrics(),
                new QueueIdGenerator(), null);
    }

    private void open(SmtpServerContext ctx) {
        SmtpServerDecoder decoder = new SmtpServerDecoder(ctx.maxLineLength);
        channel = new EmbeddedChannel(decoder, new SmtpServerHandler(ctx, decoder));
    }

    private String exchange(String line) {
        channel.writeInbound(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
        return readAll();
    }

    private String readAll() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        ingress.close();
    }

    @Test
    void authIsNotOfferedOnAPlainConnectionFromARemotePeer_rfc4954_4() {
        open(context("""
                {"defaultUsername": "u", "defaultPassword": "p", "smtp": {"hostname": "mx.test"}}"""));
        assertThat(readAll()).startsWith("220 mx.test");
        assertThat(exchange("EHLO remote.example")).doesNotContain("AUTH");
        assertThat(exchange("AUTH PLAIN AHUAcA==")).startsWith("538 5.7.11");
    }

    @Test
    void unexpectedErrorIs421AndClose() {
        open(context("""
                {"security": {"requireAuth": false}, "smtp": {"hostname": "mx.test"}}"""));
        readAll();
        channel.pipeline().fireExceptionCaught(new IllegalStateException("test: a bug"));
        assertThat(readAll()).startsWith("421 4.3.0");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void repliesToAPipelinedGroupAreFlushedTogether_rfc2920() {
        open(context("""
                {"security": {"requireAuth": false}, "smtp": {"hostname": "mx.test"}}"""));
        readAll();
        channel.writeInbound(Unpooled.copiedBuffer("EHLO a\r\nNOOP\r\nVRFY x\r\n", StandardCharsets.US_ASCII));
        assertThat(readAll()).contains("250 DSN\r\n250 2.0.0 Ok\r\n252 2.5.0");
    }

    @Test
    void accessPolicyFollowsAllowLocalOnlyThenAllowedNetworks() throws Exception {
        SmtpServerContext local = context("{}");
        assertThat(local.admits(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(local.admits(InetAddress.getByName("::1"))).isTrue();
        assertThat(local.admits(InetAddress.getByName("10.1.2.3"))).isFalse();
        SmtpServerContext nets = context("""
                {"security": {"allowLocalOnly": false, "allowedNetworks": ["10.0.0.0/8", "2001:db8::/32"]}}""");
        assertThat(nets.admits(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(nets.admits(InetAddress.getByName("2001:db8::5"))).isTrue();
        assertThat(nets.admits(InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(nets.admits(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void logLinesMaskAddressesWhenLogAllEmailsIsOff() {
        // the SMTP session's lines use the relay's rule (LogAddress), so one message's lines agree
        assertThat(LogAddress.of("john.doe@Example.COM", ConfigLoader.fromJson(
                "{\"security\": {\"logAllEmails\": false}}").security().logAllEmails())).isEqualTo("j***@example.com");
        assertThat(LogAddress.of("john.doe@example.com", ConfigLoader.fromJson("{}").security().logAllEmails()))
                .isEqualTo("john.doe@example.com");
        assertThat(LogAddress.of("", ConfigLoader.fromJson("{}").security().logAllEmails())).isEqualTo("<>");
    }

    @Test
    void receivedHeaderFollowsRfc5321_4_4() throws Exception {
        byte[] h = ReceivedHeader.build("client.example", InetAddress.getByName("::1"), "mx.test", "ESMTPSA",
                "0123456789ABCDEF", java.time.ZonedDateTime.of(2026, 11, 30, 21, 0, 5, 0, java.time.ZoneOffset.UTC));
        assertThat(new String(h, StandardCharsets.US_ASCII)).isEqualTo(
                "Received: from client.example ([IPv6:0:0:0:0:0:0:0:1])\r\n\tby mx.test with ESMTPSA id "
                        + "0123456789ABCDEF;\r\n\tMon, 30 Nov 2026 21:00:05 +0000\r\n");
    }
}
