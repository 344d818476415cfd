package dev.mailgateway.relay.client;

import dev.mailgateway.core.config.ProviderConfig;
import dev.mailgateway.core.config.RelayConfig;
import dev.mailgateway.core.config.TlsLevel;
import dev.mailgateway.core.net.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.smtp.SmtpResponse;
import io.netty.handler.codec.smtp.SmtpResponseDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a ready-to-send connection to one provider: TCP (TCP_NODELAY, connect timeout),
 * implicit TLS when {@code ssl}, the 220 greeting, EHLO (HELO when EHLO gets 5xx, RFC 5321
 * 4.1.4), STARTTLS when offered or required (RFC 3207; EHLO again afterwards), then AUTH PLAIN
 * or LOGIN (RFC 4954) when the provider has credentials — only inside TLS, or to a loopback
 * upstream, never in clear text over a network. The provider's {@link TlsLevel} decides whether
 * TLS is used, required and verified (see {@link UpstreamTlsPolicies}). Each failure is an
 * {@link UpstreamException} naming its phase, so the caller knows it is the provider's fault.
 *
 * <p>Credentials are sent, never logged. Runs on the given loop; the returned future completes
 * there.
 */
public final class UpstreamConnector {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnector.class);
    private static final int MAX_REPLY_LINE = 4096;

    private final NettyTransport transport;
    private final UpstreamTlsPolicies tls;
    private final String heloName;
    private final AddressResolverGroup<InetSocketAddress> resolver;

    /** @param tls a fixed context for every provider (tests, private CAs); null = per-level contexts */
    public UpstreamConnector(NettyTransport transport, UpstreamTls tls, String heloName) {
        this(transport, new UpstreamTlsPolicies(tls), heloName, UpstreamResolver.system(transport));
    }

    /**
     * With per-level TLS policies and the resolver for provider host names: asynchronous on the
     * connecting loop, never a blocking lookup (see {@link UpstreamResolver}).
     */
    public UpstreamConnector(NettyTransport transport, UpstreamTlsPolicies tls, String heloName,
                             AddressResolverGroup<InetSocketAddress> resolver) {
        this.transport = transport;
        this.tls = tls;
        this.heloName = heloName;
        this.resolver = resolver;
    }

    /** The TLS level and last TLS outcome of each provider met so far (for logs and /health). */
    public UpstreamTlsPolicies tlsPolicies() {
        return tls;
    }

    /** Connects and handshakes; the future fails with an {@link UpstreamException}. */
    public Future<UpstreamConnection> connect(ProviderConfig provider, RelayConfig rc, EventLoop loop) {
        Promise<UpstreamConnection> promise = loop.newPromise();
        connect(provider, rc, loop, promise, false);
        return promise;
    }

    /** {@code clearText}: the retry of level may after a failed STARTTLS handshake. */
    private void connect(ProviderConfig provider, RelayConfig rc, EventLoop loop,
                         Promise<UpstreamConnection> promise, boolean clearText) {
        UpstreamTls policy;
        try {
            policy = tls.forProvider(provider);
        } catch (IllegalStateException e) {
            promise.tryFailure(new UpstreamException(UpstreamException.Kind.STARTTLS, provider.address()
                    + ": " + e.getMessage()));
            return;
        }
        UpstreamConnection conn = new UpstreamConnection(provider, provider.address());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, rc.connectTimeoutMs())
                .resolver(resolver)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (provider.ssl()) {
                            ch.pipeline().addLast("ssl", policy.newHandler(ch.alloc(), provider.host(),
                                    provider.port(), rc.connectTimeoutMs()));
                        }
                        ch.pipeline().addLast("decoder", new SmtpResponseDecoder(MAX_REPLY_LINE));
                        ch.pipeline().addLast("client", conn);
                    }
                });
        // unresolved: the bootstrap's resolver looks the name up asynchronously (TTL-cached);
        // an address literal needs no lookup
        ChannelFuture cf = b.connect(InetSocketAddress.createUnresolved(provider.host(), provider.port()));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new UpstreamException(UpstreamException.Kind.CONNECT,
                        UpstreamResolver.isLookupFailure(f.cause())
                                ? "cannot resolve " + provider.host() + " (for " + provider.address() + "): "
                                        + UpstreamConnection.rootMessage(f.cause())
                                : "cannot connect to " + provider.address() + ": "
                                        + UpstreamConnection.rootMessage(f.cause())));
                return;
            }
            new Handshake(conn, provider, rc, promise, policy, loop, clearText).start();
        });
    }

    /** The phases after TCP connect, one method each; any failure closes the channel. */
    private final class Handshake {
        private final UpstreamConnection conn;
        private final ProviderConfig provider;
        private final RelayConfig rc;
        private final Promise<UpstreamConnection> promise;
        private final UpstreamTls policy;
        private final EventLoop loop;
        private final boolean clearText;
        private final TlsLevel level;
        private boolean tlsActive;
        private String unverified; // why the certificate did not verify; null = verified or no TLS

        Handshake(UpstreamConnection conn, ProviderConfig provider, RelayConfig rc,
                  Promise<UpstreamConnection> promise, UpstreamTls policy, EventLoop loop, boolean clearText) {
            this.conn = conn;
            this.provider = provider;
            this.rc = rc;
            this.promise = promise;
            this.policy = policy;
            this.loop = loop;
            this.clearText = clearText;
            this.level = provider.effectiveTlsLevel();
            this.tlsActive = provider.ssl();
        }

        void start() {
            if (provider.ssl()) {
                SslHandler ssl = conn.channel().pipeline().get(SslHandler.class);
                if (ssl != null) {
                    ssl.handshakeFuture().addListener(h -> {
                        if (h.isSuccess()) {
                            established(ssl);
                        } else {
                            tls.record(provider, "implicit TLS handshake failed: "
                                    + UpstreamConnection.rootMessage(h.cause()));
                        }
                    });
                }
            }
            // for implicit TLS the greeting can only arrive after the handshake; a handshake
            // failure closes the channel and fails the wait below
            conn.send(null, 1, rc.greetingTimeoutSec() * 1000L).addListener((Future<List<SmtpResponse>> f) -> {
                if (!f.isSuccess()) {
                    fail(UpstreamException.Kind.GREETING, "no greeting from " + provider.address()
                            + ": " + f.cause().getMessage());
                    return;
                }
                SmtpResponse greeting = f.getNow().get(0);
                if (greeting.code() != 220) {
                    fail(UpstreamException.Kind.GREETING, provider.address() + " greeted with "
                            + SmtpCodes.text(greeting));
                    return;
                }
                ehlo();
            });
        }

        void ehlo() {
            conn.command("EHLO " + heloName, commandMs()).addListener((Future<List<SmtpResponse>> f) -> {
                if (!f.isSuccess()) {
                    fail(UpstreamException.Kind.EHLO, "EHLO to " + provider.address() + " failed: "
                            + f.cause().getMessage());
                    return;
                }
                SmtpResponse r = f.getNow().get(0);
                if (SmtpCodes.isPositive(r.code())) {
                    afterEhlo(UpstreamCapabilities.parse(r));
                } else if (r.code() >= 500) {
                    helo();
                } else {
                    fail(UpstreamException.Kind.EHLO, provider.address() + " answered EHLO with "
                            + SmtpCodes.text(r));
                }
            });
        }

        void helo() {
            conn.command("HELO " + heloName, commandMs()).addListener((Future<List<SmtpResponse>> f) -> {
                if (!f.isSuccess() || !SmtpCodes.isPositive(f.getNow().get(0).code())) {
                    fail(UpstreamException.Kind.EHLO, provider.address() + " refused EHLO and HELO"
                            + (f.isSuccess() ? ": " + SmtpCodes.text(f.getNow().get(0)) : ": " + f.cause().getMessage()));
                    return;
                }
                afterEhlo(UpstreamCapabilities.NONE);
            });
        }

        void afterEhlo(UpstreamCapabilities caps) {
            conn.capabilities(caps);
            if (tlsActive || level == TlsLevel.NONE || clearText) {
                auth();
            } else if (caps.startTls()) {
                startTls();
            } else if (level.requiresTls()) {
                tls.record(provider, "STARTTLS not offered");
                fail(UpstreamException.Kind.STARTTLS, provider.address()
                        + " does not offer STARTTLS, which tlsLevel " + level.label() + " requires");
            } else {
                auth();
            }
        }

        /** After a successful handshake: note whether the certificate verified, and how. */
        private void established(SslHandler ssl) {
            unverified = policy.verificationError(ssl);
            String proto = ssl.engine().getSession().getProtocol();
            tls.record(provider, unverified == null ? proto + ", certificate verified"
                    : proto + ", certificate not verified: " + unverified);
        }

        void startTls() {
            conn.command("STARTTLS", commandMs()).addListener((Future<List<SmtpResponse>> f) -> {
                if (!f.isSuccess() || f.getNow().get(0).code() != 220) {
                    String why = f.isSuccess() ? SmtpCodes.text(f.getNow().get(0)) : f.cause().getMessage();
                    if (f.isSuccess() && !level.requiresTls() && conn.isActive()) {
                        // opportunistic TLS (RFC 3207 4.1): go on in clear text
                        log.info("{} refused STARTTLS ({}), continuing without TLS", provider.address(), why);
                        auth();
                        return;
                    }
                    fail(UpstreamException.Kind.STARTTLS, "STARTTLS with " + provider.address()
                            + " failed: " + why);
                    return;
                }
                Channel ch = conn.channel();
                SslHandler ssl = policy.newHandler(ch.alloc(), provider.host(), provider.port(), commandMs());
                ch.pipeline().addFirst("ssl", ssl);
                ssl.handshakeFuture().addListener(h -> {
                    if (!h.isSuccess()) {
                        String why = UpstreamConnection.rootMessage(h.cause());
                        if (!level.requiresTls()) {
                            // tlsLevel may (Postfix's smtp_tls_security_level=may): clear text instead
                            log.warn("TLS handshake with {} failed ({}); tlsLevel {}: reconnecting without "
                                    + "STARTTLS", provider.address(), why, level.label());
                            tls.record(provider, "STARTTLS handshake failed, delivering in clear text: " + why);
                            conn.close();
                            connect(provider, rc, loop, promise, true);
                            return;
                        }
                        tls.record(provider, "STARTTLS handshake failed: " + why);
                        fail(UpstreamException.Kind.STARTTLS, "TLS handshake with " + provider.address()
                                + " failed (tlsLevel " + level.label() + "): " + why);
                        return;
                    }
                    established(ssl);
                    tlsActive = true;
                    // RFC 3207 4.2: forget what was learned before TLS and ask again
                    conn.capabilities(UpstreamCapabilities.NONE);
                    ehlo();
                });
            });
        }

        void auth() {
            UpstreamCapabilities caps = conn.capabilities();
            if (!provider.hasCredentials()) {
                done();
                return;
            }
            if (!tlsActive && !isLoopback(provider.host())) {
                // like Postfix's default smtp_sasl_security_options=noplaintext: PLAIN and LOGIN
                // reveal the password to anyone on the path, so only over TLS or on this host
                fail(UpstreamException.Kind.AUTH, "refusing to send credentials in clear text to "
                        + provider.address() + (clearText ? ": its TLS handshake failed" : level == TlsLevel.NONE
                        ? ": tlsLevel is none" : ": it offers no STARTTLS") + "; use a TLS port (ssl) or an "
                        + "upstream that offers STARTTLS");
                return;
            }
            if (tlsActive && unverified != null && level == TlsLevel.DEFAULT) {
                // the safe default: a certificate nobody checked could be anyone's (loopback too:
                // the operator asked for no exception by not choosing a level)
                fail(UpstreamException.Kind.AUTH, "refusing to send credentials to " + provider.address()
                        + " over TLS whose certificate was not verified (" + unverified + "): add its CA "
                        + "with tlsCaFile, or set tlsLevel to encrypt to accept an unverified certificate");
                return;
            }
            if (caps.authPlain()) {
                byte[] token = ("\0" + provider.username() + "\0" + provider.password())
                        .getBytes(StandardCharsets.UTF_8);
                conn.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(token), commandMs())
                        .addListener((Future<List<SmtpResponse>> f) -> authDone(f));
            } else if (caps.authLogin()) {
                conn.command("AUTH LOGIN", commandMs()).addListener((Future<List<SmtpResponse>> f) -> {
                    if (!expect334(f)) {
                        return;
                    }
                    conn.command(base64(provider.username()), commandMs()).addListener(
                            (Future<List<SmtpResponse>> u) -> {
                                if (!expect334(u)) {
                                    return;
                                }
                                conn.command(base64(provider.password()), commandMs())
                                        .addListener((Future<List<SmtpResponse>> p) -> authDone(p));
                            });
                });
            } else {
                fail(UpstreamException.Kind.AUTH, provider.address()
                        + " offers neither AUTH PLAIN nor AUTH LOGIN (credentials are configured)");
            }
        }

        private boolean expect334(Future<List<SmtpResponse>> f) {
            if (f.isSuccess() && f.getNow().get(0).code() == 334) {
                return true;
            }
            fail(UpstreamException.Kind.AUTH, "AUTH LOGIN with " + provider.address() + " failed: "
                    + (f.isSuccess() ? SmtpCodes.text(f.getNow().get(0)) : f.cause().getMessage()));
            return false;
        }

        private void authDone(Future<List<SmtpResponse>> f) {
            if (f.isSuccess() && f.getNow().get(0).code() == 235) {
                done();
                return;
            }
            fail(UpstreamException.Kind.AUTH, "AUTH with " + provider.address() + " as "
                    + provider.username() + " failed: "
                    + (f.isSuccess() ? SmtpCodes.text(f.getNow().get(0)) : f.cause().getMessage()));
        }

        private void done() {
            if (!promise.trySuccess(conn)) {
                conn.close();
            }
        }

        private void fail(UpstreamException.Kind kind, String message) {
            conn.close();
            promise.tryFailure(new UpstreamException(kind, message));
        }

        private long commandMs() {
            return rc.commandTimeoutSec() * 1000L;
        }
    }

    /** A loopback address literal or "localhost": no DNS lookup here (we are on an event loop). */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
