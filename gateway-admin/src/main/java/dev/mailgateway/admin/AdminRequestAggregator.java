package dev.mailgateway.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * An {@link HttpObjectAggregator} whose "body too large" case travels to {@link AdminHandler}
 * as a value (a request with a failed {@link DecoderResult}) instead of the aggregator's own
 * canned 413, so that answer too is JSON with a Content-Type, and leaves in request order.
 * The rest of the oversized body is discarded by the aggregator; the handler closes the
 * connection after the 413.
 */
final class AdminRequestAggregator extends HttpObjectAggregator {

    AdminRequestAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    /**
     * {@code Expect: 100-continue} with a declared length over the limit: no interim answer,
     * so the aggregator goes on to {@link #handleOversizedMessage} and the client gets the same
     * JSON 413 (RFC 9110 section 10.1.1 lets a server answer with a final status instead of 100).
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (isContentLengthInvalid(start, maxContentLength)) {
            return null;
        }
        return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // the caller releases 'oversized': copy what the handler needs, keep no reference
        HttpVersion version = oversized.protocolVersion();
        DefaultFullHttpRequest marker = oversized instanceof HttpRequest request
                ? new DefaultFullHttpRequest(version, request.method(), request.uri(), Unpooled.EMPTY_BUFFER)
                : new DefaultFullHttpRequest(version, HttpMethod.GET, "/",
                        Unpooled.EMPTY_BUFFER);
        marker.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(
                "request body larger than " + maxContentLength() + " bytes")));
        ctx.fireChannelRead(marker);
    }
}
