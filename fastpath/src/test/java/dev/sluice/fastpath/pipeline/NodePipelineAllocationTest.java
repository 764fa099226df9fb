package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.pipeline.NodeRig.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * The whole node pipeline allocates nothing per packet: the thread's allocated-bytes counter around 20k 64-packet
 * vectors (after warm-up) that mix established flows both ways, established service flows (DNAT and reverse NAT),
 * new connections (a fresh source port every vector, so conntrack creates and policy judges each), denied
 * connections (deny events every time), encapsulation to the peer node and decapsulation from it.
 */
class NodePipelineAllocationTest
{
    private static final int VECTORS = 20_000;

    @Test
    void establishedAndNewFlowsAllocateNothing()
    {
        final NodeRig rig = new NodeRig(-1, ConntrackConfig.of(1 << 16));
        final String tunnel = "Ether(src='02:00:c6:13:00:02',dst='02:00:c6:13:00:01')/IP(src='198.19.0.2'," +
            "dst='198.19.0.1')/UDP(sport=50000,dport=6081)/GENEVE(vni=0,proto=0x6558)/Ether()/";
        final List<String> kinds = List.of(
            POD_ETH + "IP(src='" + A + "',dst='" + B + "')/TCP(sport=40000,dport=80,flags='A')",
            POD_ETH + "IP(src='" + B + "',dst='" + A + "')/TCP(sport=80,dport=40000,flags='A')",
            POD_ETH + "IP(src='" + A + "',dst='" + WEB + "')/TCP(sport=40001,dport=80,flags='A')",
            POD_ETH + "IP(src='" + B + "',dst='" + A + "')/TCP(sport=80,dport=40001,flags='A')",
            POD_ETH + "IP(src='" + A + "',dst='" + D + "')/TCP(sport=40002,dport=80,flags='A')",
            tunnel + "IP(src='" + D + "',dst='" + A + "')/TCP(sport=80,dport=40002,flags='A')",
            POD_ETH + "IP(src='" + A + "',dst='" + B + "')/TCP(sport=1,dport=80,flags='S')",
            POD_ETH + "IP(src='" + A + "',dst='" + B + "')/TCP(sport=40003,dport=81,flags='S')");
        final List<byte[]> templates = ExternalTools.scapyFrames(kinds);
        final int[] templatePorts = { PORT_A, PORT_B, PORT_A, PORT_B, PORT_A, UPLINK, PORT_A, PORT_A };
        final List<byte[]> frames = new ArrayList<>();
        final int[] ports = new int[64];
        for (int i = 0; i < 64; i++)
        {
            frames.add(templates.get(i % templates.size()));
            ports[i] = templatePorts[i % templates.size()];
        }

        // Vector 0 sets up the established flows (the ACKs create them by loose pickup; policy allows them).
        rig.run(frames, ports);
        for (int i = 0; i < 64; i++)
        {
            final int kind = i % templates.size();
            final DropReason expected = kind == 7 ? DropReason.POLICY_DENIED_INGRESS : null;
            assertEquals(expected, rig.reason(i), "packet " + i + " of kind " + kind);
        }

        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        int sport = 1;
        for (int n = 0; n < VECTORS; n++)
        {
            sport = runVector(rig, frames, ports, sport);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int n = 0; n < VECTORS; n++)
        {
            sport = runVector(rig, frames, ports, sport);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // The project-wide bound of the allocation tests: < 0.01 byte per packet. An exact 0 failed under load
        // when the JIT recompiled a method mid-measurement (472 bytes over 1.28M packets).
        final double perPacket = (double)allocated / (VECTORS * 64L);
        assertTrue(perPacket < 0.01,
            allocated + " bytes allocated over " + VECTORS + " vectors of 64 packets (" + perPacket + " B/packet)");
        final PipelineContext ctx = rig.pipeline.context();
        assertTrue((ctx.state[6] & PipelineContext.STATE_NEW) != 0, "the SYN with a fresh port is a new flow");
        assertTrue((ctx.state[2] & PipelineContext.STATE_DNAT) != 0);
        assertTrue((ctx.state[3] & PipelineContext.STATE_REVERSE_NAT) != 0);
        assertEquals(UPLINK, rig.vector.egressPort[4], "encapsulated");
        assertEquals(PORT_A, rig.vector.egressPort[5], "decapsulated and delivered");
        assertEquals(DropReason.POLICY_DENIED_INGRESS, rig.reason(7));
    }

    private static int runVector(final NodeRig rig, final List<byte[]> frames, final int[] ports, final int sport)
    {
        final PacketVector v = rig.vector;
        v.reset(rig.buffer);
        int port = sport;
        for (int i = 0; i < 64; i++)
        {
            final int offset = i * FRAME_SIZE + HEADROOM;
            final byte[] frame = frames.get(i);
            rig.buffer.putBytes(offset, frame);
            if (i % 8 == 6)
            {
                // A fresh source port: a new connection (the TCP checksum is not checked by the pipeline).
                port = port == 30000 ? 1 : port + 1;
                rig.buffer.putShort(offset + 34, (short)port, java.nio.ByteOrder.BIG_ENDIAN);
            }
            v.add(i, offset, frame.length, ports[i], i);
        }
        // 20 ms a vector: a source port comes back every 3750 vectors (75 s), after its SYN entry expired (60 s).
        rig.nowNs += 20_000_000L;
        rig.pipeline.process(v, rig.nowNs);
        rig.pipeline.expire(rig.nowNs, 64);
        return port;
    }
}
