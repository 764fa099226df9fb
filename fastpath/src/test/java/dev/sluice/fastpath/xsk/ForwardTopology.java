package dev.sluice.fastpath.xsk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.sluice.fastpath.bpf.TestNetns;
import dev.sluice.testkit.ExternalTools;

/**
 * Three namespaces made by a test: {@code gen} (g0, 198.18.1.1/24) == veth == {@code dut} (a0 | a1) == veth ==
 * {@code sink} (s1, 198.18.1.2/24). The DUT's two veths have no addresses: a forwarder between a0 and a1 makes
 * it a wire. TX checksum offload is off on g0 and s1: with it on, UDP/TCP leave a veth with a partial checksum
 * that the XDP/AF_XDP path does not finish, and the far end drops them (AFXDP-NOTES).
 */
final class ForwardTopology implements AutoCloseable
{
    final TestNetns gen;
    final TestNetns dut;
    final TestNetns sink;

    ForwardTopology()
    {
        ExternalTools.requireCommand("ethtool", "ethtool");
        gen = TestNetns.create();
        TestNetns d = null;
        TestNetns s = null;
        try
        {
            d = TestNetns.create();
            s = TestNetns.create();
            d.ip("link", "add", "a0", "type", "veth", "peer", "name", "g0", "netns", gen.name());
            d.ip("link", "add", "a1", "type", "veth", "peer", "name", "s1", "netns", s.name());
            for (final String dev : new String[] {"a0", "a1"})
            {
                d.ip("link", "set", dev, "addrgenmode", "none");
                d.ip("link", "set", dev, "up");
            }
            gen.ip("link", "set", "g0", "addrgenmode", "none");
            s.ip("link", "set", "s1", "addrgenmode", "none");
            gen.ip("addr", "add", "198.18.1.1/24", "dev", "g0");
            s.ip("addr", "add", "198.18.1.2/24", "dev", "s1");
            gen.ip("link", "set", "g0", "up");
            s.ip("link", "set", "s1", "up");
            exec(gen, "ethtool", "-K", "g0", "tx", "off");
            exec(s, "ethtool", "-K", "s1", "tx", "off");
        }
        catch (final RuntimeException | Error e)
        {
            closeAll(gen, d, s);
            throw e;
        }
        dut = d;
        sink = s;
    }

    static String exec(final TestNetns netns, final String... command)
    {
        final List<String> full = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns.name()));
        full.addAll(List.of(command));
        final ExternalTools.Result result = ExternalTools.run(full, null);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", full) + ": " + result.stderr());
        }
        return result.stdout();
    }

    /**
     * Starts a UDP receiver in the sink namespace that prints every datagram (hex) it gets until {@code count}
     * arrived or 10 s passed, then exits.
     */
    Process startUdpSink(final int port, final int count, final Path output)
    {
        try
        {
            final Path script = Files.createTempFile("sluice-udp-sink", ".py");
            Files.writeString(script, String.join("\n",
                "import socket, sys, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)",
                "s.bind(('198.18.1.2', " + port + "))",
                "print('ready', flush=True)",
                "deadline = time.time() + 10",
                "got = 0",
                "with open('" + output + "', 'w') as out:",
                "    while got < " + count + " and time.time() < deadline:",
                "        s.settimeout(max(0.01, deadline - time.time()))",
                "        try:",
                "            data, peer = s.recvfrom(65535)",
                "        except socket.timeout:",
                "            break",
                "        out.write(peer[0] + ' ' + data.hex() + '\\n')",
                "        got += 1",
                ""));
            final Process process = new ProcessBuilder("ip", "netns", "exec", sink.name(), ExternalTools.SYSTEM_PYTHON,
                script.toString()).redirectErrorStream(true).start();
            final String first = new String(process.getInputStream().readNBytes(6));
            if (!first.startsWith("ready"))
            {
                process.destroyForcibly();
                throw new IllegalStateException("UDP sink did not start: " + first +
                    new String(process.getInputStream().readAllBytes()));
            }
            return process;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code count} datagrams of {@code size} bytes from gen to the sink; payload i = (i as 4 bytes) * n. */
    void sendUdp(final int port, final int count, final int size)
    {
        final ExternalTools.Result result = ExternalTools.run(List.of("ip", "netns", "exec", gen.name(),
            ExternalTools.SYSTEM_PYTHON, "-c", String.join("\n",
                "import socket, struct",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "for i in range(" + count + "):",
                "    s.sendto((struct.pack('>I', i) * " + size + ")[:" + size + "], ('198.18.1.2', " + port + "))")),
            null);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException("UDP sender failed: " + result.stderr());
        }
    }

    /**
     * Makes gen resolve the sink's MAC: one datagram to the discard port, then polls gen's neighbour table with a
     * deadline. The ARP request and the reply both have to cross the DUT.
     */
    void resolveSinkThroughDut()
    {
        sendUdp(9, 1, 1);
        final long deadline = System.nanoTime() + 5_000_000_000L;
        String neighbour = "";
        while (System.nanoTime() < deadline)
        {
            neighbour = gen.ip("neigh", "show", "198.18.1.2", "dev", "g0");
            if (neighbour.contains("lladdr"))
            {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("gen never resolved 198.18.1.2 through the DUT: '" + neighbour + "'");
    }

    @Override
    public void close()
    {
        closeAll(gen, dut, sink);
    }

    private static void closeAll(final TestNetns... namespaces)
    {
        RuntimeException failure = null;
        for (final TestNetns netns : namespaces)
        {
            try
            {
                if (netns != null)
                {
                    netns.close();
                }
            }
            catch (final RuntimeException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
