package dev.sluice.fastpath.xsk;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One AF_XDP ring as the kernel lays it out (see {@code struct xdp_ring_offset} in {@code linux/if_xdp.h}): a u32
 * producer index, a u32 consumer index, a u32 flags word and an array of {@code size} entries, all at the offsets
 * given by {@code getsockopt(XDP_MMAP_OFFSETS)}. Indices are free-running u32 counters; entry {@code idx} lives
 * in slot {@code idx & mask}. Java {@code int} arithmetic wraps exactly like the kernel's u32.
 *
 * <pre>
 *  producerOffset: u32 producer   written by the producing side with release, read by the other with acquire
 *  consumerOffset: u32 consumer   written by the consuming side with release, read by the other with acquire
 *  flagsOffset:    u32 flags      XDP_RING_NEED_WAKEUP, written by the kernel
 *  descOffset:     entry[size]    u64 address (fill, completion) or struct xdp_desc (RX, TX)
 * </pre>
 *
 * Single-threaded on the user side: one thread (the worker) owns each ring object.
 */
public abstract class XskRing
{
    /** Layout of an in-memory ring (same shape as the kernel's: each index on its own cache line). */
    static final int IN_MEMORY_PRODUCER_OFFSET = 0;
    static final int IN_MEMORY_CONSUMER_OFFSET = 64;
    static final int IN_MEMORY_FLAGS_OFFSET = 128;
    static final int IN_MEMORY_DESC_OFFSET = 192;

    final UnsafeBuffer memory;
    final int producerOffset;
    final int consumerOffset;
    final int flagsOffset;
    final int descOffset;
    final int size;
    final int mask;
    final int entryShift;
    final String name;

    XskRing(final String name, final UnsafeBuffer memory, final int producerOffset, final int consumerOffset,
        final int flagsOffset, final int descOffset, final int size, final int entryLength)
    {
        if (size < 1 || Integer.bitCount(size) != 1)
        {
            throw new IllegalArgumentException(name + " ring size must be a power of two: " + size);
        }
        if (entryLength != XskDescriptor.ADDR_LENGTH && entryLength != XskDescriptor.DESC_LENGTH)
        {
            throw new IllegalArgumentException(name + " ring entry length must be 8 or 16: " + entryLength);
        }
        final long needed = (long)descOffset + (long)size * entryLength;
        if (needed > memory.capacity())
        {
            throw new IllegalArgumentException(name + " ring of " + size + " entries needs " + needed +
                " bytes, the mapping has " + memory.capacity());
        }
        this.name = name;
        this.memory = memory;
        this.producerOffset = producerOffset;
        this.consumerOffset = consumerOffset;
        this.flagsOffset = flagsOffset;
        this.descOffset = descOffset;
        this.size = size;
        this.mask = size - 1;
        this.entryShift = entryLength == XskDescriptor.DESC_LENGTH ? 4 : 3;
    }

    /**
     * Bytes an in-memory ring of {@code size} entries takes (see {@link XskProducerRing#inMemory}).
     *
     * @param size        entries, a power of two.
     * @param entryLength 8 (address ring) or 16 (descriptor ring).
     * @return bytes.
     */
    public static int inMemoryLength(final int size, final int entryLength)
    {
        return IN_MEMORY_DESC_OFFSET + size * entryLength;
    }

    /** @return entries in the ring. */
    public final int size()
    {
        return size;
    }

    /** @return the ring's name, for messages and counters ("fill", "completion", "rx", "tx"). */
    public final String name()
    {
        return name;
    }

    /** @return true when the kernel set {@code XDP_RING_NEED_WAKEUP} on this ring (acquire read). */
    public final boolean needsWakeup()
    {
        return (memory.getIntAcquire(flagsOffset) & XskDescriptor.XDP_RING_NEED_WAKEUP) != 0;
    }

    /** @return the shared producer index (acquire read), for accounting and tests. */
    public final int producerIndexAcquire()
    {
        return memory.getIntAcquire(producerOffset);
    }

    /** @return the shared consumer index (acquire read), for accounting and tests. */
    public final int consumerIndexAcquire()
    {
        return memory.getIntAcquire(consumerOffset);
    }

    /** @return entries published by the producer and not yet released by the consumer (acquire reads). */
    public final int occupancy()
    {
        final int consumer = memory.getIntAcquire(consumerOffset);
        return memory.getIntAcquire(producerOffset) - consumer;
    }

    final int slotOffset(final int index)
    {
        return descOffset + ((index & mask) << entryShift);
    }

    @Override
    public String toString()
    {
        return name + "{size=" + size + ", producer=" + Integer.toUnsignedString(producerIndexAcquire()) +
            ", consumer=" + Integer.toUnsignedString(consumerIndexAcquire()) + "}";
    }
}
