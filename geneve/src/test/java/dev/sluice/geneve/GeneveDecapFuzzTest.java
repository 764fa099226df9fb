package dev.sluice.geneve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;

/**
 * Jazzer target for {@link GeneveDecap}. In the normal build it runs in regression mode over the seeds in
 * {@code GeneveDecapFuzzTestInputs/decap} (valid IPv4/IPv6/VLAN frames, options); {@code JAZZER_FUZZ=1} fuzzes.
 * The frame is wrapped by a buffer of exactly its length, so any read past it throws (Agrona bounds checks) and
 * is a finding; decap must return a known code and, on OK, an inner frame inside the outer one.
 */
@Tag("fuzz")
class GeneveDecapFuzzTest
{
    private static final TunnelPeerTable PEERS = TestMesh.table();
    private static final GeneveDecap VERIFYING = new GeneveDecap(PEERS);
    // Without checksum verification the fuzzer reaches the Geneve and option parsing with mutated bytes.
    private static final GeneveDecap TRUSTING = new GeneveDecap(PEERS, GeneveDescriptor.DEFAULT_UDP_PORT, false);

    @FuzzTest(maxDuration = "60s")
    void decap(final byte[] frame)
    {
        check(VERIFYING, frame);
        final int outcome = check(TRUSTING, frame);
        if (frame.length >= 34 && outcome == GeneveOutcome.OK)
        {
            assertEquals(GeneveOutcome.OK, check(TRUSTING, frame), "decap is deterministic");
        }
    }

    private static int check(final GeneveDecap decap, final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final int outcome = decap.decap(buffer, 0, frame.length);
        assertTrue(outcome >= 0 && outcome < GeneveOutcome.COUNT, "unknown outcome " + outcome);
        if (outcome == GeneveOutcome.OK)
        {
            assertTrue(decap.innerOffset() >= 0, "inner offset " + decap.innerOffset());
            assertTrue(decap.innerLength() >= 14, "inner length " + decap.innerLength());
            assertTrue(decap.innerOffset() + decap.innerLength() <= frame.length,
                "inner frame " + decap.innerOffset() + "+" + decap.innerLength() + " beyond " + frame.length);
            assertTrue(decap.peer() >= 0 && decap.peer() < PEERS.size());
        }
        return outcome;
    }
}
