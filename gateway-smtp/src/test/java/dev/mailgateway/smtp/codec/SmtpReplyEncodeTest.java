package dev.mailgateway.smtp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SmtpReply as the last line of defence: CR/LF/controls/non-ASCII never reach the wire (RFC 5321 4.2). */
class SmtpReplyEncodeTest {

    private static String encoded(String text) {
        ByteBuf buf = SmtpReply.encode(UnpooledByteBufAllocator.DEFAULT, 550, "5.0.0", text);
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    @Test
    void encodeEscapesLineBreaksAndControlsInAnyText() {
        assertThat(encoded("no\r\n250 forged")).isEqualTo("550 5.0.0 no\\x0D\\x0A250 forged\r\n");
        assertThat(encoded("nul\u0000é")).isEqualTo("550 5.0.0 nul\\x00\\xC3\\xA9\r\n");
        assertThat(encoded("already \\x0A escaped")).isEqualTo("550 5.0.0 already \\x0A escaped\r\n");
    }

    @Test
    void encodedLineStaysUnder512Octets_rfc5321_4_5_3_1_5() {
        assertThat(encoded("x".repeat(5000)).length()).isLessThanOrEqualTo(512);
    }

    @Test
    void constantRepliesAreEscapedToo() {
        assertThat(SmtpReply.plain(220, "host\r\n250 x").content().toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("220 host\\x0D\\x0A250 x\r\n");
        assertThat(SmtpReply.multiline(250, List.of("a\nb", "c")).content().toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("250-a\\x0Ab\r\n250 c\r\n");
    }
}
