package dev.mailgateway.admin;

import dev.mailgateway.core.text.ClientText;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin HTTP connection: checks each aggregated request (decoder result, then peer
 * address, then token for {@code /admin/*}), routes it, and writes the answer.
 *
 * <p>Threads: every field is touched only on the channel's event loop. Store-backed endpoints
 * answer with a future completed on the store's thread; the answer hops back to the loop
 * ({@code ctx.executor().execute}) before anything is written.
 *
 * <p>Order: HTTP/1.1 lets a client pipeline requests, and answers must leave in request order.
 * While one answer is pending, later requests wait in {@link #waiting} and reading is paused;
 * they run, in order, once it is written. Not {@code @Sharable}: one instance per channel.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminRouter router;
    private final AdminAccess access;

    // event loop only
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean closing;

    AdminHandler(AdminRouter router, AdminAccess access) {
        super(false); // requests are released by process(), possibly after waiting
        this.router = router;
        this.access = access;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (busy || !waiting.isEmpty()) {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        process(ctx, request);
    }

    /** Answers one request and releases it; the answer may be written later. */
    private void process(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (closing) {
            request.release();
            return;
        }
        Exchange exchange = new Exchange(request.protocolVersion(), request.method().name(),
                request.uri(), HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess());
        CompletableFuture<AdminResponse> answer;
        try {
            answer = answer(ctx, request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e); // becomes a 500 in write()
        } finally {
            request.release();
        }
        respond(ctx, exchange, answer);
    }

    private void respond(ChannelHandlerContext ctx, Exchange exchange, CompletableFuture<AdminResponse> answer) {
        if (answer.isDone()) {
            write(ctx, exchange, answer);
            return;
        }
        busy = true;
        answer.whenComplete((r, t) -> {
            try {
                ctx.executor().execute(() -> {
                    busy = false;
                    if (ctx.channel().isActive()) {
                        write(ctx, exchange, answer);
                    } else if (r != null) {
                        r.discard(); // the client has gone: close what the answer holds open
                    }
                    next(ctx);
                });
            } catch (RejectedExecutionException shuttingDown) {
                if (r != null) {
                    r.discard();
                }
                log.debug("admin [{}] event loop shut down before {} {} was answered",
                        ctx.channel().id().asShortText(), ClientText.log(exchange.method),
                        ClientText.log(exchange.uri));
            }
        });
    }

    /** Runs requests that arrived while an answer was pending, then resumes reading. */
    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest request;
        while (!busy && (request = waiting.poll()) != null) {
            process(ctx, request);
        }
        if (!busy && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private CompletableFuture<AdminResponse> answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        String conn = ctx.channel().id().asShortText();
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            if (result.cause() instanceof TooLongHttpContentException) {
                log.info("admin [{}] request body over the limit from {}", conn, ctx.channel().remoteAddress());
                return done(AdminResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "request body too large"));
            }
            log.info("admin [{}] malformed HTTP request from {}: {}", conn, ctx.channel().remoteAddress(),
                    ClientText.log(result.cause()));
            return done(AdminResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"));
        }
        if (!access.allows(ctx.channel().remoteAddress())) {
            log.info("admin [{}] refused {} {} from {}: not in security.adminAllowedNetworks",
                    conn, ClientText.log(request.method()), ClientText.log(request.uri()),
                    ctx.channel().remoteAddress());
            return done(AdminResponse.error(HttpResponseStatus.FORBIDDEN,
                    "forbidden: address not in security.adminAllowedNetworks"));
        }
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException e) { // bad percent-encoding such as %zz
            return done(AdminResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed path"));
        }
        if (AdminAccess.isAdminPath(path) && access.tokenRequired()) {
            InetAddress peer = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
            long retryAfter = access.throttle().lockedOutSeconds(peer);
            if (retryAfter > 0) { // RFC 6585 section 4
                return done(AdminResponse.error(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many missing or wrong bearer tokens from your address, try again in "
                                + retryAfter + " seconds")
                        .withHeader("Retry-After", Long.toString(retryAfter)));
            }
            if (!access.authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                access.throttle().failed(peer, "conn " + conn + ": " + ClientText.log(request.method()) + " "
                        + ClientText.log(path));
                return done(AdminResponse.error(HttpResponseStatus.UNAUTHORIZED,
                        "unauthorized: send Authorization: Bearer <admin.token>")
                        .withHeader("WWW-Authenticate", "Bearer realm=\"mail-gateway-admin\""));
            }
            access.throttle().succeeded(peer);
        }
        return router.route(request.method(), path);
    }

    /** Writes the answer (or a 500 when it failed); closes afterwards unless keep-alive. */
    private void write(ChannelHandlerContext ctx, Exchange exchange, CompletableFuture<AdminResponse> answer) {
        String conn = ctx.channel().id().asShortText();
        AdminResponse response;
        try {
            response = answer.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.warn("admin [{}] {} {} failed", conn, ClientText.log(exchange.method), ClientText.log(exchange.uri),
                    cause);
            response = AdminResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "internal error: " + cause.getClass().getSimpleName());
        }
        int code = response.status().code();
        // exchange.keepAlive is false after a decoder failure (the stream's framing is lost);
        // a refused peer has no business keeping a connection either
        boolean keepAlive = exchange.keepAlive && code != 403 && code != 429;
        HttpVersion version = exchange.version == HttpVersion.HTTP_1_0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        if (response.file() != null) {
            writeWithFile(ctx, exchange, response, version, keepAlive);
            return;
        }
        FullHttpResponse http = new DefaultFullHttpResponse(version, response.status(),
                Unpooled.wrappedBuffer(response.body()));
        headers(http, response, keepAlive);
        if (log.isDebugEnabled()) {
            log.debug("admin [{}] {} {} -> {}", conn, ClientText.log(exchange.method), ClientText.log(exchange.uri),
                    code);
        }
        if (keepAlive) {
            ctx.writeAndFlush(http, ctx.voidPromise());
        } else {
            closing = true;
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void headers(HttpResponse http, AdminResponse response, boolean keepAlive) {
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            http.headers().set(h.getKey(), h.getValue());
        }
        http.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.CONTENT_LENGTH, response.contentLength());
        HttpUtil.setKeepAlive(http, keepAlive);
    }

    /**
     * A body that ends in a file range: the head, then the range as a {@link DefaultFileRegion}
     * (the kernel copies it from the file; the region closes the file when sent or dropped), then
     * the suffix. Content-Length framing, so the client sees one ordinary response. HEAD gets
     * the headers only.
     */
    private void writeWithFile(ChannelHandlerContext ctx, Exchange exchange, AdminResponse response,
                               HttpVersion version, boolean keepAlive) {
        AdminResponse.FilePart part = response.file();
        HttpResponse http = new DefaultHttpResponse(version, response.status());
        headers(http, response, keepAlive);
        log.debug("admin [{}] {} {} -> {} ({} bytes from a file)", ctx.channel().id().asShortText(),
                ClientText.log(exchange.method), ClientText.log(exchange.uri), response.status().code(),
                part.length());
        ChannelFuture last;
        ctx.write(http);
        if ("HEAD".equals(exchange.method)) {
            response.discard();
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(response.body())));
            ctx.write(new DefaultFileRegion(part.channel(), part.offset(), part.length()));
            last = ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(part.suffix())));
        }
        if (!keepAlive) {
            closing = true;
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            log.debug("admin [{}] idle, closing", ctx.channel().id().asShortText());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("admin [{}] connection error: {}", ctx.channel().id().asShortText(), cause.toString());
        } else {
            log.warn("admin [{}] unexpected error", ctx.channel().id().asShortText(), cause);
        }
        ctx.close();
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /** What the write needs of a request, copied out before the request is released. */
    private record Exchange(HttpVersion version, String method, String uri, boolean keepAlive) {
    }
}
