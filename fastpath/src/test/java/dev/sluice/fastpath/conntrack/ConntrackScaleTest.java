package dev.sluice.fastpath.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.testkit.Allocations;
import org.junit.jupiter.api.Test;

/** A million flows fit at 128 bytes a slot, and the packet-path operations allocate nothing. */
class ConntrackScaleTest
{
    private static final int MILLION = 1_000_000;
    private static final long DST = PacketVector.ipv4Mapped(0xC613_0001); // 198.19.0.1

    /** Flow {@code i}: 198.18.(i >> 16) : (i & 0xFFFF) -> 198.19.0.1 : 443. */
    private static long src(final int i)
    {
        return PacketVector.ipv4Mapped(0xC612_0000 | (i >>> 16));
    }

    @Test
    void aMillionEntriesFitAtOneHundredTwentyEightBytesPerSlot()
    {
        assertEquals(128, ConntrackDescriptor.ENTRY_LENGTH);
        assertEquals(ConntrackDescriptor.ENTRY_LENGTH, 1 << ConntrackDescriptor.ENTRY_SHIFT);
        try (ConntrackTable t = new ConntrackTable(ConntrackConfig.forEntries(MILLION)))
        {
            assertEquals((long)t.capacity() * ConntrackDescriptor.ENTRY_LENGTH, t.regionBytes());
            assertEquals(256L << 20, t.regionBytes(), "2^21 slots of 128 bytes");
            assertTrue(t.maxEntries() >= MILLION);
            assertTrue(t.hugePagesAdvised(), "madvise(MADV_HUGEPAGE) on the region");
            final long now = 1;
            for (int i = 0; i < MILLION; i++)
            {
                final long h = t.trackTcp(0, src(i), 0, DST, i & 0xFFFF, 443, TcpState.TCP_SYN, 60, now);
                assertTrue(ConntrackTable.isNew(h), "flow " + i);
            }
            assertEquals(MILLION, t.size());
            for (int i = 0; i < MILLION; i++)
            {
                final long h = t.lookup(IpProtocol.TCP, 0, DST, 0, src(i), 443, i & 0xFFFF);
                assertTrue(ConntrackTable.isReply(h), "flow " + i);
                assertEquals(i & 0xFFFF, t.srcPort(h));
                assertEquals(src(i), t.srcLo(h));
            }
            assertEquals(MILLION, t.counter(ConntrackTable.COUNTER_OCCUPANCY));
        }
    }

    @Test
    void trackingAllocatesNothing()
    {
        try (ConntrackTable t = new ConntrackTable(ConntrackConfig.forEntries(MILLION)))
        {
            for (int round = 0; round < 5; round++)
            {
                cycle(t, 200_000, round * 1_000_000_000L);
            }
            t.clear();
            final long[] ops = new long[1];
            final long allocated = Allocations.bytesAllocatedBy(() -> ops[0] = cycle(t, MILLION, 10_000_000_000L));
            assertTrue(ops[0] >= 4L * MILLION);
            assertTrue((double)allocated / ops[0] < 0.01, allocated + " bytes over " + ops[0] + " operations");
            assertFalse(t.size() > 0, "the cycle cleans up after itself");
        }
    }

    /** Creates n flows, looks each up from both sides, ICMP-error matches it, then expires all; returns op count. */
    private static long cycle(final ConntrackTable t, final int n, final long nowNs)
    {
        long ops = 0;
        for (int i = 0; i < n; i++)
        {
            t.trackTcp(0, src(i), 0, DST, i & 0xFFFF, 443, TcpState.TCP_SYN, 60, nowNs);
            ops++;
        }
        for (int i = 0; i < n; i++)
        {
            t.trackTcp(0, DST, 0, src(i), 443, i & 0xFFFF, TcpState.TCP_SYN | TcpState.TCP_ACK, 60, nowNs);
            t.trackTcp(0, src(i), 0, DST, i & 0xFFFF, 443, TcpState.TCP_ACK, 60, nowNs);
            t.lookupRelated(IpProtocol.TCP, 0, src(i), 0, DST, i & 0xFFFF, 443, nowNs);
            t.trackDatagram(IpProtocol.UDP, 0, src(i), 0, DST, i & 0xFFFF, 53, 60, nowNs);
            ops += 4;
        }
        while (t.size() > 0)
        {
            ops += t.expire(Long.MAX_VALUE, 4096);
        }
        return ops;
    }
}
