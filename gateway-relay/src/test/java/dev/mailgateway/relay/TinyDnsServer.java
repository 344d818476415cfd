package dev.mailgateway.relay;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A DNS server on 127.0.0.1:0 (UDP) that answers every query with NXDOMAIN (RFC 1035 4.1.1:
 * QR=1, RCODE=3, the question echoed, no answers) and records the names asked for; with
 * {@link #answer} set, A queries for {@link #name} get that IPv4 address with {@link #ttl} (other
 * types of that name: NOERROR, no answer). Tests point the resolver here so nothing ever
 * reaches a real name server.
 */
public final class TinyDnsServer implements AutoCloseable {

    public final List<String> queries = new CopyOnWriteArrayList<>();
    /** The one name that exists, with {@link #answer}. */
    public volatile String name;
    /** Its IPv4 address (4 bytes), or null: NXDOMAIN for everything. */
    public volatile byte[] answer;
    /** TTL of the answer, seconds. */
    public volatile int ttl = 1;
    /** While true, queries are recorded but never answered (a dead name server). */
    public volatile boolean silent;
    private final DatagramSocket socket;

    public TinyDnsServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::serve, "tiny-dns");
        t.setDaemon(true);
        t.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    private void serve() {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                return; // closed
            }
            int len = p.getLength();
            if (len < 12) {
                continue;
            }
            String q = qname(buf, len);
            queries.add(q);
            if (silent) {
                continue;
            }
            int end = 12;
            while (end < len && buf[end] != 0) {
                end += (buf[end] & 0xff) + 1;
            }
            int qtype = end + 2 < len ? ((buf[end + 1] & 0xff) << 8) | (buf[end + 2] & 0xff) : 0;
            end = Math.min(len, end + 5); // the zero label, QTYPE, QCLASS
            byte[] ip = answer;
            boolean exists = ip != null && q.equalsIgnoreCase(name);
            boolean withAnswer = exists && qtype == 1;
            // header + question; ANCOUNT=NSCOUNT=ARCOUNT=0 (any EDNS OPT record is cut off)
            byte[] reply = java.util.Arrays.copyOf(buf, end + (withAnswer ? 16 : 0));
            reply[2] = (byte) (0x80 | (buf[2] & 0x79)); // QR=1, opcode kept, RD kept
            reply[3] = (byte) (exists ? 0x80 : 0x83); // RA=1, RCODE 0 or 3 (NXDOMAIN)
            reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
            if (withAnswer) {
                reply[7] = 1; // ANCOUNT=1
                int t = ttl;
                byte[] rr = {(byte) 0xC0, 0x0C, 0, 1, 0, 1, (byte) (t >>> 24), (byte) (t >>> 16), (byte) (t >>> 8),
                        (byte) t, 0, 4, ip[0], ip[1], ip[2], ip[3]};
                System.arraycopy(rr, 0, reply, end, 16);
            }
            try {
                socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String qname(byte[] b, int len) {
        StringBuilder sb = new StringBuilder();
        int i = 12;
        while (i < len && b[i] != 0) {
            int n = b[i] & 0xff;
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(new String(b, i + 1, Math.min(n, len - i - 1), java.nio.charset.StandardCharsets.US_ASCII));
            i += n + 1;
        }
        return sb.toString();
    }

    @Override
    public void close() {
        socket.close();
    }
}
