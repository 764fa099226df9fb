package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.stage.PacketVector.TUNNEL_PEER_LOOKUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inner packets too big for the tunnel (underlay MTU 1500): IPv4 with DF and IPv6 become ICMP errors back to the
 * source pod, equal byte for byte to what scapy builds (so scapy's checksums vouch for ours) and decoded by tshark
 * with good checksums; IPv4 without DF, ICMP errors and later fragments are dropped and counted; a packet that
 * exactly fits is encapsulated.
 */
class PathMtuTest
{
    private static final String POD_MAC = "02:00:00:00:00:07";
    private static final String GW_MAC = "02:00:00:00:00:01";
    private static final String POD_ETH = "Ether(src='" + POD_MAC + "',dst='" + GW_MAC + "')";
    /** IPv4 underlay with the identity option: 58 bytes of overhead, so the inner MTU is 1442. */
    private static final int INNER_MTU_B = 1442;
    /** IPv6 underlay with the identity option: 78 bytes, inner MTU 1422. */
    private static final int INNER_MTU_C = 1422;

    private static final String V4_DF = POD_ETH + "/IP(src='198.18.0.7',dst='198.18.1.5',flags='DF',id=77)" +
        "/UDP(sport=5000,dport=6000)/Raw(b'x'*1415)"; // 1443 bytes of IP: one too many
    private static final String V4_FITS = POD_ETH + "/IP(src='198.18.0.7',dst='198.18.1.5',flags='DF')" +
        "/UDP(sport=5000,dport=6000)/Raw(b'x'*1414)";
    private static final String V4_NO_DF = POD_ETH + "/IP(src='198.18.0.7',dst='198.18.1.5',flags=0)" +
        "/UDP(sport=5000,dport=6000)/Raw(b'x'*1415)";
    private static final String V4_OPTIONS_TCP = POD_ETH + "/IP(src='198.18.0.7',dst='198.18.1.5',flags='DF'," +
        "options=[IPOption_RR(routers=['198.18.9.9'])])/TCP(sport=40000,dport=80,flags='PA')/Raw(b'z'*1500)";
    private static final String V4_ICMP_ERROR = POD_ETH + "/IP(src='198.18.0.7',dst='198.18.1.5',flags='DF')" +
        "/ICMP(type=3,code=3)/IPerror(src='198.18.1.5',dst='198.18.0.7')/UDPerror(sport=6000,dport=5000)" +
        "/Raw(b'q'*1500)";
    private static final String V6_TO_C = POD_ETH + "/IPv6(src='2001:2:0:a::7',dst='2001:2:0:c::5')" +
        "/UDP(sport=5000,dport=6000)/Raw(b'y'*1500)";
    private static final String V6_TO_B = POD_ETH + "/IPv6(src='2001:2:0:a::7',dst='2001:2:0:b::5')" +
        "/TCP(sport=5001,dport=443,flags='A')/Raw(b'w'*1375)"; // 1435 bytes of IP, inner MTU towards B is 1442: fits
    private static final String V4_LATER_FRAGMENT = "fragment(" + POD_ETH +
        "/IP(src='198.18.0.7',dst='198.18.1.5',id=5)/UDP(sport=1,dport=2)/Raw(b'A'*3000), fragsize=1480)[1]";

    private static List<byte[]> frames;
    private static List<byte[]> expected;

    @BeforeAll
    static void buildFrames()
    {
        frames = ExternalTools.scapyFrames(List.of(V4_DF, V4_FITS, V4_NO_DF, V4_OPTIONS_TCP, V4_ICMP_ERROR, V6_TO_C,
            V6_TO_B, V4_LATER_FRAGMENT));
        final String back = "Ether(src='" + GW_MAC + "',dst='" + POD_MAC + "')";
        expected = ExternalTools.scapyFrames(List.of(
            back + "/IP(src='" + TunnelRig.GATEWAY + "',dst='198.18.0.7',tos=0xc0,id=0,flags=0,ttl=64)" +
                "/ICMP(type=3,code=4,nexthopmtu=" + INNER_MTU_B + ")/Raw(bytes((" + V4_DF + ")[IP])[:28])",
            back + "/IP(src='" + TunnelRig.GATEWAY + "',dst='198.18.0.7',tos=0xc0,id=0,flags=0,ttl=64)" +
                "/ICMP(type=3,code=4,nexthopmtu=" + INNER_MTU_B + ")/Raw(bytes((" + V4_OPTIONS_TCP + ")[IP])[:36])",
            back + "/IPv6(src='" + TunnelRig.GATEWAY_V6 + "',dst='2001:2:0:a::7',hlim=64)" +
                "/ICMPv6PacketTooBig(mtu=" + INNER_MTU_C + ")/Raw(bytes((" + V6_TO_C + ")[IPv6])[:1232])"));
    }

    private static TunnelRig run(final List<byte[]> in)
    {
        final TunnelRig rig = new TunnelRig(in.size()).load(in, TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        for (int i = 0; i < in.size(); i++)
        {
            rig.vector.tunnelPeer[i] = TUNNEL_PEER_LOOKUP;
        }
        rig.encap.process(rig.vector);
        return rig;
    }

    @Test
    void tooBigWithDfOrIpv6BecomesTheIcmpErrorScapyWouldBuild(@TempDir final Path dir) throws Exception
    {
        final TunnelRig rig = run(List.of(frames.get(0), frames.get(3), frames.get(5)));
        final PacketVector v = rig.vector;
        for (int i = 0; i < 3; i++)
        {
            final int p = i;
            assertNull(rig.reason(i), () -> "packet " + p + " dropped: " + rig.reason(p));
            assertEquals(TunnelRig.POD_PORT, v.egressPort[i], "the error goes back out of the ingress port");
            assertEquals(HexFormat.of().formatHex(expected.get(i)), HexFormat.of().formatHex(rig.bytes(i)),
                "frame " + i);
        }
        assertEquals(3, rig.encap.counters().getAcquire(EncapStage.COUNTER_ICMP_SENT));
        assertEquals(0, rig.encap.counters().getAcquire(EncapStage.COUNTER_ENCAPSULATED));

        final Path pcap = dir.resolve("icmp.pcap");
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            for (int i = 0; i < 3; i++)
            {
                writer.write(rig.buffer, v.offset[i], v.length[i], 0);
            }
        }
        final String[] rows = ExternalTools.tshark("-n", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
            "-e", "icmp.type", "-e", "icmp.code", "-e", "icmp.mtu", "-e", "icmp.checksum.status",
            "-e", "ip.checksum.status", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport", "-e", "tcp.dstport",
            "-e", "icmpv6.type", "-e", "icmpv6.mtu", "-e", "icmpv6.checksum.status", "-e", "ipv6.src", "-e", "ipv6.dst")
            .strip().split("\n");
        assertEquals(3, rows.length);
        final String[] v4 = rows[0].split("\\|", -1);
        assertEquals("3", v4[0]);
        assertEquals("4", v4[1]);
        assertEquals(String.valueOf(INNER_MTU_B), v4[2]);
        assertEquals("1", v4[3], "ICMP checksum good");
        assertEquals("1,1", v4[4], "our IPv4 header checksum and the quoted original's are good");
        assertEquals("198.18.0.1,198.18.0.7", v4[5], "from the gateway, quoting the original");
        assertEquals("198.18.0.7,198.18.1.5", v4[6]);
        assertEquals("6000", v4[7], "the quoted 8 bytes hold the original ports");
        final String[] options = rows[1].split("\\|", -1);
        assertEquals("80", options[8], "the quote follows the original's IP options");
        final String[] v6 = rows[2].split("\\|", -1);
        assertEquals("2", v6[9]);
        assertEquals(String.valueOf(INNER_MTU_C), v6[10]);
        assertEquals("1", v6[11], "ICMPv6 checksum good");
        assertEquals("2001:2:0:a::1,2001:2:0:a::7", v6[12]);
        assertEquals(1280, rig.vector.length[2] - 14, "the error fills but does not exceed the IPv6 minimum MTU");
    }

    @Test
    void packetsThatExactlyFitAreEncapsulated()
    {
        final TunnelRig rig = run(List.of(frames.get(1), frames.get(6)));
        assertNull(rig.reason(0));
        assertNull(rig.reason(1));
        assertEquals(1514, rig.vector.length[0], "outer IP packet of exactly the underlay MTU");
        assertEquals(2, rig.encap.counters().getAcquire(EncapStage.COUNTER_ENCAPSULATED));
    }

    @Test
    void ipv4WithoutDfIcmpErrorsAndLaterFragmentsAreDroppedNotAnswered()
    {
        final List<byte[]> in = List.of(frames.get(2), frames.get(4), frames.get(7));
        final TunnelRig rig = run(in);
        for (int i = 0; i < in.size(); i++)
        {
            assertEquals(DropReason.TUNNEL_MTU_EXCEEDED, rig.reason(i), "packet " + i);
            assertArrayEquals(in.get(i), rig.bytes(i), "a dropped packet is left as it was");
        }
        assertEquals(3, rig.dropped(DropReason.TUNNEL_MTU_EXCEEDED));
        assertEquals(0, rig.encap.counters().getAcquire(EncapStage.COUNTER_ICMP_SENT));
    }

    @Test
    void withoutAGatewayAddressNoErrorCanBeSent()
    {
        final TunnelRig rig = new TunnelRig(1);
        final TunnelConfig noGateway = TunnelRig.config().gatewayIpv4(null).build();
        rig.encap.install(TunnelTemplates.build(noGateway, rig.peers, NextHopResolver.FROM_PEER_TABLE, 2));
        rig.load(List.of(frames.get(0)), TunnelRig.POD_PORT);
        rig.parse.process(rig.vector);
        rig.vector.tunnelPeer[0] = TUNNEL_PEER_LOOKUP;
        rig.encap.process(rig.vector);
        assertEquals(DropReason.TUNNEL_MTU_EXCEEDED, rig.reason(0));
    }
}
