package dev.sluice.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

/**
 * Measures the bytes the current thread allocates, with HotSpot's per-thread allocation counter
 * ({@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()}), for the "allocates nothing per
 * packet" tests. The counter is exact for the thread (TLAB refills are not sampled), so a bound far below one object
 * (16 bytes) per operation proves no per-operation allocation once the code is compiled.
 *
 * <p>A JVM without thread allocation accounting fails the test: these tests must not pass by measuring nothing.
 */
public final class Allocations
{
    private Allocations()
    {
    }

    /**
     * Runs {@code body} on the current thread and returns what that thread allocated meanwhile. The body should
     * feed its results somewhere the caller checks, or the JIT may remove the work.
     *
     * @param body the code to measure (its lambda is created by the caller, before the measurement).
     * @return bytes allocated by the current thread while {@code body} ran.
     */
    public static long bytesAllocatedBy(final Runnable body)
    {
        final com.sun.management.ThreadMXBean threads = threads();
        // The first read may itself allocate (lazy initialisation inside the bean): keep it out of the window.
        threads.getCurrentThreadAllocatedBytes();
        final long before = threads.getCurrentThreadAllocatedBytes();
        body.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * Runs {@code warmUp} (long enough for C2 to compile the code), then measures {@code measured} and fails unless
     * it allocated strictly less than {@code maxBytesPerOp} bytes per operation on average.
     *
     * @param what names the code in the failure message.
     * @param warmUp unmeasured run(s).
     * @param measured the measured run, performing {@code operations} operations.
     * @param operations how many operations {@code measured} performs.
     * @param maxBytesPerOp exclusive bound on allocated bytes / operations.
     * @return the bytes {@code measured} allocated.
     */
    public static long assertAllocatesNothing(
        final String what, final Runnable warmUp, final Runnable measured, final long operations,
        final double maxBytesPerOp)
    {
        if (operations <= 0)
        {
            throw new IllegalArgumentException("operations must be positive: " + operations);
        }
        warmUp.run();
        final long allocated = bytesAllocatedBy(measured);
        final double perOp = (double)allocated / operations;
        assertTrue(perOp < maxBytesPerOp, () -> what + " allocated " + allocated + " bytes over " + operations +
            " operations: " + perOp + " bytes/operation, bound " + maxBytesPerOp);
        return allocated;
    }

    private static com.sun.management.ThreadMXBean threads()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assertTrue(bean instanceof com.sun.management.ThreadMXBean,
            () -> "needs com.sun.management.ThreadMXBean, this JVM has " + bean.getClass().getName());
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
        assertTrue(threads.isThreadAllocatedMemorySupported(), "thread allocated memory is not supported");
        if (!threads.isThreadAllocatedMemoryEnabled())
        {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        return threads;
    }
}
