package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.stage.PacketVector.TUNNEL_PEER_LOOKUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.OuterHeaderTemplate;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.wire.Addresses;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parse -> (forwarding marks the packet) -> encap, bytes in and bytes out: the expected Geneve frames are built by
 * scapy from the same inner frames, with the UDP source port and IPv4 id our stage chose, and must match byte for
 * byte (so scapy's checksums vouch for ours); tshark decodes the output. Then the drops, the template swap and the
 * flow hash.
 */
class EncapStageTest
{
    private static final int IDENTITY = 0x00010203;
    private static final String OPT = "sys.modules['scapy.contrib.geneve'].GeneveOptions";
    private static final String POD_ETH = "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:00:01')";
    private static final List<String> EXPRESSIONS = new ArrayList<>();
    private static List<byte[]> frames;

    private static int frame(final String expression)
    {
        EXPRESSIONS.add(expression);
        return EXPRESSIONS.size() - 1;
    }

    private static final String V4_TCP_TO_B = POD_ETH +
        "/IP(src='198.18.0.7',dst='198.18.1.5',flags='DF')/TCP(sport=40001,dport=8080,flags='S')/Raw(b'x'*100)";
    private static final int TO_B = frame(V4_TCP_TO_B);
    private static final String V6_UDP_TO_C = POD_ETH +
        "/IPv6(src='2001:2:0:a::7',dst='2001:2:0:c::5')/UDP(sport=40002,dport=5202)/Raw(b'y'*333)";
    private static final int TO_C = frame(V6_UDP_TO_C);
    /** 42-byte frame: the producer's 18 bytes of Ethernet padding must not travel. */
    private static final String V4_UDP_SHORT = POD_ETH + "/IP(src='198.18.0.8',dst='198.18.1.6')/UDP(sport=7,dport=9)";
    private static final int SHORT_PADDED = frame("bytes(" + V4_UDP_SHORT + ") + b'\\x00' * 18");
    private static final int TO_NOWHERE = frame(POD_ETH + "/IP(src='198.18.0.7',dst='198.18.9.9')/UDP(sport=1,dport=2)");
    private static final int TO_SELF = frame(POD_ETH + "/IP(src='198.18.0.7',dst='198.18.0.9')/UDP(sport=1,dport=2)");
    private static final int ARP = frame(POD_ETH + "/ARP(psrc='198.18.0.7',pdst='198.18.0.1')");
    private static final int FRAGMENT_FIRST = frame("fragment(" + POD_ETH +
        "/IP(src='198.18.0.7',dst='198.18.1.5',id=9)/UDP(sport=5,dport=6)/Raw(b'A'*100), fragsize=48)[0]");
    private static final int FRAGMENT_LATER = frame("fragment(" + POD_ETH +
        "/IP(src='198.18.0.7',dst='198.18.1.5',id=9)/UDP(sport=5,dport=6)/Raw(b'A'*100), fragsize=48)[1]");

    @BeforeAll
    static void buildFrames()
    {
        frames = ExternalTools.scapyFrames(EXPRESSIONS);
    }

    private static TunnelRig encapsulated(final List<Integer> which, final int tunnelPeer)
    {
        final TunnelRig rig = new TunnelRig(which.size());
        rig.load(which.stream().map(frames::get).toList(), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        for (int i = 0; i < which.size(); i++)
        {
            rig.vector.tunnelPeer[i] = tunnelPeer;
            rig.vector.sourceIdentity[i] = IDENTITY + i;
        }
        rig.encap.process(rig.vector);
        return rig;
    }

    @Test
    void ourFramesEqualScapysGeneveFramesByteForByte(@TempDir final Path dir) throws Exception
    {
        final TunnelRig rig = encapsulated(List.of(TO_B, TO_C, SHORT_PADDED), TUNNEL_PEER_LOOKUP);
        final PacketVector v = rig.vector;
        final OuterHeaderTemplate toB = rig.encap.templates().template(TunnelRig.B);
        final OuterHeaderTemplate toC = rig.encap.templates().template(TunnelRig.C);
        for (int i = 0; i < 3; i++)
        {
            final int p = i;
            assertNull(rig.reason(i), () -> "packet " + p + " dropped: " + rig.reason(p));
            assertEquals(TunnelRig.UPLINK, v.egressPort[i]);
        }
        assertEquals(TunnelRig.B, v.tunnelPeer[0], "the looked-up peer is written back");
        assertEquals(TunnelRig.C, v.tunnelPeer[1]);

        final String geneve = "GENEVE(vni=" + TunnelRig.VNI + ",proto=0x6558,options=[" + OPT +
            "(classid=0xFFF0,type=0x01,data=(%d).to_bytes(4,'big'))])";
        final String outerToB = "Ether(src='" + TunnelRig.LOCAL_MAC + "',dst='" + TunnelRig.B_MAC + "')/IP(src='" +
            TunnelRig.A_UNDERLAY + "',dst='" + TunnelRig.B_UNDERLAY + "',id=%d,flags='DF',ttl=64)" +
            "/UDP(sport=%d,dport=6081,chksum=0)/" + geneve + "/";
        final List<byte[]> expected = ExternalTools.scapyFrames(List.of(
            String.format(outerToB, 0x100, toB.sourcePort(EncapStage.flowHash(v, 0)), IDENTITY) + V4_TCP_TO_B,
            "Ether(src='" + TunnelRig.LOCAL_MAC + "',dst='" + TunnelRig.C_MAC + "')/IPv6(src='" +
                TunnelRig.A_UNDERLAY_V6 + "',dst='" + TunnelRig.C_UNDERLAY + "',hlim=64)" +
                "/UDP(sport=" + toC.sourcePort(EncapStage.flowHash(v, 1)) + ",dport=6081)/" +
                String.format(geneve, IDENTITY + 1) + "/" + V6_UDP_TO_C,
            String.format(outerToB, 0x101, toB.sourcePort(EncapStage.flowHash(v, 2)), IDENTITY + 2) + V4_UDP_SHORT));
        for (int i = 0; i < 3; i++)
        {
            assertEquals(HexFormat.of().formatHex(expected.get(i)), HexFormat.of().formatHex(rig.bytes(i)),
                "frame " + i);
        }

        final Path pcap = dir.resolve("encap.pcap");
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            for (int i = 0; i < 3; i++)
            {
                writer.write(rig.buffer, v.offset[i], v.length[i], 0);
            }
        }
        final String[] rows = ExternalTools.tshark("-n", "-r", pcap.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
            "-e", "geneve.vni", "-e", "geneve.option.class", "-e", "geneve.option.unknown.data",
            "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport", "-e", "tcp.dstport",
            "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status").strip().split("\n");
        assertEquals(3, rows.length);
        final String[] f0 = rows[0].split("\\|", -1);
        assertEquals("0x00abcd", f0[0]);
        assertEquals("0xfff0", f0[1]);
        assertEquals("00010203", f0[2]);
        assertEquals("198.19.0.1,198.18.0.7", f0[3]);
        assertEquals("198.19.0.2,198.18.1.5", f0[4]);
        assertEquals("8080", f0[7]);
        assertEquals("1,1", f0[8], "outer and inner IPv4 header checksums good");
        assertEquals("3", f0[9], "no outer UDP checksum over IPv4");
        assertEquals("1", f0[10], "inner TCP checksum good");
        final String[] f1 = rows[1].split("\\|", -1);
        assertEquals("2001:2:0:ff::3,2001:2:0:c::5", f1[5]);
        assertEquals("6081,5202", f1[6]);
        assertEquals("1,1", f1[9], "outer (IPv6) and inner UDP checksums good");
    }

    @Test
    void anExplicitPeerIndexIsUsedAsIs()
    {
        // The destination is in node-b's CIDR, but the forwarding step asked for node-c: the column wins.
        final TunnelRig rig = encapsulated(List.of(TO_B), TunnelRig.C);
        assertNull(rig.reason(0));
        assertEquals(0x86DD, rig.buffer.getShort(rig.vector.offset[0] + 12, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
        assertEquals(Addresses.parseIpv6Lo(TunnelRig.C_UNDERLAY),
            rig.buffer.getLong(rig.vector.offset[0] + 14 + 32, java.nio.ByteOrder.BIG_ENDIAN));
    }

    @Test
    void packetsNotMarkedForTheTunnelAreUntouched()
    {
        final TunnelRig rig = new TunnelRig(1).load(List.of(frames.get(TO_B)), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        rig.encap.process(rig.vector);
        assertArrayEquals(frames.get(TO_B), rig.bytes(0));
        assertEquals(PacketVector.PORT_NONE, rig.vector.egressPort[0]);
        assertEquals(0, rig.encap.counters().getAcquire(EncapStage.COUNTER_TUNNEL_PACKETS));
    }

    @Test
    void undeliverablePacketsAreDroppedUnderTheirOwnReasons()
    {
        final TunnelRig rig = encapsulated(List.of(TO_NOWHERE, TO_SELF, ARP), TUNNEL_PEER_LOOKUP);
        assertEquals(DropReason.TUNNEL_NO_PEER, rig.reason(0));
        assertEquals(DropReason.TUNNEL_TO_SELF, rig.reason(1));
        assertEquals(DropReason.TUNNEL_NOT_IP_INNER, rig.reason(2));
        assertEquals(1, rig.dropped(DropReason.TUNNEL_NO_PEER));
        assertEquals(1, rig.dropped(DropReason.TUNNEL_TO_SELF));
        assertEquals(1, rig.dropped(DropReason.TUNNEL_NOT_IP_INNER));
        assertEquals(3, rig.encap.counters().getAcquire(EncapStage.COUNTER_DROPPED));

        final TunnelRig stale = encapsulated(List.of(TO_B), 17);
        assertEquals(DropReason.TUNNEL_NO_PEER, stale.reason(0), "an index beyond the installed table");
    }

    @Test
    void anUnresolvedNextHopIsADropUntilTheTemplatesAreRebuilt()
    {
        final long[] macOfB = {NextHopResolver.UNRESOLVED};
        final NextHopResolver neighbours = (table, peer) -> peer == TunnelRig.B ? macOfB[0] : table.nextHopMac(peer);
        final TunnelRig rig = new TunnelRig(1, neighbours);
        assertEquals(1, rig.encap.templates().unresolvedCount());
        rig.load(List.of(frames.get(TO_B)), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        rig.vector.tunnelPeer[0] = TUNNEL_PEER_LOOKUP;
        rig.encap.process(rig.vector);
        assertEquals(DropReason.TUNNEL_NO_NEXT_HOP, rig.reason(0));

        // The neighbour table learns node-b's MAC: control rebuilds, the worker swaps the snapshot in.
        macOfB[0] = Addresses.parseMac("02:00:00:00:0b:0b");
        rig.encap.install(TunnelTemplates.build(rig.config, rig.peers, neighbours, 2));
        rig.load(List.of(frames.get(TO_B)), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        rig.vector.tunnelPeer[0] = TUNNEL_PEER_LOOKUP;
        rig.encap.process(rig.vector);
        assertNull(rig.reason(0));
        assertEquals(2, rig.encap.templates().generation());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0x0b, 0x0b}, Arrays.copyOf(rig.bytes(0), 6));
    }

    @Test
    void tooLittleHeadroomIsADropAndTheFrameIsUntouched()
    {
        final TunnelRig rig = new TunnelRig(1);
        rig.vector.reset(rig.buffer);
        final byte[] frame = frames.get(TO_B);
        rig.buffer.putBytes(40, frame);
        rig.vector.add(0, 40, frame.length, TunnelRig.POD_PORT, 0);
        rig.parse.process(rig.vector);
        rig.vector.tunnelPeer[0] = TunnelRig.B;
        rig.encap.process(rig.vector);
        assertEquals(DropReason.TUNNEL_NO_HEADROOM, rig.reason(0));
        assertArrayEquals(new byte[40], Arrays.copyOf(bytesAt(rig.buffer, 0, 40), 40));
    }

    @Test
    void fragmentsOfOneDatagramHashAlikeAndPortsSpreadFlows()
    {
        final TunnelRig rig = new TunnelRig(3).load(List.of(frames.get(FRAGMENT_FIRST), frames.get(FRAGMENT_LATER),
            frames.get(TO_B)), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        final PacketVector v = rig.vector;
        assertEquals(EncapStage.flowHash(v, 0), EncapStage.flowHash(v, 1));
        final int before = EncapStage.flowHash(v, 2);
        v.srcPort[2]++;
        assertNotEquals(before, EncapStage.flowHash(v, 2));
    }

    private static byte[] bytesAt(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] out = new byte[length];
        buffer.getBytes(offset, out);
        return out;
    }
}
