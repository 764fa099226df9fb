package dev.sluice.control.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.sluice.control.cli.SluiceCli;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.metrics.NodeStatus;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * The node end to end on one machine: a 2-node {@link ClusterTopology} (embedded API server, one agent per node
 * on AF_XDP, pods wired by sluice-cni), real traffic between pods, tshark on the underlay, the real kubectl, and
 * the cyclonus-style comparison of real probes with {@code sluice policy matrix}. One cluster for the class:
 * namespaces x and y, pods a (node-1) and b (node-2) in each, Service x/web (198.18.250.10) over x/a and x/b.
 * Every test removes the policies it adds and waits until the agents have installed the result.
 */
@KernelTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest
{
    private static final Duration PROBE = Duration.ofSeconds(2);
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String CLUSTER_IP = "198.18.250.10";

    private Path runDir;
    private ClusterTopology cluster;
    private ClusterTopology.PodHandle xa;
    private ClusterTopology.PodHandle xb;
    private ClusterTopology.PodHandle ya;
    private ClusterTopology.PodHandle yb;
    private final List<String[]> policies = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception
    {
        for (final String[] tool : new String[][] { { "kubectl", "kubectl" }, { "curl", "curl" },
            { "tshark", "tshark" }, { "dumpcap", "wireshark-common" }, { "ethtool", "ethtool" },
            { "ping", "iputils-ping" },
            { "setsid", "util-linux" }, { "/usr/lib/cni/host-local", "containernetworking-plugins" },
            { ExternalTools.SYSTEM_PYTHON, "python3" } })
        {
            ExternalTools.requireCommand(tool[0], tool[1]);
        }
        runDir = Files.createTempDirectory("sluice-e2e");
        final long t0 = System.nanoTime();
        cluster = ClusterTopology.start(ClusterTopology.Options.of(ClusterLayout.unique("e2e"), 2, runDir,
            line -> System.out.printf("[cluster %5.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line)));
        cluster.createNamespace("x", Map.of("ns", "x"));
        cluster.createNamespace("y", Map.of("ns", "y"));
        // side by side, as a kubelet starts pods (CNI ADDs in parallel on one node too)
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            final Future<ClusterTopology.PodHandle> fxa =
                pool.submit(() -> cluster.createPod("x", "a", 1, Map.of("pod", "a", "app", "web")));
            final Future<ClusterTopology.PodHandle> fxb =
                pool.submit(() -> cluster.createPod("x", "b", 2, Map.of("pod", "b", "app", "web")));
            final Future<ClusterTopology.PodHandle> fya = pool.submit(() -> cluster.createPod("y", "a", 1,
                Map.of("pod", "a")));
            final Future<ClusterTopology.PodHandle> fyb = pool.submit(() -> cluster.createPod("y", "b", 2,
                Map.of("pod", "b")));
            xa = fxa.get();
            xb = fxb.get();
            ya = fya.get();
            yb = fyb.get();
        }
        cluster.createService("x", "web", CLUSTER_IP, 80, Map.of("app", "web"));
        awaitConverged();
        System.out.printf("cluster of 2 nodes, 4 pods, 1 service up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @AfterEach
    void removePolicies() throws Exception
    {
        if (cluster == null || policies.isEmpty())
        {
            return;
        }
        for (final String[] p : policies)
        {
            cluster.client().network().v1().networkPolicies().inNamespace(p[0]).withName(p[1]).delete();
        }
        policies.clear();
        awaitConverged();
    }

    @Test
    @Order(1)
    void podToPodOnOneNodeTcpAndUdp() throws Exception
    {
        assertReaches(xa, ya, "y/a");
        assertReaches(ya, xa, "x/a");
    }

    @Test
    @Order(2)
    void podToPodAcrossNodesIsGeneveWithTheSluiceOption() throws Exception
    {
        final Path pcap = runDir.resolve("underlay.pcapng");
        final ChildProcesses.Child capture = cluster.startInNetns(cluster.layout().underlayNetns(), "dumpcap-underlay",
            "dumpcap", "-q", "-i", "br0", "-f", "udp port 6081", "-w", pcap.toString());
        awaitCapturing(capture);
        try
        {
            assertReaches(xa, xb, "x/b");
            assertReaches(yb, ya, "y/a");
            // dumpcap reads the kernel's capture buffer in batches: stop it only once the last flow is in the file
            awaitInCapture(pcap, "ip.src==" + yb.ip() + " && ip.dst==" + ya.ip());
        }
        finally
        {
            cluster.stop(capture, Duration.ofSeconds(5));
        }
        final List<String[]> rows = ExternalTools.tsharkFields(pcap, "ip.src", "ip.dst", "udp.dstport",
            "geneve.option.class", "geneve.option.type", "tcp.dstport");
        final String node1 = cluster.node(1).address();
        final String node2 = cluster.node(2).address();
        int withOption = 0;
        final Set<String> innerPairs = new HashSet<>();
        for (final String[] row : rows)
        {
            final String[] src = row[0].split(",");
            final String[] dst = row[1].split(",");
            assertEquals("6081", row[2].split(",")[0], () -> "not Geneve: " + String.join("|", row));
            assertTrue(Set.of(node1, node2).contains(src[0]) && Set.of(node1, node2).contains(dst[0]),
                () -> "outer addresses are not the nodes': " + String.join("|", row));
            if (src.length > 1)
            {
                innerPairs.add(src[1] + ">" + dst[1]);
            }
            if (!row[3].isEmpty() && Integer.decode(row[3].split(",")[0]) == 0xFFF0
                && Integer.decode(row[4].split(",")[0]) == 1)
            {
                withOption++;
            }
        }
        System.out.println("underlay: " + rows.size() + " Geneve frames, " + withOption + " with option 0xFFF0/1, "
            + "inner flows " + innerPairs);
        assertTrue(innerPairs.contains(xa.ip() + ">" + xb.ip()), () -> "no x/a -> x/b frame: " + innerPairs);
        assertTrue(innerPairs.contains(xb.ip() + ">" + xa.ip()), () -> "no x/b -> x/a frame: " + innerPairs);
        assertTrue(innerPairs.contains(yb.ip() + ">" + ya.ip()), () -> "no y/b -> y/a frame: " + innerPairs);
        assertEquals(rows.size(), withOption, "every Geneve frame carries the Sluice identity option");
    }

    @Test
    @Order(3)
    void icmpEchoOnOneNodeAndAcrossNodes() throws Exception
    {
        final ClusterTopology.Probe local = cluster.ping(xa, ya.ip(), PROBE);
        assertTrue(local.ok(), local::detail);
        final ClusterTopology.Probe remote = cluster.ping(xa, yb.ip(), PROBE);
        assertTrue(remote.ok(), remote::detail);
    }

    @Test
    @Order(4)
    void clusterIpReachesTheLocalAndTheRemoteBackend() throws Exception
    {
        // from node-1: x/a is the local backend, x/b the remote one; Maglev spreads new flows over both
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40 && seen.size() < 2; i++)
        {
            final ClusterTopology.Probe probe = cluster.tcp(ya, CLUSTER_IP, 80, PROBE);
            assertTrue(probe.ok(), probe::detail);
            seen.add(probe.output());
        }
        assertEquals(Set.of("x/a", "x/b"), seen);
        final ClusterTopology.Probe udp = cluster.udp(yb, CLUSTER_IP, 80, PROBE);
        assertTrue(udp.ok(), udp::detail);
        assertTrue(udp.output().startsWith("x/a probe") || udp.output().startsWith("x/b probe"), udp::output);
    }

    @Test
    @Order(5)
    void policyAllowsAndDeniesRealTcpAndUdp() throws Exception
    {
        assertReaches(ya, yb, "y/b");
        apply(new NetworkPolicyBuilder().withNewMetadata().withNamespace("y").withName("b-from-x").endMetadata()
            .withNewSpec().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector()
                .withPolicyTypes("Ingress")
                .addNewIngress()
                    .withFrom(new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                        .addToMatchLabels("ns", "x").endNamespaceSelector().build())
                    .withPorts(port("TCP", 8080), port("UDP", 5353))
                .endIngress()
            .endSpec().build());
        assertReaches(xa, yb, "y/b");
        assertReaches(xb, yb, "y/b");
        assertBlocked(ya, yb);
        // y/b itself is not egress-isolated
        assertReaches(yb, ya, "y/a");
    }

    @Test
    @Order(6)
    void returnTrafficOfAnAllowedConnectionPassesAnIsolatedPod() throws Exception
    {
        apply(new NetworkPolicyBuilder().withNewMetadata().withNamespace("y").withName("a-no-ingress").endMetadata()
            .withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .withPolicyTypes("Ingress").endSpec().build());
        assertBlocked(xa, ya);
        assertBlocked(xb, ya);
        // y/a may not be reached, but what it starts is answered (conntrack, both directions, both nodes)
        assertReaches(ya, xa, "x/a");
        assertReaches(ya, xb, "x/b");
    }

    @Test
    @Order(7)
    void aPolicyAppliedWithKubectlChangesTheTraffic() throws Exception
    {
        assertTrue(cluster.tcp(xb, yb.ip(), 8080, PROBE).ok());
        final Path yaml = runDir.resolve("deny-y.yaml");
        Files.writeString(yaml, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: deny-all-ingress
              namespace: "y"
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """);
        final long t0 = System.nanoTime();
        final Shell.Result applied = cluster.kubectl("apply", "--validate=false", "-f", yaml.toString());
        assertTrue(applied.ok(), applied::describe);
        policies.add(new String[] { "y", "deny-all-ingress" });
        final double seconds = awaitProbe(() -> !cluster.tcp(xb, yb.ip(), 8080, PROBE).ok(), "x/b -> y/b denied", t0);
        System.out.printf("kubectl apply -> traffic denied by the probe started %.2f s after it%n", seconds);
        assertBlocked(xa, ya);

        final long t1 = System.nanoTime();
        final Shell.Result deleted = cluster.kubectl("delete", "-f", yaml.toString());
        assertTrue(deleted.ok(), deleted::describe);
        policies.clear();
        final double back = awaitProbe(() -> cluster.tcp(xb, yb.ip(), 8080, PROBE).ok(), "x/b -> y/b allowed", t1);
        System.out.printf("kubectl delete -> traffic allowed by the probe started %.2f s after it%n", back);
    }

    @Test
    @Order(8)
    void deletingAPodRemovesItsPortAndTables() throws Exception
    {
        final int before = endpoints(1);
        final ClusterTopology.PodHandle tmp = cluster.createPod("x", "tmp", 1, Map.of("pod", "tmp"));
        try
        {
            assertReaches(xb, tmp, "x/tmp");
            awaitStatus(1, s -> table(s, "endpoints") == before + 1 && hasInterface(s, tmp.hostVeth()),
                "x/tmp installed on node-1");
        }
        finally
        {
            cluster.deletePod(tmp);
        }
        final NodeStatus gone = awaitStatus(1, s -> table(s, "endpoints") == before
            && !hasInterface(s, tmp.hostVeth()), "x/tmp removed from node-1");
        assertFalse(hasInterface(gone, tmp.hostVeth()));
        assertFalse(Shell.run("ip", "-n", cluster.node(1).netns(), "link", "show", tmp.hostVeth()).ok(),
            "the host veth is gone");
        assertFalse(cluster.tcp(xb, tmp.ip(), 8080, PROBE).ok(), "nothing answers on the deleted pod's address");
    }

    @Test
    @Order(9)
    void realProbesMatchThePolicyMatrix() throws Exception
    {
        // x/a: only from namespace y; y/b: egress only to namespace x (and nothing else)
        apply(new NetworkPolicyBuilder().withNewMetadata().withNamespace("x").withName("a-from-y").endMetadata()
            .withNewSpec().withNewPodSelector().addToMatchLabels("pod", "a").endPodSelector()
                .withPolicyTypes("Ingress")
                .addNewIngress().withFrom(new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                    .addToMatchLabels("ns", "y").endNamespaceSelector().build()).endIngress()
            .endSpec().build());
        apply(new NetworkPolicyBuilder().withNewMetadata().withNamespace("y").withName("b-to-x").endMetadata()
            .withNewSpec().withNewPodSelector().addToMatchLabels("pod", "b").endPodSelector()
                .withPolicyTypes("Egress")
                .addNewEgress().withTo(new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                    .addToMatchLabels("ns", "x").endNamespaceSelector().build())
                    .withPorts(port("TCP", 8080)).endEgress()
            .endSpec().build());

        final List<ClusterTopology.PodHandle> all = List.of(xa, xb, ya, yb);
        final Map<String, Future<Boolean>> cells = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            for (final ClusterTopology.PodHandle src : all)
            {
                for (final ClusterTopology.PodHandle dst : all)
                {
                    final Callable<Boolean> probe = () -> cluster.tcp(src, dst.ip(), 8080, PROBE).ok();
                    cells.put(src.key() + ">" + dst.key(), pool.submit(probe));
                }
            }
        }
        final StringBuilder real = new StringBuilder("-");
        all.forEach(p -> real.append('\t').append(p.key()));
        real.append('\n');
        for (final ClusterTopology.PodHandle src : all)
        {
            real.append(src.key());
            for (final ClusterTopology.PodHandle dst : all)
            {
                real.append('\t').append(cells.get(src.key() + ">" + dst.key()).get() ? '.' : 'X');
            }
            real.append('\n');
        }

        final Path state = cluster.exportState(runDir.resolve("state.yaml"));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = SluiceCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
            .execute("policy", "matrix", "--state", state.toString(), "--port", "8080");
        assertEquals(0, status, err::toString);
        System.out.println("real probes (TCP 8080):\n" + real + "sluice policy matrix:\n" + out);
        assertEquals(out.toString(), real.toString());
        assertTrue(real.toString().contains("X"), "the policies deny something");
    }

    @Test
    @Order(10)
    void aPodMtuAboveTheTunnelsGetsFragmentationNeededAndTcpStillCompletes() throws Exception
    {
        final int podMtu = mtu(xb);
        assertTrue(podMtu < 1500, "the CNI gives pods the tunnel MTU (below the underlay's 1500): " + podMtu);
        try
        {
            // a pod whose interfaces (both ends of its veth) say 1500: x/b's full-sized segments to x/a do not fit
            // the tunnel; the fast path answers them with ICMP fragmentation-needed from the gateway and x/b's kernel
            // lowers its path MTU (PMTUD)
            setMtu(xa, 1500);
            setMtu(xb, 1500);
            final Shell.Result big = cluster.exec(xa, Duration.ofSeconds(30), "curl", "--noproxy", "*", "-s", "-S",
                "--max-time", "20", "-o", "/dev/null", "-w", "%{size_download}", "http://" + xb.ip() + ":8080/big");
            assertTrue(big.ok(), big::describe);
            assertEquals("200000", big.stdout().strip());
            final Shell.Result cache = cluster.exec(xb, Duration.ofSeconds(5), "ip", "route", "get", xa.ip());
            System.out.println("x/b's route to x/a after the transfer: " + cache.stdout().strip());
            assertTrue(cache.stdout().contains("mtu " + podMtu), cache::describe);
        }
        finally
        {
            setMtu(xa, podMtu);
            setMtu(xb, podMtu);
            cluster.exec(xb, Duration.ofSeconds(5), "ip", "route", "flush", "cache");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private int mtu(final ClusterTopology.PodHandle pod) throws IOException
    {
        return Integer.parseInt(cluster.exec(pod, Duration.ofSeconds(5), "cat", "/sys/class/net/eth0/mtu").check()
            .stdout().strip());
    }

    private void setMtu(final ClusterTopology.PodHandle pod, final int mtu) throws IOException
    {
        // the host side first when growing (a veth drops frames above its receiver's MTU), last when shrinking
        final String node = cluster.node(pod.node()).netns();
        final String value = Integer.toString(mtu);
        if (mtu > mtu(pod))
        {
            Shell.check("ip", "-n", node, "link", "set", pod.hostVeth(), "mtu", value);
            cluster.exec(pod, Duration.ofSeconds(5), "ip", "link", "set", "eth0", "mtu", value).check();
        }
        else
        {
            cluster.exec(pod, Duration.ofSeconds(5), "ip", "link", "set", "eth0", "mtu", value).check();
            Shell.check("ip", "-n", node, "link", "set", pod.hostVeth(), "mtu", value);
        }
    }

    private void assertReaches(final ClusterTopology.PodHandle from, final ClusterTopology.PodHandle to,
        final String name) throws IOException
    {
        final ClusterTopology.Probe tcp = cluster.tcp(from, to.ip(), 8080, PROBE);
        assertTrue(tcp.ok(), () -> from.key() + " -> " + to.key() + " TCP: " + tcp.detail());
        assertEquals(name, tcp.output());
        final ClusterTopology.Probe udp = cluster.udp(from, to.ip(), 5353, PROBE);
        assertTrue(udp.ok(), () -> from.key() + " -> " + to.key() + " UDP: " + udp.detail());
        assertEquals(name + " probe", udp.output());
    }

    private void assertBlocked(final ClusterTopology.PodHandle from, final ClusterTopology.PodHandle to)
        throws Exception
    {
        // a denied probe lasts its whole timeout: TCP and UDP wait side by side
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            final Future<ClusterTopology.Probe> tcpProbe = pool.submit(() -> cluster.tcp(from, to.ip(), 8080, PROBE));
            final Future<ClusterTopology.Probe> udpProbe = pool.submit(() -> cluster.udp(from, to.ip(), 5353, PROBE));
            final ClusterTopology.Probe tcp = tcpProbe.get();
            final ClusterTopology.Probe udp = udpProbe.get();
            assertFalse(tcp.ok(), () -> from.key() + " -> " + to.key() + " TCP should be denied: " + tcp.output());
            assertFalse(udp.ok(), () -> from.key() + " -> " + to.key() + " UDP should be denied: " + udp.output());
        }
    }

    private void apply(final NetworkPolicy policy) throws Exception
    {
        cluster.client().network().v1().networkPolicies().inNamespace(policy.getMetadata().getNamespace())
            .resource(policy).create();
        policies.add(new String[] { policy.getMetadata().getNamespace(), policy.getMetadata().getName() });
        awaitConverged();
    }

    private static io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort port(final String protocol,
        final int port)
    {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    /**
     * Waits until every agent has installed what the API holds now: its policy table has the rule count the
     * compiler gives for the exported state, and every worker runs the control thread's latest generation.
     */
    private void awaitConverged() throws Exception
    {
        final Path file = cluster.exportState(runDir.resolve("converge-state.yaml"));
        final ClusterState state = new ClusterStateLoader().load(file);
        for (final ClusterTopology.NodeHandle node : cluster.nodes())
        {
            final int rules = new PolicyCompiler().compile(state, node.name(), 0).ruleCount();
            final long pods = state.pods().values().stream().filter(p -> node.name().equals(p.nodeName())).count();
            awaitStatus(node.index(), s -> table(s, "policy") == rules && table(s, "endpoints") == pods
                && s.counters().getOrDefault("installed_generation", -1L)
                    .equals(s.counters().get("control_generation")),
                node.name() + " converged on " + rules + " policy rules, " + pods + " endpoints");
        }
    }

    private NodeStatus awaitStatus(final int node, final java.util.function.Predicate<NodeStatus> condition,
        final String what) throws Exception
    {
        final long deadline = System.nanoTime() + CONVERGE.toNanos();
        NodeStatus last = null;
        while (System.nanoTime() < deadline)
        {
            last = NodeStatus.fromJson(cluster.agentGet(node, "/status"));
            if (condition.test(last))
            {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not " + what + " within " + CONVERGE.toSeconds() + " s; last /status: "
            + (last == null ? "none" : last.toJson()));
    }

    private int endpoints(final int node) throws IOException
    {
        return (int)table(NodeStatus.fromJson(cluster.agentGet(node, "/status")), "endpoints");
    }

    private static long table(final NodeStatus status, final String name)
    {
        return status.tables().stream().filter(t -> t.name().equals(name)).mapToLong(NodeStatus.TableStatus::entries)
            .findFirst().orElse(-1);
    }

    private static boolean hasInterface(final NodeStatus status, final String name)
    {
        return status.interfaces().stream().anyMatch(i -> i.name().equals(name));
    }

    @FunctionalInterface
    private interface Check
    {
        boolean holds() throws Exception;
    }

    private static double awaitProbe(final Check check, final String what, final long startNs) throws Exception
    {
        final long deadline = startNs + CONVERGE.toNanos();
        while (System.nanoTime() < deadline)
        {
            // a denied probe lasts its timeout: the change was in force when the probe that saw it started
            final long probeNs = System.nanoTime();
            if (check.holds())
            {
                return (probeNs - startNs) / 1e9;
            }
        }
        throw new AssertionError("not " + what + " within " + CONVERGE.toSeconds() + " s");
    }

    private static void awaitInCapture(final Path pcap, final String filter) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true)
        {
            final ExternalTools.Result r = ExternalTools.run(List.of("tshark", "-r", pcap.toString(), "-Y", filter,
                "-T", "fields", "-e", "frame.number"), null);
            if (!r.stdout().isBlank())
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, () -> "no frame matching '" + filter + "' reached " + pcap +
                " in 15 s: " + r.stderr());
            Thread.sleep(100);
        }
    }

    private void awaitCapturing(final ChildProcesses.Child capture) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(capture.stderr()).contains("Capturing on"))
        {
            assertTrue(capture.process().isAlive(), () -> "dumpcap exited: " + read(capture.stderr()));
            assertTrue(System.nanoTime() < deadline, "dumpcap did not start capturing in 20 s");
            Thread.sleep(20);
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return ex.getMessage();
        }
    }
}
