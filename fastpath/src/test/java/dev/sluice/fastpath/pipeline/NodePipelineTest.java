package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.pipeline.NodeRig.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * The whole node pipeline, bytes in and bytes out (expected frames built by scapy, so every checksum the pipeline
 * updated incrementally is compared with a full recomputation), with drop reasons, stage counters and events.
 */
class NodePipelineTest
{
    private static final String GW_TO_A = "Ether(src='02:00:00:00:ff:fe',dst='02:00:00:00:00:0a')/";
    private static final String GW_TO_B = "Ether(src='02:00:00:00:ff:fe',dst='02:00:00:00:00:0b')/";

    private static String tcp(final String src, final String dst, final int sport, final int dport,
        final String flags)
    {
        return "IP(src='" + src + "',dst='" + dst + "')/TCP(sport=" + sport + ",dport=" + dport + ",flags='" + flags +
            "',seq=100,ack=" + (flags.contains("A") ? "101" : "0") + ")";
    }

    private static void assertFrame(final NodeRig rig, final int i, final String expected)
    {
        assertNull(rig.reason(i), () -> "dropped: " + rig.reason(i));
        assertEquals(HexFormat.of().formatHex(ExternalTools.scapyFrame(expected)),
            HexFormat.of().formatHex(rig.bytes(i)), "frame " + i);
    }

    @Test
    void allowedConnectionAndItsReplyPassStatefullyWithL2Rewritten()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, B, 40000, 80, "S"),
            POD_ETH + tcp(B, A, 80, 40000, "SA"))), PORT_A, PORT_B);
        assertEquals(PORT_B, rig.vector.egressPort[0]);
        assertFrame(rig, 0, GW_TO_B + tcp(A, B, 40000, 80, "S"));
        assertEquals(PORT_A, rig.vector.egressPort[1]);
        assertFrame(rig, 1, GW_TO_A + tcp(B, A, 80, 40000, "SA"));
        final PipelineContext ctx = rig.pipeline.context();
        assertTrue((ctx.trail[0] & PipelineContext.TRAIL_POLICY) != 0, "the SYN was judged");
        assertEquals(0, ctx.ingressVerdict[0], "allowed by rule 0");
        assertTrue((ctx.state[1] & PipelineContext.STATE_REPLY) != 0);
        assertEquals(0, ctx.trail[1] & PipelineContext.TRAIL_POLICY, "the reply is not judged again");
        assertEquals(1, rig.pipeline.conntrackStage().counters().getAcquire(ConntrackStage.COUNTER_NEW));
        assertEquals(1, rig.pipeline.conntrackStage().counters().getAcquire(ConntrackStage.COUNTER_ESTABLISHED));
        assertEquals(2, rig.pipeline.forwardStage().counters().getAcquire(ForwardStage.COUNTER_LOCAL));
        final long h = ctx.ctHandle[0];
        assertEquals(0, rig.conntrack.ingressRuleId(h), "rule ids stored in conntrack");
        // Allow events: A's egress (not isolated) and B's ingress (rule 0).
        assertEquals(2, rig.events.counter(0));
        final VerdictEvent ingress = rig.events.get(1);
        assertEquals(VerdictEvent.VERDICT_ALLOW, ingress.verdict);
        assertEquals(VerdictEvent.DIRECTION_INGRESS, ingress.direction);
        assertEquals(0, ingress.ruleId);
        assertEquals(256, ingress.srcIdentity);
    }

    @Test
    void deniedFlowIsDroppedEveryTimeAndLeavesNoLiveEntry()
    {
        final NodeRig rig = new NodeRig();
        final List<byte[]> syn = ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, B, 40000, 81, "S")));
        rig.run(syn, PORT_A);
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(0));
        final long h = rig.pipeline.context().ctHandle[0];
        assertTrue(rig.conntrack.expiryNs(h) <= rig.nowNs, "the denied flow's entry expires now");
        rig.nowNs += 1000;
        rig.run(syn, PORT_A);
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(0), "judged again, denied again");
        assertEquals(2, rig.pipeline.drops().getAcquire(DropReason.POLICY_DENIED_INGRESS.code()));
        assertEquals(2, rig.events.counter(0), "one deny event per denied packet");
        assertEquals(VerdictEvent.VERDICT_DENY, rig.events.get(1).verdict);
        assertEquals(DropReason.POLICY_DENIED_INGRESS.code(), rig.events.get(1).dropReason);
        assertEquals(1, rig.events.get(1).endpointId, "B's ingress");

        // C may only send DNS: TCP is denied at its egress; UDP 53 to the outside passes policy.
        rig.run(ExternalTools.scapyFrames(List.of(
            "Ether()/" + tcp(C, A, 40000, 80, "S"),
            "Ether()/IP(src='" + C + "',dst='" + D + "')/UDP(sport=5000,dport=53)")), PORT_C, PORT_C);
        assertEquals(DropReason.POLICY_DENIED_EGRESS, rig.reason(0));
        assertNull(rig.reason(1));
        assertEquals(UPLINK, rig.vector.egressPort[1], "to node-2 through the tunnel");
    }

    @Test
    void aBurstOfADeniedFlowInOneVectorIsDeniedWhole()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, B, 40000, 81, "S"),
            POD_ETH + tcp(A, B, 40000, 81, "A"), POD_ETH + tcp(B, A, 81, 40000, "SA"))), PORT_A, PORT_A, PORT_B);
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(0));
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(1), "found the entry alive, judged anyway");
        assertEquals(DropReason.CONNTRACK_INVALID, rig.reason(2), "a reply of a flow denied in this vector");
        assertEquals(2, rig.events.counter(0), "a deny event for each denied packet");
    }

    @Test
    void antiSpoofingAndUnknownPorts()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(
            POD_ETH + tcp(B, A, 1, 80, "S"),
            POD_ETH + tcp(A, B, 1, 80, "S"),
            "Ether()/ARP(psrc='" + B + "',pdst='198.18.0.1')")), PORT_A, 99, PORT_A);
        assertEquals(DropReason.SPOOFED_SOURCE, rig.reason(0), "A's port, B's address");
        assertEquals(DropReason.UNKNOWN_INGRESS_PORT, rig.reason(1));
        assertEquals(DropReason.SPOOFED_SOURCE, rig.reason(2), "ARP claiming B's address from A");
        assertEquals(3, rig.pipeline.endpointStage().counters().getAcquire(EndpointStage.COUNTER_DROPPED));
        assertEquals(1, rig.pipeline.drops().getAcquire(DropReason.UNKNOWN_INGRESS_PORT.code()));
    }

    @Test
    void clusterIpIsDnatedAndTheReplyReverseNated()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, WEB, 40000, 80, "S"))), PORT_A);
        assertEquals(PORT_B, rig.vector.egressPort[0]);
        assertFrame(rig, 0, GW_TO_B + tcp(A, B, 40000, 80, "S"));
        final long pre = rig.pipeline.context().preNatHandle[0];
        assertTrue(pre >= 0, "a pre-NAT entry keeps the backend");
        assertEquals(lo(B), rig.conntrack.natAddressLo(pre));

        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(B, A, 80, 40000, "SA"),
            POD_ETH + tcp(A, WEB, 40000, 80, "A"))), PORT_B, PORT_A);
        assertFrame(rig, 0, GW_TO_A + tcp(WEB, A, 80, 40000, "SA"));
        assertFrame(rig, 1, GW_TO_B + tcp(A, B, 40000, 80, "A"));
        assertTrue((rig.pipeline.context().state[0] & PipelineContext.STATE_REVERSE_NAT) != 0);
        assertEquals(2, rig.pipeline.serviceStage().counters().getAcquire(ServiceStage.COUNTER_DNAT));
        assertEquals(1, rig.pipeline.serviceStage().counters().getAcquire(ServiceStage.COUNTER_STICKY));
    }

    @Test
    void icmpErrorAboutAServiceFlowIsReverseNated()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of("Ether()/IP(src='" + A + "',dst='" + WEB + "')/UDP(sport=7000," +
            "dport=80)")), PORT_A);
        assertEquals(DropReason.NO_ROUTE_HOST, rig.reason(0), "the service has no UDP port: not translated");

        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, WEB, 40001, 80, "S"))), PORT_A);
        // B answers the DNAT'ed segment with an ICMP error quoting it; A must see it about the service address.
        rig.run(ExternalTools.scapyFrames(List.of("Ether()/IP(src='" + B + "',dst='" + A + "')/ICMP(type=3,code=3)/" +
            "IP(src='" + A + "',dst='" + B + "')/TCP(sport=40001,dport=80,flags='S',seq=100)")), PORT_B);
        assertFrame(rig, 0, GW_TO_A + "IP(src='" + WEB + "',dst='" + A + "')/ICMP(type=3,code=3)/" +
            "IP(src='" + A + "',dst='" + WEB + "')/TCP(sport=40001,dport=80,flags='S',seq=100)");
        assertTrue((rig.pipeline.context().state[0] & PipelineContext.STATE_RELATED) != 0);

        rig.run(ExternalTools.scapyFrames(List.of("Ether()/IP(src='" + B + "',dst='" + A + "')/ICMP(type=3,code=3)/" +
            "IP(src='" + A + "',dst='" + B + "')/TCP(sport=1,dport=2)")), PORT_B);
        assertEquals(DropReason.ICMP_ERROR_UNRELATED, rig.reason(0));
    }

    @Test
    void serviceWithoutEndpointsIsRejectedBackToTheClient()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + "IP(src='" + A + "',dst='" + EMPTY +
            "')/UDP(sport=5000,dport=53)/Raw(b'query')")), PORT_A);
        assertNull(rig.reason(0));
        assertEquals(PORT_A, rig.vector.egressPort[0], "back out of A's port");
        assertEquals(IpProtocol.ICMP, rig.vector.protocol[0]);
        assertEquals(lo(A), rig.vector.dstLo[0]);
        assertEquals(3 << 8 | 3, rig.vector.icmpTypeCode[0], "port unreachable");
        assertEquals(1, rig.pipeline.serviceStage().counters().getAcquire(ServiceStage.COUNTER_REJECTED));
    }

    @Test
    void hairpinThroughItsOwnServiceIsMasqueradedBothWays()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, SELF, 41000, 80, "S"))), PORT_A);
        assertEquals(PORT_A, rig.vector.egressPort[0]);
        assertFrame(rig, 0, GW_TO_A + tcp(SELF, A, 41000, 80, "S"));
        assertTrue((rig.pipeline.context().state[0] & PipelineContext.STATE_HAIRPIN) != 0);

        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, SELF, 80, 41000, "SA"))), PORT_A);
        assertFrame(rig, 0, GW_TO_A + tcp(SELF, A, 80, 41000, "SA"));
    }

    @Test
    void remotePodIsEncapsulatedAndTunnelTrafficDecapsulated()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, D, 40000, 80, "S"),
            "Ether(src='02:00:c6:13:00:02',dst='02:00:c6:13:00:01')/IP(src='198.19.0.2',dst='198.19.0.1')/" +
                "UDP(sport=50000,dport=6081)/GENEVE(vni=0,proto=0x6558)/Ether()/" + tcp(D, B, 40000, 80, "S"),
            "Ether(src='02:00:c6:13:00:02',dst='02:00:c6:13:00:01')/IP(src='198.19.0.2',dst='198.19.0.1')/" +
                "UDP(sport=50000,dport=6081)/GENEVE(vni=0,proto=0x6558)/Ether()/" + tcp(D, A, 40000, 80, "S"))),
            PORT_A, UPLINK, UPLINK);
        assertNull(rig.reason(0));
        assertEquals(UPLINK, rig.vector.egressPort[0]);
        assertEquals(1, rig.vector.tunnelPeer[0]);
        final byte[] outer = rig.bytes(0);
        assertEquals(0x08, outer[12] & 0xFF);
        assertEquals(17, outer[14 + 9], "outer UDP");
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(1), "B does not accept D's identity");
        assertEquals(259, rig.vector.sourceIdentity[1], "identity of D from the ipcache (no option)");
        assertNull(rig.reason(2));
        assertEquals(PORT_A, rig.vector.egressPort[2]);
        assertFrame(rig, 2, GW_TO_A + tcp(D, A, 40000, 80, "S"));
    }

    @Test
    void fragmentsAndTheHostPath()
    {
        final NodeRig rig = new NodeRig();
        rig.run(ExternalTools.scapyFrames(List.of(
            "Ether()/IP(src='" + A + "',dst='" + B + "',flags='MF',frag=0)/UDP(sport=1,dport=2)/Raw(b'x'*32)",
            "Ether()/IP(src='" + A + "',dst='" + B + "',frag=4,proto=17)/Raw(b'y'*32)",
            "Ether()/IP(src='" + A + "',dst='198.19.5.5')/UDP(sport=1,dport=2)")), PORT_A, PORT_A, PORT_A);
        assertEquals(DropReason.FRAGMENT_UNTRACKED, rig.reason(0));
        assertEquals(DropReason.FRAGMENT_UNTRACKED, rig.reason(1));
        assertEquals(DropReason.NO_ROUTE_HOST, rig.reason(2));

        final NodeRig withHost = new NodeRig(7, ConntrackConfig.of(1 << 12));
        withHost.run(ExternalTools.scapyFrames(List.of("Ether()/IP(src='" + A + "',dst='198.19.5.5')/UDP(sport=1," +
            "dport=2)")), PORT_A);
        assertNull(withHost.reason(0));
        assertEquals(7, withHost.vector.egressPort[0]);
    }

    @Test
    void aFullConntrackTableDropsNewFlowsOnly()
    {
        final NodeRig rig = new NodeRig(-1, ConntrackConfig.of(8).withMaxEntries(1).withEarlyDrop(false));
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, B, 40000, 80, "S"),
            POD_ETH + tcp(A, B, 40001, 80, "S"), POD_ETH + tcp(B, A, 80, 40000, "SA"))), PORT_A, PORT_A, PORT_B);
        assertNull(rig.reason(0));
        assertEquals(DropReason.CONNTRACK_FULL, rig.reason(1));
        assertNull(rig.reason(2), "the established flow goes on");
        assertEquals(1, rig.conntrack.counter(ConntrackTable.COUNTER_CREATE_FAILURES_FULL));
    }

    @Test
    void installSwapsTablesBetweenVectors()
    {
        final NodeRig rig = new NodeRig();
        rig.pipeline.install(NodeRig.tables(2));
        assertEquals(2, rig.pipeline.tables().current().generation());
        rig.run(ExternalTools.scapyFrames(List.of(POD_ETH + tcp(A, B, 40000, 80, "S"))), PORT_A);
        assertNull(rig.reason(0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> rig.pipeline.install(NodeRig.tables(1)));
    }
}
