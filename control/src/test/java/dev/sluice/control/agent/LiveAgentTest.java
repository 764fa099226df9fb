package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.endpoint.EndpointCommand;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;

/**
 * {@code sluice agent} as a live node dataplane: the agent runs as a child process inside a node namespace (see
 * {@link LiveCluster}), pods are bound through the endpoint socket exactly as the CNI plugin binds them, and real
 * ping/TCP shows what the fast path forwards. The pods' Pod objects have no {@code status.podIP}: their addresses
 * come from the CNI registration.
 * <pre>
 *   node-1 198.19.0.1, pods 198.18.1.0/24, gateway 198.18.1.1 (host port sluice_host)
 *   demo/a 198.18.1.10  not isolated
 *   demo/b 198.18.1.11  ingress isolated: from app=a on TCP 8080 only
 * </pre>
 */
@KernelTest
class LiveAgentTest
{
    /** The two nodes (pod CIDRs, underlay addresses) and namespace {@code demo}, shared by both states. */
    static final String NODES_AND_NAMESPACE = String.join("\n",
        "apiVersion: v1",
        "kind: Node",
        "metadata: {name: node-1}",
        "spec: {podCIDR: 198.18.1.0/24}",
        "status: {addresses: [{type: InternalIP, address: 198.19.0.1}]}",
        "---",
        "apiVersion: v1",
        "kind: Node",
        "metadata: {name: node-2}",
        "spec: {podCIDR: 198.18.2.0/24}",
        "status: {addresses: [{type: InternalIP, address: 198.19.0.2}]}",
        "---",
        "apiVersion: v1",
        "kind: Namespace",
        "metadata: {name: demo, labels: {ns: demo}}",
        "---",
        "");

    static final String CLUSTER = NODES_AND_NAMESPACE + String.join("\n",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: a, namespace: demo, labels: {app: a}}",
        "spec: {nodeName: node-1, containers: [{name: c, image: x}]}",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: b, namespace: demo, labels: {app: b}}",
        "spec: {nodeName: node-1, containers: [{name: c, image: x}]}",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: d, namespace: demo, labels: {app: d}}",
        "spec: {nodeName: node-2, containers: [{name: c, image: x}]}",
        "---",
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata: {name: b-from-a, namespace: demo}",
        "spec:",
        "  podSelector: {matchLabels: {app: b}}",
        "  policyTypes: [Ingress]",
        "  ingress:",
        "  - from: [{podSelector: {matchLabels: {app: a}}}]",
        "    ports: [{protocol: TCP, port: 8080}]",
        "");

    @TempDir
    Path dir;
    private LiveCluster cluster;

    @BeforeEach
    void create()
    {
        cluster = new LiveCluster(dir);
    }

    @AfterEach
    void delete()
    {
        cluster.close();
    }

    @Test
    void podsBoundThroughTheEndpointSocketTalkThroughTheFastPathAndDelStopsIt() throws Exception
    {
        final LiveCluster.Agent agent = cluster.startNode(1, LiveCluster.writeState(dir.resolve("state.yaml"),
            CLUSTER));
        final LiveCluster.Pod a = cluster.createPod(1, "demo", "a", "198.18.1.10", "02:00:00:01:00:0a");
        final LiveCluster.Pod b = cluster.createPod(1, "demo", "b", "198.18.1.11", "02:00:00:01:00:0b");

        final EndpointReply addA = agent.call(EndpointCommand.ADD, a, a.ip);
        assertTrue(addA.ok(), () -> "ADD a: " + addA + "\n" + agent.output());
        assertEquals(NodeDataplane.macText(NodeDataplane.gatewayMac("node-1")), addA.gatewayMac());
        assertEquals(1500 - 58, addA.mtu(), "uplink MTU 1500 minus Geneve with the identity option");
        final EndpointReply addB = agent.call(EndpointCommand.ADD, b, b.ip);
        assertTrue(addB.ok(), () -> "ADD b: " + addB + "\n" + agent.output());
        assertTrue(addB.generation() > addA.generation(), "b's tables are newer than a's");
        cluster.configurePod(a, "198.18.1.1", addA);
        cluster.configurePod(b, "198.18.1.1", addB);
        assertTrue(cluster.exec(a.netns, "ethtool", "-k", "eth0").stdout().contains("tx-checksumming: off"),
            "ADD turned TX checksum offload off in the pod");

        final EndpointReply again = agent.call(EndpointCommand.ADD, a, a.ip);
        assertTrue(again.ok(), () -> "ADD a again is idempotent: " + again);
        assertTrue(agent.call(EndpointCommand.CHECK, b, null).ok(), "CHECK b");

        final ExternalTools.Result ping = cluster.exec(b.netns, "ping", "-c", "2", "-i", "0.2", "-W", "2", a.ip);
        assertEquals(0, ping.exitCode(), () -> "b pings a: " + ping.stdout() + "\n" + agent.output());
        final ExternalTools.Result gateway = cluster.exec(a.netns, "ping", "-c", "2", "-i", "0.2", "-W", "2",
            "198.18.1.1");
        assertEquals(0, gateway.exitCode(), () -> "a pings the node through the host port: " + gateway.stdout());

        final Process server = startEchoServer(b, 8080, 9090);
        try
        {
            final ExternalTools.Result allowed = tcp(a, b.ip, 8080, "over-8080");
            assertEquals("over-8080", allowed.stdout().strip(), () -> "a -> b:8080 allowed: " + allowed.stderr());
            final ExternalTools.Result denied = tcp(a, b.ip, 9090, "over-9090");
            assertNotEquals("over-9090", denied.stdout().strip(), "a -> b:9090 denied by policy");
        }
        finally
        {
            server.destroyForcibly().waitFor();
        }

        final String metrics = cluster.exec(agent.netns, "curl", "-s", "http://127.0.0.1:" + agent.httpPort
            + "/metrics").stdout();
        assertTrue(metrics.contains("sluice_port_rx_packets_total{port=\"2\",interface=\"" + a.hostInterface),
            () -> "per-port series for a: " + metrics);
        assertTrue(metrics.contains("reason=\"POLICY_DENIED_INGRESS\""), "drops by reason");
        final String denials = metrics.lines().filter(l -> l.startsWith("sluice_drops_total")
            && l.contains("POLICY_DENIED_INGRESS")).findFirst().orElse("");
        assertFalse(denials.endsWith(" 0"), () -> "the denied SYNs are counted: " + denials);

        final EndpointReply del = agent.call(EndpointCommand.DEL, b, null);
        assertTrue(del.ok(), () -> "DEL b: " + del);
        assertTrue(agent.call(EndpointCommand.DEL, b, null).ok(), "DEL again is idempotent");
        assertFalse(agent.call(EndpointCommand.CHECK, b, null).ok(), "CHECK after DEL");
        final ExternalTools.Result after = cluster.exec(b.netns, "ping", "-c", "2", "-i", "0.2", "-W", "1", a.ip);
        assertNotEquals(0, after.exitCode(), "b's veth is no longer bound: nothing forwards its frames");
        assertFalse(LiveCluster.run("ip", "-n", agent.netns, "link", "show", b.hostInterface).contains("xdp"),
            "b's veth has no XDP program any more");

        final int exit = cluster.stop(agent);
        assertTrue(exit == 0 || exit == 143, () -> "SIGTERM runs the shutdown hook and exits: " + exit + "\n"
            + agent.output());
        assertNotEquals(0, ExternalTools.run(java.util.List.of("ip", "-n", agent.netns, "link", "show",
            NodeDataplane.HOST_INTERFACE), null).exitCode(), "sluice_host deleted on shutdown");
        for (final String device : new String[] {a.hostInterface, "eth0"})
        {
            assertFalse(LiveCluster.run("ip", "-n", agent.netns, "link", "show", device).contains("xdp"),
                device + " has no XDP program after shutdown");
        }
    }

    /**
     * Two nodes; the pods' IPs are in the state (as a kubelet reports them after ADD); a ClusterIP service on
     * node-2's pod.
     */
    static final String TWO_NODES = NODES_AND_NAMESPACE + String.join("\n",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: a, namespace: demo, labels: {app: a}}",
        "spec: {nodeName: node-1, containers: [{name: c, image: x}]}",
        "status: {podIP: 198.18.1.10}",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: d, namespace: demo, labels: {app: d}}",
        "spec: {nodeName: node-2, containers: [{name: c, image: x}]}",
        "status: {podIP: 198.18.2.10}",
        "---",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: web, namespace: demo}",
        "spec:",
        "  selector: {app: d}",
        "  clusterIP: 198.18.250.10",
        "  ports: [{port: 80, targetPort: 8080, protocol: TCP}]",
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata: {name: web-1, namespace: demo, labels: {kubernetes.io/service-name: web}}",
        "addressType: IPv4",
        "ports: [{port: 8080, protocol: TCP}]",
        "endpoints:",
        "- {addresses: [198.18.2.10], conditions: {ready: true}, nodeName: node-2,",
        "   targetRef: {kind: Pod, namespace: demo, name: d}}",
        "");

    @Test
    void podsOnTwoNodesTalkAcrossTheGeneveTunnel() throws Exception
    {
        final Path state = LiveCluster.writeState(dir.resolve("two.yaml"), TWO_NODES);
        final LiveCluster.Agent one = cluster.startNode(1, state);
        final LiveCluster.Agent two = cluster.startNode(2, state);
        final LiveCluster.Pod a = cluster.createPod(1, "demo", "a", "198.18.1.10", "02:00:00:01:00:0a");
        final LiveCluster.Pod d = cluster.createPod(2, "demo", "d", "198.18.2.10", "02:00:00:02:00:0d");
        final EndpointReply addA = one.call(EndpointCommand.ADD, a, a.ip);
        assertTrue(addA.ok(), () -> "ADD a: " + addA + "\n" + one.output());
        final EndpointReply addD = two.call(EndpointCommand.ADD, d, d.ip);
        assertTrue(addD.ok(), () -> "ADD d: " + addD + "\n" + two.output());
        cluster.configurePod(a, "198.18.1.1", addA);
        cluster.configurePod(d, "198.18.2.1", addD);

        // the first packets may find no next hop yet: each agent makes its kernel resolve the peer, then rebuilds
        final long deadline = System.nanoTime() + LiveCluster.TIMEOUT.toNanos();
        ExternalTools.Result ping;
        do
        {
            ping = cluster.exec(a.netns, "ping", "-c", "1", "-W", "1", d.ip);
        }
        while (ping.exitCode() != 0 && System.nanoTime() < deadline);
        final ExternalTools.Result first = ping;
        assertEquals(0, first.exitCode(), () -> "a (node-1) pings d (node-2): " + first.stdout() + "\n--- node-1\n"
            + one.output() + "\n--- node-2\n" + two.output());
        assertTrue(LiveCluster.run("ip", "-n", one.netns, "neigh", "show", "198.19.0.2").contains("lladdr"),
            "node-1's kernel resolved node-2 without traffic from its host");

        final Process server = startEchoServer(d, 8080);
        try
        {
            final ExternalTools.Result tcp = tcp(a, d.ip, 8080, "across-the-tunnel");
            assertEquals("across-the-tunnel", tcp.stdout().strip(), () -> "TCP a -> d:8080: " + tcp.stderr());
            final ExternalTools.Result service = tcp(a, "198.18.250.10", 80, "through-the-service");
            assertEquals("through-the-service", service.stdout().strip(),
                () -> "TCP a -> ClusterIP 198.18.250.10:80 -> d:8080 on node-2: " + service.stderr());
        }
        finally
        {
            server.destroyForcibly().waitFor();
        }
        final String metrics = cluster.exec(two.netns, "curl", "-s", "http://127.0.0.1:" + two.httpPort
            + "/metrics").stdout();
        final String uplinkRx = metrics.lines().filter(l -> l.startsWith("sluice_port_rx_packets_total")
            && l.contains("role=\"uplink\"")).findFirst().orElse("");
        assertFalse(uplinkRx.isEmpty() || uplinkRx.endsWith(" 0"), () -> "node-2 received Geneve: " + uplinkRx);
    }

    @Test
    void anAgentStartsAgainAfterItsPredecessorWasKilledAndLeftItsProgramsAttached() throws Exception
    {
        final Path state = LiveCluster.writeState(dir.resolve("state.yaml"), CLUSTER);
        final LiveCluster.Agent first = cluster.startNode(1, state);
        final LiveCluster.Pod a = cluster.createPod(1, "demo", "a", "198.18.1.10", "02:00:00:01:00:0a");
        final LiveCluster.Pod b = cluster.createPod(1, "demo", "b", "198.18.1.11", "02:00:00:01:00:0b");
        assertTrue(first.call(EndpointCommand.ADD, a, a.ip).ok());
        cluster.kill(first);
        assertTrue(LiveCluster.run("ip", "-n", first.netns, "link", "show", "eth0").contains("xdp"),
            "a killed agent leaves its uplink program behind (bpf_xdp_attach outlives the process)");
        assertTrue(LiveCluster.run("ip", "-n", first.netns, "link", "show", a.hostInterface).contains("xdp"),
            "and its pod programs (fail closed)");

        final LiveCluster.Agent second = cluster.startAgent(1, state);
        // a kubelet does not repeat ADD for a running pod: the new agent binds a again from its bindings file
        assertTrue(second.output().contains("restored demo/a"), second::output);
        final long deadline = System.nanoTime() + LiveCluster.TIMEOUT.toNanos();
        EndpointReply check = second.call(EndpointCommand.CHECK, a, null);
        while (!check.ok() && System.nanoTime() < deadline)
        {
            check = second.call(EndpointCommand.CHECK, a, null);
        }
        final EndpointReply checkA = check;
        assertTrue(checkA.ok(), () -> "CHECK a after the restart: " + checkA + "\n" + second.output());
        final EndpointReply addB = second.call(EndpointCommand.ADD, b, b.ip);
        assertTrue(addB.ok(), () -> "ADD b: " + addB);
        cluster.configurePod(a, "198.18.1.1", addB);
        cluster.configurePod(b, "198.18.1.1", addB);
        final ExternalTools.Result ping = cluster.exec(b.netns, "ping", "-c", "2", "-i", "0.2", "-W", "2", a.ip);
        assertEquals(0, ping.exitCode(), () -> "b pings a through the new agent: " + ping.stdout() + "\n"
            + second.output());
    }

    @Test
    void addOfAPodScheduledOnAnotherNodeIsRefusedAndLeavesNothingBound() throws Exception
    {
        final LiveCluster.Agent agent = cluster.startNode(1, LiveCluster.writeState(dir.resolve("state.yaml"),
            CLUSTER));
        final LiveCluster.Pod d = cluster.createPod(1, "demo", "d", "198.18.1.13", "02:00:00:01:00:0d");
        final EndpointReply reply = agent.call(EndpointCommand.ADD, d, d.ip);
        assertFalse(reply.ok());
        assertEquals(EndpointReply.CODE_INVALID, reply.code());
        assertTrue(reply.error().contains("node-2"), reply.error());
        assertFalse(LiveCluster.run("ip", "-n", agent.netns, "link", "show", d.hostInterface).contains("xdp"));
        final LiveCluster.Pod missing = new LiveCluster.Pod("demo", "a", d.netns, "slnotthere0", "cmissing",
            "02:00:00:01:00:0e", "198.18.1.14");
        final EndpointReply noVeth = agent.call(EndpointCommand.ADD, missing, missing.ip);
        assertEquals(EndpointReply.CODE_INVALID, noVeth.code(), () -> "missing veth: " + noVeth);

        // a pod the agent never hears of: its tables never come, ADD gives up and unbinds what it bound
        final LiveCluster.Pod ghost = cluster.createPod(1, "demo", "ghost", "198.18.1.15", "02:00:00:01:00:0f");
        final EndpointReply unknown = agent.call(EndpointCommand.ADD, ghost, ghost.ip);
        assertEquals(EndpointReply.CODE_TRY_AGAIN, unknown.code(), () -> "unknown pod: " + unknown);
        assertTrue(unknown.error().contains("demo/ghost"), unknown.error());
        assertFalse(LiveCluster.run("ip", "-n", agent.netns, "link", "show", ghost.hostInterface).contains("xdp"),
            "no half-bound port after a failed ADD");
        assertFalse(agent.call(EndpointCommand.CHECK, ghost, null).ok());
    }

    private Process startEchoServer(final LiveCluster.Pod pod, final int... ports) throws IOException
    {
        final StringBuilder list = new StringBuilder();
        for (final int port : ports)
        {
            list.append(port).append(',');
        }
        final String script = String.join("\n",
            "import socket, threading",
            "def loop(s):",
            "    while True:",
            "        c, _ = s.accept()",
            "        c.sendall(c.recv(1024))",
            "        c.close()",
            "for p in (" + list + "):",
            "    s = socket.socket()",
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    s.bind(('" + pod.ip + "', p))",
            "    s.listen(8)",
            "    threading.Thread(target=loop, args=(s,), daemon=True).start()",
            "print('ready', flush=True)",
            "threading.Event().wait(60)",
            "");
        final Process server = new ProcessBuilder("ip", "netns", "exec", pod.netns, ExternalTools.SYSTEM_PYTHON, "-c",
            script).redirectErrorStream(true).start();
        final String first = new String(server.getInputStream().readNBytes(5));
        assertEquals("ready", first, "echo server started");
        return server;
    }

    private ExternalTools.Result tcp(final LiveCluster.Pod from, final String ip, final int port, final String text)
    {
        return cluster.exec(from.netns, ExternalTools.SYSTEM_PYTHON, "-c", String.join("\n",
            "import socket",
            "s = socket.create_connection(('" + ip + "', " + port + "), timeout=2)",
            "s.sendall(b'" + text + "')",
            "print(s.recv(1024).decode())",
            ""));
    }
}
