package dev.mailgateway.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A fault-injecting SMTP upstream for tests, on 127.0.0.1:0, scripted per phase and per
 * recipient; a thread per connection (test code only), every read with a 30 s timeout. Records
 * every transaction it completed and every command line it read (AUTH payloads included, so
 * tests can check them). The script fields may change while traffic flows (they are volatile):
 * e.g. {@link #down} for an outage, {@link #rcptReply} from 550 to 250 for a recovery.
 * {@link ScriptedUpstreamExtension} starts one per call and closes it after the test.
 */
public final class ScriptedUpstream implements AutoCloseable {

    /** One completed DATA transaction. */
    public record Txn(int connection, String mailFrom, List<String> rcpts, byte[] body, boolean tls,
                      String authUser) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    // the script (read by connection threads at each step)
    /** While true the upstream is "gone": connections are accepted (counted) and closed at once, without a greeting. */
    public volatile boolean down;
    public volatile IntFunction<String> greeting = c -> "220 scripted.test ESMTP";
    public volatile boolean pipelining = true;
    public volatile boolean eightBitMime = true;
    public volatile long sizeLimit = 0;
    public volatile SSLContext startTls;
    /** After "220 go ahead" to STARTTLS, answer the handshake with non-TLS bytes and close. */
    public volatile boolean brokenTls;
    public volatile String authUser;
    public volatile String authPass;
    public volatile String authMechanisms = "PLAIN LOGIN";
    /** EHLO answered 502 (an old server): the client must fall back to HELO (RFC 5321 4.1.4). */
    public volatile boolean ehloUnsupported;
    public volatile Function<String, String> rcptReply = r -> "250 2.1.5 Ok";
    public volatile IntFunction<String> dataReply = n -> "250 2.0.0 Ok: queued";
    /** Transactions (1-based, counted over the server) whose body is cut by closing mid-DATA. */
    public volatile IntFunction<Boolean> dropMidData = n -> false;
    /** Transactions whose end-of-data gets no reply at all (stall). */
    public volatile IntFunction<Boolean> stallAtEndOfData = n -> false;
    /** Pause before answering end-of-data, in ms. */
    public volatile long endOfDataDelayMs;
    /** When set, the reply to the end of DATA waits until the latch opens (at most 30 s): a slow upstream. */
    public volatile CountDownLatch holdData;
    /** A connection that already served a transaction is closed when its next command arrives. */
    public volatile boolean closeOnReuse;

    public final List<Txn> transactions = new CopyOnWriteArrayList<>();
    public final List<String> commands = new CopyOnWriteArrayList<>();
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger closedByClient = new AtomicInteger();
    private final AtomicInteger dataCount = new AtomicInteger();
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public ScriptedUpstream() throws IOException {
        this(InetAddress.getLoopbackAddress(), 0);
    }

    /** Bound to {@code address:port} (e.g. 127.0.0.2 and the port of another upstream). */
    public ScriptedUpstream(InetAddress address, int port) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(address, port));
        Thread t = new Thread(this::acceptLoop, "scripted-upstream-accept");
        t.setDaemon(true);
        t.start();
    }

    /** The bodies of the completed transactions, as text (dot-stuffing undone), in order. */
    public List<String> delivered() {
        return transactions.stream().map(Txn::bodyText).toList();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int n = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s, n), "scripted-upstream-" + n);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int conn) {
        Socket s = socket;
        try {
            if (down) {
                s.close(); // an outage: no greeting
                return;
            }
            s.setSoTimeout(30_000); // every read bounded
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String greet = greeting.apply(conn);
            reply(out, greet);
            if (!greet.startsWith("220")) {
                s.close();
                return;
            }
            boolean tls = false;
            String authed = null;
            String from = null;
            List<String> rcpts = new ArrayList<>();
            int txns = 0;
            for (;;) {
                String line = readLine(in);
                if (line == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                commands.add(line);
                if (closeOnReuse && txns > 0) {
                    s.close();
                    return;
                }
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO") && ehloUnsupported) {
                    reply(out, "502 5.5.2 EHLO not implemented");
                } else if (upper.startsWith("EHLO")) {
                    List<String> ext = new ArrayList<>();
                    ext.add("scripted.test");
                    if (pipelining) {
                        ext.add("PIPELINING");
                    }
                    if (eightBitMime) {
                        ext.add("8BITMIME");
                    }
                    if (sizeLimit > 0) {
                        ext.add("SIZE " + sizeLimit);
                    }
                    if (startTls != null && !tls) {
                        ext.add("STARTTLS");
                    }
                    if (authUser != null) {
                        ext.add("AUTH " + authMechanisms);
                    }
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < ext.size(); i++) {
                        sb.append("250").append(i == ext.size() - 1 ? ' ' : '-').append(ext.get(i)).append("\r\n");
                    }
                    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else if (upper.startsWith("HELO")) {
                    reply(out, "250 scripted.test");
                } else if (upper.equals("STARTTLS") && startTls != null && !tls) {
                    reply(out, "220 2.0.0 go ahead");
                    if (brokenTls) {
                        out.write("this is not a TLS record\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        s.close();
                        return;
                    }
                    SSLSocket ssl = (SSLSocket) startTls.getSocketFactory().createSocket(s, null, s.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    s = ssl;
                    in = ssl.getInputStream();
                    out = ssl.getOutputStream();
                    tls = true;
                } else if (upper.startsWith("AUTH PLAIN ")) {
                    String[] parts = new String(Base64.getDecoder().decode(line.substring(11).trim()),
                            StandardCharsets.UTF_8).split("\0");
                    authed = checkAuth(out, parts.length == 3 ? parts[1] : "", parts.length == 3 ? parts[2] : "");
                } else if (upper.equals("AUTH LOGIN")) {
                    reply(out, "334 VXNlcm5hbWU6");
                    String u = new String(Base64.getDecoder().decode(readLine(in)), StandardCharsets.UTF_8);
                    reply(out, "334 UGFzc3dvcmQ6");
                    String p = new String(Base64.getDecoder().decode(readLine(in)), StandardCharsets.UTF_8);
                    authed = checkAuth(out, u, p);
                } else if (upper.startsWith("MAIL FROM:")) {
                    if (authUser != null && authed == null) {
                        reply(out, "530 5.7.0 Authentication required");
                        continue;
                    }
                    from = between(line);
                    rcpts.clear();
                    reply(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    if (from == null) {
                        reply(out, "503 5.5.1 need MAIL");
                        continue;
                    }
                    String r = between(line);
                    String answer = rcptReply.apply(r);
                    if (answer.startsWith("2")) {
                        rcpts.add(r);
                    }
                    reply(out, answer);
                } else if (upper.equals("DATA")) {
                    if (from == null || rcpts.isEmpty()) {
                        reply(out, "554 5.5.1 no valid recipients");
                        continue;
                    }
                    int n = dataCount.incrementAndGet();
                    reply(out, "354 go ahead");
                    if (dropMidData.apply(n)) {
                        readLine(in); // the first body line arrives, then the line drops
                        s.close();
                        return;
                    }
                    byte[] body = readBody(in);
                    txns++;
                    if (stallAtEndOfData.apply(n)) {
                        // never answer; wait for the client to give up and close
                        while (readLine(in) != null) {
                            // discard
                        }
                        closedByClient.incrementAndGet();
                        return;
                    }
                    CountDownLatch hold = holdData;
                    if (hold != null) {
                        try {
                            hold.await(30, TimeUnit.SECONDS); // bounded
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (endOfDataDelayMs > 0) {
                        try {
                            Thread.sleep(endOfDataDelayMs); // a slow upstream, on its own thread
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    String answer = dataReply.apply(n);
                    if (answer.startsWith("2")) {
                        transactions.add(new Txn(conn, from, List.copyOf(rcpts), body, tls, authed));
                    }
                    from = null;
                    rcpts.clear();
                    reply(out, answer);
                } else if (upper.equals("RSET")) {
                    from = null;
                    rcpts.clear();
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    s.close();
                    return;
                } else if (upper.equals("NOOP")) {
                    reply(out, "250 2.0.0 Ok");
                } else {
                    reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private String checkAuth(OutputStream out, String user, String pass) throws IOException {
        if (user.equals(authUser) && pass.equals(authPass)) {
            reply(out, "235 2.7.0 Authentication successful");
            return user;
        }
        reply(out, "535 5.7.8 Authentication credentials invalid");
        return null;
    }

    private static String between(String line) {
        int a = line.indexOf('<');
        int b = line.indexOf('>', a + 1);
        return a >= 0 && b > a ? line.substring(a + 1, b) : "";
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A CRLF-terminated line without its CRLF, or null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        int prev = -1;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n' && prev == '\r') {
                byte[] bytes = buf.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            buf.write(b);
            prev = b;
        }
    }

    /** Reads DATA up to CRLF.CRLF and undoes dot-stuffing (RFC 5321 4.5.2). */
    private static byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int prev = -1;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("eof in DATA");
            }
            line.write(b);
            if (b == '\n' && prev == '\r') {
                byte[] l = line.toByteArray();
                line.reset();
                if (l.length == 3 && l[0] == '.') {
                    return body.toByteArray();
                }
                int skip = l[0] == '.' ? 1 : 0;
                body.write(l, skip, l.length - skip);
            }
            prev = b;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
