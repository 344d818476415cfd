package dev.mailgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class LoadToolTest {

    @Test
    void sendsExactlyMMessagesWithRRecipientsReusingConnections() throws Exception {
        try (SmtpSink sink = new SmtpSink(new InetSocketAddress("127.0.0.1", 0), 1, 0)) {
            LoadOptions o = LoadOptions.parse("--port", Integer.toString(sink.address().getPort()),
                    "-c", "3", "-m", "50", "-s", "1000", "-r", "2", "-k", "7", "-d", "30");
            LoadTool.Result r = new LoadTool(o).run();
            assertThat(r.accepted()).isEqualTo(50);
            assertThat(r.failed()).isZero();
            assertThat(r.errors()).isEmpty();
            assertThat(sink.messages()).isEqualTo(50);
            assertThat(sink.recipients()).isEqualTo(100);
            // 1000 bytes of message plus ".\r\n" each
            assertThat(sink.bytes()).isEqualTo(50L * 1003);
            assertThat(r.json()).contains("\"accepted\":50").contains("\"completed\":true");
        }
    }

    @Test
    void countsConnectFailuresAndStaysBounded() throws Exception {
        int port;
        try (SmtpSink sink = new SmtpSink(new InetSocketAddress("127.0.0.1", 0), 1, 0)) {
            port = sink.address().getPort();
        }
        LoadOptions o = LoadOptions.parse("--port", Integer.toString(port), "-c", "2", "-m", "5", "-d", "20");
        LoadTool.Result r = new LoadTool(o).run();
        assertThat(r.accepted()).isZero();
        assertThat(r.failed()).isEqualTo(5);
        assertThat(r.errors()).containsEntry("connect", 5L);
    }

    @Test
    void idleModeHoldsConnectionsAfterEhlo() throws Exception {
        try (SmtpSink sink = new SmtpSink(new InetSocketAddress("127.0.0.1", 0), 1, 0)) {
            LoadOptions o = LoadOptions.parse("--port", Integer.toString(sink.address().getPort()),
                    "--idle", "30", "-c", "8", "--hold", "0", "-d", "20");
            LoadTool.Result r = new LoadTool(o).run();
            assertThat(r.json()).contains("\"idleReady\":30").contains("\"completed\":true");
        }
    }
}
