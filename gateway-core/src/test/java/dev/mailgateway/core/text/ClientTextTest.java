package dev.mailgateway.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientTextTest {

    @Test
    void printableAsciiIsUnchanged() {
        assertThat(ClientText.reply("X-FOO=bar <a@b.c>")).isEqualTo("X-FOO=bar <a@b.c>");
    }

    @Test
    void controlsAreEscapedSoNoLineCanEndEarly() {
        assertThat(ClientText.reply("X\n250=1")).isEqualTo("X\\x0A250=1");
        assertThat(ClientText.reply("a\r\nb\u0000c\u007f\u001b[31m")).isEqualTo("a\\x0D\\x0Ab\\x00c\\x7F\\x1B[31m");
    }

    @Test
    void nonAsciiIsEscapedPerUtf8Octet() {
        assertThat(ClientText.reply("é€😀")).isEqualTo("\\xC3\\xA9\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80");
        assertThat(ClientText.reply("\uFFFD")).isEqualTo("\\xEF\\xBF\\xBD");
    }

    @Test
    void backslashIsEscapedSoTheEscapedFormIsUnambiguous() {
        assertThat(ClientText.reply("a\\x0Ab")).isEqualTo("a\\x5Cx0Ab");
    }

    @Test
    void lengthIsBoundedWithoutSplittingAnEscape() {
        String cut = ClientText.escape("abcdefgh", 5);
        assertThat(cut).isEqualTo("abcde...");
        assertThat(ClientText.escape("abc\ndef", 5)).isEqualTo("abc...");
        assertThat(ClientText.reply("x".repeat(10_000))).hasSize(ClientText.REPLY_MAX + 3);
        assertThat(ClientText.log(null)).isEqualTo("null");
    }

    @Test
    void everyOutputCharIsPrintableAscii() {
        java.util.Random r = new java.util.Random(15);
        for (int n = 0; n < 2000; n++) {
            char[] cs = new char[r.nextInt(100)];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = (char) r.nextInt(0x10000);
            }
            String out = ClientText.escape(new String(cs), 80);
            assertThat(out.chars()).allMatch(c -> c >= 0x20 && c <= 0x7e);
            assertThat(out.length()).isLessThanOrEqualTo(83);
        }
    }
}
