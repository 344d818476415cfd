package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway under SIGKILL: a child JVM relaying to a GreenMail upstream on 127.0.0.1
 * takes {@value #MESSAGES} messages over many connections and is killed (destroyForcibly =
 * SIGKILL) at a random moment; after a restart on the same emailsDir, every message that got a
 * 250 reaches the upstream. A duplicate is allowed only for a message the upstream had already
 * received when the gateway was killed (delivered, outcome not yet journalled).
 */
class CrashProcessIT {

    static final int MESSAGES = 300;
    static final int CLIENTS = 8;
    static final int PER_CONNECTION = 5;
    static final String SEQ = "X-Test-Seq";

    @TempDir
    Path dir;

    private GreenMail upstream;

    @BeforeEach
    void startUpstream() {
        upstream = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop();
    }

    /** seq → copies received by the upstream so far. */
    private Map<Integer, Integer> received() throws MessagingException {
        Map<Integer, Integer> out = new HashMap<>();
        for (MimeMessage m : upstream.getReceivedMessages()) {
            String[] h = m.getHeader(SEQ);
            if (h != null) {
                out.merge(Integer.parseInt(h[0].trim()), 1, Integer::sum);
            }
        }
        return out;
    }

    /**
     * What the upstream holds once the kill has played out. A message whose final dot the gateway
     * wrote just before SIGKILL is still being parsed and stored by a GreenMail thread when the
     * process is gone, so it lands a moment later: it was in flight at the kill and may
     * legitimately be delivered again after the restart. Wait until the upstream's count has not
     * moved for a second (bounded at 15 s) before taking the snapshot.
     */
    private Map<Integer, Integer> settledUpstream() throws Exception {
        Map<Integer, Integer> last = received();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            Map<Integer, Integer> now = received();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    @Test
    void everyAcknowledgedMessageReachesTheUpstreamAfterSigkill() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int killAfter = MESSAGES / 5 + random.nextInt(MESSAGES * 3 / 5);
        System.out.printf("seed %d: SIGKILL after %d acknowledged messages%n", seed, killAfter);

        Files.writeString(dir.resolve("config.json"), """
                {"smtpPort": 0, "enableHealthCheck": false, "emailsDir": "emails",
                 "forwardSMTP": true, "forwardHost": "127.0.0.1", "forwardPort": %d,
                 "batchDelay": 0,
                 "retry": {"maxAttempts": 50, "initialDelayMs": 100, "maxDelayMs": 1000},
                 "security": {"requireAuth": false, "allowLocalOnly": true}}"""
                .formatted(upstream.getSmtp().getPort()));

        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        List<String> errorsBeforeKill = new ArrayList<>();
        AtomicBoolean killed = new AtomicBoolean();
        CountDownLatch killNow = new CountDownLatch(1);
        AtomicInteger next = new AtomicInteger();
        Map<Integer, Integer> atKill;

        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            int port = LocalDeliveryProcessIT.smtpPort(gw);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                clients.execute(() -> {
                    Session session = SmtpClient.session(port);
                    while (!killed.get() && next.get() < MESSAGES) {
                        try (Transport t = session.getTransport("smtp")) {
                            t.connect();
                            for (int i = 0; i < PER_CONNECTION; i++) {
                                int seq = next.getAndIncrement();
                                if (seq >= MESSAGES) {
                                    return;
                                }
                                MimeMessage m = SmtpClient.message(session, "crash " + seq, SEQ,
                                        Integer.toString(seq));
                                t.sendMessage(m, m.getAllRecipients());
                                acked.add(seq);
                                if (acked.size() >= killAfter) {
                                    killNow.countDown();
                                }
                            }
                        } catch (MessagingException e) {
                            if (!killed.get()) {
                                synchronized (errorsBeforeKill) {
                                    errorsBeforeKill.add(e.toString());
                                }
                                killNow.countDown();
                            }
                            return;
                        }
                    }
                });
            }
            assertThat(killNow.await(120, TimeUnit.SECONDS)).as("clients reached the kill point").isTrue();
            killed.set(true);
            gw.process().destroyForcibly();
            assertThat(gw.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            atKill = settledUpstream();
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(errorsBeforeKill).as("client errors before the kill").isEmpty();
        Set<Integer> ackedAtKill = Set.copyOf(acked);
        System.out.printf("killed with %d acknowledged, upstream had %d%n", ackedAtKill.size(), atKill.size());

        try (GatewayProcess gw = GatewayProcess.start(dir, Map.of())) {
            gw.awaitLog("mail-gateway \\S+ started", GatewayProcess.START_TIMEOUT);
            GatewayProcess.await("every acknowledged message at the upstream", Duration.ofSeconds(90), () -> {
                try {
                    return received().keySet().containsAll(ackedAtKill);
                } catch (MessagingException e) {
                    return false;
                }
            });
            Map<Integer, Integer> after = received();
            Set<Integer> duplicates = new TreeSet<>();
            after.forEach((seq, copies) -> {
                if (copies > 1) {
                    duplicates.add(seq);
                }
            });
            System.out.printf("after restart: %d distinct at the upstream, %d duplicated %s; recovered: %s%n",
                    after.size(), duplicates.size(), duplicates,
                    gw.awaitLog("spool: (\\d+) recovered", Duration.ofSeconds(1)).group(1));
            assertThat(after.keySet()).containsAll(ackedAtKill);
            assertThat(atKill.keySet()).as("duplicates only of messages delivered before the kill")
                    .containsAll(duplicates);
            gw.signal("TERM");
            assertThat(gw.waitForExit(Duration.ofSeconds(40))).as(gw.output()).isZero();
        }
    }
}
