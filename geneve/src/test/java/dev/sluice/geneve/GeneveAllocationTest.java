package dev.sluice.geneve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testkit.Allocations;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Encap and decap allocate nothing per packet (measured with the thread's allocated-bytes counter). */
class GeneveAllocationTest
{
    private static final int ITERATIONS = 100_000;
    private static final int HEADROOM = 128;

    @Test
    void encapAndDecapAllocateNothingPerPacket()
    {
        final TunnelPeerTable senderView = TestMesh.table();
        final OuterHeaderTemplate[] templates = {
            TestMesh.templateFromA(senderView, TestMesh.B).vni(5).build(),
            TestMesh.templateFromA(senderView, TestMesh.C).vni(6).build(),
        };
        final GeneveEncap encap = new GeneveEncap();
        final GeneveDecap decap = new GeneveDecap(TestMesh.receiverTable());
        final int innerLength = 200;
        final UnsafeBuffer umem = new UnsafeBuffer(new byte[HEADROOM + innerLength]);
        for (int i = 0; i < innerLength; i++)
        {
            umem.putByte(HEADROOM + i, (byte)i);
        }

        final long[] checksum = new long[1];
        final Runnable round = () -> checksum[0] += run(encap, decap, templates, umem, innerLength, ITERATIONS);
        Allocations.assertAllocatesNothing("encap+decap", round, round, ITERATIONS, 0.01);

        // Two runs, each alternating VNI 5 and 6: every packet must have round-tripped.
        assertEquals(2L * (ITERATIONS / 2) * (5 + 6), checksum[0], "every packet round-tripped");
    }

    private static long run(
        final GeneveEncap encap,
        final GeneveDecap decap,
        final OuterHeaderTemplate[] templates,
        final UnsafeBuffer umem,
        final int innerLength,
        final int iterations)
    {
        long vniSum = 0;
        for (int i = 0; i < iterations; i++)
        {
            final OuterHeaderTemplate template = templates[i & 1];
            if (encap.encap(umem, HEADROOM, innerLength, HEADROOM, template, i, i) != GeneveOutcome.OK ||
                decap.decap(umem, encap.frameOffset(), encap.frameLength()) != GeneveOutcome.OK ||
                decap.sourceIdentity() != i)
            {
                return -1;
            }
            vniSum += decap.vni();
        }
        return vniSum;
    }
}
