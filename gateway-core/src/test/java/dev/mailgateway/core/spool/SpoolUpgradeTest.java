package dev.mailgateway.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.metrics.GatewayMetrics;
import dev.mailgateway.core.model.QueueId;
import dev.mailgateway.core.model.SpooledMessage;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrade path: {@code src/test/resources/spool-v1} was written by the release before #11
 * (format version 1, {@code MGSPOOL1}, no record markers). This build recovers it: the live
 * messages with their pending recipients and attempts, contents byte-exact, and appends new
 * mail in version 2 segments beside the old ones.
 */
class SpoolUpgradeTest {

    @TempDir
    Path dir;

    @Test
    void spoolWrittenByVersion1IsRecovered() throws Exception {
        Path fixture = Path.of(getClass().getResource("/spool-v1/MANIFEST").toURI()).getParent();
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        Map<QueueId, String[]> expected = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("MANIFEST"))) {
            String[] f = line.split(" ");
            if (!f[2].equals("final")) {
                expected.put(QueueId.parse(f[0]), f);
            }
        }
        FileSpool spool = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics());
        try {
            List<SpooledMessage> recovered = spool.recover();
            assertThat(recovered).extracting(SpooledMessage::id).containsExactlyElementsOf(expected.keySet());
            for (SpooledMessage m : recovered) {
                String[] f = expected.get(m.id());
                byte[] content = spool.readContent(m.id()).get(10, TimeUnit.SECONDS);
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)))
                        .isEqualTo(f[1]);
                assertThat(String.join(",", m.pendingRecipients())).isEqualTo(f[2].substring("pending=".length()));
                assertThat("attempts=" + m.attempts()).isEqualTo(f[3]);
            }
            QueueId fresh = new dev.mailgateway.core.model.QueueIdGenerator().next();
            spool.append(SpoolTestSupport.envelope(fresh, "r@example.org"), SpoolTestSupport.content(fresh))
                    .get(10, TimeUnit.SECONDS);
        } finally {
            spool.close();
        }
        FileSpool again = new FileSpool(dir, new SpoolConfig(true, 0), new GatewayMetrics());
        try {
            assertThat(again.recover()).hasSize(expected.size() + 1);
        } finally {
            again.close();
        }
        List<String> headers = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (p.toString().endsWith(".seg")) {
                    headers.add(new String(Files.readAllBytes(p), 0, 8));
                }
            }
        }
        assertThat(headers).contains("MGSPOOL1", "MGSPOOL2");
    }
}
