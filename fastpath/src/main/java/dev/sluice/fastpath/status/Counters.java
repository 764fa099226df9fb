package dev.sluice.fastpath.status;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fixed set of 64-bit counters with a single writer (the worker that owns them) and any number of readers.
 * The writer publishes with release; readers read with acquire. Each counter sits on its own cache line, so a
 * reader polling one counter does not contend with the writer's updates of the others.
 */
public final class Counters
{
    private static final int STRIDE = BitUtil.CACHE_LINE_LENGTH;

    private final AtomicBuffer buffer;
    private final int count;

    public Counters(final int count)
    {
        if (count <= 0)
        {
            throw new IllegalArgumentException("counter count must be positive: " + count);
        }
        this.count = count;
        this.buffer = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(count * STRIDE, STRIDE));
    }

    public int count()
    {
        return count;
    }

    /** Single-writer increment. */
    public void incrementRelease(final int id)
    {
        final int index = id * STRIDE;
        buffer.putLongRelease(index, buffer.getLong(index) + 1);
    }

    /** Single-writer add. */
    public void addRelease(final int id, final long delta)
    {
        final int index = id * STRIDE;
        buffer.putLongRelease(index, buffer.getLong(index) + delta);
    }

    /** Reads a counter from any thread. */
    public long getAcquire(final int id)
    {
        return buffer.getLongAcquire(id * STRIDE);
    }
}
