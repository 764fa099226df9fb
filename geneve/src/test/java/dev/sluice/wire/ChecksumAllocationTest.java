package dev.sluice.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

import dev.sluice.testkit.Allocations;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet methods allocate nothing: the bytes this thread allocates over a million calls, after two warm-up
 * rounds of a million (so the JIT has compiled the loop), stay under a bound far below one object per call (the
 * smallest object is 16 bytes, so per-call allocation would show as at least 16 MB). A canary that does allocate
 * proves the measurement sees it.
 */
class ChecksumAllocationTest
{
    private static final int CALLS = 1_000_000;
    private static final int WARM_UP_ROUNDS = 2;
    private static final long BOUND_BYTES = 4096;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1500));
    private final SctpChecksum sctp = new SctpChecksum(1500);
    private long sink;

    ChecksumAllocationTest()
    {
        for (int i = 0; i < buffer.capacity(); i++)
        {
            buffer.putByte(i, (byte)(i * 31 + 7));
        }
    }

    @Test
    void partialSumAllocatesNothing()
    {
        assertAllocationFree("partialSum", i -> Checksums.partialSum(buffer, i & 7, 1400 + (i & 63), i));
    }

    @Test
    void l4ChecksumAllocatesNothing()
    {
        assertAllocationFree("l4Checksum", i ->
        {
            final long pseudo = Checksums.ipv4PseudoHeaderSum(0xC612_0001, 0xC613_0000 + i, 6, 1400);
            return Checksums.l4Checksum(pseudo, buffer, 20, 1400, 36);
        });
    }

    @Test
    void measurementSeesAnAllocatingCall()
    {
        final long allocated = allocatedBytes(i -> Integer.toString(i).length());
        assertTrue(allocated >= 16L * CALLS, "canary allocated only " + allocated + " bytes");
    }

    @Test
    void update32AllocatesNothing()
    {
        assertAllocationFree("update32", i -> Checksums.update32(i & 0xFFFF, 0xC612_0000 + i, 0xC613_FFFF - i));
    }

    @Test
    void sctpComputeAllocatesNothing()
    {
        assertAllocationFree("SctpChecksum.compute", i ->
        {
            buffer.putInt(64, i, BIG_ENDIAN);
            return sctp.compute(buffer, 20, 400 + (i & 255));
        });
    }

    private interface Call
    {
        long apply(int i);
    }

    private void assertAllocationFree(final String name, final Call call)
    {
        final long allocated = allocatedBytes(call);
        assertTrue(allocated < BOUND_BYTES, name + " allocated " + allocated + " bytes over " + CALLS + " calls");
    }

    private long allocatedBytes(final Call call)
    {
        final LongSupplier loop = () ->
        {
            long acc = 0;
            for (int i = 0; i < CALLS; i++)
            {
                acc += call.apply(i);
            }
            return acc;
        };
        for (int round = 0; round < WARM_UP_ROUNDS; round++)
        {
            sink += loop.getAsLong();
        }
        final long[] result = new long[1];
        final long allocated = Allocations.bytesAllocatedBy(() -> result[0] = loop.getAsLong());
        sink += result[0];
        assertNotEquals(0, result[0], "computed something");
        return allocated;
    }
}
