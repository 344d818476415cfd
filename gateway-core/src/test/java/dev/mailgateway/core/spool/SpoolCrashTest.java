package dev.mailgateway.core.spool;

import static dev.mailgateway.core.spool.SpoolTestSupport.content;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's durability promise: a message whose append was acknowledged (the 250 of the SMTP
 * server) survives SIGKILL of the process. A child JVM appends with fsync on and prints each
 * acknowledged id; we kill it at a random moment, recover, and look for every id.
 */
class SpoolCrashTest {

    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedAppendSurvivesSigkill() throws Exception {
        Random random = new Random();
        for (int round = 0; round < 2; round++) {
            Path dir = tmp.resolve("spool-" + round);
            Files.createDirectories(dir);
            int killAfter = 50 + random.nextInt(1500);
            List<String> lines;
            try (ChildJvm child = ChildJvm.start(SpoolCrashChild.class, List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"),
                    tmp.resolve("child-" + round + ".err"), dir.toString(), "20000", "8")) {
                assertThat(child.awaitLines(l -> l.startsWith("BIG "), 1 + random.nextInt(2), 60_000))
                        .as("streamed large messages acknowledged").isPositive();
                int acked = child.awaitLines(l -> l.startsWith("ACK "), killAfter, 60_000);
                assertThat(acked).as("acks before the kill").isGreaterThanOrEqualTo(killAfter);
                child.kill(); // SIGKILL mid-stream: appends are in flight
                lines = child.lines();
            }
            List<QueueId> acked = lines.stream()
                    .filter(l -> l.startsWith("ACK "))
                    .map(l -> l.substring(4))
                    .filter(QueueId::isValid) // a line cut by the kill is not an ack
                    .map(QueueId::parse)
                    .toList();

            try (FileSpool spool = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics())) {
                Map<QueueId, SpooledMessage> recovered = spool.recover().stream()
                        .collect(Collectors.toMap(SpooledMessage::id, Function.identity()));
                assertThat(recovered.keySet()).as("round %d, killed after %d acks", round, acked.size())
                        .containsAll(acked);
                // acknowledged or caught in flight by the kill: whatever recovers is intact
                int big = 0;
                for (QueueId id : recovered.keySet()) {
                    boolean large = recovered.get(id).pendingRecipients().contains("big@example.com");
                    big += large ? 1 : 0;
                    assertThat(spool.readContent(id).get(30, TimeUnit.SECONDS))
                            .isEqualTo(large ? SpoolTestSupport.bigContent(id) : content(id));
                    assertThat(recovered.get(id).pendingRecipients())
                            .containsExactly(large ? "big@example.com" : "r@example.com");
                }
                assertThat(big).as("streamed 1-16 MB messages among the recovered, round %d", round).isPositive();
            }
        }
    }
}
