package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.service.TestPackets.bytes;
import static dev.sluice.fastpath.service.TestPackets.checksumProblems;
import static dev.sluice.fastpath.service.TestPackets.parsed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rejects for a service without endpoints, built in place from scapy-made packets and decoded by scapy and tshark
 * (with checksum validation on).
 */
class RejectBuilderTest
{
    private static final String ETH = "Ether(src='02:00:00:00:00:0a', dst='02:00:00:00:00:0b')";
    private static final String CLIENT4 = "src='198.18.1.1', dst='198.18.100.10'";
    private static final String CLIENT6 = "src='2001:2::1:1', dst='2001:2::100:10'";

    @TempDir
    Path dir;

    private final RejectBuilder reject = new RejectBuilder(TestPackets.FRAME_SIZE - TestPackets.HEADROOM);

    @Test
    void rejectsDecodeAsKubeProxyWouldSendThem() throws Exception
    {
        ExternalTools.requireCommand("tshark", "tshark");
        final List<byte[]> in = ExternalTools.scapyFrames(List.of(
            ETH + "/IP(" + CLIENT4 + ")/UDP(sport=40000, dport=53)/Raw(b'q'*20)",
            ETH + "/IP(" + CLIENT4 + ")/TCP(sport=40001, dport=80, flags='S', seq=1000)",
            ETH + "/IP(" + CLIENT4 + ")/TCP(sport=40002, dport=80, flags='PA', seq=5000, ack=777)/Raw(b'x'*10)",
            ETH + "/IPv6(" + CLIENT6 + ")/UDP(sport=40003, dport=53)/Raw(b'q'*20)",
            ETH + "/IPv6(" + CLIENT6 + ")/TCP(sport=40004, dport=80, flags='SF', seq=4294967290)/Raw(b'abcde')",
            ETH + "/IP(" + CLIENT4 + ")/UDP(sport=40005, dport=53)/Raw(b'L'*1400)",
            ETH + "/IPv6(" + CLIENT6 + ")/UDP(sport=40006, dport=53)/Raw(b'L'*1400)",
            ETH + "/Dot1Q(vlan=7)/IP(" + CLIENT4 + ")/SCTP(sport=40007, dport=38412)",
            ETH + "/IP(" + CLIENT4 + ", options=[IPOption_RR(routers=['198.18.0.9'])])" +
                "/TCP(sport=40008, dport=80, flags='S', seq=1)"));
        final PacketVector v = parsed(in);
        for (int i = 0; i < in.size(); i++)
        {
            assertEquals(0, v.dropReason[i], "parse " + i);
            assertEquals(RejectBuilder.OK, reject.reject(v, i), "frame " + i);
            assertEquals("", checksumProblems(v, i), "frame " + i);
        }

        final List<String> decoded = decode(v, in.size());
        final String mac = "02:00:00:00:00:0a 02:00:00:00:00:0b "; // dst, src: swapped
        assertEquals(mac + "ip 198.18.100.10 198.18.1.1 76 icmp 3 3 198.18.1.1 198.18.100.10 17 48",
            decoded.get(0));
        assertEquals(mac + "ip 198.18.100.10 198.18.1.1 40 tcp 80 40001 0 1001 RA", decoded.get(1));
        assertEquals(mac + "ip 198.18.100.10 198.18.1.1 40 tcp 80 40002 777 0 R", decoded.get(2));
        assertEquals(mac + "ip6 2001:2::100:10 2001:2::1:1 76 icmp6 1 4 2001:2::1:1 2001:2::100:10 17",
            decoded.get(3));
        // SYN and FIN count one each; the sequence number wraps.
        assertEquals(mac + "ip6 2001:2::100:10 2001:2::1:1 20 tcp 80 40004 0 1 RA", decoded.get(4));
        assertEquals(mac + "ip 198.18.100.10 198.18.1.1 576 icmp 3 3 198.18.1.1 198.18.100.10 17 1428",
            decoded.get(5), "cut to 576 bytes (RFC 1812)");
        assertEquals(mac + "ip6 2001:2::100:10 2001:2::1:1 1240 icmp6 1 4 2001:2::1:1 2001:2::100:10 17",
            decoded.get(6), "cut to the IPv6 minimum MTU");
        assertEquals(mac + "vlan 7 ip 198.18.100.10 198.18.1.1 60 icmp 3 3 198.18.1.1 198.18.100.10 132 32",
            decoded.get(7));
        assertEquals(mac + "ip 198.18.100.10 198.18.1.1 40 tcp 80 40008 0 2 RA", decoded.get(8),
            "IP options are not echoed in a RST");

        // The quote is the original IP packet, unchanged.
        final byte[] icmp = bytes(v, 0);
        assertArrayEquals(Arrays.copyOfRange(in.get(0), 14, in.get(0).length),
            Arrays.copyOfRange(icmp, 14 + 28, icmp.length));
        final byte[] large = bytes(v, 5);
        assertEquals(14 + 576, large.length);
        assertArrayEquals(Arrays.copyOfRange(in.get(5), 14, 14 + 548), Arrays.copyOfRange(large, 42, large.length));

        // tshark, checksum validation on: every checksum is good.
        final Path pcap = dir.resolve("rejects.pcap");
        write(pcap, v, in.size());
        final String out = ExternalTools.tshark("-n", "-r", pcap.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=f",
            "-e", "ip.checksum.status", "-e", "tcp.checksum.status", "-e", "icmp.checksum.status",
            "-e", "icmpv6.checksum.status");
        final String[] rows = out.strip().split("\n");
        assertEquals(in.size(), rows.length, out);
        // ip | tcp | icmp | icmpv6 checksum status, 1 = good (the first occurrence: the outer header)
        final String[] expected = {
            "1||1|", "1|1||", "1|1||", "|||1", "|1||", "1||1|", "|||1", "1||1|", "1|1||"};
        for (int i = 0; i < rows.length; i++)
        {
            assertEquals(expected[i], rows[i].strip(), "tshark row " + i + ": " + out);
        }
    }

    @Test
    void neverAnswersAResetAnIcmpErrorOrALaterFragment()
    {
        final List<byte[]> in = ExternalTools.scapyFrames(List.of(
            ETH + "/IP(" + CLIENT4 + ")/TCP(sport=1, dport=80, flags='R', seq=1)",
            ETH + "/IP(" + CLIENT4 + ")/ICMP(type=3, code=3)/IPerror(src='198.18.100.10', dst='198.18.1.1')" +
                "/UDPerror(sport=53, dport=4000)",
            ETH + "/IP(" + CLIENT4 + ", frag=100, proto=17)/Raw(b'z'*16)",
            ETH + "/IPv6(" + CLIENT6 + ")/ICMPv6DestUnreach(code=4)/IPerror6(src='2001:2::100:10', " +
                "dst='2001:2::1:1')/UDPerror(sport=53, dport=4000)"));
        final PacketVector v = parsed(in);
        for (int i = 0; i < in.size(); i++)
        {
            final byte[] before = bytes(v, i);
            assertEquals(RejectBuilder.NOT_APPLICABLE, reject.reject(v, i), "frame " + i);
            assertArrayEquals(before, bytes(v, i), "left alone");
        }
    }

    @Test
    void columnsDescribeTheNewPacket()
    {
        final List<byte[]> in = ExternalTools.scapyFrames(List.of(
            ETH + "/IP(" + CLIENT4 + ")/UDP(sport=40000, dport=53)/Raw(b'q'*20)",
            ETH + "/IPv6(" + CLIENT6 + ")/TCP(sport=40004, dport=80, flags='S', seq=9)"));
        final PacketVector v = parsed(in);
        assertEquals(RejectBuilder.OK, reject.reject(v, 0));
        assertEquals(RejectBuilder.OK, reject.reject(v, 1));
        final PacketVector again = parsed(List.of(bytes(v, 0), bytes(v, 1)));
        for (int i = 0; i < 2; i++)
        {
            assertEquals(again.length[i], v.length[i]);
            assertEquals(again.flags[i], v.flags[i], "flags " + i);
            assertEquals(again.protocol[i], v.protocol[i]);
            assertEquals(again.l4Offset[i], v.l4Offset[i]);
            assertEquals(again.l3Length[i], v.l3Length[i]);
            assertEquals(again.srcLo[i], v.srcLo[i]);
            assertEquals(again.dstHi[i], v.dstHi[i]);
            assertEquals(again.srcPort[i], v.srcPort[i]);
            assertEquals(again.dstPort[i], v.dstPort[i]);
            assertEquals(again.icmpTypeCode[i], v.icmpTypeCode[i]);
            assertEquals(again.tcpFlags[i], v.tcpFlags[i]);
        }
        assertEquals(IpProtocol.UDP, v.innerProtocol[0]);
        assertEquals(again.innerL3Offset[0], v.innerL3Offset[0]);
        assertEquals(again.innerSrcPort[0], v.innerSrcPort[0]);
        assertEquals(again.innerDstLo[0], v.innerDstLo[0]);
        assertTrue(v.hasFlag(0, PacketVector.FLAG_INNER_PORTS));
    }

    private static void write(final Path pcap, final PacketVector v, final int n) throws Exception
    {
        try (PcapWriter w = new PcapWriter(pcap))
        {
            for (int i = 0; i < n; i++)
            {
                w.write(v.buffer(), v.offset[i], v.length[i], 1_700_000_000_000_000_000L + i);
            }
        }
    }

    /** One line per frame: what scapy reads in it. */
    static List<String> decode(final PacketVector v, final int n)
    {
        final StringBuilder hex = new StringBuilder("frames = [");
        for (int i = 0; i < n; i++)
        {
            hex.append('\'').append(HexFormat.of().formatHex(bytes(v, i))).append("',");
        }
        hex.append("]\n");
        final String script = "import logging\n" +
            "logging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n" +
            "from scapy.all import *\n" + hex +
            "for h in frames:\n" +
            "    p = Ether(bytes.fromhex(h))\n" +
            "    f = [p.dst, p.src]\n" +
            "    if Dot1Q in p: f += ['vlan', p[Dot1Q].vlan]\n" +
            "    if IP in p: f += ['ip', p[IP].src, p[IP].dst, p[IP].len]\n" +
            "    if IPv6 in p: f += ['ip6', p[IPv6].src, p[IPv6].dst, p[IPv6].plen]\n" +
            "    if ICMP in p: f += ['icmp', p[ICMP].type, p[ICMP].code, p[IPerror].src, p[IPerror].dst, " +
            "p[IPerror].proto, p[IPerror].len]\n" +
            "    elif ICMPv6DestUnreach in p: f += ['icmp6', p[ICMPv6DestUnreach].type, " +
            "p[ICMPv6DestUnreach].code, p[IPerror6].src, p[IPerror6].dst, p[IPerror6].nh]\n" +
            "    elif TCP in p: f += ['tcp', p[TCP].sport, p[TCP].dport, p[TCP].seq, p[TCP].ack, str(p[TCP].flags)]\n" +
            "    print(' '.join(map(str, f)))\n";
        final List<String> lines = new ArrayList<>();
        for (final String line : ExternalTools.scapyScript(script).split("\n"))
        {
            if (!line.isBlank())
            {
                lines.add(line.strip());
            }
        }
        return lines;
    }
}
