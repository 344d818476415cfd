package dev.mailgateway.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A raw-socket SMTP client for what polite clients never send: {@link #send} writes bytes as
 * given (CRLF is not added), {@link #expect} reads one reply (multi-line aware) and checks its
 * start. Reads time out after 5 s.
 */
public final class SmtpTestClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public SmtpTestClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    public SmtpTestClient(InetSocketAddress address, String bindAddress) throws IOException {
        socket = new Socket();
        if (bindAddress != null) {
            socket.bind(new InetSocketAddress(bindAddress, 0));
        }
        socket.connect(address, 5000);
        socket.setSoTimeout(5000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Upgrades to TLS (after a 220 to STARTTLS), trusting any certificate: it is the test's own. */
    public SmtpTestClient startTls() throws Exception {
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) ssl.getSocketFactory()
                .createSocket(socket, "mx.test", socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        socket = tls;
        in = new java.io.BufferedInputStream(tls.getInputStream());
        out = tls.getOutputStream();
        return this;
    }

    public Socket socket() {
        return socket;
    }

    public SmtpTestClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    public SmtpTestClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends a command line with CRLF. */
    public SmtpTestClient line(String command) throws IOException {
        return send(command + "\r\n");
    }

    /** Reads one whole reply; returns it with lines joined by "\n". */
    public String reply() throws IOException {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            String l = readLine();
            if (l == null) {
                throw new IOException("connection closed while reading a reply; got so far: " + all);
            }
            all.append(all.length() == 0 ? "" : "\n").append(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return all.toString();
            }
        }
        throw new IOException("reply too long: " + all);
    }

    /** Reads one reply and asserts it starts with {@code prefix}. */
    public String expect(String prefix) throws IOException {
        String r = reply();
        assertThat(r).startsWith(prefix);
        return r;
    }

    /** True when the server closed the connection (EOF) within the read timeout. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        for (;;) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n' && prev == '\r') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
            prev = c;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
