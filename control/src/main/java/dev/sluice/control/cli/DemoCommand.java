package dev.sluice.control.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.sluice.control.cluster.Demo;
import dev.sluice.control.cluster.Shell;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: the main job — a two-node cluster on this machine with real traffic, step by step (see
 * {@link Demo}). Needs root (network namespaces, XDP, AF_XDP). Tears everything down on exit, Ctrl-C and failure.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the end-to-end demo as root: a 2-node cluster on this machine (network namespaces, one agent "
        + "per node, pods wired by sluice-cni, an embedded API server for kubectl) with real TCP/UDP traffic, a "
        + "Service, a NetworkPolicy change applied with kubectl, policy logs, flows and a latency/throughput summary.",
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = { "0:every step behaved as expected", "1:a step did not (details above; the cluster is gone)",
        "2:cannot run here (not root, a tool missing) or bad arguments" })
public final class DemoCommand implements Callable<Integer>
{
    /** What the demo runs besides the JDK, and the Debian package that has it. */
    static final String[][] TOOLS = {
        { "ip", "iproute2" }, { "curl", "curl" }, { "ethtool", "ethtool" }, { "setsid", "util-linux" },
        { "nsenter", "util-linux" },
        { "ping", "iputils-ping" }, { "/usr/bin/python3", "python3" }, { "/usr/bin/kubectl", "kubectl" },
        { "/usr/lib/cni/host-local", "containernetworking-plugins" } };

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--keep", description = "Keep the cluster running after the steps, until Ctrl-C.")
    boolean keep;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
        description = "Use this cluster's API server instead of the embedded one (it must be reachable from the node "
            + "namespaces through the root netns, e.g. an API server listening on this host).")
    Path kubeconfig;

    @Option(names = "--run-dir", paramLabel = "DIR",
        description = "Where logs and generated files go. Default: /tmp/sluice-demo-<time>.")
    Path runDir;

    @Override
    public Integer call() throws Exception
    {
        // fabric8 brings slf4j without a provider: its start-up notice is not for the demo's user
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        final var err = spec.commandLine().getErr();
        final Shell.Result uid = Shell.run("id", "-u");
        if (!uid.ok() || !uid.stdout().strip().equals("0"))
        {
            err.println("sluice demo needs root (network namespaces, XDP, AF_XDP): run it with sudo.");
            return 2;
        }
        final List<String> missing = new ArrayList<>();
        for (final String[] tool : TOOLS)
        {
            final boolean present = tool[0].startsWith("/") ? Files.isExecutable(Path.of(tool[0]))
                : Shell.run("sh", "-c", "command -v " + tool[0]).ok();
            if (!present)
            {
                missing.add(tool[0] + " (" + tool[1] + ")");
            }
        }
        if (!missing.isEmpty())
        {
            err.println("sluice demo needs: " + String.join(", ", missing)
                + "; `./sluice demo` as root installs them with apt.");
            return 2;
        }
        final Path dir = runDir != null ? runDir : Path.of("/tmp",
            "sluice-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        try
        {
            return new Demo(System.out, dir.toAbsolutePath(), kubeconfig, keep).run();
        }
        catch (final IOException ex)
        {
            err.println("sluice demo failed: " + ex.getMessage());
            err.println("(everything it built is removed; logs are in " + dir + ")");
            return 1;
        }
    }
}
