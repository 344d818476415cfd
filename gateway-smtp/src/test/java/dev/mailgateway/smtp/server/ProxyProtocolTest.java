package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.ConfigLoader;
import dev.mailgateway.core.config.LiveConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueIdGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * smtp.proxyProtocol, written from the PROXY protocol spec (haproxy.org proxy-protocol.txt,
 * sections 2.1 "human-readable header format (version 1)" and 2.2 "binary header format
 * (version 2)"): the initializer's pipeline on an EmbeddedChannel whose TCP peer is the load
 * balancer 10.0.0.5 (trusted) or 203.0.113.9 (not).
 */
class ProxyProtocolTest {

    private static final InetAddress BALANCER = ip("10.0.0.5");
    private static final InetAddress STRANGER = ip("203.0.113.9");

    /** Section 2.2: the 12-byte v2 signature. */
    private static final byte[] V2_SIGNATURE = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final CapturingIngress ingress = new CapturingIngress();
    private final List<EmbeddedChannel> open = new ArrayList<>();
    private SmtpServerContext context;
    private SmtpServerInitializer initializer;

    private void server(String json) {
        context = new SmtpServerContext(new LiveConfig(ConfigLoader.fromJson(json)), ingress,
                new GatewayMetrics(), new QueueIdGenerator(), null);
        initializer = new SmtpServerInitializer(context,
                new DefaultChannelGroup("test", GlobalEventExecutor.INSTANCE));
    }

    private void proxyServer() {
        server("""
                {"smtp": {"hostname": "mx.test", "proxyProtocol": true, "proxyTrustedNetworks": ["10.0.0.5/32"]},
                 "security": {"requireAuth": false, "allowLocalOnly": false, "allowOpenRelay": true,
                              "allowedNetworks": ["192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32"]},
                 "limits": {"maxConnectionsPerIp": 1}}""");
    }

    /** A connection accepted from {@code peer}: initChannel, then the channel becomes active. */
    private EmbeddedChannel connect(InetAddress peer) {
        EmbeddedChannel ch = new EmbeddedChannel();
        open.add(ch);
        initializer.init(ch, peer);
        ch.pipeline().fireChannelActive();
        return ch;
    }

    private static String send(EmbeddedChannel ch, byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        return read(ch);
    }

    private static String send(EmbeddedChannel ch, String text) {
        return send(ch, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String read(EmbeddedChannel ch) {
        for (int i = 0; i < 10; i++) {
            ch.runPendingTasks();
        }
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @AfterEach
    void close() {
        open.forEach(EmbeddedChannel::finishAndReleaseAll);
        ingress.close();
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Section 2.2: signature, version/command, family/protocol, length, addresses and ports. */
    private static byte[] v2(int command, int family, byte[] src, byte[] dst, int srcPort, int dstPort) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(V2_SIGNATURE);
        out.write(0x20 | command);            // version 2, 0x0 LOCAL / 0x1 PROXY
        out.write(family);                    // 0x11 TCP over IPv4, 0x21 TCP over IPv6, 0x00 UNSPEC
        int len = src.length + dst.length + (src.length > 0 ? 4 : 0);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(src);
        out.writeBytes(dst);
        if (src.length > 0) {
            out.write(srcPort >> 8);
            out.write(srcPort & 0xff);
            out.write(dstPort >> 8);
            out.write(dstPort & 0xff);
        }
        return out.toByteArray();
    }

    private static byte[] v2Tcp4(String src) {
        return v2(0x1, 0x11, ip(src).getAddress(), ip("10.0.0.1").getAddress(), 56324, 25);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Greets, then one message; returns its Received header line. */
    private String receivedAfterTransaction(EmbeddedChannel ch, String greeting) throws InterruptedException {
        assertThat(greeting).startsWith("220 mx.test ESMTP ready");
        assertThat(send(ch, "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"))
                .contains("250 2.1.0").contains("250 2.1.5").contains("354");
        send(ch, "Subject: t\r\n\r\nhi\r\n.\r\n");
        String received = new String(ingress.next().content(), StandardCharsets.ISO_8859_1);
        return received.substring(0, received.indexOf("\r\n"));
    }

    @Test
    void v1HeaderSplitAtEveryByteGivesTheHeadersClientAddress_spec2_1() throws Exception {
        proxyServer();
        byte[] header = "PROXY TCP4 192.0.2.7 10.0.0.1 56324 25\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split < header.length; split++) {
            EmbeddedChannel ch = connect(BALANCER);
            assertThat(send(ch, Arrays.copyOfRange(header, 0, split))).as("no greeting before the header, split %d", split)
                    .isEmpty();
            assertThat(ch.isOpen()).isTrue();
            String greeting = send(ch, Arrays.copyOfRange(header, split, header.length));
            assertThat(receivedAfterTransaction(ch, greeting)).as("split %d", split)
                    .isEqualTo("Received: from client.example ([192.0.2.7])");
            ch.close();
            read(ch);
        }
    }

    @Test
    void v2HeaderSplitAtEveryByteGivesTheHeadersClientAddress_spec2_2() throws Exception {
        proxyServer();
        byte[] header = v2Tcp4("192.0.2.8");
        for (int split = 1; split < header.length; split++) {
            EmbeddedChannel ch = connect(BALANCER);
            assertThat(send(ch, Arrays.copyOfRange(header, 0, split))).as("split %d", split).isEmpty();
            String greeting = send(ch, Arrays.copyOfRange(header, split, header.length));
            assertThat(receivedAfterTransaction(ch, greeting)).as("split %d", split)
                    .isEqualTo("Received: from client.example ([192.0.2.8])");
            ch.close();
            read(ch);
        }
    }

    @Test
    void v2Ipv6SourceAppearsAsAnIpv6Literal_spec2_2() throws Exception {
        proxyServer();
        EmbeddedChannel ch = connect(BALANCER);
        String greeting = send(ch, v2(0x1, 0x21, ip("2001:db8::7").getAddress(), ip("2001:db8::1").getAddress(), 1, 25));
        assertThat(receivedAfterTransaction(ch, greeting)).isEqualTo("Received: from client.example ([IPv6:2001:db8:0:0:0:0:0:7])");
    }

    @Test
    void bytesPipelinedAfterTheHeaderAreTheFirstCommand() {
        proxyServer();
        EmbeddedChannel ch = connect(BALANCER);
        String replies = send(ch, concat(v2Tcp4("192.0.2.9"), "NOOP\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(replies).startsWith("220 mx.test ESMTP ready\r\n").endsWith("250 2.0.0 Ok\r\n");
    }

    @Test
    void v2LocalIsServedAsTheBalancerItself_spec2_2() throws Exception {
        proxyServer();
        EmbeddedChannel ch = connect(BALANCER);
        String greeting = send(ch, v2(0x0, 0x00, new byte[0], new byte[0], 0, 0)); // HAProxy check-send-proxy
        assertThat(receivedAfterTransaction(ch, greeting)).isEqualTo("Received: from client.example ([10.0.0.5])");
    }

    @Test
    void v1UnknownIsServedAsTheBalancerItself_spec2_1() {
        proxyServer();
        EmbeddedChannel ch = connect(BALANCER);
        assertThat(send(ch, "PROXY UNKNOWN\r\nNOOP\r\n")).startsWith("220 mx.test").endsWith("250 2.0.0 Ok\r\n");
    }

    @Test
    void perIpConnectionLimitCountsTheClientNotTheBalancer() {
        proxyServer(); // limits.maxConnectionsPerIp 1
        EmbeddedChannel first = connect(BALANCER);
        assertThat(send(first, v2Tcp4("192.0.2.7"))).startsWith("220 ");
        EmbeddedChannel sameClient = connect(BALANCER);
        assertThat(send(sameClient, "PROXY TCP4 192.0.2.7 10.0.0.1 40000 25\r\n")).startsWith("421 4.7.0");
        assertThat(sameClient.isOpen()).isFalse();
        EmbeddedChannel otherClient = connect(BALANCER);
        assertThat(send(otherClient, v2Tcp4("192.0.2.8"))).startsWith("220 ");
    }

    @Test
    void accessPolicyAppliesToTheClientAddress() {
        proxyServer(); // allowedNetworks: 192.0.2.0/24, 10.0.0.0/8
        EmbeddedChannel ch = connect(BALANCER);
        assertThat(send(ch, v2Tcp4("198.51.100.1"))).startsWith("554 5.7.1");
        assertThat(ch.isOpen()).isFalse();
        assertThat(context.metrics.connectionsRejected.getCount()).isEqualTo(1);
    }

    @Test
    void untrustedPeerWithAHeaderIsRefusedWith554BeforeReadingIt() {
        proxyServer();
        EmbeddedChannel ch = connect(STRANGER);
        assertThat(read(ch)).startsWith("554 5.7.1").doesNotContain("220");
        assertThat(ch.isOpen()).isFalse(); // closed before its header is read
        assertThat(context.metrics.connectionsRejected.getCount()).isEqualTo(1);
    }

    @Test
    void trustedPeerWithoutAHeaderIsClosedWithoutAGreeting() {
        proxyServer();
        EmbeddedChannel ch = connect(BALANCER);
        assertThat(send(ch, "EHLO client.example\r\n")).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void garbageIsClosedWithoutAGreeting() {
        proxyServer();
        EmbeddedChannel tls = connect(BALANCER); // a TLS ClientHello where a header belongs
        byte[] hello = new byte[200];
        new java.util.Random(7).nextBytes(hello);
        hello[0] = 0x16;
        hello[1] = 0x03;
        hello[2] = 0x01;
        assertThat(send(tls, hello)).isEmpty();
        assertThat(tls.isOpen()).isFalse();
        EmbeddedChannel badAddress = connect(BALANCER);
        assertThat(send(badAddress, "PROXY TCP4 999.0.2.7 10.0.0.1 56324 25\r\n")).isEmpty();
        assertThat(badAddress.isOpen()).isFalse();
        EmbeddedChannel endless = connect(BALANCER); // v1 is at most 107 octets (spec 2.1)
        assertThat(send(endless, "PROXY TCP4 " + "1".repeat(120))).isEmpty();
        assertThat(endless.isOpen()).isFalse();
        byte[] badVersion = v2Tcp4("192.0.2.7");
        badVersion[12] = 0x31; // version 3
        EmbeddedChannel v3 = connect(BALANCER);
        assertThat(send(v3, badVersion)).isEmpty();
        assertThat(v3.isOpen()).isFalse();
    }

    @Test
    void noHeaderWithinFiveSecondsIsClosedWithoutAGreeting() {
        proxyServer();
        EmbeddedChannel silent = connect(BALANCER);
        EmbeddedChannel partial = connect(BALANCER);
        assertThat(send(partial, "PROXY TCP4 192.0")).isEmpty();
        silent.advanceTimeBy(ProxyProtocolHandler.HEADER_TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
        partial.advanceTimeBy(ProxyProtocolHandler.HEADER_TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
        assertThat(read(silent)).isEmpty();
        assertThat(silent.isOpen()).isTrue();
        silent.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        partial.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertThat(read(silent)).isEmpty();
        assertThat(read(partial)).isEmpty();
        assertThat(silent.isOpen()).isFalse();
        assertThat(partial.isOpen()).isFalse();
    }

    @Test
    void offByDefaultAProxyLineIsAnUnknownCommand() {
        server("""
                {"smtp": {"hostname": "mx.test"}, "security": {"requireAuth": false}}""");
        EmbeddedChannel ch = connect(ip("127.0.0.1"));
        assertThat(read(ch)).startsWith("220 mx.test");
        assertThat(send(ch, "PROXY TCP4 192.0.2.7 10.0.0.1 56324 25\r\n")).startsWith("500 5.5.1");
        assertThat(ch.isOpen()).isTrue();
    }
}
