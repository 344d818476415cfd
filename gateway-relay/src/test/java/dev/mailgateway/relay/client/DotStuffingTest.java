package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 5321 4.5.2 transparency on send, and the end-of-data marker. */
class DotStuffingTest {

    private static String encode(String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = DotStuffing.encode(UnpooledByteBufAllocator.DEFAULT, bytes);
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    @Test
    void rfc5321_4_5_2_doublesDotAtStartOfEveryLine() {
        assertThat(encode(".a\r\nb\r\n..c\r\n.\r\n")).isEqualTo("..a\r\nb\r\n...c\r\n..\r\n.\r\n");
    }

    @Test
    void leavesDotsInsideLinesAlone() {
        assertThat(encode("a.b\r\nc. .\r\n")).isEqualTo("a.b\r\nc. .\r\n.\r\n");
    }

    @Test
    void addsMissingFinalCrlfBeforeTheMarker() {
        assertThat(encode("no newline at end")).isEqualTo("no newline at end\r\n.\r\n");
    }

    @Test
    void emptyMessageIsJustTheMarker() {
        assertThat(encode("")).isEqualTo(".\r\n");
    }

    @Test
    void bareLfFollowedByDotIsNotALineStart() {
        // only CRLF ends a line on the wire; the spool never holds bare LF, but do not invent stuffing
        assertThat(encode("a\n.b\r\n")).isEqualTo("a\n.b\r\n.\r\n");
    }

    @Test
    void detectsEightBitBytes() {
        assertThat(DotStuffing.hasEightBit("plain".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(DotStuffing.hasEightBit("Grüße".getBytes(StandardCharsets.UTF_8))).isTrue();
    }
}
