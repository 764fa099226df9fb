package dev.sluice.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The measurement sees allocation, and the assertion fails on code that allocates per operation. */
class AllocationsTest
{
    private static final int OPS = 100_000;

    private long sink;

    @Test
    void anAllocatingLoopIsMeasured()
    {
        final long allocated = Allocations.bytesAllocatedBy(this::allocate);
        assertTrue(allocated >= 16L * OPS, "measured only " + allocated + " bytes");
    }

    @Test
    void assertAllocatesNothingFailsOnAnAllocatingLoop()
    {
        final AssertionFailedError e = assertThrows(AssertionFailedError.class,
            () -> Allocations.assertAllocatesNothing("canary", this::allocate, this::allocate, OPS, 1.0));
        assertTrue(e.getMessage().startsWith("canary allocated "), e.getMessage());
    }

    @Test
    void assertAllocatesNothingPassesOnAnArithmeticLoop()
    {
        final long[] sum = new long[1];
        final Runnable loop = () ->
        {
            for (int i = 0; i < OPS; i++)
            {
                sum[0] += i * 31L;
            }
        };
        Allocations.assertAllocatesNothing("arithmetic", loop, loop, OPS, 0.01);
        assertEquals(2 * 31L * ((long)OPS * (OPS - 1) / 2), sum[0]);
    }

    @Test
    void operationsMustBePositive()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Allocations.assertAllocatesNothing("none", () -> { }, () -> { }, 0, 1.0));
        assertEquals("operations must be positive: 0", e.getMessage());
    }

    private void allocate()
    {
        for (int i = 0; i < OPS; i++)
        {
            sink += Integer.toString(i).length();
        }
    }
}
