package dev.mailgateway.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * An unpooled allocator that remembers every buffer it hands out, so a fuzz run can assert
 * deterministically, per input, that none is left unreleased (paranoid leak detection only
 * reports once the garbage collector finds one).
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> allocated = new ArrayList<>();

    public TrackingAllocator() {
        super(false); // heap by default; buffer() still wraps for leak detection
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = Unpooled.buffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    public void assertAllReleased() {
        for (ByteBuf b : allocated) {
            assertThat(b.refCnt()).as("leaked buffer %s", b).isZero();
        }
    }
}
