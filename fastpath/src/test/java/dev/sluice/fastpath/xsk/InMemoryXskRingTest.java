package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The ring contract against an in-memory peer that plays the kernel: it reads the TX ring's producer with acquire,
 * copies each descriptor's address to the completion ring and publishes both indices with release. Plus what only
 * memory we lay out ourselves can show: indices that wrap the u32 range, the need-wakeup flag, and the layout.
 */
class InMemoryXskRingTest extends XskRingContract
{
    private UnsafeBuffer txMemory;
    private UnsafeBuffer completionMemory;
    private int initialIndex;

    @Override
    void open()
    {
        openAt(0);
    }

    private void openAt(final int index)
    {
        initialIndex = index;
        txMemory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            XskRing.inMemoryLength(RING_SIZE, XskDescriptor.DESC_LENGTH), 64));
        completionMemory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            XskRing.inMemoryLength(RING_SIZE, XskDescriptor.ADDR_LENGTH), 64));
        for (final UnsafeBuffer memory : new UnsafeBuffer[] {txMemory, completionMemory})
        {
            memory.putIntRelease(XskRing.IN_MEMORY_PRODUCER_OFFSET, index);
            memory.putIntRelease(XskRing.IN_MEMORY_CONSUMER_OFFSET, index);
        }
        tx = XskProducerRing.inMemory("tx", txMemory, RING_SIZE, XskDescriptor.DESC_LENGTH);
        completion = XskConsumerRing.inMemory("completion", completionMemory, RING_SIZE, XskDescriptor.ADDR_LENGTH);
    }

    @Override
    void closeRings()
    {
    }

    @Override
    int startIndex()
    {
        return initialIndex;
    }

    @Override
    void prepareFrame(final long address)
    {
    }

    @Override
    void kernelStep(final int expectedCompletions)
    {
        final int txProducer = txMemory.getIntAcquire(XskRing.IN_MEMORY_PRODUCER_OFFSET);
        int txConsumer = txMemory.getIntVolatile(XskRing.IN_MEMORY_CONSUMER_OFFSET);
        int cqProducer = completionMemory.getIntVolatile(XskRing.IN_MEMORY_PRODUCER_OFFSET);
        final int cqConsumer = completionMemory.getIntAcquire(XskRing.IN_MEMORY_CONSUMER_OFFSET);
        int moved = 0;
        while (txConsumer != txProducer && cqProducer - cqConsumer < RING_SIZE)
        {
            final int txSlot = XskRing.IN_MEMORY_DESC_OFFSET + (txConsumer & (RING_SIZE - 1)) * XskDescriptor.DESC_LENGTH;
            final long address = txMemory.getLong(txSlot + XskDescriptor.DESC_ADDR_OFFSET);
            assertEquals(FRAME_LENGTH, txMemory.getInt(txSlot + XskDescriptor.DESC_LEN_OFFSET));
            assertEquals(0, txMemory.getInt(txSlot + XskDescriptor.DESC_OPTIONS_OFFSET));
            completionMemory.putLong(XskRing.IN_MEMORY_DESC_OFFSET + (cqProducer & (RING_SIZE - 1)) * 8, address);
            txConsumer++;
            cqProducer++;
            moved++;
        }
        txMemory.putIntRelease(XskRing.IN_MEMORY_CONSUMER_OFFSET, txConsumer);
        completionMemory.putIntRelease(XskRing.IN_MEMORY_PRODUCER_OFFSET, cqProducer);
        assertEquals(expectedCompletions, moved);
    }

    @Test
    void indicesWrapTheU32RangeLikeTheKernels()
    {
        openAt(0xFFFF_FFF0);
        int next = 0;
        for (int round = 0; round < 8; round++)
        {
            submitFrames(next, 11);
            kernelStep(11);
            assertEquals(11, completion.peek(RING_SIZE));
            for (int i = 0; i < 11; i++)
            {
                assertEquals(frameAddress(next + i), completion.address(i));
            }
            completion.release(11);
            next += 11;
        }
        assertEquals(0xFFFF_FFF0 + 88, tx.producerIndexAcquire());
        assertTrue(Integer.compareUnsigned(tx.producerIndexAcquire(), 0xFFFF_FFF0) < 0, "wrapped past 2^32");
        assertEquals(RING_SIZE, tx.reserve(RING_SIZE), "a full ring of room after the wrap");
    }

    @Test
    void needsWakeupFollowsTheFlagsWord()
    {
        assertFalse(tx.needsWakeup());
        txMemory.putIntRelease(XskRing.IN_MEMORY_FLAGS_OFFSET, XskDescriptor.XDP_RING_NEED_WAKEUP);
        assertTrue(tx.needsWakeup());
        txMemory.putIntRelease(XskRing.IN_MEMORY_FLAGS_OFFSET, 0);
        assertFalse(tx.needsWakeup());
    }

    @Test
    void slotsAreIndexAndMaskOfEntrySize()
    {
        submitFrames(0, 3);
        final int slot2 = XskRing.IN_MEMORY_DESC_OFFSET + 2 * XskDescriptor.DESC_LENGTH;
        assertEquals(frameAddress(2), txMemory.getLong(slot2));
        assertEquals(FRAME_LENGTH, txMemory.getInt(slot2 + XskDescriptor.DESC_LEN_OFFSET));
        assertEquals(3, txMemory.getIntVolatile(XskRing.IN_MEMORY_PRODUCER_OFFSET));
    }
}
