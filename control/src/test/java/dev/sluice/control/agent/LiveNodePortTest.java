package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * A NodePort Service reached from the underlay through the live agent: a client namespace on the underlay bridge
 * (198.19.0.100, no node) runs curl against node-1's address and NodePort; the uplink's XDP program hands the
 * connection to the fast path, which DNATs it to the pod's python HTTP server; the replies, reverse-NATed to the
 * node address and NodePort, leave through the host port and the kernel's forwarding out of the uplink.
 * <pre>
 *   node-1 198.19.0.1, pods 198.18.1.0/24; demo/web 198.18.1.10 serving HTTP on 8080
 *   Service demo/web type NodePort: 80 -> 8080, nodePort 30080
 *   demo/locked 198.18.1.11, ingress only from ipBlock 198.19.0.200/32 on TCP 8080; Service demo/locked, nodePort 30090
 *   client 198.19.0.100/16 on the underlay bridge
 * </pre>
 */
@KernelTest
class LiveNodePortTest
{
    static final String CLUSTER = String.join("\n",
        "apiVersion: v1",
        "kind: Node",
        "metadata: {name: node-1}",
        "spec: {podCIDR: 198.18.1.0/24}",
        "status: {addresses: [{type: InternalIP, address: 198.19.0.1}]}",
        "---",
        "apiVersion: v1",
        "kind: Namespace",
        "metadata: {name: demo, labels: {ns: demo}}",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: web, namespace: demo, labels: {app: web}}",
        "spec: {nodeName: node-1, containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
        "---",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: web, namespace: demo}",
        "spec:",
        "  type: NodePort",
        "  clusterIP: 198.18.250.10",
        "  selector: {app: web}",
        "  ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]",
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata: {name: web-1, namespace: demo, labels: {kubernetes.io/service-name: web}}",
        "addressType: IPv4",
        "ports: [{name: http, port: 8080, protocol: TCP}]",
        "endpoints:",
        "- {addresses: [198.18.1.10], conditions: {ready: true}, nodeName: node-1, " +
            "targetRef: {kind: Pod, namespace: demo, name: web}}",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: locked, namespace: demo, labels: {app: locked}}",
        "spec: {nodeName: node-1, containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
        "---",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: locked, namespace: demo}",
        "spec:",
        "  type: NodePort",
        "  clusterIP: 198.18.250.11",
        "  selector: {app: locked}",
        "  ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30090}]",
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata: {name: locked-1, namespace: demo, labels: {kubernetes.io/service-name: locked}}",
        "addressType: IPv4",
        "ports: [{name: http, port: 8080, protocol: TCP}]",
        "endpoints:",
        "- {addresses: [198.18.1.11], conditions: {ready: true}, nodeName: node-1, " +
            "targetRef: {kind: Pod, namespace: demo, name: locked}}",
        "---",
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata: {name: locked-from-one-host, namespace: demo}",
        "spec:",
        "  podSelector: {matchLabels: {app: locked}}",
        "  policyTypes: [Ingress]",
        "  ingress:",
        "  - from: [{ipBlock: {cidr: 198.19.0.200/32}}]",
        "    ports: [{protocol: TCP, port: 8080}]",
        "");

    @TempDir
    Path dir;
    private LiveCluster cluster;

    @BeforeEach
    void create()
    {
        ExternalTools.requireCommand("curl", "curl");
        cluster = new LiveCluster(dir);
    }

    @AfterEach
    void delete()
    {
        cluster.close();
    }

    @Test
    void clientOnTheUnderlayGetsThePodsHttpAnswerThroughTheNodePort() throws Exception
    {
        final LiveCluster.Agent agent = cluster.startNode(1, LiveCluster.writeState(dir.resolve("state.yaml"),
            CLUSTER));
        final LiveCluster.Pod web = cluster.createPod(1, "demo", "web", "198.18.1.10", "02:00:00:01:00:0a");
        final EndpointReply add = agent.call(EndpointCommand.ADD, web, web.ip);
        assertTrue(add.ok(), () -> "ADD web: " + add + "\n" + agent.output());
        cluster.configurePod(web, "198.18.1.1", add);
        final LiveCluster.Pod locked = cluster.createPod(1, "demo", "locked", "198.18.1.11", "02:00:00:01:00:0b");
        final EndpointReply addLocked = agent.call(EndpointCommand.ADD, locked, locked.ip);
        assertTrue(addLocked.ok(), () -> "ADD locked: " + addLocked + "\n" + agent.output());
        cluster.configurePod(locked, "198.18.1.1", addLocked);
        final String client = cluster.createUnderlayHost("cl", "198.19.0.100/16");

        final Path docroot = Files.createDirectories(dir.resolve("www"));
        final String marker = "served by demo/web " + cluster.suffix;
        Files.writeString(docroot.resolve("index.html"), marker + "\n", StandardCharsets.UTF_8);
        final Process server = httpServer(web, docroot);
        Process lockedServer = null;
        try
        {
            lockedServer = httpServer(locked, docroot);

            final ExternalTools.Result curl = cluster.exec(client, "curl", "-s", "-S", "-m", "10",
                "http://198.19.0.1:30080/");
            assertEquals(0, curl.exitCode(), () -> "curl through the NodePort: " + curl.stderr() + "\n" +
                diagnostics(agent));
            assertEquals(marker, curl.stdout().strip());

            // a NodePort without a Service: the fast path hands the SYN to the node's kernel, which refuses it
            final ExternalTools.Result other = cluster.exec(client, "curl", "-s", "-m", "10",
                "http://198.19.0.1:30081/");
            assertEquals(7, other.exitCode(), () -> "connection refused on NodePort 30081: " + other.stdout() +
                other.stderr());

            // policy judges the backend's ingress with the client as an ipBlock peer: 198.19.0.100 is not allowed
            final ExternalTools.Result denied = cluster.exec(client, "curl", "-s", "-m", "3",
                "http://198.19.0.1:30090/");
            assertEquals(28, denied.exitCode(), () -> "NodePort of the locked pod times out (SYN dropped): " +
                denied.stdout() + denied.stderr());

            final String metrics = cluster.exec(agent.netns, "curl", "-s", "http://127.0.0.1:" + agent.httpPort
                + "/metrics").stdout();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sluice_drops_total{") &&
                l.contains("reason=\"POLICY_DENIED_INGRESS\"") && !l.endsWith(" 0")),
                () -> "policy drops counted: " + metrics);
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sluice_port_rx_packets_total{port=\"0\"") &&
                !l.endsWith(" 0")), () -> "the uplink socket received the client's packets: " + metrics);
        }
        finally
        {
            server.destroyForcibly().waitFor();
            if (lockedServer != null)
            {
                lockedServer.destroyForcibly().waitFor();
            }
        }
    }

    private static Process httpServer(final LiveCluster.Pod pod, final Path docroot) throws Exception
    {
        final Process server = new ProcessBuilder("ip", "netns", "exec", pod.netns, ExternalTools.SYSTEM_PYTHON,
            "-u", "-m", "http.server", "8080", "--bind", pod.ip, "--directory", docroot.toString())
            .redirectErrorStream(true).start();
        final String first = new String(server.getInputStream().readNBytes(7), StandardCharsets.US_ASCII);
        if (!"Serving".equals(first))
        {
            server.destroyForcibly().waitFor();
            throw new IllegalStateException("http.server in " + pod.netns + " did not start: " + first);
        }
        return server;
    }

    private String diagnostics(final LiveCluster.Agent agent)
    {
        final String metrics = cluster.exec(agent.netns, "curl", "-s", "http://127.0.0.1:" + agent.httpPort +
            "/metrics").stdout().lines().filter(l -> !l.startsWith("#") && !l.endsWith(" 0"))
            .collect(java.util.stream.Collectors.joining("\n"));
        final String kernel = cluster.exec(agent.netns, "sh", "-c", "sysctl net.ipv4.ip_forward " +
            "net.ipv4.conf.all.rp_filter net.ipv4.conf.sluice_host.rp_filter net.ipv4.conf.sluice_host.accept_local; " +
            "ip -s link show sluice_host; nstat -a").stdout();
        return agent.output() + "\n" + metrics + "\n" + kernel;
    }
}
