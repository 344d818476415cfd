package dev.mailgateway.core.spool;

/**
 * Where one piece of a streamed content lies: {@code length} data bytes at {@code position}
 * of {@code segment} (the data of one CHUNK record, after its header). Immutable; the segment
 * is the writer thread's.
 */
record ContentExtent(Segment segment, long position, int length) {
}
