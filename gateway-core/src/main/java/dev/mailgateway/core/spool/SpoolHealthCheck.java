package dev.mailgateway.core.spool;

import dev.mailgateway.core.config.SpoolConfig;
import dev.mailgateway.core.health.HealthCheck;
import java.util.ArrayList;
import java.util.List;

/** The spool's part of {@code /health}: degraded when it cannot write or the disk is nearly full. */
public final class SpoolHealthCheck implements HealthCheck {

    private final Spool spool;
    private final long minFreeDiskMb;

    public SpoolHealthCheck(Spool spool, SpoolConfig config) {
        this.spool = spool;
        this.minFreeDiskMb = config.minFreeDiskMb();
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>(2);
        if (!spool.writable()) {
            problems.add("spool is not writable (last write failed or the spool is closed)");
        }
        long free = spool.freeDiskMb();
        if (free < minFreeDiskMb) {
            problems.add("free disk " + free + " MB is under spool.minFreeDiskMb " + minFreeDiskMb);
        }
        return problems;
    }
}
