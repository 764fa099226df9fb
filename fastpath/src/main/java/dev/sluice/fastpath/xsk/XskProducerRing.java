package dev.sluice.fastpath.xsk;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A ring the user produces into and the kernel consumes: the fill ring (UMEM addresses handed to the kernel for
 * RX) and the TX ring ({@code xdp_desc} to send). Batch protocol: {@link #reserve(int)} claims free slots,
 * {@link #putAddress}/{@link #putDescriptor} fill them by position relative to the first unsubmitted slot,
 * {@link #submit()} publishes every reserved slot with one release store.
 * <p>
 * The consumer index is cached: it is read (acquire) only when the cached view says there is not enough room,
 * like libxdp's {@code xsk_prod_nb_free}.
 */
public final class XskProducerRing extends XskRing
{
    private int producer;
    private int reservedEnd;
    private int cachedConsumerPlusSize;

    XskProducerRing(final String name, final UnsafeBuffer memory, final int producerOffset, final int consumerOffset,
        final int flagsOffset, final int descOffset, final int size, final int entryLength)
    {
        super(name, memory, producerOffset, consumerOffset, flagsOffset, descOffset, size, entryLength);
        producer = memory.getIntAcquire(producerOffset);
        reservedEnd = producer;
        cachedConsumerPlusSize = memory.getIntAcquire(consumerOffset) + size;
    }

    /**
     * A producer ring over plain memory laid out like the kernel's (tests, and the peer side of a simulation).
     * The indices already in the memory are taken as they are, so a test can start near the u32 wrap.
     *
     * @param name        for messages.
     * @param memory      at least {@link #inMemoryLength(int, int)} bytes, 8-aligned.
     * @param size        entries, a power of two.
     * @param entryLength 8 (fill) or 16 (TX).
     * @return the ring.
     */
    public static XskProducerRing inMemory(final String name, final UnsafeBuffer memory, final int size,
        final int entryLength)
    {
        return new XskProducerRing(name, memory, IN_MEMORY_PRODUCER_OFFSET, IN_MEMORY_CONSUMER_OFFSET,
            IN_MEMORY_FLAGS_OFFSET, IN_MEMORY_DESC_OFFSET, size, entryLength);
    }

    /**
     * Claims up to {@code count} free slots after those already reserved.
     *
     * @param count slots wanted.
     * @return slots claimed, 0..count (fewer when the kernel has not consumed enough yet).
     */
    public int reserve(final int count)
    {
        int free = cachedConsumerPlusSize - reservedEnd;
        if (free < count)
        {
            cachedConsumerPlusSize = memory.getIntAcquire(consumerOffset) + size;
            free = cachedConsumerPlusSize - reservedEnd;
        }
        final int claimed = Math.min(free, count);
        reservedEnd += claimed;
        return claimed;
    }

    /** @return slots reserved and not yet submitted. */
    public int reserved()
    {
        return reservedEnd - producer;
    }

    /**
     * Writes a UMEM address into a reserved slot of a fill ring.
     *
     * @param position 0-based position among the reserved, unsubmitted slots.
     * @param address  UMEM address.
     */
    public void putAddress(final int position, final long address)
    {
        memory.putLong(slotOffset(producer + position), address);
    }

    /**
     * Writes a descriptor into a reserved slot of a TX ring.
     *
     * @param position 0-based position among the reserved, unsubmitted slots.
     * @param address  UMEM address of the first byte to send.
     * @param length   bytes to send.
     */
    public void putDescriptor(final int position, final long address, final int length)
    {
        final int offset = slotOffset(producer + position);
        memory.putLong(offset + XskDescriptor.DESC_ADDR_OFFSET, address);
        memory.putInt(offset + XskDescriptor.DESC_LEN_OFFSET, length);
        memory.putInt(offset + XskDescriptor.DESC_OPTIONS_OFFSET, 0);
    }

    /**
     * Gives back the last {@code count} reserved slots unpublished.
     *
     * @param count slots to give back, at most {@link #reserved()}.
     */
    public void cancel(final int count)
    {
        if (count < 0 || count > reservedEnd - producer)
        {
            throw new IllegalArgumentException(name + ": cannot cancel " + count + " of " + reserved() + " reserved");
        }
        reservedEnd -= count;
    }

    /**
     * Publishes every reserved slot: one release store of the producer index, so the kernel sees the entries
     * before it sees the index.
     *
     * @return slots published.
     */
    public int submit()
    {
        final int published = reservedEnd - producer;
        if (published != 0)
        {
            producer = reservedEnd;
            memory.putIntRelease(producerOffset, producer);
        }
        return published;
    }

    /** @return entries submitted that the kernel has not consumed yet (acquire read of the consumer). */
    public int outstanding()
    {
        return producer - memory.getIntAcquire(consumerOffset);
    }

    /** @return the free slots as last cached, without touching shared memory (may under-report). */
    public int cachedFree()
    {
        return cachedConsumerPlusSize - reservedEnd;
    }
}
