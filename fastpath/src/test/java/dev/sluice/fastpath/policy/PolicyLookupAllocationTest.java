package dev.sluice.fastpath.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.testkit.Allocations;
import dev.sluice.wire.Lpm128;
import org.junit.jupiter.api.Test;

/**
 * IpCache and PolicyTable lookups allocate nothing: the thread's allocated-bytes counter around a million lookups
 * (identity, address and any-peer entries, long and short segment lists, misses), after warm-up.
 */
class PolicyLookupAllocationTest
{
    private static final long MAPPED = 0x0000_FFFF_0000_0000L;
    private static final int LOOKUPS = 1_000_000;

    @Test
    void ipcacheAndPolicyLookupsAllocateNothing()
    {
        final IpCache.Builder cache = new IpCache.Builder();
        for (int i = 1; i <= 1000; i++)
        {
            cache.add(0, MAPPED | 0xC612_0000L | i, 128, 256 + i % 50);
        }
        cache.add(0, MAPPED | 0xC613_0000L, 96 + 16, IpCache.FIRST_CIDR_IDENTITY);
        cache.add(0, MAPPED | 0xC613_0100L, 96 + 24, IpCache.FIRST_CIDR_IDENTITY + 1);
        cache.add(0x2001_0002_0000_0000L, 0, 48, IpCache.FIRST_CIDR_IDENTITY + 2);
        final IpCache ipCache = cache.build();

        final PolicyTable.Builder builder = new PolicyTable.Builder(4, 2);
        builder.endpoint(0, 0).endpoint(1, 0).endpoint(2, 1).endpoint(3, 1);
        builder.isolate(0, PolicyVerdict.EGRESS).isolate(0, PolicyVerdict.INGRESS).isolate(1, PolicyVerdict.INGRESS);
        for (int id = 256; id < 306; id++)
        {
            builder.allow(0, PolicyVerdict.EGRESS, id, IpProtocol.TCP, 80, 80, id % 7);
            builder.allow(0, PolicyVerdict.INGRESS, id, IpProtocol.TCP, 9000 + id, 9000 + id, 1);
            for (int p = 0; p < 12; p++)
            {
                // Many disjoint single ports: the binary-search path.
                builder.allow(1, PolicyVerdict.INGRESS, id, IpProtocol.UDP, 1000 + p * 10, 1000 + p * 10, p);
            }
        }
        builder.allow(0, PolicyVerdict.EGRESS, PolicyTable.ANY_IDENTITY, PolicyTable.ANY_PROTOCOL, 0, 65_535, 9);
        builder.allowAddress(0, PolicyVerdict.INGRESS, 0, MAPPED | 0xC612_0005L, 261, IpProtocol.TCP, 8080, 8080, 3);
        final PolicyTable table = builder.build();

        final long[] hi = new long[1024];
        final long[] lo = new long[1024];
        for (int i = 0; i < hi.length; i++)
        {
            hi[i] = i % 16 == 0 ? 0x2001_0002_0000_0000L | i : 0;
            lo[i] = i % 16 == 0 ? i : MAPPED | (i % 3 == 0 ? 0xC613_0100L : 0xC612_0000L) | (i % 1100);
        }
        final long[] sum = new long[1];
        Allocations.assertAllocatesNothing("ipcache+policy lookups",
            () ->
            {
                for (int warmUp = 0; warmUp < 5; warmUp++)
                {
                    sum[0] += run(ipCache, table, hi, lo);
                }
            },
            () -> sum[0] += run(ipCache, table, hi, lo),
            LOOKUPS, 0.01);
        assertTrue(sum[0] != 0);
        assertEquals(3, table.checkIngress(1, 261, 0, MAPPED | 0xC612_0005L, IpProtocol.TCP, 8080));
        assertEquals(9, table.checkEgress(0, IpCache.WORLD, 0, 0, IpProtocol.ICMP, 0));
        assertEquals(PolicyVerdict.DENY, table.checkIngress(2, 300, 0, 0, IpProtocol.UDP, 1005));
        assertEquals(4, table.checkIngress(2, 300, 0, 0, IpProtocol.UDP, 1040));
        assertEquals(PolicyVerdict.ALLOW_NOT_ISOLATED, table.checkEgress(3, 300, 0, 0, IpProtocol.UDP, 1));
        assertEquals(PolicyVerdict.DENY, table.checkEgress(7, 300, 0, 0, IpProtocol.UDP, 1));
        assertEquals(Lpm128.EMPTY_SLOT, Integer.MIN_VALUE);
    }

    private static long run(final IpCache ipCache, final PolicyTable table, final long[] hi, final long[] lo)
    {
        long sum = 0;
        for (int n = 0; n < LOOKUPS / 4; n++)
        {
            final int i = n & 1023;
            final int identity = ipCache.identityOf(hi[i], lo[i]);
            sum += identity;
            sum += table.checkEgress(n & 3, identity, hi[i], lo[i], n % 5 == 0 ? IpProtocol.UDP : IpProtocol.TCP, 80);
            sum += table.checkIngress(n & 3, identity, hi[i], lo[i], (n & 8) == 0 ? IpProtocol.TCP : IpProtocol.UDP,
                (n & 16) == 0 ? 8080 : 1000 + (n % 130));
            sum += ipCache.identityOf(lo[i], hi[i]);
        }
        return sum;
    }
}
