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
 * QR=1, RCODE=3, the question echoed, no answers) and records the names asked for. Tests point
 * the resolver here so nothing ever reaches a real name server.
 */
public final class TinyDnsServer implements AutoCloseable {

    public final List<String> queries = new CopyOnWriteArrayList<>();
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
            queries.add(qname(buf, len));
            byte[] reply = java.util.Arrays.copyOf(buf, len); // header + question (+ any EDNS OPT)
            reply[2] = (byte) (0x80 | (buf[2] & 0x79)); // QR=1, opcode kept, RD kept
            reply[3] = (byte) 0x83; // RA=1, RCODE=3 NXDOMAIN
            // ANCOUNT=NSCOUNT=ARCOUNT=0: cut what follows the question
            int end = 12;
            while (end < len && buf[end] != 0) {
                end += (buf[end] & 0xff) + 1;
            }
            end = Math.min(len, end + 5); // the zero label, QTYPE, QCLASS
            reply = java.util.Arrays.copyOf(reply, end);
            reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
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
