package dev.mailgateway.core.spool;

/**
 * Keeps small contents in memory while their message is live (under {@code maxContent} bytes
 * each, {@code budget} in total), so the relay's read of a fresh message needs no disk read and
 * no thread hop. The arrays are shared with readers: never modified.
 *
 * <p>Thread: the spool's writer thread ({@link LoadedMessage#cached} is volatile for readers).
 */
final class ContentCache {

    private final int maxContent;
    private final long budget;
    private long cachedBytes;

    ContentCache(int maxContent, long budget) {
        this.maxContent = maxContent;
        this.budget = budget;
    }

    /** Caches {@code content} for {@code e} when it is small and the budget has room. */
    void offer(LoadedMessage e, byte[] content) {
        if (content.length < maxContent && cachedBytes + content.length <= budget) {
            e.cached = content;
            cachedBytes += content.length;
        }
    }

    /** Forgets {@code e}'s cached content, if any. */
    void drop(LoadedMessage e) {
        if (e.cached != null) {
            cachedBytes -= e.contentLength;
            e.cached = null;
        }
    }
}
