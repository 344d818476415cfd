package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.FailedMessage;
import dev.mailgateway.core.model.QueueId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failed store's directory: where {@code <id>.json} lives, the atomic write (temp file,
 * fsync, rename, directory fsync), {@code corrupt/} for files that do not parse, and the scan
 * that finds the stored ids. No state beyond the paths; called on the store's thread only.
 */
final class FailedDirectory {

    /** The store's log (one logger name for everything the failed store says). */
    private static final Logger log = LoggerFactory.getLogger(FileFailedStore.class);
    static final String SUFFIX = ".json";

    private final Path dir;
    private final Path corruptDir;

    FailedDirectory(Path dir) throws IOException {
        this.dir = dir;
        this.corruptDir = dir.resolve("corrupt");
        Files.createDirectories(dir);
    }

    Path dir() {
        return dir;
    }

    Path file(QueueId id) {
        return dir.resolve(id.value() + SUFFIX); // a QueueId is [0-9A-Z]{16}: no traversal
    }

    /** Writes {@code <id>.json} durably, replacing any older file of the id in one step. */
    void writeAtomically(FailedMessage m, MessageContent content) throws IOException {
        Path tmp = dir.resolve(m.id() + SUFFIX + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch),
                    64 * 1024);
            FailedMessageJson.write(m, content, out); // closes out (and ch): force through a fresh handle
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file(m.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    void moveToCorrupt(Path file, Exception why) {
        try {
            Files.createDirectories(corruptDir);
            Files.move(file, corruptDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            log.warn("failed store: {} does not parse ({}); moved to {}", file.getFileName(), why.toString(), corruptDir);
        } catch (IOException e) {
            log.warn("failed store: {} does not parse ({}) and cannot be moved aside: {}",
                    file.getFileName(), why.toString(), e.toString());
        }
    }

    /**
     * The ids stored now. Deletes temp files a crash cut short (their store() failed) and moves
     * files whose name is not a queue id to {@code corrupt/}.
     */
    List<QueueId> scan() throws IOException {
        List<QueueId> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX + ".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(SUFFIX) && Files.isRegularFile(p)) {
                    String stem = name.substring(0, name.length() - SUFFIX.length());
                    if (QueueId.isValid(stem)) {
                        ids.add(QueueId.parse(stem));
                    } else {
                        moveToCorrupt(p, new IllegalArgumentException("not a queue id: " + stem));
                    }
                }
            }
        }
        return ids;
    }
}
