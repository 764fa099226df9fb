package dev.sluice.geneve;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.wire.Checksums;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/** Encap then decap is the identity on the inner frame and its metadata; the patched checksums are exact. */
class GeneveEncapDecapPropertiesTest
{
    private static final TunnelPeerTable SENDER_VIEW = TestMesh.table();
    private static final TunnelPeerTable RECEIVER_VIEW = TestMesh.receiverTable();
    private static final int HEADROOM = 96;

    @Property(tries = 500)
    void decapOfEncapReturnsTheIdenticalInnerFrameAndMetadata(
        @ForAll @Size(min = 14, max = 1600) final byte[] inner,
        @ForAll final int flowHash,
        @ForAll @IntRange(min = 0, max = GeneveDescriptor.MAX_VNI) final int vni,
        @ForAll final int identity,
        @ForAll final boolean toIpv6Peer,
        @ForAll final boolean identityOption,
        @ForAll @IntRange(min = 0, max = 40) final int slack)
    {
        final OuterHeaderTemplate template = TestMesh.templateFromA(SENDER_VIEW, toIpv6Peer ? TestMesh.C : TestMesh.B)
            .vni(vni).identityOption(identityOption).build();
        final int offset = HEADROOM + slack;
        final UnsafeBuffer umem = new UnsafeBuffer(new byte[offset + inner.length + 64]);
        umem.putBytes(offset, inner);

        final GeneveEncap encap = new GeneveEncap();
        assertEquals(GeneveOutcome.OK, encap.encap(umem, offset, inner.length, offset, template, flowHash, identity));
        assertEquals(offset - template.length(), encap.frameOffset());
        assertEquals(template.length() + inner.length, encap.frameLength());

        final GeneveDecap decap = new GeneveDecap(RECEIVER_VIEW);
        assertEquals(GeneveOutcome.name(GeneveOutcome.OK),
            GeneveOutcome.name(decap.decap(umem, encap.frameOffset(), encap.frameLength())));
        assertEquals(offset, decap.innerOffset());
        assertEquals(inner.length, decap.innerLength());
        final byte[] got = new byte[inner.length];
        umem.getBytes(decap.innerOffset(), got);
        assertArrayEquals(inner, got);
        assertEquals(vni, decap.vni());
        assertEquals(identityOption ? identity : GeneveDescriptor.IDENTITY_UNKNOWN, decap.sourceIdentity());
        assertEquals(toIpv6Peer ? "node-a-v6" : "node-a", RECEIVER_VIEW.nodeName(decap.peer()));
        assertEquals(toIpv6Peer, decap.ipv6Underlay());

        final int sourcePort = umem.getShort(encap.frameOffset() + (toIpv6Peer ? 54 : 34), BIG_ENDIAN) & 0xFFFF;
        assertEquals(template.sourcePort(flowHash), sourcePort);
        assertTrue(sourcePort >= 49152 && sourcePort <= 65535, "source port " + sourcePort);
    }

    @Property(tries = 1000)
    void incrementalIpv4HeaderChecksumEqualsAFullRecompute(
        @ForAll @IntRange(min = 0, max = 65535 - 58) final int innerLength,
        @ForAll @IntRange(min = 0, max = 65535) final int startId,
        @ForAll final int localAddress,
        @ForAll final int peerAddress,
        @ForAll @IntRange(min = 1, max = 255) final int ttl)
    {
        final OuterHeaderTemplate template = new OuterHeaderTemplate.Builder()
            .localMac(0x0200_0000_000AL).nextHopMac(0x0200_0000_000BL)
            .localIpv4(localAddress).peerIpv4(peerAddress).ttl(ttl).build();
        final GeneveEncap encap = new GeneveEncap(startId);
        final int offset = template.length();
        final UnsafeBuffer umem = new UnsafeBuffer(new byte[offset + innerLength]);
        assertEquals(GeneveOutcome.OK, encap.encap(umem, offset, innerLength, offset, template, startId, 7));
        final int l3 = encap.frameOffset() + 14;
        final int stored = umem.getShort(l3 + 10, BIG_ENDIAN) & 0xFFFF;
        assertEquals(Checksums.ipv4HeaderChecksum(umem, l3, 20), stored);
        assertTrue(Checksums.ipv4HeaderValid(umem, l3, 20));
        assertEquals(startId, umem.getShort(l3 + 4, BIG_ENDIAN) & 0xFFFF, "identification from the counter");
        assertEquals((startId + 1) & 0xFFFF, encap.nextIpv4Id());
        assertEquals(0x4000, umem.getShort(l3 + 6, BIG_ENDIAN) & 0xFFFF, "DF set, no fragment offset");
        assertEquals(20 + 8 + 16 + innerLength, umem.getShort(l3 + 2, BIG_ENDIAN) & 0xFFFF);
    }

    @Property(tries = 300)
    void ipv6UdpChecksumIsValidForAnyPayloadIdentityAndPort(
        @ForAll @Size(min = 0, max = 1600) final byte[] inner,
        @ForAll final int flowHash,
        @ForAll final int identity)
    {
        final OuterHeaderTemplate template = TestMesh.templateFromA(SENDER_VIEW, TestMesh.C).build();
        final int offset = template.length();
        final UnsafeBuffer umem = new UnsafeBuffer(new byte[offset + inner.length]);
        umem.putBytes(offset, inner);
        assertEquals(GeneveOutcome.OK,
            new GeneveEncap().encap(umem, offset, inner.length, offset, template, flowHash, identity));
        final int l3 = 14;
        final int udpLength = umem.getShort(54 + 4, BIG_ENDIAN) & 0xFFFF;
        assertEquals(udpLength, umem.getShort(l3 + 4, BIG_ENDIAN) & 0xFFFF, "payload length = UDP length");
        final long pseudo = Checksums.ipv6PseudoHeaderSum(umem, l3 + 8, l3 + 24, 17, udpLength);
        assertTrue(Checksums.l4Valid(pseudo, umem, 54, udpLength));
        assertTrue((umem.getShort(54 + 6, BIG_ENDIAN) & 0xFFFF) != 0, "never 0 on IPv6");
    }

    @Property(tries = 1000)
    void sourcePortStaysInAnyConfiguredRange(
        @ForAll @IntRange(min = 1, max = 65535) final int a,
        @ForAll @IntRange(min = 1, max = 65535) final int b,
        @ForAll final int flowHash)
    {
        final int low = Math.min(a, b);
        final int high = Math.max(a, b);
        final OuterHeaderTemplate template = TestMesh.templateFromA(SENDER_VIEW, TestMesh.B)
            .sourcePortRange(low, high).build();
        final int port = template.sourcePort(flowHash);
        assertTrue(port >= low && port <= high, port + " outside " + low + ".." + high);
    }
}
