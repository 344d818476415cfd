package dev.mailgateway.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.model.Dsn;
import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue #14 point 7: RFC 3461 parameters travel with the envelope through the spool record. */
class SpoolRecordsDsnTest {

    private static SpooledMessage decode(SpooledMessage m, byte[] content) {
        ByteBuffer header = SpoolRecords.messageHeader(m, content);
        byte[] record = new byte[header.remaining() + content.length];
        header.get(record, 0, header.remaining());
        System.arraycopy(content, 0, record, record.length - content.length, content.length);
        byte[] payload = java.util.Arrays.copyOfRange(record, SpoolRecords.RECORD_HEADER, record.length);
        assertThat(ByteBuffer.wrap(record).getInt(4)).isEqualTo(SpoolRecords.crc(payload));
        SpoolRecords.DecodedMessage d = SpoolRecords.decodeMessage(payload);
        assertThat(new String(payload, d.contentOffset(), d.contentLength(), StandardCharsets.US_ASCII))
                .isEqualTo(new String(content, StandardCharsets.US_ASCII));
        return d.message();
    }

    @Test
    void dsnParametersRoundTrip() {
        QueueId id = new QueueIdGenerator().next();
        Dsn dsn = new Dsn("HDRS", "QQ314159+2Bx", List.of("SUCCESS,FAILURE", ""), List.of("rfc822;a@example.org", ""));
        Envelope e = new Envelope(id, "s@example.com", List.of("a@example.org", "b@example.org"),
                Instant.ofEpochSecond(1_700_000_000, 5), "helo", "127.0.0.1", "", false, true, dsn);
        SpooledMessage back = decode(SpooledMessage.fresh(e), "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(back.envelope()).isEqualTo(e);
        assertThat(back.envelope().dsn().notifyOf(0)).isEqualTo("SUCCESS,FAILURE");
    }

    @Test
    void aRecordWithoutDsnIsTheFormatOfBefore() {
        QueueId id = new QueueIdGenerator().next();
        Envelope e = new Envelope(id, "", List.of("a@example.org"), Instant.ofEpochSecond(1_700_000_000),
                "h", "127.0.0.1", "u", true, false);
        byte[] content = "x\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer header = SpoolRecords.messageHeader(SpooledMessage.fresh(e), content);
        // type, id, sec, nano, then flags: no DSN bit, so an older reader sees the record it knows
        assertThat(header.get(SpoolRecords.RECORD_HEADER + 1 + QueueId.LENGTH + 12) & 4).isZero();
        assertThat(decode(SpooledMessage.fresh(e), content).envelope()).isEqualTo(e);
        assertThat(decode(SpooledMessage.fresh(e), content).envelope().dsn()).isEqualTo(Dsn.NONE);
    }
}
