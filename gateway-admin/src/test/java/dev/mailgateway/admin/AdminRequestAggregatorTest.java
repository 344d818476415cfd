package dev.mailgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.TooLongHttpContentException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AdminRequestAggregatorTest {

    private static final int LIMIT = 16;

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new HttpServerCodec(), new AdminRequestAggregator(LIMIT));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void bodyWithinTheLimitIsAggregated() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"));
        FullHttpRequest r = ch.readInbound();
        try {
            assertThat(r.decoderResult().isSuccess()).isTrue();
            assertThat(r.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        } finally {
            r.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void declaredLengthOverTheLimitBecomesAFailedRequestNotACannedAnswer() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /admin/retry-failed HTTP/1.1\r\nContent-Length: 17\r\n\r\n"));
        FullHttpRequest r = ch.readInbound();
        try {
            assertThat(r.uri()).isEqualTo("/admin/retry-failed");
            assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpContentException.class);
            assertThat(r.content().readableBytes()).isZero();
        } finally {
            r.release();
        }
        assertThat((Object) ch.readOutbound()).isNull(); // the handler answers, not the aggregator
        // the rest of the oversized body is discarded, not passed on
        ch.writeInbound(bytes("x".repeat(17)));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void chunkedBodyOverTheLimitBecomesAFailedRequest() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a\r\n0123456789\r\na\r\n0123456789\r\n"));
        FullHttpRequest r = ch.readInbound();
        try {
            assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpContentException.class);
        } finally {
            r.release();
        }
        assertThat((Object) ch.readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void expectContinueOverTheLimitGetsNo100() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n"));
        assertThat((Object) ch.readOutbound()).isNull();
        FullHttpRequest r = ch.readInbound();
        try {
            assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpContentException.class);
        } finally {
            r.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void expectContinueWithinTheLimitGets100() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
        ByteBuf out = ch.readOutbound();
        try {
            assertThat(out.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 100 Continue");
        } finally {
            out.release();
        }
        ch.writeInbound(bytes("{}"));
        FullHttpRequest r = ch.readInbound();
        try {
            assertThat(r.decoderResult().isSuccess()).isTrue();
        } finally {
            r.release();
        }
        assertThat(ch.finish()).isFalse();
    }
}
