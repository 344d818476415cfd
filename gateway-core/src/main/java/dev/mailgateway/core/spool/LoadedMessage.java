package dev.mailgateway.core.spool;

import dev.mailgateway.core.model.SpooledMessage;

/**
 * A live message whose envelope is in memory: from its append (or its load into the dispatch
 * window, or {@link Spool#recover()}) until it is parked on the waiting list or final. Only
 * these cost more than the {@link LiveIndex} entry; the dispatch window bounds how many there
 * are, apart from messages the relay holds for a retry.
 *
 * <p>Threads: written by the spool's writer thread; {@link #message} and {@link #cached} are
 * read by any thread (the cached content is how {@code readContent} answers without a hop).
 */
final class LoadedMessage {

    volatile SpooledMessage message;
    /** The content while cached (small messages), else null. Never modified. */
    volatile byte[] cached;
    final int contentLength;

    LoadedMessage(SpooledMessage message, int contentLength) {
        this.message = message;
        this.contentLength = contentLength;
    }
}
