package dev.sluice.fastpath.xsk;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A ring the kernel produces into and the user consumes: the RX ring ({@code xdp_desc} received) and the
 * completion ring (UMEM addresses whose transmission finished). Batch protocol: {@link #peek(int)} says how many
 * entries are ready (reading the producer index with acquire only when the cached view is short), the entries
 * are read by position relative to the first unreleased one, {@link #release(int)} hands them back with one
 * release store.
 */
public final class XskConsumerRing extends XskRing
{
    private int consumer;
    private int cachedProducer;

    XskConsumerRing(final String name, final UnsafeBuffer memory, final int producerOffset, final int consumerOffset,
        final int flagsOffset, final int descOffset, final int size, final int entryLength)
    {
        super(name, memory, producerOffset, consumerOffset, flagsOffset, descOffset, size, entryLength);
        consumer = memory.getIntAcquire(consumerOffset);
        cachedProducer = memory.getIntAcquire(producerOffset);
    }

    /**
     * A consumer ring over plain memory laid out like the kernel's (tests, simulations).
     *
     * @param name        for messages.
     * @param memory      at least {@link #inMemoryLength(int, int)} bytes, 8-aligned.
     * @param size        entries, a power of two.
     * @param entryLength 8 (completion) or 16 (RX).
     * @return the ring.
     */
    public static XskConsumerRing inMemory(final String name, final UnsafeBuffer memory, final int size,
        final int entryLength)
    {
        return new XskConsumerRing(name, memory, IN_MEMORY_PRODUCER_OFFSET, IN_MEMORY_CONSUMER_OFFSET,
            IN_MEMORY_FLAGS_OFFSET, IN_MEMORY_DESC_OFFSET, size, entryLength);
    }

    /**
     * @param max most entries wanted.
     * @return entries ready to read, 0..max; they stay unconsumed until {@link #release(int)}.
     */
    public int peek(final int max)
    {
        int available = cachedProducer - consumer;
        if (available < max)
        {
            cachedProducer = memory.getIntAcquire(producerOffset);
            available = cachedProducer - consumer;
        }
        return Math.min(available, max);
    }

    /**
     * @param position 0-based position among the unreleased entries (below the last {@link #peek(int)} result).
     * @return the UMEM address of a completion entry, or of an RX descriptor.
     */
    public long address(final int position)
    {
        return memory.getLong(slotOffset(consumer + position));
    }

    /**
     * @param position 0-based position among the unreleased entries of an RX ring.
     * @return the descriptor's length in bytes.
     */
    public int length(final int position)
    {
        return memory.getInt(slotOffset(consumer + position) + XskDescriptor.DESC_LEN_OFFSET);
    }

    /**
     * @param position 0-based position among the unreleased entries of an RX ring.
     * @return the descriptor's options word.
     */
    public int options(final int position)
    {
        return memory.getInt(slotOffset(consumer + position) + XskDescriptor.DESC_OPTIONS_OFFSET);
    }

    /**
     * Consumes entries: one release store of the consumer index, after every read of them.
     *
     * @param count entries to release, at most what the last {@link #peek(int)} returned.
     */
    public void release(final int count)
    {
        if (count != 0)
        {
            consumer += count;
            memory.putIntRelease(consumerOffset, consumer);
        }
    }
}
