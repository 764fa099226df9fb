package dev.sluice.control.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;

/**
 * The agent container's capabilities, tried on the real kernel: the live agent ({@code sluice agent --uplink}, the
 * XDP program attached natively, AF_XDP sockets on the uplink and the host port, offline on a state file) runs in a
 * test-made network namespace as uid 0 with its bounding set cut to a list by {@code setpriv}, the way a container
 * runtime cuts it to {@code capabilities.add}.
 * <ul>
 *   <li>with exactly the DaemonSet's list it gets ready;</li>
 *   <li>without NET_ADMIN, NET_RAW or IPC_LOCK it fails, naming the call that needed it;</li>
 *   <li>without both CAP_BPF and CAP_SYS_ADMIN it cannot load the program, and with CAP_BPF but neither PERFMON
 *       nor SYS_ADMIN the verifier refuses it: SYS_ADMIN stands in for both, which is why the agent still runs
 *       without SYS_ADMIN only while BPF and PERFMON are there;</li>
 *   <li>{@code nsenter --net} into another namespace (the per-pod {@code ethtool -K} step) fails without
 *       SYS_ADMIN and works with it.</li>
 * </ul>
 * SYS_RESOURCE is not exercised: kernels from 5.11 charge BPF maps to the memory cgroup, not to RLIMIT_MEMLOCK.
 */
@KernelTest
class CapabilitiesKernelTest
{
    private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    private final String node = "sl-cap-" + suffix;
    private final String peer = "sl-cpp-" + suffix;
    private final String uplink = "slcu" + suffix;
    private final List<String> namespaces = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeEach
    void namespaces()
    {
        for (final String tool : List.of("ip", "setpriv", "nsenter", "ethtool"))
        {
            ExternalTools.requireCommand(tool, tool.equals("setpriv") || tool.equals("nsenter") ? "util-linux" : tool);
        }
        netns(node);
        netns(peer);
        run("ip", "link", "add", uplink, "netns", node, "type", "veth", "peer", "name", uplink + "p", "netns", peer);
        run("ip", "-n", node, "addr", "add", "198.19.0.1/24", "dev", uplink);
        run("ip", "-n", peer, "addr", "add", "198.19.0.2/24", "dev", uplink + "p");
        run("ip", "-n", node, "link", "set", "lo", "up");
        run("ip", "-n", node, "link", "set", uplink, "up");
        run("ip", "-n", peer, "link", "set", uplink + "p", "up");
    }

    @AfterEach
    void removeNamespaces()
    {
        for (final String ns : namespaces)
        {
            ExternalTools.run(List.of("ip", "netns", "del", ns), null);
        }
    }

    @Test
    void theDaemonSetsCapabilitiesRunTheLiveAgentAndEachOneIsNeeded() throws Exception
    {
        final Set<String> granted = daemonSetCapabilities();
        assertEquals(ManifestsTest.AGENT_CAPABILITIES, granted);

        final ExternalTools.Result ok = agent(granted);
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.stdout().contains("ready: "), ok.toString());
        assertTrue(ok.stderr().contains("XDP NATIVE"), ok.toString());

        assertFails(without(granted, "NET_ADMIN"), "bpf_xdp_attach");
        assertFails(without(granted, "NET_RAW"), "AF_XDP sockets need CAP_NET_RAW");
        assertFails(without(granted, "IPC_LOCK"), "XDP_UMEM_REG");
        assertFails(without(granted, "BPF", "SYS_ADMIN"), "bpf_object__load");
        assertFails(without(granted, "PERFMON", "SYS_ADMIN", "SYS_RESOURCE"), "bpf_object__load");

        final ExternalTools.Result noSysAdmin = agent(without(granted, "SYS_ADMIN"));
        assertEquals(0, noSysAdmin.exitCode(), "BPF + PERFMON load the program without SYS_ADMIN: " + noSysAdmin);
    }

    @Test
    void enteringAPodNamespaceNeedsSysAdmin()
    {
        final List<String> ethtool = List.of("nsenter", "--net=/run/netns/" + peer, "ethtool", "-K", uplink + "p",
            "tx", "off");
        final ExternalTools.Result without = ExternalTools.run(setpriv(without(daemonSetCapabilities(), "SYS_ADMIN"),
            ethtool), null);
        assertNotEquals(0, without.exitCode(), without.toString());
        assertTrue(without.stderr().contains("reassociate to namespace 'ns/net' failed: Operation not permitted"),
            without.toString());
        final ExternalTools.Result with = ExternalTools.run(setpriv(daemonSetCapabilities(), ethtool), null);
        assertEquals(0, with.exitCode(), with.toString());
        final ExternalTools.Result features = ExternalTools.run(List.of("ip", "netns", "exec", peer, "ethtool", "-k",
            uplink + "p"), null);
        assertTrue(features.stdout().contains("tx-checksumming: off"), features.stdout());
    }

    private void assertFails(final Set<String> capabilities, final String expected) throws Exception
    {
        final ExternalTools.Result result = agent(capabilities);
        assertNotEquals(0, result.exitCode(), capabilities + ": " + result);
        assertTrue(result.stderr().contains(expected) || result.stdout().contains(expected),
            capabilities + " should fail at " + expected + ": " + result);
        final ExternalTools.Result link = ExternalTools.run(List.of("ip", "-n", node, "-d", "link", "show", "dev",
            uplink), null);
        assertTrue(!link.stdout().contains("prog/xdp"), "a failed start leaves no program behind: " + link.stdout());
    }

    private ExternalTools.Result agent(final Set<String> capabilities) throws Exception
    {
        final Path work = Files.createTempDirectory(dir, "agent");
        final Path state = Path.of(getClass().getResource("/examples/three-namespaces.yaml").toURI());
        final List<String> java = new ArrayList<>(List.of("ip", "netns", "exec", node));
        java.addAll(setpriv(capabilities, List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-cp", String.join(File.pathSeparator, JlinkRuntimeTest.runtimeClasspath()),
            "dev.sluice.control.cli.SluiceCli", "agent", "--node", "node-1", "--state", state.toString(),
            "--uplink", uplink, "--http-port", "0", "--http-address", "127.0.0.1",
            "--log-file", work.resolve("policy_action.log").toString(),
            "--endpoint-socket", work.resolve("agent.sock").toString(), "--exit-when-ready")));
        return ExternalTools.run(java, null);
    }

    private static List<String> setpriv(final Set<String> capabilities, final List<String> command)
    {
        final StringBuilder bounding = new StringBuilder("-all");
        for (final String cap : capabilities)
        {
            bounding.append(",+").append(cap.toLowerCase(Locale.ROOT));
        }
        final List<String> out = new ArrayList<>(List.of("setpriv", "--bounding-set=" + bounding,
            "--inh-caps=-all"));
        out.addAll(command);
        return out;
    }

    private static Set<String> daemonSetCapabilities()
    {
        try
        {
            final DaemonSet ds = Manifests.only(DaemonSet.class, Manifests.load("daemonset.yaml"));
            return new TreeSet<>(ManifestsTest.container(ds.getSpec().getTemplate().getSpec().getContainers(),
                "agent").getSecurityContext().getCapabilities().getAdd());
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static Set<String> without(final Set<String> capabilities, final String... removed)
    {
        final Set<String> out = new TreeSet<>(capabilities);
        out.removeAll(List.of(removed));
        return out;
    }

    private void netns(final String name)
    {
        run("ip", "netns", "add", name);
        namespaces.add(name);
    }

    private static void run(final String... command)
    {
        final ExternalTools.Result result = ExternalTools.run(List.of(command), null);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + ": " + result.stderr());
        }
    }
}
