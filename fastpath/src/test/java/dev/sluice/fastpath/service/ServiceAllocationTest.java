package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.service.TestPackets.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntUnaryOperator;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.TestPackets.Tuple;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.testkit.Allocations;
import org.junit.jupiter.api.Test;

/**
 * The per-packet service work allocates nothing: service lookup, Maglev backend choice, DNAT and reverse NAT
 * (IPv4 TCP, IPv6 UDP, SCTP with a port change), the ICMP error rewrite and the affinity table, over a million
 * operations after warm-up, stay under a bound far below one object per operation. A canary proves the
 * measurement sees allocation.
 */
class ServiceAllocationTest
{
    private static final int OPS = 1_000_000;
    private static final int WARM_UP_ROUNDS = 3;
    private static final long BOUND_BYTES = 8192;

    private final ServiceTable table;
    private final PacketVector v;
    private final NatRewriter nat = new NatRewriter(2000);
    private final AffinityTable affinity = new AffinityTable(1 << 12);
    private final long frontendLo = v4(198, 18, 100, 10);

    ServiceAllocationTest()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(Maglev.DEFAULT_SIZE);
        final int g = b.addGroup();
        for (int k = 0; k < 10; k++)
        {
            b.addEndpoint(g, 0, v4(198, 18, 7, k + 1), 8080, true, true, false, k % 2 == 0);
        }
        final int g6 = b.addGroup();
        for (int k = 0; k < 10; k++)
        {
            b.addEndpoint(g6, 0x2001_0002_0000_0007L, k + 1, 8053, true, true, false, false);
        }
        for (int s = 0; s < 1000; s++)
        {
            b.addFrontend(s, ServiceTable.KIND_CLUSTER_IP, IpProtocol.TCP, 0, v4(198, 18, 100 + s / 250, s % 250),
                80, ServiceTable.FLAG_AFFINITY, 1_000_000_000L, g);
        }
        b.addFrontend(2000, ServiceTable.KIND_CLUSTER_IP, IpProtocol.UDP, 0x2001_0002_0000_0100L, 0x10, 53, 0, 0, g6);
        b.addFrontend(2001, ServiceTable.KIND_CLUSTER_IP, IpProtocol.SCTP, 0, frontendLo, 38412, 0, 0, g);
        table = b.build();
        final Tuple tcp = new Tuple(IpProtocol.TCP, 0, v4(198, 18, 1, 1), 40000, 0, frontendLo, 80);
        final Tuple udp6 = new Tuple(IpProtocol.UDP, 0x2001_0002_0000_0001L, 1, 40001, 0x2001_0002_0000_0100L, 0x10,
            53);
        final Tuple sctp = new Tuple(IpProtocol.SCTP, 0, v4(198, 18, 1, 1), 40002, 0, frontendLo, 38412);
        v = TestPackets.parsed(List.of(TestPackets.frame(tcp, new byte[40], 0x10, 1, false),
            TestPackets.frame(udp6, new byte[40], 0, 0, false), TestPackets.frame(sctp, new byte[64], 0, 0, false)));
    }

    private int lookupSelectDnatAndBack(final int op)
    {
        final int i = op % 3;
        final long frontHi = v.dstHi[i];
        final long frontLo = v.dstLo[i];
        final int frontPort = v.dstPort[i];
        final int f = table.lookup(v.protocol[i], frontHi, frontLo, frontPort);
        final long hash = ServiceTable.flowHash(v.protocol[i], v.srcHi[i], v.srcLo[i], v.srcPort[i] + op,
            frontHi, frontLo, frontPort);
        final int backend = table.selectBackend(f, hash, false);
        int r = nat.dnat(v, i, table.backendHi(backend), table.backendLo(backend), table.backendPort(backend));
        r += nat.dnat(v, i, frontHi, frontLo, frontPort);
        return r + backend;
    }

    private int affinityOps(final int op)
    {
        final int hit = affinity.get(op & 7, 0, op & 1023, op);
        if (hit == AffinityTable.MISS)
        {
            affinity.put(op & 7, 0, op & 1023, op & 15, op, 1000);
        }
        return hit + affinity.expire(op, 4);
    }

    @Test
    void lookupMaglevAndNatAllocateNothing()
    {
        assertEquals(0, lookupSelectDnatAndBack(0) & 0xFFFF_0000, "the operation works");
        assertAllocationFree("lookup+maglev+dnat", this::lookupSelectDnatAndBack);
    }

    @Test
    void affinityTableAllocatesNothing()
    {
        assertAllocationFree("affinity", this::affinityOps);
    }

    @Test
    void measurementSeesAnAllocatingCall()
    {
        final long allocated = allocatedBytes(i -> Integer.toString(i).length());
        assertTrue(allocated >= 16L * OPS, "canary allocated only " + allocated + " bytes");
    }

    private void assertAllocationFree(final String what, final IntUnaryOperator op)
    {
        for (int round = 0; round < WARM_UP_ROUNDS; round++)
        {
            allocatedBytes(op);
        }
        final long allocated = allocatedBytes(op);
        assertTrue(allocated < BOUND_BYTES, what + " allocated " + allocated + " bytes over " + OPS + " operations");
    }

    private long allocatedBytes(final IntUnaryOperator op)
    {
        final long[] sink = new long[1];
        final long allocated = Allocations.bytesAllocatedBy(() ->
        {
            for (int k = 0; k < OPS; k++)
            {
                sink[0] += op.applyAsInt(k);
            }
        });
        if (sink[0] == 42)
        {
            System.out.print("");
        }
        return allocated;
    }
}
