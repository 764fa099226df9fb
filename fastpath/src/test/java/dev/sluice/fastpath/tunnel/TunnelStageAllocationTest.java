package dev.sluice.fastpath.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.testkit.Allocations;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * Decap + parse and parse + encap (including the PMTU rewrite) allocate nothing per packet, measured with the
 * thread's allocated-bytes counter over many vectors after a warm-up.
 */
class TunnelStageAllocationTest
{
    private static final int VECTORS = 20_000;
    private static final int VECTOR = 64;

    @Test
    void decapAndEncapStagesAllocateNothingPerPacket()
    {
        final String opt = "sys.modules['scapy.contrib.geneve'].GeneveOptions(classid=0xFFF0,type=1,data=b'\\x00\\x00\\x01\\x00')";
        final String inner = "Ether(src='02:00:00:00:01:05',dst='02:00:00:00:00:07')/" +
            "IP(src='198.18.1.5',dst='198.18.0.7')/TCP(sport=40000,dport=8080)/Raw(b'x'*10)";
        final List<byte[]> built = ExternalTools.scapyFrames(List.of(
            "Ether(src='" + TunnelRig.B_MAC + "',dst='" + TunnelRig.LOCAL_MAC + "')/IP(src='" + TunnelRig.B_UNDERLAY +
                "',dst='" + TunnelRig.A_UNDERLAY + "')/UDP(sport=50000,dport=6081)/GENEVE(vni=1,proto=0x6558," +
                "options=[" + opt + "])/" + inner,
            "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:00:01')/IPv6(src='2001:2:0:a::7',dst='2001:2:0:c::5')" +
                "/UDP(sport=1,dport=2)/Raw(b'y'*100)",
            "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:00:01')/IP(src='198.18.0.7',dst='198.18.1.5'," +
                "flags='DF')/UDP(sport=1,dport=2)/Raw(b'z'*1500)"));
        final List<byte[]> geneve = new ArrayList<>();
        final List<byte[]> pods = new ArrayList<>();
        for (int i = 0; i < VECTOR; i++)
        {
            geneve.add(built.get(0));
            pods.add(built.get(1 + (i & 1)));
        }
        final TunnelRig rx = new TunnelRig(VECTOR).load(geneve, TunnelRig.UPLINK);
        final TunnelRig tx = new TunnelRig(VECTOR).load(pods, TunnelRig.POD_PORT);

        final long[] work = new long[1];
        final Runnable round = () -> work[0] += run(rx, tx, VECTORS);
        Allocations.assertAllocatesNothing("decap+parse, parse+encap", round, round, 2L * VECTORS * VECTOR, 0.01);

        // Every vector: 64 decapsulated, 32 encapsulated, 32 turned into ICMP errors.
        assertEquals(2L * VECTORS * (VECTOR + VECTOR), work[0]);
    }

    private static long run(final TunnelRig rx, final TunnelRig tx, final int vectors)
    {
        long work = 0;
        final PacketVector in = rx.vector;
        final PacketVector out = tx.vector;
        for (int n = 0; n < vectors; n++)
        {
            // Decap reads the outer frame without writing it: the same bytes serve every round.
            in.reset(rx.buffer);
            for (int i = 0; i < VECTOR; i++)
            {
                in.add(i, i * TunnelRig.FRAME_SIZE + TunnelRig.HEADROOM, rx.bytesLength(i), TunnelRig.UPLINK, n);
            }
            rx.decap.process(in);
            rx.parse.process(in);
            work += in.aliveCount();

            // Encap writes only the headroom, but the PMTU rewrite changes the frame: restore those first.
            out.reset(tx.buffer);
            for (int i = 0; i < VECTOR; i++)
            {
                final int offset = i * TunnelRig.FRAME_SIZE + TunnelRig.HEADROOM;
                if ((i & 1) != 0)
                {
                    tx.restore(i);
                }
                out.add(i, offset, tx.bytesLength(i), TunnelRig.POD_PORT, n);
            }
            tx.parse.process(out);
            for (int i = 0; i < VECTOR; i++)
            {
                out.tunnelPeer[i] = PacketVector.TUNNEL_PEER_LOOKUP;
            }
            tx.encap.process(out);
            work += out.aliveCount();
        }
        return work;
    }
}
