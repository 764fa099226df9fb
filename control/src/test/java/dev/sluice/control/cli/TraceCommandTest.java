package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.testkit.ExternalTools;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice trace} over a scapy-built capture on node-1 of the example state (three-namespaces.yaml): a
 * connection and its reply, a policy denial with the engine's explanation, a ClusterIP connection DNAT'ed and its
 * reply reverse-NATed (bytes checked by tshark, checksums included), a cross-node connection encapsulated with the
 * identity option, and a Geneve frame from node-2 decapsulated and delivered.
 */
class TraceCommandTest
{
    private static final Path EXAMPLE = Path.of("src/test/resources/examples/three-namespaces.yaml");
    private static final String POD_ETH = "Ether(src='02:00:00:00:aa:01',dst='02:00:00:00:ff:fe')/";
    private static final String OPT = "sys.modules['scapy.contrib.geneve'].GeneveOptions";
    private static final List<String> FRAMES = List.of(
        // 1: y/a -> x/a:80, allowed by x/allow-y-to-a
        POD_ETH + "IP(src='198.18.2.1',dst='198.18.1.1')/TCP(sport=40000,dport=80,flags='S',seq=1000)",
        // 2: the SYN-ACK back
        POD_ETH + "IP(src='198.18.1.1',dst='198.18.2.1')/TCP(sport=80,dport=40000,flags='SA',seq=5000,ack=1001)",
        // 3: z/a -> x/a:80, denied
        POD_ETH + "IP(src='198.18.3.1',dst='198.18.1.1')/TCP(sport=40000,dport=80,flags='S',seq=7)",
        // 4: y/a -> service x/web 198.18.100.10:80
        POD_ETH + "IP(src='198.18.2.1',dst='198.18.100.10')/TCP(sport=40001,dport=80,flags='S',seq=2000)",
        // 5: the backend's SYN-ACK
        POD_ETH + "IP(src='198.18.1.1',dst='198.18.2.1')/TCP(sport=80,dport=40001,flags='SA',seq=9000,ack=2001)",
        // 6: y/a -> y/b on node-2
        POD_ETH + "IP(src='198.18.2.1',dst='198.18.130.2')/TCP(sport=40002,dport=80,flags='S',seq=3000)",
        // 7: from node-2 through the tunnel: y/b -> x/a:80
        "Ether(src='02:00:c6:13:00:02',dst='02:00:c6:13:00:01')/IP(src='198.19.0.2',dst='198.19.0.1')" +
            "/UDP(sport=50000,dport=6081)/GENEVE(vni=0,proto=0x6558)/Ether(src='02:00:00:00:bb:01'," +
            "dst='02:00:00:00:ff:fe')/IP(src='198.18.130.2',dst='198.18.1.1')/TCP(sport=40003,dport=80,flags='S')");

    private static List<byte[]> frames;

    @BeforeAll
    static void buildFrames()
    {
        frames = ExternalTools.scapyFrames(FRAMES);
    }

    private static Path capture(final Path dir) throws Exception
    {
        final Path in = dir.resolve("in.pcap");
        try (PcapWriter writer = new PcapWriter(in))
        {
            for (int i = 0; i < frames.size(); i++)
            {
                final byte[] f = frames.get(i);
                writer.write(new UnsafeBuffer(f), 0, f.length, 1_000_000_000L + i * 1_000_000L);
            }
        }
        return in;
    }

    @Test
    void tracesEveryFrameStatefullyAndWritesWhatItEmits(@TempDir final Path dir) throws Exception
    {
        final Path in = capture(dir);
        final Path out = dir.resolve("out.pcap");
        final AgentFixture.Run r = AgentFixture.run("trace", "--state", EXAMPLE.toString(), "--node", "node-1",
            "--pcap", in.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        final String[] lines = r.stdout().split("\n");
        final String all = r.stdout();

        assertLine(lines[0], "#1 ", "| in y/a |", "service conntrack(new)", "ingress allowed by x/allow-y-to-a",
            "PASS -> x/a");
        assertLine(lines[1], "#2 ", "| in x/a |", "conntrack(reply)", "policy(skipped: established flow)",
            "PASS -> y/a");
        assertLine(lines[2], "#3 ", "| in z/a |", "conntrack(new)",
            "DROP POLICY_DENIED_INGRESS: denied by: x/a ingress isolated by policies ",
            "'deny-all'", "no rule allows z/a on TCP/80");
        assertLine(lines[3], "#4 ", "service(dnat 198.18.100.10:80 -> 198.18.1.1:80)", "conntrack(new)",
            "PASS -> x/a");
        assertLine(lines[4], "#5 ", "| in x/a |", "conntrack(reply, reverse NAT to 198.18.100.10:80)",
            "PASS -> y/a");
        assertLine(lines[5], "#6 ", "| in y/a |", "ingress: destination not on this node",
            "forward encap", "PASS -> uplink (Geneve to node-2)");
        assertLine(lines[6], "#7 ", "| in uplink |", "decap(from node-2, identity ", "conntrack(new)",
            "egress: source not on this node", "ingress allowed by x/allow-y-to-a", "PASS -> x/a");
        assertTrue(all.contains("7 frames, 6 emitted, 1 dropped"), all);

        final List<String[]> rows = ExternalTools.tsharkFields(out, "eth.dst", "ip.src", "ip.dst", "tcp.srcport",
            "tcp.dstport", "tcp.flags.str", "geneve.option.class");
        assertEquals(6, rows.size(), "emitted frames");
        // DNAT'ed SYN, to x/a's veth: endpoint id of x/a is its MAC's last byte - 1 (EndpointPorts.sequential).
        assertEquals("198.18.2.1", rows.get(2)[1]);
        assertEquals("198.18.1.1", rows.get(2)[2]);
        assertEquals("80", rows.get(2)[4]);
        assertTrue(rows.get(2)[0].startsWith("02:00:00:00:00:"), rows.get(2)[0]);
        // Reverse NAT: the reply comes from the service.
        assertEquals("198.18.100.10", rows.get(3)[1]);
        assertEquals("198.18.2.1", rows.get(3)[2]);
        assertEquals("80", rows.get(3)[3]);
        assertEquals("40001", rows.get(3)[4]);
        // Cross node: outer node-1 -> node-2, inner y/a -> y/b, identity option present.
        assertEquals("198.19.0.1,198.18.2.1", rows.get(4)[1]);
        assertEquals("198.19.0.2,198.18.130.2", rows.get(4)[2]);
        assertEquals("0xfff0", rows.get(4)[6]);
        // From the tunnel: only the inner frame is delivered.
        assertEquals("198.18.130.2", rows.get(5)[1]);
        assertEquals("198.18.1.1", rows.get(5)[2]);
        assertEquals("", rows.get(5)[6]);

        final String[] checks = ExternalTools.tshark("-n", "-r", out.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
            "-e", "ip.checksum.status", "-e", "tcp.checksum.status").strip().split("\n");
        assertEquals(6, checks.length);
        for (int i = 0; i < checks.length; i++)
        {
            final String[] c = checks[i].split("\\|", -1);
            for (final String status : c[0].split(","))
            {
                assertEquals("1", status, "IP checksum of emitted frame " + (i + 1) + ": " + checks[i]);
            }
            assertEquals("1", c[1], "TCP checksum of emitted frame " + (i + 1) + ": " + checks[i]);
        }
    }

    @Test
    void rejectsAnUnknownNode(@TempDir final Path dir) throws Exception
    {
        final AgentFixture.Run r = AgentFixture.run("trace", "--state", EXAMPLE.toString(), "--node", "node-9",
            "--pcap", capture(dir).toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("no Node named 'node-9'"), r.stderr());
    }

    private static void assertLine(final String line, final String... parts)
    {
        final List<String> missing = new ArrayList<>();
        for (final String part : parts)
        {
            if (!line.contains(part))
            {
                missing.add(part);
            }
        }
        assertArrayEquals(new String[0], missing.toArray(new String[0]), "in line: " + line);
    }
}
