package dev.mailgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpSinkTest {

    @Test
    void countsPipelinedMessagesAndRecipientsEndingOnlyAtTheRealTerminator() throws Exception {
        try (SmtpSink sink = new SmtpSink(new InetSocketAddress("127.0.0.1", 0), 1, 2);
             Socket s = new Socket("127.0.0.1", sink.address().getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write("EHLO me\r\n".getBytes(StandardCharsets.US_ASCII));
            String ehlo = readReply(in);
            assertThat(ehlo).contains("PIPELINING").contains("8BITMIME");
            // RFC 2920: a whole transaction in one write; RFC 5321 4.5.2: "..x" is a stuffed line,
            // ".\r\n" only ends the data at a line start
            String tx = "MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"
                    + "Subject: t\r\n\r\n..not the end\r\nx.\r\n.\r\n"
                    + "MAIL FROM:<a@x>\r\nRCPT TO:<d@x>\r\nDATA\r\n";
            out.write(tx.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (String expect : new String[] {"250", "250", "250", "354", "250", "250", "250", "354"}) {
                assertThat(in.readLine()).startsWith(expect);
            }
            // second body split across writes, terminator split in the middle of CRLF.CRLF
            out.write("body\r".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("\n.".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).startsWith("250");
            assertThat(in.readLine()).startsWith("221");
            assertThat(sink.awaitTarget(5000)).isTrue();
            assertThat(sink.messages()).isEqualTo(2);
            assertThat(sink.recipients()).isEqualTo(3);
            assertThat(sink.json()).contains("\"messages\":2").contains("\"recipients\":3");
        }
    }

    @Test
    void rsetForgetsRecipientsOfTheAbandonedTransaction() throws Exception {
        try (SmtpSink sink = new SmtpSink(new InetSocketAddress("127.0.0.1", 0), 1, 1);
             Socket s = new Socket("127.0.0.1", sink.address().getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write(("HELO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRSET\r\n"
                    + "MAIL FROM:<a@x>\r\nRCPT TO:<c@x>\r\nDATA\r\nhi\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (String expect : new String[] {"250", "250", "250", "250", "250", "250", "354", "250"}) {
                assertThat(in.readLine()).startsWith(expect);
            }
            assertThat(sink.awaitTarget(5000)).isTrue();
            assertThat(sink.recipients()).isEqualTo(1);
        }
    }

    private static String readReply(BufferedReader in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            String l = in.readLine();
            sb.append(l).append('\n');
            if (l == null || l.length() < 4 || l.charAt(3) == ' ') {
                break;
            }
        }
        return sb.toString();
    }
}
