package dev.sluice.control.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;
import io.fabric8.kubernetes.api.model.Node;

/**
 * The topology's plumbing without agents: underlay bridge, node namespaces and addresses, the API server reachable
 * from every node's namespace at the API address, Node objects that kubectl lists, and a teardown that leaves
 * nothing behind (namespaces, the API veth, runtime files).
 */
@KernelTest
class ClusterPlumbingTest
{
    @TempDir
    Path dir;

    @Test
    void nodesReachTheApiServerAndTeardownRemovesEverything() throws Exception
    {
        ExternalTools.requireCommand("kubectl", "kubectl");
        ExternalTools.requireCommand("curl", "curl");
        final ClusterLayout layout = ClusterLayout.unique("plb");
        final ClusterTopology cluster = ClusterTopology.start(
            ClusterTopology.Options.of(layout, 2, dir, System.out::println).withoutAgents());
        try
        {
            for (int i = 1; i <= 2; i++)
            {
                final String addr = Shell.check("ip", "-n", layout.nodeNetns(i), "-4", "-o", "addr", "show", "eth0")
                    .stdout();
                assertTrue(addr.contains(layout.nodeAddress(i) + "/24"), addr);
                // the agent's way to the API server: from the node's netns over the underlay
                final Shell.Result version = Shell.run(List.of("ip", "netns", "exec", layout.nodeNetns(i), "curl",
                    "-s", "-f", "--max-time", "5", "http://" + cluster.server().hostPort() + "/version"),
                    java.util.Map.of(), null, Shell.SHORT);
                assertTrue(version.ok() && version.stdout().contains("gitVersion"), version::describe);
            }
            // node-1 -> node-2 over the bridge (permanent neighbour entries, no ARP needed)
            assertTrue(Shell.run("ip", "netns", "exec", layout.nodeNetns(1), "ping", "-c", "1", "-W", "2",
                layout.nodeAddress(2)).ok());
            final Shell.Result nodes = cluster.kubectl("get", "nodes", "-o",
                "custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDR,IP:.status.addresses[0].address",
                "--no-headers");
            assertTrue(nodes.ok(), nodes::describe);
            assertEquals(List.of("node-1 198.18.1.0/24 " + layout.nodeAddress(1),
                "node-2 198.18.2.0/24 " + layout.nodeAddress(2)),
                nodes.stdout().lines().map(l -> l.strip().replaceAll("\\s+", " ")).toList());
            final Node node = cluster.client().nodes().withName("node-2").get();
            assertEquals("198.18.2.0/24", node.getSpec().getPodCIDR());
            assertTrue(Files.isDirectory(layout.runtimeDir(1).resolve("ipam")));
        }
        finally
        {
            cluster.close();
        }
        final String netns = Shell.check("ip", "netns", "list").stdout();
        assertFalse(netns.contains(layout.prefix()), netns);
        assertFalse(Shell.run("ip", "link", "show", layout.apiVeth()).ok(), "API veth removed");
        assertFalse(Files.exists(layout.runtimeRoot()), "runtime files removed");
    }
}
