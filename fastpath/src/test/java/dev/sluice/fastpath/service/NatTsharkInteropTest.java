package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.service.TestPackets.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames built by scapy, NAT'ed by {@link NatRewriter}, then read by tshark with checksum validation on: the
 * addresses and ports are the translated ones and every checksum (IPv4 header, TCP, UDP, ICMP, ICMPv6, SCTP
 * CRC32c) is good.
 */
class NatTsharkInteropTest
{
    private static final String ETH = "Ether(src='02:00:00:00:00:0a', dst='02:00:00:00:00:0b')";
    private static final long BACKEND4 = v4(198, 18, 7, 9);
    private static final long BACKEND6_HI = 0x2001_0002_0000_0007L;
    private static final long BACKEND6_LO = 0x0000_0000_0000_0009L;

    @TempDir
    Path dir;

    @Test
    void natedFramesPassTsharkChecksumValidation() throws Exception
    {
        ExternalTools.requireCommand("tshark", "tshark");
        final List<byte[]> in = ExternalTools.scapyFrames(List.of(
            ETH + "/IP(src='198.18.1.1', dst='198.18.100.10')/TCP(sport=40000, dport=80, flags='S')",
            ETH + "/IP(src='198.18.1.1', dst='198.18.100.10')/UDP(sport=40001, dport=53)/Raw(b'dns?')",
            ETH + "/IP(src='198.18.1.1', dst='198.18.100.10')/ICMP(type=8, id=77, seq=1)/Raw(b'ping')",
            ETH + "/IPv6(src='2001:2::1:1', dst='2001:2::100:10')/TCP(sport=40002, dport=80, flags='S')",
            ETH + "/IPv6(src='2001:2::1:1', dst='2001:2::100:10')/UDP(sport=40003, dport=53)/Raw(b'dns?')",
            ETH + "/IPv6(src='2001:2::1:1', dst='2001:2::100:10')/ICMPv6EchoRequest(id=78, seq=1)",
            ETH + "/IP(src='198.18.1.1', dst='198.18.100.10')/SCTP(sport=40004, dport=38412)" +
                "/SCTPChunkInit(init_tag=1, a_rwnd=1500, n_out_streams=1, n_in_streams=1, init_tsn=1)",
            // An ICMP error from the backend about a DNAT'ed packet: reverse NAT back to the frontend.
            ETH + "/IP(src='198.18.7.9', dst='198.18.1.1')/ICMP(type=3, code=3)" +
                "/IPerror(src='198.18.1.1', dst='198.18.7.9')/UDPerror(sport=40001, dport=5353)/Raw(b'dns?')"));
        final PacketVector v = TestPackets.parsed(in);
        final NatRewriter nat = new NatRewriter(2000);
        for (int i = 0; i < in.size(); i++)
        {
            assertEquals(0, v.dropReason[i], "parse " + i);
            final boolean ipv4 = v.hasFlag(i, PacketVector.FLAG_IPV4);
            final int result;
            if (i == 7)
            {
                result = nat.reverseNatIcmpError(v, i, 0, v4(198, 18, 100, 10), 53);
            }
            else
            {
                result = ipv4 ? nat.dnat(v, i, 0, BACKEND4, 8080) : nat.dnat(v, i, BACKEND6_HI, BACKEND6_LO, 8080);
            }
            assertEquals(NatRewriter.OK, result, "frame " + i);
        }
        final Path pcap = dir.resolve("nat.pcap");
        try (PcapWriter w = new PcapWriter(pcap))
        {
            for (int i = 0; i < in.size(); i++)
            {
                w.write(v.buffer(), v.offset[i], v.length[i], 1_700_000_000_000_000_000L + i);
            }
        }
        final String out = ExternalTools.tshark("-n", "-r", pcap.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-o", "sctp.checksum:CRC-32C",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
            "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport", "-e", "sctp.dstport",
            "-e", "ip.checksum.status", "-e", "tcp.checksum.status", "-e", "udp.checksum.status",
            "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status", "-e", "sctp.checksum.status",
            "-e", "ip.src", "-e", "icmp.ident");
        final String[] rows = out.strip().split("\n");
        // ip.dst | ipv6.dst | tcp.dstport | udp.dstport | sctp.dstport | checksum status (1 = good) of ip, tcp, udp,
        // icmp, icmpv6, sctp | ip.src | icmp.ident
        final String[] expected = {
            "198.18.7.9||8080|||1|1|||||198.18.1.1|",
            "198.18.7.9|||8080||1||1||||198.18.1.1|",
            "198.18.7.9|||||1|||1|||198.18.1.1|77",
            "|2001:2:0:7::9|8080||||1||||||",
            "|2001:2:0:7::9||8080||||1|||||",
            "|2001:2:0:7::9||||||||1|||",
            "198.18.7.9||||8080|1|||||1|198.18.1.1|",
            // outer, then quoted header: the error now comes from the frontend and quotes the frontend's port
            "198.18.1.1,198.18.100.10|||53||1,1||1|1|||198.18.100.10,198.18.1.1|"};
        assertEquals(expected.length, rows.length, out);
        for (int i = 0; i < rows.length; i++)
        {
            assertEquals(expected[i], rows[i].strip(), "frame " + i + "\n" + out);
        }
    }
}
