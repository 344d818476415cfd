package dev.mailgateway.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8Test {

    @Test
    void strictDecodingRefusesMalformedInput() {
        assertThat(Utf8.strictOrNull("héllo".getBytes(StandardCharsets.UTF_8))).isEqualTo("héllo");
        assertThat(Utf8.strictOrNull(new byte[] {'a', (byte) 0xff})).isNull();
        assertThat(Utf8.strictOrNull(new byte[] {(byte) 0xc3})).isNull(); // truncated sequence
    }

    @Test
    void asciiIsBelow0x80() {
        assertThat(Utf8.isAscii("plain~\u007f")).isTrue();
        assertThat(Utf8.isAscii("caf\u00e9")).isFalse();
    }
}
