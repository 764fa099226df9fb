package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;

/**
 * Real frames through the attached program: a veth pair between two namespaces made by the test, the program
 * on the receiving end ({@code xa}, 198.18.0.1) in native mode, traffic from the peer ({@code xb}, 198.18.0.2)
 * by a TCP connect (answered by a RST) and UDP datagrams. Proves the attachment runs the configured role and that the per-CPU counters read
 * back what the kernel did. No AF_XDP socket is bound, so "to the socket" means the fallback.
 */
@KernelTest
class XdpTrafficTest
{
    private TestNetns node;
    private TestNetns peer;

    @BeforeEach
    void createTopology()
    {
        node = TestNetns.create();
        peer = TestNetns.create();
        node.ip("link", "add", "xa", "type", "veth", "peer", "name", "xb", "netns", peer.name());
        node.ip("link", "set", "xa", "addrgenmode", "none");
        peer.ip("link", "set", "xb", "addrgenmode", "none");
        node.ip("addr", "add", "198.18.0.1/24", "dev", "xa");
        peer.ip("addr", "add", "198.18.0.2/24", "dev", "xb");
        node.ip("link", "set", "xa", "up");
        peer.ip("link", "set", "xb", "up");
    }

    @AfterEach
    void deleteTopology()
    {
        try
        {
            if (peer != null)
            {
                peer.close();
            }
        }
        finally
        {
            if (node != null)
            {
                node.close();
            }
        }
    }

    @Test
    void podPortDropsEverythingWithoutSocketAndPassesWhenFallbackIsPass()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.pod());
            assertEquals(XdpAttachMode.NATIVE, node.call(() -> program.attach("xa")));

            assertNotEquals(0, reachable(), "fail closed: nothing reaches the pod port's kernel stack");
            assertTrue(program.counter(XdpCounter.FALLBACK_DROP) >= 1, "ARP requests were dropped");
            assertEquals(0, program.counter(XdpCounter.FALLBACK_PASS));

            program.configure(XdpPortConfig.pod().withFallback(XdpFallback.PASS));

            assertEquals(0, reachable(), "fallback PASS: the kernel answers ARP and the SYN");
            assertTrue(program.counter(XdpCounter.FALLBACK_PASS) >= 2, "ARP and SYN passed");
            assertEquals(0, program.counter(XdpCounter.REDIRECTED));
            node.run(program::close);
        }
    }

    @Test
    void uplinkPassesNodeTrafficAndAppliesFallbackOnlyToGeneve()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(XdpProgramVerdictTest.ipv4("198.18.0.1"), null)
                .withFallback(XdpFallback.DROP));
            assertEquals(XdpAttachMode.NATIVE, node.call(() -> program.attach("xa")));

            assertEquals(0, reachable(), "ARP and TCP to the node are untouched");
            final long passed = program.counter(XdpCounter.PASS_OTHER);
            assertTrue(passed >= 2, "passed " + passed);
            assertEquals(0, program.counter(XdpCounter.FALLBACK_DROP));

            sendUdp(6081);
            assertEquals(1, program.counter(XdpCounter.FALLBACK_DROP), "Geneve to the node hit the fallback");
            sendUdp(6082);
            assertEquals(1, program.counter(XdpCounter.FALLBACK_DROP));
            assertTrue(program.counter(XdpCounter.PASS_OTHER) >= passed + 1);
            node.run(program::close);
        }
    }

    /**
     * A TCP connect from the peer to a closed port of the node: the node's kernel answers with a RST (exit 0)
     * if ARP and the SYN reach it; exit 1 when nothing comes back within a second.
     */
    private int reachable()
    {
        final ExternalTools.Result r = ExternalTools.run(List.of("ip", "netns", "exec", peer.name(),
            ExternalTools.SYSTEM_PYTHON, "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket()",
                "s.settimeout(1.0)",
                "try:",
                "    s.connect(('198.18.0.1', 9))",
                "except ConnectionRefusedError:",
                "    sys.exit(0)",
                "except OSError:",
                "    sys.exit(1)",
                "sys.exit(2)")), null);
        assertTrue(r.exitCode() == 0 || r.exitCode() == 1, r.stderr());
        return r.exitCode();
    }

    private void sendUdp(final int port)
    {
        final ExternalTools.Result r = ExternalTools.run(List.of("ip", "netns", "exec", peer.name(),
            ExternalTools.SYSTEM_PYTHON, "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);" +
            " s.sendto(b'x' * 16, ('198.18.0.1', " + port + "))"), null);
        assertEquals(0, r.exitCode(), r.stderr());
    }
}
