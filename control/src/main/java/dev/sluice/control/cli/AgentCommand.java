package dev.sluice.control.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.ControlMetrics;
import dev.sluice.control.agent.LoggingTableSink;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.TableSinkFactory;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice agent}: runs one node's control plane. Online (the default) it watches the API server (in-cluster
 * service account, or {@code --kubeconfig}); with {@code --state FILE} it runs offline on a state file. Every
 * snapshot goes to the {@link dev.sluice.control.agent.TableSink} made by {@link #sinkFactory} (until the fast path
 * workers are wired in: a sink that logs each install). SIGTERM (or Ctrl-C) stops it cleanly: informers first,
 * then the control thread, then the sink.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the node agent: informers -> one control thread -> table snapshots published to the workers.",
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = { "0:stopped cleanly", "1:could not start (API server config, state file)",
        "2:bad arguments" })
public final class AgentCommand implements Callable<Integer>
{
    /** Makes the table sink; the lead wires the fast-path workers in here. */
    static TableSinkFactory sinkFactory = LoggingTableSink.FACTORY;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--node", defaultValue = "${env:NODE_NAME}", paramLabel = "NAME",
        description = "This node's name. Default: the NODE_NAME environment variable (${DEFAULT-VALUE}).")
    String node;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
        description = "A kubeconfig file. Default: the in-cluster service account (or KUBECONFIG / ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--state", paramLabel = "FILE",
        description = "Offline mode: no API server; the cluster is this state file (plain Kubernetes YAML).")
    Path state;

    @Option(names = "--uplink", paramLabel = "IFACE", description = "The node's uplink interface.")
    String uplink;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N",
        description = "Fast-path worker threads. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--cpus", split = ",", paramLabel = "LIST",
        description = "CPUs to pin the workers to, one per worker (e.g. 2,3).")
    List<Integer> cpus = List.of();

    @Option(names = "--tick-ms", defaultValue = "50", paramLabel = "MS",
        description = "How long informer events are collected into one snapshot. Default: ${DEFAULT-VALUE}.")
    long tickMs;

    @Option(names = "--max-policy-peers", defaultValue = "1000", paramLabel = "N",
        description = "A NetworkPolicy with more peers is rejected. Default: ${DEFAULT-VALUE}.")
    int maxPolicyPeers;

    @Option(names = "--exit-when-ready", hidden = true,
        description = "Exit once the first snapshot is installed (smoke tests).")
    boolean exitWhenReady;

    @Override
    public Integer call() throws Exception
    {
        final AgentConfig config;
        try
        {
            config = new AgentConfig(node == null ? "" : node, uplink, workers, cpus, tickMs * 1_000_000L,
                maxPolicyPeers);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final KubernetesClient client;
        final NodeAgent agent;
        if (state != null)
        {
            client = null;
            try
            {
                agent = NodeAgent.offline(new ClusterStateLoader().readObjects(state), config,
                    sinkFactory.create(config), ControlMetrics.NONE);
            }
            catch (final ClusterStateException ex)
            {
                spec.commandLine().getErr().println(ex.getMessage());
                return 1;
            }
        }
        else
        {
            try
            {
                final Config kube = kubeconfig == null
                    ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
                client = new KubernetesClientBuilder().withConfig(kube).build();
            }
            catch (final IOException | RuntimeException ex)
            {
                spec.commandLine().getErr().println("cannot configure the API server client: " + ex.getMessage());
                return 1;
            }
            agent = NodeAgent.online(client, config, sinkFactory.create(config), ControlMetrics.NONE);
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            agent.close();
            if (client != null)
            {
                client.close();
            }
            stopped.countDown();
        }, "sluice-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        agent.start();
        final var out = spec.commandLine().getOut();
        out.println("sluice agent on node " + config.nodeName() + (state == null ? "" : " (offline: " + state + ")")
            + ", " + config.workers() + " worker(s)" + (uplink == null ? "" : ", uplink " + uplink));
        out.flush();
        while (!agent.ready() && stopped.getCount() > 0)
        {
            stopped.await(50, TimeUnit.MILLISECONDS);
        }
        if (agent.ready())
        {
            out.println("ready: " + LoggingTableSink.describe(config.nodeName(), agent.lastState(),
                agent.control().generation()));
            out.flush();
        }
        if (exitWhenReady)
        {
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
            return 0;
        }
        stopped.await();
        return 0;
    }
}
