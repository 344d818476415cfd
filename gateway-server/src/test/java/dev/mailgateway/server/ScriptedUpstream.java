package dev.mailgateway.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A minimal SMTP upstream on 127.0.0.1:0 for whole-gateway tests: it answers RCPT with a reply
 * the test can change at run time ({@link #rcptReply}) and records each delivered message.
 * One daemon thread per connection; every read has a timeout.
 */
final class ScriptedUpstream implements AutoCloseable {

    /** The reply to every RCPT TO, e.g. "250 2.1.5 Ok" or "550 5.1.1 No such user". */
    final AtomicReference<String> rcptReply = new AtomicReference<>("250 2.1.5 Ok");
    /** Delivered messages' DATA, as text (dot-stuffing undone). */
    final List<String> delivered = new CopyOnWriteArrayList<>();
    /** While true the upstream is "gone": connections are closed at once, without a greeting. */
    volatile boolean down;
    /** When set, the reply to the end of DATA waits until the latch opens (a slow upstream). */
    volatile java.util.concurrent.CountDownLatch holdData;
    /** Connections accepted, including refused ones while {@link #down}. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    private final ServerSocket server;

    ScriptedUpstream() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "scripted-upstream");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "scripted-upstream-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            connections.incrementAndGet();
            if (down) {
                return; // closed without a greeting
            }
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 upstream.test ESMTP");
            boolean rcptOk = false;
            String line;
            while ((line = in.readLine()) != null) {
                String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                switch (cmd) {
                    case "EHLO", "HELO" -> reply(out, "250 upstream.test");
                    case "MAIL" -> {
                        rcptOk = false;
                        reply(out, "250 2.1.0 Ok");
                    }
                    case "RCPT" -> {
                        String r = rcptReply.get();
                        rcptOk |= r.startsWith("2");
                        reply(out, r);
                    }
                    case "DATA" -> {
                        if (!rcptOk) {
                            reply(out, "554 5.5.1 No valid recipients");
                            continue;
                        }
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        StringBuilder body = new StringBuilder();
                        String l;
                        while ((l = in.readLine()) != null && !l.equals(".")) {
                            body.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
                        }
                        java.util.concurrent.CountDownLatch hold = holdData;
                        if (hold != null) {
                            try {
                                hold.await(30, java.util.concurrent.TimeUnit.SECONDS); // bounded
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        delivered.add(body.toString());
                        reply(out, "250 2.0.0 Ok: queued");
                    }
                    case "RSET", "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Not implemented");
                }
            }
        } catch (IOException e) {
            // client went away
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
