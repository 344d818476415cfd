package dev.mailgateway.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 5321 4.5.2: stuffing a body piece by piece gives exactly the bytes of stuffing it whole. */
class DotStufferStreamTest {

    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private static byte[] whole(byte[] content) {
        ByteBuf b = DotStuffing.encode(ALLOC, content);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static byte[] pieces(byte[] content, Random random) {
        DotStuffing.Streamer s = new DotStuffing.Streamer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < content.length) {
            int n = Math.min(content.length - pos, random.nextInt(5)); // includes empty pieces
            ByteBuf b = s.encode(ALLOC, content, pos, n);
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
            pos += n;
        }
        ByteBuf end = s.finish(ALLOC);
        out.writeBytes(ByteBufUtil.getBytes(end));
        end.release();
        return out.toByteArray();
    }

    @Test
    void piecewiseStuffingEqualsWholeStuffingForRandomBodies() {
        Random random = new Random(4522);
        byte[] alphabet = {'.', '.', '\r', '\n', 'a'};
        for (int round = 0; round < 2_000; round++) {
            byte[] content = new byte[random.nextInt(40)];
            for (int i = 0; i < content.length; i++) {
                content[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(pieces(content, random)).as("round %d", round).isEqualTo(whole(content));
        }
    }

    @Test
    void emptyBodyIsJustTheTerminator() {
        assertThat(pieces(new byte[0], new Random(1))).isEqualTo(".\r\n".getBytes());
    }
}
