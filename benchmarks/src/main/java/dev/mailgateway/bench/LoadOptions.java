package dev.mailgateway.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of {@link LoadTool}, parsed and checked up front so that every run is
 * bounded (messages, connections, seconds) and aimed at loopback unless the caller opts out.
 */
public record LoadOptions(
        String host,
        int port,
        int concurrency,
        long messages,
        int messageBytes,
        int recipients,
        int messagesPerConnection,
        String user,
        String password,
        int durationSec,
        double ratePerSec,
        int idleConnections,
        int holdSec,
        boolean allowRemote,
        int replyTimeoutSec) {

    static final int MAX_CONCURRENCY = 60_000;
    static final long MAX_MESSAGES = 100_000_000L;
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    static final int MAX_RECIPIENTS = 10_000;
    static final int MAX_DURATION_SEC = 3600;

    public static final String USAGE = String.join("\n",
            "usage: LoadTool [options]",
            "  --host H              target (default 127.0.0.1; loopback only unless --allow-remote)",
            "  --port P              target port (default 2525)",
            "  -c, --connections C   concurrent connections (default 20)",
            "  -m, --messages M      messages in total (default 10000)",
            "  -s, --size S          bytes per message, headers included (default 4096)",
            "  -r, --recipients R    recipients per message (default 1)",
            "  -k, --per-connection K  messages per connection, 1 = new connection each (default 1)",
            "  --user U --pass P     AUTH PLAIN before the first message",
            "  -d, --duration SEC    hard cap on the run (default 300)",
            "  --rate N              fixed rate in messages/s over all connections (default: as fast as possible)",
            "  --idle N              idle mode: open N connections (EHLO each), hold them, then quit",
            "  --hold SEC            idle mode: seconds to hold the connections (default 30)",
            "  --reply-timeout SEC   per-reply timeout (default 30)",
            "  --allow-remote        allow a non-loopback target");

    public LoadOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        range("--port", port, 1, 65535);
        range("--connections", concurrency, 1, MAX_CONCURRENCY);
        if (messages < 1 || messages > MAX_MESSAGES) {
            throw new IllegalArgumentException("--messages must be in 1.." + MAX_MESSAGES + ", got " + messages);
        }
        range("--size", messageBytes, 64, MAX_MESSAGE_BYTES);
        range("--recipients", recipients, 1, MAX_RECIPIENTS);
        range("--per-connection", messagesPerConnection, 1, Integer.MAX_VALUE);
        range("--duration", durationSec, 1, MAX_DURATION_SEC);
        range("--idle", idleConnections, 0, MAX_CONCURRENCY);
        range("--hold", holdSec, 0, MAX_DURATION_SEC);
        range("--reply-timeout", replyTimeoutSec, 1, 600);
        if (ratePerSec < 0 || Double.isNaN(ratePerSec)) {
            throw new IllegalArgumentException("--rate must be >= 0, got " + ratePerSec);
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("--user and --pass go together");
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions("127.0.0.1", 2525, 20, 10_000, 4096, 1, 1, null, null, 300, 0, 0, 30,
                false, 30);
    }

    public boolean auth() {
        return user != null;
    }

    public boolean idleMode() {
        return idleConnections > 0;
    }

    /** Parses GNU-style options over {@link #defaults()}. */
    public static LoadOptions parse(String... args) {
        LoadOptions d = defaults();
        String host = d.host;
        int port = d.port;
        int c = d.concurrency;
        long m = d.messages;
        int s = d.messageBytes;
        int r = d.recipients;
        int k = d.messagesPerConnection;
        String user = null;
        String pass = null;
        int duration = d.durationSec;
        double rate = 0;
        int idle = 0;
        int hold = d.holdSec;
        boolean remote = false;
        int replyTimeout = d.replyTimeoutSec;
        List<String> a = new ArrayList<>(List.of(args));
        for (int i = 0; i < a.size(); i++) {
            String opt = a.get(i);
            if (opt.equals("--allow-remote")) {
                remote = true;
                continue;
            }
            if (opt.equals("-h") || opt.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= a.size()) {
                throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
            }
            String v = a.get(++i);
            switch (opt) {
                case "--host" -> host = v;
                case "--port", "-p" -> port = intArg(opt, v);
                case "-c", "--connections" -> c = intArg(opt, v);
                case "-m", "--messages" -> m = longArg(opt, v);
                case "-s", "--size" -> s = intArg(opt, v);
                case "-r", "--recipients" -> r = intArg(opt, v);
                case "-k", "--per-connection" -> k = intArg(opt, v);
                case "--user" -> user = v;
                case "--pass" -> pass = v;
                case "-d", "--duration" -> duration = intArg(opt, v);
                case "--rate" -> rate = doubleArg(opt, v);
                case "--idle" -> idle = intArg(opt, v);
                case "--hold" -> hold = intArg(opt, v);
                case "--reply-timeout" -> replyTimeout = intArg(opt, v);
                default -> throw new IllegalArgumentException("unknown option " + opt + "\n" + USAGE);
            }
        }
        return new LoadOptions(host, port, c, m, s, r, k, user, pass, duration, rate, idle, hold,
                remote, replyTimeout);
    }

    /**
     * Resolves the target and refuses anything but loopback unless {@code --allow-remote}:
     * a load tool pointed at someone else's server by a typo is an attack.
     */
    public InetAddress resolveTarget() throws UnknownHostException {
        InetAddress addr = InetAddress.getByName(host);
        if (!addr.isLoopbackAddress() && !allowRemote) {
            throw new IllegalArgumentException("refusing non-loopback target " + addr.getHostAddress()
                    + " (only 127.0.0.0/8 and ::1 by default); pass --allow-remote if you own it");
        }
        return addr;
    }

    private static void range(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ", got " + v);
        }
    }

    private static int intArg(String opt, String v) {
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs an integer, got \"" + v + "\"");
        }
    }

    private static long longArg(String opt, String v) {
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs an integer, got \"" + v + "\"");
        }
    }

    private static double doubleArg(String opt, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs a number, got \"" + v + "\"");
        }
    }

    @Override
    public String toString() {
        return "LoadOptions[host=" + host + ", port=" + port + ", c=" + concurrency + ", m=" + messages
                + ", s=" + messageBytes + ", r=" + recipients + ", k=" + messagesPerConnection
                + ", auth=" + auth() + ", duration=" + durationSec + "s, rate=" + ratePerSec
                + ", idle=" + idleConnections + "]";
    }
}
