package dev.sluice.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.sluice.control.cluster.ChildProcesses;
import dev.sluice.control.cluster.ClusterTopology;
import dev.sluice.control.cluster.Shell;
import dev.sluice.control.metrics.NodeStatus;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;

/**
 * The Sluice topologies on a live cluster (2 nodes, 2 agents, real CNI), with the service counts 1 and 100 so the
 * test stays short. Each opened topology's {@link BenchPath} is driven the way the bench generator drives it: raw
 * Ethernet frames built by scapy with exactly the path's MACs and addresses, UDP checksum 0 and random payload,
 * transmitted on the generator interface inside the generator namespace; dumpcap on the sink interface must see
 * every one arrive, addressed to the destination pod (DNAT'ed for a Service), checksum still 0, payload unchanged.
 */
@KernelTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SluiceTopologiesTest
{
    private static final int FRAMES = 12;

    private SluiceTopologies sluice;
    private String prefix;

    @BeforeAll
    void start() throws Exception
    {
        for (final String[] tool : new String[][] { { "kubectl", "kubectl" }, { "curl", "curl" },
            { "tshark", "tshark" }, { "dumpcap", "wireshark-common" }, { "ethtool", "ethtool" },
            { "setsid", "util-linux" }, { "/usr/lib/cni/host-local", "containernetworking-plugins" } })
        {
            ExternalTools.requireCommand(tool[0], tool[1]);
        }
        ExternalTools.requireScapy();
        final Path runDir = Files.createTempDirectory("sluice-bench-topologies");
        final long t0 = System.nanoTime();
        sluice = SluiceTopologies.start(SluiceTopologies.Options.of(runDir,
            line -> System.out.printf("[sluice %6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line))
            .withServiceCounts(List.of(100, 1)));
        prefix = sluice.cluster().layout().prefix();
        System.out.println("timings: " + sluice.timings());
    }

    @AfterAll
    void stop() throws Exception
    {
        if (sluice != null)
        {
            sluice.close();
            final String namespaces = Shell.run("ip", "netns", "list").stdout();
            assertFalse(namespaces.contains(prefix), () -> "namespaces left behind: " + namespaces);
        }
    }

    @Test
    @Order(1)
    void factoriesArePodLocalThenServiceCountsAscending()
    {
        assertEquals(List.of("sluice-pod-local", "sluice-svc-xnode-1", "sluice-svc-xnode-100"),
            sluice.factories().stream().map(BenchTopologyFactory::id).toList());
        assertTrue(sluice.timings().get("cluster_start_s") > 0, () -> "timings: " + sluice.timings());
    }

    @Test
    @Order(1)
    void eachAgentsWorkerIsPinnedWhereTheSharedPlacementPutsIt() throws IOException
    {
        for (final ClusterTopology.NodeHandle node : sluice.cluster().nodes())
        {
            final NodeStatus status = NodeStatus.fromJson(sluice.cluster().agentGet(node.index(), "/status"));
            assertEquals(List.of(1), status.workers().stream().map(NodeStatus.WorkerStatus::cpu)
                .toList(), () -> node.name() + " /status: " + status.toJson());
        }
    }

    @Test
    @Order(2)
    void podLocalCarriesRawFramesFromTheClientToTheLocalPod() throws Exception
    {
        try (BenchTopology topology = factory("sluice-pod-local").open())
        {
            final BenchPath path = topology.path();
            assertEquals(SluiceTopologies.GROUP, topology.group());
            assertEquals(sluice.localPod().netns(), path.sinkNetns());
            assertEquals(sluice.localPod().ip(), path.destinationIp().getHostAddress());
            assertEquals(List.of(sluice.cluster().node(1).agent().pid()), path.dataplanePids());
            assertPathDelivers(path, sluice.localPod().ip(), 11);
        }
    }

    @Test
    @Order(3)
    void oneServiceCrossNodeCarriesRawFramesDnatedToTheBackend() throws Exception
    {
        try (BenchTopology topology = factory("sluice-svc-xnode-1").open())
        {
            assertEquals(1, topology.services());
            assertEquals(SluiceTopologies.TARGET_CLUSTER_IP, topology.path().destinationIp().getHostAddress());
            assertEquals(sluice.serverPod().netns(), topology.path().sinkNetns());
            assertEquals(2, topology.path().dataplanePids().size());
            assertFrontends(1);
            assertPathDelivers(topology.path(), sluice.serverPod().ip(), 22);
        }
    }

    @Test
    @Order(4)
    void hundredServicesAreCompiledInBothAgentsAndTheTargetStillCarriesTraffic() throws Exception
    {
        try (BenchTopology topology = factory("sluice-svc-xnode-100").open())
        {
            assertEquals(100, topology.services());
            assertFrontends(100);
            assertTrue(sluice.timings().get("services_100_compiled_s") >= sluice.timings().get("services_100_api_s"));
            assertPathDelivers(topology.path(), sluice.serverPod().ip(), 33);
        }
    }

    @Test
    @Order(5)
    void goingBackToOneServiceDeletesTheExtraServicesFromTheAgentsTables() throws Exception
    {
        try (BenchTopology topology = factory("sluice-svc-xnode-1").open())
        {
            assertFrontends(1);
            assertPathDelivers(topology.path(), sluice.serverPod().ip(), 44);
        }
    }

    private BenchTopologyFactory factory(final String id)
    {
        return sluice.factories().stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow();
    }

    /** Both agents' service tables hold the target's UDP frontend plus one per extra Service. */
    private void assertFrontends(final int services) throws IOException
    {
        for (final ClusterTopology.NodeHandle node : sluice.cluster().nodes())
        {
            final NodeStatus status = NodeStatus.fromJson(sluice.cluster().agentGet(node.index(), "/status"));
            final long frontends = status.tables().stream().filter(t -> t.name().equals("services"))
                .mapToLong(NodeStatus.TableStatus::entries).findFirst().orElse(-1);
            assertEquals(services, frontends, () -> node.name() + " /status: " + status.toJson());
        }
    }

    /**
     * Send {@link #FRAMES} raw frames (64 and 1400 bytes, a new source port each, UDP checksum 0, random payload)
     * along the path and check each arrives on the sink interface addressed to {@code deliveredTo}:BACKEND_PORT with
     * its payload intact.
     */
    private void assertPathDelivers(final BenchPath path, final String deliveredTo, final long seed) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<String> payloads = new ArrayList<>();
        final StringBuilder frames = new StringBuilder("[");
        for (int i = 0; i < FRAMES; i++)
        {
            final int frameBytes = i % 2 == 0 ? 64 : 1400;
            final byte[] payload = new byte[frameBytes - 14 - 20 - 8];
            random.nextBytes(payload);
            final String hex = HexFormat.of().formatHex(payload);
            payloads.add(hex);
            frames.append(String.format("Ether(src='%s',dst='%s')/IP(src='%s',dst='%s')/UDP(sport=%d,dport=%d,"
                    + "chksum=0)/Raw(bytes.fromhex('%s')),", path.sourceMac(), path.destinationMac(),
                path.sourceIp().getHostAddress(), path.destinationIp().getHostAddress(), 41000 + i,
                path.destinationPort(), hex));
        }
        frames.append(']');

        final Path pcap = Files.createTempFile("sluice-bench-sink", ".pcapng");
        final ChildProcesses.Child capture = sluice.cluster().startInNetns(path.sinkNetns(), "sink-capture-" + seed,
            "dumpcap", "-q", "-i", path.sinkInterface(), "-f", "udp dst port " + SluiceTopologies.BACKEND_PORT,
            "-w", pcap.toString());
        try
        {
            awaitCapturing(capture);
            final Shell.Result sent = Shell.run(List.of("ip", "netns", "exec", path.generatorNetns(),
                ExternalTools.SYSTEM_PYTHON, "-c", "from scapy.all import Ether, IP, UDP, Raw, sendp\n"
                    + "sendp(" + frames + ", iface='" + path.generatorInterface() + "', verbose=False)\n"),
                Map.of(), null, Duration.ofSeconds(60));
            assertTrue(sent.ok(), () -> "scapy: " + sent.describe());
            List<String[]> rows = List.of();
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline)
            {
                rows = rows(pcap);
                if (rows.size() >= FRAMES)
                {
                    break;
                }
                Thread.sleep(100);
            }
            final List<String[]> seen = rows;
            assertEquals(FRAMES, seen.size(), () -> "frames at the sink: " + seen.size() + " of " + FRAMES);
            for (int i = 0; i < FRAMES; i++)
            {
                final String[] row = seen.get(i);
                final int index = Integer.parseInt(row[2]) - 41000;
                assertEquals(path.sourceIp().getHostAddress(), row[0], "source address");
                assertEquals(deliveredTo, row[1], "destination address");
                assertEquals(Integer.toString(SluiceTopologies.BACKEND_PORT), row[3], "destination port");
                assertEquals("0x0000", row[4], "UDP checksum stays none");
                assertEquals(payloads.get(index), row[5].replace(":", ""), "payload of frame " + index);
            }
        }
        finally
        {
            sluice.cluster().stop(capture, Duration.ofSeconds(5));
            Files.deleteIfExists(pcap);
        }
    }

    private static List<String[]> rows(final Path pcap)
    {
        final String out = ExternalTools.tshark("-n", "-r", pcap.toString(), "-d",
            "udp.port==" + SluiceTopologies.BACKEND_PORT + ",data", "-T", "fields", "-E", "separator=|",
            "-e", "ip.src", "-e", "ip.dst", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.checksum",
            "-e", "data.data");
        final List<String[]> rows = new ArrayList<>();
        for (final String line : out.split("\n"))
        {
            final String[] row = line.split("\\|", -1);
            // only the frames of this check (the echo probes of open() use other source ports)
            if (row.length == 6 && row[2].matches("\\d+") && Integer.parseInt(row[2]) >= 41000
                && Integer.parseInt(row[2]) < 41000 + FRAMES)
            {
                rows.add(row);
            }
        }
        return rows;
    }

    private static void awaitCapturing(final ChildProcesses.Child capture) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(capture.stderr()).contains("Capturing on"))
        {
            assertTrue(capture.process().isAlive(), () -> "dumpcap exited: " + capture.stderr());
            assertTrue(System.nanoTime() < deadline, "dumpcap did not start capturing in 20 s");
            Thread.sleep(20);
        }
    }
}
