package dev.sluice.fastpath.xsk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The kernel's per-socket counters ({@code getsockopt(SOL_XDP, XDP_STATISTICS)}, {@code struct xdp_statistics}),
 * as last read by {@link XskSocket#readStatistics(XskStatistics)}. A mutable holder so a metrics thread can poll
 * without allocating.
 */
public final class XskStatistics
{
    /** Frames the kernel dropped for other reasons. */
    public long rxDropped;
    /** RX: descriptors the kernel found invalid (bad fill ring addresses). */
    public long rxInvalidDescs;
    /** TX: descriptors the kernel refused (address/length outside the UMEM or across a frame). */
    public long txInvalidDescs;
    /** Frames dropped because the RX ring was full: the worker did not keep up. */
    public long rxRingFull;
    /** Times the kernel found the fill ring empty: the worker did not refill in time. */
    public long rxFillRingEmptyDescs;
    /** Times the kernel found the TX ring empty when woken. */
    public long txRingEmptyDescs;

    void decode(final MemorySegment segment, final int length)
    {
        rxDropped = field(segment, length, XskDescriptor.STATISTICS_RX_DROPPED_OFFSET);
        rxInvalidDescs = field(segment, length, XskDescriptor.STATISTICS_RX_INVALID_DESCS_OFFSET);
        txInvalidDescs = field(segment, length, XskDescriptor.STATISTICS_TX_INVALID_DESCS_OFFSET);
        rxRingFull = field(segment, length, XskDescriptor.STATISTICS_RX_RING_FULL_OFFSET);
        rxFillRingEmptyDescs = field(segment, length, XskDescriptor.STATISTICS_RX_FILL_RING_EMPTY_DESCS_OFFSET);
        txRingEmptyDescs = field(segment, length, XskDescriptor.STATISTICS_TX_RING_EMPTY_DESCS_OFFSET);
    }

    private static long field(final MemorySegment segment, final int length, final int offset)
    {
        // kernels before 5.9 return only the first three fields
        return offset + Long.BYTES <= length ? segment.get(ValueLayout.JAVA_LONG, offset) : 0;
    }

    @Override
    public String toString()
    {
        return "XskStatistics{rxDropped=" + rxDropped + ", rxInvalidDescs=" + rxInvalidDescs + ", txInvalidDescs=" +
            txInvalidDescs + ", rxRingFull=" + rxRingFull + ", rxFillRingEmptyDescs=" + rxFillRingEmptyDescs +
            ", txRingEmptyDescs=" + txRingEmptyDescs + "}";
    }
}
