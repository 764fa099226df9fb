package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.pipeline.NodeRig.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.tunnel.DecapStage;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * NodePort clients on the underlay: plain (not Geneve) frames from the uplink addressed to the node's address and a
 * NodePort, through the whole node pipeline (expected frames built by scapy).
 */
class NodePortPipelineTest
{
    private static final int HOST = 1;
    private static final String UNDERLAY_ETH = "Ether(src='02:00:c6:13:00:64',dst='02:00:c6:13:00:01')/";
    private static final String GW_TO_A = "Ether(src='02:00:00:00:ff:fe',dst='02:00:00:00:00:0a')/";

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
    void synToNodePortIsDnatedToTheLocalPodAndTheReplyLeavesThroughTheHostAsTheNodePort()
    {
        final NodeRig rig = new NodeRig(HOST, ConntrackConfig.of(1 << 12));
        rig.run(ExternalTools.scapyFrames(List.of(UNDERLAY_ETH + tcp(CLIENT, NODE, 40000, 30080, "S"),
            POD_ETH + tcp(A, CLIENT, 80, 40000, "SA"))), UPLINK, PORT_A);

        assertEquals(PORT_A, rig.vector.egressPort[0]);
        assertFrame(rig, 0, GW_TO_A + tcp(CLIENT, A, 40000, 80, "S"));
        final PipelineContext ctx = rig.pipeline.context();
        assertTrue((ctx.state[0] & PipelineContext.STATE_FROM_UNDERLAY) != 0, "plain uplink packet");
        assertTrue((ctx.state[0] & PipelineContext.STATE_DNAT) != 0, "DNAT'ed");
        assertTrue((ctx.trail[0] & PipelineContext.TRAIL_POLICY) != 0, "the SYN was judged");

        // the reply: reverse NAT to the node address and NodePort, handed to the host stack (which routes it out)
        assertEquals(HOST, rig.vector.egressPort[1]);
        assertFrame(rig, 1, POD_ETH + tcp(NODE, CLIENT, 30080, 40000, "SA"));
        assertTrue((ctx.state[1] & PipelineContext.STATE_REVERSE_NAT) != 0, "reverse NAT'ed");

        // the client's ACK finds the flow's backend again
        rig.run(ExternalTools.scapyFrames(List.of(UNDERLAY_ETH + tcp(CLIENT, NODE, 40000, 30080, "A"))), UPLINK);
        assertEquals(PORT_A, rig.vector.egressPort[0]);
        assertFrame(rig, 0, GW_TO_A + tcp(CLIENT, A, 40000, 80, "A"));

        assertEquals(2, rig.pipeline.decapStage().counters().getAcquire(DecapStage.COUNTER_PLAIN));
        assertEquals(0, rig.pipeline.decapStage().counters().getAcquire(DecapStage.COUNTER_DROPPED));
        assertEquals(2, rig.pipeline.serviceStage().counters().getAcquire(ServiceStage.COUNTER_DNAT));
        assertEquals(1, rig.pipeline.serviceStage().counters().getAcquire(ServiceStage.COUNTER_STICKY));
        assertEquals(1, rig.pipeline.conntrackStage().counters().getAcquire(ConntrackStage.COUNTER_NEW));
        assertEquals(1, rig.pipeline.forwardStage().counters().getAcquire(ForwardStage.COUNTER_HOST));
    }

    @Test
    void policyOfTheBackendJudgesTheUnderlayClientAsWorld()
    {
        final NodeRig rig = new NodeRig(HOST, ConntrackConfig.of(1 << 12));
        rig.run(ExternalTools.scapyFrames(List.of(UNDERLAY_ETH + tcp(CLIENT, NODE, 40001, 30082, "S"))), UPLINK);
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(0));
        assertEquals(1, rig.pipeline.drops().getAcquire(DropReason.POLICY_DENIED_INGRESS.code()));
    }

    @Test
    void remoteOnlyBackendsAreNotUsedFromTheUnderlay()
    {
        final NodeRig rig = new NodeRig(HOST, ConntrackConfig.of(1 << 12));
        rig.run(ExternalTools.scapyFrames(List.of(UNDERLAY_ETH + tcp(CLIENT, NODE, 40002, 30081, "S"))), UPLINK);
        assertEquals(DropReason.SERVICE_NO_LOCAL_BACKEND, rig.reason(0));
        assertEquals(0, rig.pipeline.encapStage().counters().getAcquire(dev.sluice.fastpath.tunnel.EncapStage.COUNTER_ENCAPSULATED),
            "nothing encapsulated");
    }

    @Test
    void plainUplinkTrafficToTheNodeThatIsNoFrontendGoesToTheHost()
    {
        final NodeRig rig = new NodeRig(HOST, ConntrackConfig.of(1 << 12));
        rig.run(ExternalTools.scapyFrames(List.of(UNDERLAY_ETH + tcp(CLIENT, NODE, 40003, 30999, "S"))), UPLINK);
        assertNull(rig.reason(0));
        assertEquals(HOST, rig.vector.egressPort[0]);
        assertEquals(0, rig.pipeline.context().state[0] & PipelineContext.STATE_DNAT);
    }
}
