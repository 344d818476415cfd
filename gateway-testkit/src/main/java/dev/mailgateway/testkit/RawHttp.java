package dev.mailgateway.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.x connection for what {@link java.net.http.HttpClient} cannot do: choose the
 * source address, send malformed or pipelined requests, and show whether the server closed.
 */
public final class RawHttp implements AutoCloseable {

    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;

    /** Connects from {@code localAddress} (e.g. 127.0.0.2) to the server. */
    public RawHttp(InetSocketAddress server, InetAddress localAddress) {
        try {
            socket = new Socket();
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(server, 5000);
            socket.setSoTimeout(5000);
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp(InetSocketAddress server) {
        this(server, null);
    }

    public void send(String text) {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response (status line, headers, Content-Length body). */
    public Response read() {
        return read(true);
    }

    /** Reads the answer to a HEAD request: status line and headers, never a body. */
    public Response readHead() {
        return read(false);
    }

    private Response read(boolean withBody) {
        try {
            String status = line();
            if (status == null) {
                throw new IllegalStateException("connection closed before a response");
            }
            int code = Integer.parseInt(status.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            int length = withBody ? Integer.parseInt(headers.getOrDefault("content-length", "0")) : 0;
            byte[] body = in.readNBytes(length);
            return new Response(code, headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the server closed the connection (end of stream within the socket timeout). */
    public boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
