package dev.sluice.geneve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testkit.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our encap, decoded by an independent dissector: frames are written to a pcap by scapy and read back with
 * {@code tshark -T fields}, which must see the VNI, Sluice's option, the inner addresses and ports, DF, and valid
 * IPv4 header and UDP checksums (IPv4 outer UDP checksum absent, IPv6 outer UDP checksum good).
 */
class GeneveEncapTsharkInteropTest
{
    private static final int HEADROOM = 128;

    @Test
    void tsharkDecodesOurEncapsulationWithValidChecksums(@TempDir final Path dir) throws Exception
    {
        final List<byte[]> inners = ExternalTools.scapyFrames(List.of(
            "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:01:05')/IP(src='198.18.0.7',dst='198.18.1.5')/" +
                "TCP(sport=40001,dport=8080,flags='S')/Raw(b'x'*100)",
            "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:02:05')/IPv6(src='2001:2:0:a::7',dst='2001:2:0:c::5')/" +
                "UDP(sport=40002,dport=5202)/Raw(b'y'*333)",
            "Ether(src='02:00:00:00:00:07',dst='02:00:00:00:01:05')/IP(src='198.18.0.8',dst='198.18.1.6')/" +
                "UDP(sport=40003,dport=5201)/Raw(b'z'*1)"));
        final TunnelPeerTable table = TestMesh.table();
        final OuterHeaderTemplate toB = TestMesh.templateFromA(table, TestMesh.B).vni(0xABCDE).build();
        final OuterHeaderTemplate toC = TestMesh.templateFromA(table, TestMesh.C).vni(77).build();
        final OuterHeaderTemplate[] templates = {toB, toC, toB};
        final int[] identities = {0x10001, 0x7FFF_FFFF, 0xFFFF_FFF0};
        final GeneveEncap encap = new GeneveEncap();

        final List<String> hex = new ArrayList<>();
        for (int i = 0; i < inners.size(); i++)
        {
            final byte[] inner = inners.get(i);
            final UnsafeBuffer umem = new UnsafeBuffer(new byte[HEADROOM + inner.length]);
            umem.putBytes(HEADROOM, inner);
            assertEquals(GeneveOutcome.OK,
                encap.encap(umem, HEADROOM, inner.length, HEADROOM, templates[i], 0x1234_5678 * (i + 1), identities[i]));
            final byte[] frame = new byte[encap.frameLength()];
            umem.getBytes(encap.frameOffset(), frame);
            hex.add(HexFormat.of().formatHex(frame));
        }

        final Path pcap = dir.resolve("encap.pcap");
        ExternalTools.scapyScript("from scapy.all import *\n" +
            "wrpcap('" + pcap + "', [Ether(bytes.fromhex(h)) for h in " + pythonList(hex) + "])\n");
        assertTrue(Files.size(pcap) > 0);

        final String out = ExternalTools.tshark("-n", "-r", pcap.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
            "-e", "geneve.vni", "-e", "geneve.option.class", "-e", "geneve.option.type",
            "-e", "geneve.option.length", "-e", "geneve.option.unknown.data",
            "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
            "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.srcport", "-e", "tcp.dstport",
            "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "ip.flags.df", "-e", "geneve.proto_type",
            "-e", "eth.dst", "-e", "_ws.expert.severity");
        final String[] rows = out.strip().split("\n");
        assertEquals(3, rows.length, out);

        // Frame 0: IPv4 underlay to node-b, inner IPv4/TCP.
        final String[] f0 = rows[0].split("\\|", -1);
        assertEquals("0x0abcde", f0[0]);
        assertEquals("0xfff0", f0[1]);
        assertEquals("0x01", f0[2]);
        assertEquals("8", f0[3].split(",")[0], "option length (tshark shows header + data bytes)");
        assertEquals("00010001", f0[4]);
        assertEquals("198.19.0.1,198.18.0.7", f0[5]);
        assertEquals("198.19.0.2,198.18.1.5", f0[6]);
        assertEquals("", f0[7]);
        assertEquals(String.valueOf(toB.sourcePort(0x1234_5678)), f0[9]);
        assertEquals("6081", f0[10]);
        assertEquals("40001", f0[11]);
        assertEquals("8080", f0[12]);
        assertEquals("1,1", f0[13], "outer and inner IPv4 header checksums good");
        assertEquals("3", f0[14], "outer UDP checksum over IPv4: not present");
        assertEquals("1,0", f0[15], "DF set on the outer header only");
        assertEquals("0x6558", f0[16]);
        assertEquals("02:00:00:00:00:0b,02:00:00:00:01:05", f0[17]);

        // Frame 1: IPv6 underlay to node-c, inner IPv6/UDP.
        final String[] f1 = rows[1].split("\\|", -1);
        assertEquals("0x00004d", f1[0]);
        assertEquals("0xfff0", f1[1]);
        assertEquals("7fffffff", f1[4]);
        assertEquals("", f1[5]);
        assertEquals("2001:2:0:ff::1,2001:2:0:a::7", f1[7]);
        assertEquals("2001:2:0:ff::3,2001:2:0:c::5", f1[8]);
        final int sport = toC.sourcePort(0x1234_5678 * 2);
        assertEquals(sport + ",40002", f1[9]);
        assertEquals("6081,5202", f1[10]);
        assertEquals("1,1", f1[14], "outer (IPv6, computed) and inner UDP checksums good");
        assertEquals("02:00:00:00:00:0c,02:00:00:00:02:05", f1[17]);

        // Frame 2: one-byte payload; inner UDP checksum good, no expert warnings or errors anywhere.
        final String[] f2 = rows[2].split("\\|", -1);
        assertEquals("fffffff0", f2[4]);
        assertEquals("1,1", f2[13]);
        assertEquals("3,1", f2[14]);
        for (final String row : rows)
        {
            final String severity = row.split("\\|", -1)[18];
            assertTrue(severity.isEmpty() || !severity.matches(".*(6291456|8388608).*"),
                "tshark expert warning/error: " + row);
        }
    }

    private static String pythonList(final List<String> hex)
    {
        final StringBuilder sb = new StringBuilder("[");
        for (final String h : hex)
        {
            sb.append('\'').append(h).append("',");
        }
        return sb.append(']').toString();
    }
}
