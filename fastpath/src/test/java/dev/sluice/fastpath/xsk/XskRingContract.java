package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ring behaviour every implementation of the other side must agree with: run once against an in-memory peer
 * that plays the kernel ({@link InMemoryXskRingTest}) and once against the kernel itself, through the TX and
 * completion rings of a real AF_XDP socket on a veth ({@link KernelXskRingTest}). The producer ring is a TX ring
 * (descriptors); the consumer ring a completion ring (addresses); {@link #kernelStep()} makes the other side
 * consume everything submitted and complete it, in order.
 */
abstract class XskRingContract
{
    static final int RING_SIZE = 64;
    static final int FRAME_SIZE = 2048;
    static final int FRAME_LENGTH = 60;

    XskProducerRing tx;
    XskConsumerRing completion;

    abstract void open();

    abstract void closeRings();

    /** The other side consumes every submitted descriptor and completes it; returns when the completions are in. */
    abstract void kernelStep(int expectedCompletions);

    /** Writes a sendable frame at the address (the real kernel transmits it). */
    abstract void prepareFrame(long address);

    @BeforeEach
    void setUp()
    {
        open();
    }

    @AfterEach
    void tearDown()
    {
        closeRings();
    }

    @Test
    void freshConsumerRingHasNothingToPeek()
    {
        assertEquals(0, completion.peek(RING_SIZE));
        assertEquals(0, completion.occupancy());
    }

    @Test
    void producerReservesAtMostTheRingSizeUntilTheOtherSideConsumes()
    {
        assertEquals(RING_SIZE, tx.reserve(RING_SIZE + 10));
        assertEquals(0, tx.reserve(1), "ring full");
        assertEquals(RING_SIZE, tx.reserved());
        tx.cancel(RING_SIZE - 3);
        assertEquals(3, tx.reserved());
        assertEquals(RING_SIZE - 3, tx.reserve(RING_SIZE));
        tx.cancel(RING_SIZE);
        assertEquals(0, tx.reserved());
        assertThrows(IllegalArgumentException.class, () -> tx.cancel(1));
    }

    @Test
    void nothingIsVisibleToTheOtherSideBeforeSubmit()
    {
        assertEquals(5, tx.reserve(5));
        for (int i = 0; i < 5; i++)
        {
            final long address = (long)i * FRAME_SIZE;
            prepareFrame(address);
            tx.putDescriptor(i, address, FRAME_LENGTH);
        }
        assertEquals(0, tx.outstanding());
        assertEquals(0, tx.producerIndexAcquire());
        assertEquals(5, tx.submit());
        assertEquals(5, tx.outstanding());
        assertEquals(5, tx.producerIndexAcquire());
        kernelStep(5);
        assertEquals(0, tx.outstanding());
        assertEquals(5, completion.peek(RING_SIZE));
    }

    @Test
    void peekIsBoundedAndReleaseIsPartial()
    {
        submitFrames(0, 10);
        kernelStep(10);
        assertEquals(4, completion.peek(4));
        assertEquals(0L, completion.address(0));
        completion.release(4);
        assertEquals(6, completion.peek(RING_SIZE));
        assertEquals(4L * FRAME_SIZE, completion.address(0));
        assertEquals(6, completion.occupancy());
        completion.release(6);
        assertEquals(0, completion.peek(RING_SIZE));
        assertEquals(0, completion.occupancy());
    }

    @Test
    void addressesComeBackInOrderAcrossManyWrapsWithOddBatches()
    {
        final int[] batches = {1, 7, 13, 64, 31, 2, 63, 17};
        int next = 0;
        for (int round = 0; round < 40; round++)
        {
            final int batch = batches[round % batches.length];
            submitFrames(next, batch);
            kernelStep(batch);
            assertEquals(batch, completion.peek(RING_SIZE), "round " + round);
            for (int i = 0; i < batch; i++)
            {
                assertEquals(frameAddress(next + i), completion.address(i), "round " + round + " entry " + i);
            }
            completion.release(batch);
            next += batch;
        }
        assertEquals(next, tx.producerIndexAcquire() - startIndex());
        assertEquals(0, completion.occupancy());
    }

    int startIndex()
    {
        return 0;
    }

    long frameAddress(final int n)
    {
        return (long)(n % RING_SIZE) * FRAME_SIZE;
    }

    void submitFrames(final int first, final int count)
    {
        assertEquals(count, tx.reserve(count));
        for (int i = 0; i < count; i++)
        {
            final long address = frameAddress(first + i);
            prepareFrame(address);
            tx.putDescriptor(i, address, FRAME_LENGTH);
        }
        assertEquals(count, tx.submit());
    }
}
