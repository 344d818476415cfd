package dev.mailgateway.bench;

import dev.mailgateway.core.model.Envelope;
import dev.mailgateway.core.model.QueueIdGenerator;
import dev.mailgateway.core.model.SpooledMessage;
import dev.mailgateway.core.queue.Dispatcher;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.List;

/**
 * Issue #12: what the dispatcher's waiting list costs per message, apart from the envelope the
 * spool keeps for every live message anyway. Builds N spooled messages (held in an array, as
 * FileSpool's index holds them), measures the heap used after full GCs, dispatches all of them
 * into a {@code Dispatcher(5, 1000)} without consumers (so N - 1000 wait), and measures again.
 * Also prints the heap per message of the messages themselves (a small envelope), for scale.
 *
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar dev.mailgateway.bench.WaitingListHeapProbe [N]}
 * prints {@code WAITING n=... envelope_bytes_per_msg=... waiting_list_bytes_per_msg=...}.
 */
public final class WaitingListHeapProbe {

    private WaitingListHeapProbe() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        long h0 = usedAfterGc();
        QueueIdGenerator ids = new QueueIdGenerator();
        SpooledMessage[] messages = new SpooledMessage[n];
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            messages[i] = SpooledMessage.fresh(new Envelope(ids.next(), "app" + (i % 50) + "@example.com",
                    List.of("user" + i + "@example.org"), now, "client.example.com", "127.0.0.1", "", false, false));
        }
        long h1 = usedAfterGc();
        Dispatcher d = new Dispatcher(5, 1000);
        for (SpooledMessage m : messages) {
            d.dispatch(m);
        }
        long h2 = usedAfterGc();
        int waiting = d.overflowSize();
        System.out.printf("WAITING n=%d window=%d waiting=%d envelope_bytes_per_msg=%.0f waiting_list_bytes_per_msg=%.1f%n",
                n, d.depth(), waiting, (h1 - h0) / (double) n, (h2 - h1) / (double) Math.max(1, waiting));
        if (messages[n - 1] == null || d.depth() == 0) {
            throw new AssertionError("unreachable: keeps the objects alive until here");
        }
    }

    private static long usedAfterGc() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
