package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest
{
    @TempDir
    Path dir;

    private record Run(int exitCode, String stdout, String stderr)
    {
    }

    private static Run run(final String... args)
    {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            final int code = SluiceCli.commandLine().execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void describesEachFrameOfAScapyCaptureAndWritesTheGoodOnes()
    {
        final Path in = dir.resolve("in.pcap");
        final Path out = dir.resolve("out.pcap");
        ExternalTools.scapyScript("""
            import logging; logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
            from scapy.all import *
            e = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
            wrpcap('%s', [
              e/IP(src='198.18.0.1', dst='198.18.1.2')/TCP(sport=40000, dport=80, flags='S'),
              e/Dot1Q(vlan=7)/IPv6(src='2001:2::1', dst='2001:2::2')/IPv6ExtHdrHopByHop()/UDP(sport=1, dport=53),
              e/IP(src='198.18.1.2', dst='198.18.0.1')/ICMP(type=3, code=4)
                /IPerror(src='198.18.0.1', dst='198.18.1.2')/UDPerror(sport=5, dport=6),
              e/IP(src='198.18.0.1', dst='198.18.1.2', chksum=1)/UDP(),
              e/IPv6(src='2001:2::1', dst='2001:2::2')/ICMPv6EchoRequest(id=5)])
            """.formatted(in));

        final Run run = run("inspect", "--pcap", in.toString(), "--out", out.toString());

        assertEquals(1, run.exitCode(), run.stderr());
        final List<String> lines = run.stdout().lines().toList();
        assertEquals("#1 54B IPv4 TCP 198.18.0.1:40000 > 198.18.1.2:80 [S]", lines.get(0));
        assertEquals("#2 74B vlan 7 IPv6 UDP [2001:2::1]:1 > [2001:2::2]:53", lines.get(1));
        assertEquals("#3 70B IPv4 ICMP 198.18.1.2 > 198.18.0.1 type 3 code 4 about UDP 198.18.0.1:5 > 198.18.1.2:6",
            lines.get(2));
        assertEquals("#4 42B DROP IPV4_BAD_CHECKSUM (IPv4 header checksum is wrong)", lines.get(3));
        assertEquals("#5 62B IPv6 ICMPv6 2001:2::1 id 5 > 2001:2::2 id 5 type 128 code 0", lines.get(4));
        assertEquals("5 frames, 4 parsed, 1 dropped", lines.get(5));

        // The frames that parsed were written, and tshark reads them back.
        final List<String[]> rows = ExternalTools.tsharkFields(out, "frame.len", "ip.src", "ipv6.src");
        assertEquals(4, rows.size());
        assertEquals("54", rows.get(0)[0]);
        assertEquals("198.18.0.1", rows.get(0)[1]);
        assertEquals("2001:2::1", rows.get(3)[2]);
    }

    @Test
    void anUnreadableCaptureIsExitStatusTwoWithTheReason()
    {
        final Run run = run("inspect", "--pcap", dir.resolve("missing.pcap").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("missing.pcap"), run.stderr());
    }

    @Test
    void everyCommandHasHelp()
    {
        for (final String command : new String[] { "inspect", "demo" })
        {
            final Run run = run(command, "--help");
            assertEquals(0, run.exitCode(), command);
            assertTrue(run.stdout().startsWith("Usage: sluice " + command), run.stdout());
        }
        // (run without --help the demo builds a cluster: that is ClusterEndToEndTest's business, not a CLI test's)
        final Run demo = run("demo", "--help");
        assertTrue(demo.stdout().contains("--keep") && demo.stdout().contains("--kubeconfig"), demo.stdout());
    }
}
