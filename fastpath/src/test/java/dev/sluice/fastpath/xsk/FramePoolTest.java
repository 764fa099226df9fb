package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class FramePoolTest
{
    private final FramePool pool = new FramePool(8, 2048);

    @Test
    void everyFrameIsHandedOutOnceAndTheLowestFirst()
    {
        final Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 8; i++)
        {
            final long address = pool.toFill();
            assertEquals(0, address % 2048);
            assertTrue(seen.add(address), "handed out twice: " + address);
            if (i == 0)
            {
                assertEquals(0L, address);
            }
        }
        assertEquals(-1L, pool.toFill(), "empty pool");
        assertEquals(8, pool.count(FramePool.FILL));
        assertNull(pool.checkConsistency());
    }

    @Test
    void fullCycleReturnsTheFrameWhateverOffsetTheKernelReports()
    {
        final long frame = pool.toFill();
        assertTrue(pool.onReceived(frame + 256));
        assertEquals(FramePool.WORKER, pool.stateOf(frame + 300));
        assertTrue(pool.toTx(frame + 200));
        assertTrue(pool.onCompleted(frame + 200));
        assertEquals(8, pool.available());
        assertEquals(0, pool.invalidTransitions());
        assertNull(pool.checkConsistency());
    }

    @Test
    void doubleFreeIsRefusedCountedAndNeverPushesTwice()
    {
        final long frame = pool.toFill();
        pool.onReceived(frame);
        assertTrue(pool.free(frame));
        assertFalse(pool.free(frame));
        assertFalse(pool.onCompleted(frame));
        assertEquals(2, pool.invalidTransitions());
        assertEquals(8, pool.available());
        assertNull(pool.checkConsistency());
    }

    @Test
    void wrongTransitionsAndForeignAddressesAreRefused()
    {
        final long frame = pool.toFill();
        assertFalse(pool.toTx(frame), "not held by the worker");
        assertFalse(pool.onCompleted(frame), "never sent");
        assertFalse(pool.onReceived(8L * 2048), "outside the UMEM");
        assertFalse(pool.onReceived(-1L));
        assertEquals(4, pool.invalidTransitions());
        assertEquals(1, pool.count(FramePool.FILL));
        assertEquals(-1, pool.stateOf(1L << 40));
        assertNull(pool.checkConsistency());
    }

    @Test
    void countsAlwaysAddUpToTheFrameCount()
    {
        final long a = pool.toFill();
        final long b = pool.toFill();
        final long c = pool.toWorker();
        pool.onReceived(a);
        pool.toTx(a);
        assertEquals(5, pool.count(FramePool.FREE));
        assertEquals(1, pool.count(FramePool.FILL));
        assertEquals(1, pool.count(FramePool.WORKER));
        assertEquals(1, pool.count(FramePool.TX));
        assertEquals(b, pool.toFill() - 2048 * 2, "c took the frame after b, the next one is after c");
        assertTrue(pool.free(c));
        assertNull(pool.checkConsistency());
    }

    @Test
    void rejectsBadGeometry()
    {
        assertThrows(IllegalArgumentException.class, () -> new FramePool(0, 2048));
        assertThrows(IllegalArgumentException.class, () -> new FramePool(8, 3000));
    }
}
