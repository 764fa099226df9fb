package dev.sluice.fastpath.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.GeneveDescriptor;
import org.junit.jupiter.api.Test;

/** Construction errors name the offending value; templates skip this node and peers of a family we lack. */
class TunnelConfigTest
{
    private static void assertRejected(final Supplier<?> build, final String fragment)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void badValuesAreRejectedByName()
    {
        assertRejected(() -> TunnelRig.config().underlayMtu(100).build(), "underlay MTU out of range");
        assertRejected(() -> TunnelRig.config().underlayMtu(100).build(), ": 100");
        assertRejected(() -> TunnelRig.config().vni(1 << 24).build(), "bad VNI: 16777216");
        assertRejected(() -> TunnelRig.config().udpPort(0).build(), "bad UDP port: 0");
        assertRejected(() -> TunnelRig.config().uplinkPort(-1).build(), "uplink port");
        assertRejected(() -> TunnelRig.config().localIpv4(null).localIpv6(null).build(), "no local underlay");
        assertRejected(() -> TunnelRig.config().gatewayIpv4("2001:2::1").build(), "gateway IPv4 address is not IPv4");
        assertRejected(() -> TunnelRig.config().localIpv6("198.19.0.1").build(), "local IPv6 address is not IPv6");
        assertRejected(() -> new EncapStage(new TunnelRig(1).encap.templates(), 3000, 0,
            new Counters(DropReason.MAX_CODES)), "frame size must be a power of two >= 2048: 3000");
        assertRejected(() -> new DecapStage(-3, new TunnelRig(1).peers, new Counters(DropReason.MAX_CODES)),
            "uplink port id must be >= 0: -3");
        assertRejected(() -> new DecapStage(0, new TunnelRig(1).peers, new Counters(8)), "drop counters need");
    }

    @Test
    void templatesSkipThisNodeAndPeersOfAnUnderlayFamilyWeLack()
    {
        final TunnelRig rig = new TunnelRig(1);
        final TunnelConfig ipv4Only = TunnelRig.config().localIpv6(null).build();
        final TunnelTemplates templates = TunnelTemplates.build(ipv4Only, rig.peers, NextHopResolver.FROM_PEER_TABLE, 3);
        assertTrue(templates.isSelf(TunnelRig.A));
        assertNull(templates.template(TunnelRig.A));
        assertEquals(58, templates.template(TunnelRig.B).length(), "IPv4 underlay with the identity option");
        assertFalse(templates.isSelf(TunnelRig.C));
        assertNull(templates.template(TunnelRig.C), "node-c is IPv6-only and we have no IPv6 underlay address");
        assertEquals(0, templates.unresolvedCount());
        assertEquals(GeneveDescriptor.IDENTITY_UNKNOWN, PacketVector.IDENTITY_UNKNOWN);
    }
}
