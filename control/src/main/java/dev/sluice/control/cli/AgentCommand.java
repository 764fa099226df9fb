package dev.sluice.control.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.AgentProcess;
import dev.sluice.control.agent.EndpointBinder;
import dev.sluice.control.agent.EndpointPorts;
import dev.sluice.control.agent.NodeDataplane;
import dev.sluice.control.agent.NodeTablesSource;
import dev.sluice.control.agent.PodEndpoints;
import dev.sluice.control.agent.LoggingTableSink;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.TablePublisher;
import dev.sluice.control.agent.TableSink;
import dev.sluice.control.agent.TableSinkFactory;
import dev.sluice.control.endpoint.EndpointServer;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTimeouts;
import dev.sluice.fastpath.event.VerdictEvents;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice agent}: runs one node's control plane. Online (the default) it watches the API server (in-cluster
 * service account, or {@code --kubeconfig}); with {@code --state FILE} it runs offline on a state file. Every
 * snapshot is compiled and published to the workers by a {@link TablePublisher}.
 * <p>
 * With {@code --uplink IFACE} (and without {@code --no-dataplane}) the agent is the node's live dataplane
 * ({@link NodeDataplane}): one AF_XDP pipeline worker carrying the uplink (Geneve), the host port
 * ({@code sluice_host}/{@code sluice_net}) and one port per pod, which the CNI plugin binds through the endpoint
 * socket ({@code --endpoint-socket}, {@link EndpointBinder}). The live dataplane runs exactly one worker: each pod
 * veth has one queue, so {@code --workers} other than 1 is refused. Without an uplink the workers are table-only
 * (the publish path is real, no packets). The process ({@link AgentProcess}) also runs the policy action logger
 * ({@code --log-file}, {@code --log-stdout}), the flow stream and the HTTP endpoint ({@code --http-port}).
 * SIGTERM (or Ctrl-C) stops it cleanly: informers first, then the control thread, the visibility thread, the HTTP
 * and endpoint servers, and the dataplane (XDP programs detached, sockets and UMEM closed, sluice_host deleted).
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the node agent: informers -> one control thread -> table snapshots published to the workers.",
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = { "0:stopped cleanly", "1:could not start (API server config, state file)",
        "2:bad arguments" })
public final class AgentCommand implements Callable<Integer>
{
    /** The longest an idle table-only worker parks: bounds the delay before it sees new tables. */
    static final long WORKER_MAX_PARK_NS = 1_000_000L;

    /**
     * Makes the table sink: a {@link TablePublisher} with table-only workers (AF_XDP workers running the pipeline
     * replace them once the pipeline and the CNI's pod ports are wired in).
     */
    static TableSinkFactory sinkFactory =
        config -> TablePublisher.withTableOnlyWorkers(config, EndpointPorts.NONE, WORKER_MAX_PARK_NS);

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.cli");

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

    @Option(names = "--nodeport-range", defaultValue = "30000-32767", paramLabel = "MIN-MAX",
        description = "NodePorts the uplink hands to the fast path (TCP/UDP/SCTP to the node's address), or 'off'. "
            + "Default: ${DEFAULT-VALUE} (kube-apiserver's --service-node-port-range default).")
    String nodePortRange;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N",
        description = "Fast-path worker threads. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--cpus", split = ",", paramLabel = "LIST",
        description = "CPUs to pin the workers to, one per worker (e.g. 2,3).")
    List<Integer> cpus = List.of();

    @Option(names = "--tick-ms", defaultValue = "50", paramLabel = "MS",
        description = "Shortest interval between two snapshots: a change after a quiet tick is built at once, "
            + "changes during a tick are collected into the next one. Default: ${DEFAULT-VALUE}.")
    long tickMs;

    @Option(names = "--max-policy-peers", defaultValue = "1000", paramLabel = "N",
        description = "A NetworkPolicy with more peers is rejected. Default: ${DEFAULT-VALUE}.")
    int maxPolicyPeers;

    @Option(names = "--http-port", defaultValue = "9965", paramLabel = "PORT",
        description = "Port of the HTTP endpoint (/metrics /healthz /readyz /status /flows); 0 = ephemeral. "
            + "Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--http-address", defaultValue = "0.0.0.0", paramLabel = "ADDR",
        description = "Address the HTTP endpoint binds. Default: ${DEFAULT-VALUE}.")
    String httpAddress;

    @Option(names = "--log-file", defaultValue = "/var/log/network/policy_action.log", paramLabel = "FILE",
        description = "The policy action log (JSON lines, size-rotated). Default: ${DEFAULT-VALUE}.")
    Path logFile;

    @Option(names = "--log-stdout", description = "Also write policy action records to stdout.")
    boolean logStdout;

    @Option(names = "--endpoint-socket", paramLabel = "PATH",
        defaultValue = dev.sluice.control.endpoint.EndpointClient.DEFAULT_SOCKET,
        description = "Unix socket the CNI plugin talks to (live dataplane only); the pods bound through it are "
            + "kept in PATH.bindings and bound again when the agent restarts. Default: ${DEFAULT-VALUE}.")
    Path endpointSocket;

    @Option(names = "--endpoint-timeout-ms", defaultValue = "10000", paramLabel = "MS",
        description = "How long CNI ADD waits for tables containing the pod. Default: ${DEFAULT-VALUE}.")
    long endpointTimeoutMs;

    @Option(names = "--conntrack-entries", defaultValue = "262144", paramLabel = "N",
        description = "Live connection tracking entries of the worker (the table has the next power of two of 4/3 N "
            + "slots, 128 bytes each; new flows past N are dropped and counted, established ones are kept). "
            + "Default: ${DEFAULT-VALUE}.")
    int conntrackEntries;

    @Option(names = "--conntrack-udp-timeout-s", defaultValue = "30", paramLabel = "S",
        description = "Seconds a UDP flow that has seen no reply stays tracked (answered flows: 120 s). "
            + "Default: ${DEFAULT-VALUE}.")
    long conntrackUdpTimeoutS;

    @Option(names = "--no-dataplane",
        description = "Attach no AF_XDP sockets: run table-only workers (the publish path is real, no packets).")
    boolean noDataplane;

    @Option(names = "--exit-when-ready", hidden = true,
        description = "Exit once the first snapshot is installed (smoke tests).")
    boolean exitWhenReady;

    /**
     * Start the agent process as the options say (not waiting for readiness).
     *
     * @return the running process; the caller closes it.
     * @throws CommandLine.ParameterException when an option is invalid.
     * @throws ClusterStateException          when the state file cannot be read.
     * @throws IOException                    when the API client, the log file or the endpoint cannot be set up.
     * @throws InterruptedException           when interrupted while starting.
     */
    public AgentProcess launch() throws ClusterStateException, IOException, InterruptedException
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
        final boolean live = uplink != null && !noDataplane;
        if (live && workers != 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers " + workers + ": the live "
                + "dataplane runs one pipeline worker that carries every port (each pod veth has one queue, and a "
                + "port cannot be split between workers); use --workers 1, or --no-dataplane for table-only workers");
        }
        try
        {
            nodePortRange(nodePortRange);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final List<io.fabric8.kubernetes.api.model.HasMetadata> objects =
            state == null ? null : new ClusterStateLoader().readObjects(state);
        final KubernetesClient client;
        if (state == null)
        {
            try
            {
                final Config kube = kubeconfig == null
                    ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
                client = new KubernetesClientBuilder().withConfig(kube).build();
            }
            catch (final RuntimeException ex)
            {
                throw new IOException("cannot configure the API server client: " + ex.getMessage(), ex);
            }
        }
        else
        {
            client = null;
        }
        final AgentProcess.Options options = new AgentProcess.Options(config, logFile,
            logStdout ? System.out : null, new InetSocketAddress(httpAddress, httpPort));
        if (live)
        {
            return launchLive(config, options, objects, client);
        }
        final TableSink sink = sinkFactory.create(config);
        try
        {
            final AgentProcess process = AgentProcess.start(options, sink, metrics -> objects != null
                ? NodeAgent.offline(objects, config, sink, metrics)
                : NodeAgent.online(client, config, sink, metrics));
            if (client != null)
            {
                process.closeAlso(client);
            }
            return process;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            if (client != null)
            {
                client.close();
            }
            throw ex;
        }
    }

    /**
     * The worker's conntrack table from {@code --conntrack-entries} and {@code --conntrack-udp-timeout-s}.
     *
     * @param entries         live entries the table must hold.
     * @param udpTimeoutS     seconds an unanswered UDP flow stays.
     * @return the configuration.
     * @throws IllegalArgumentException naming the option when a value is out of range.
     */
    static ConntrackConfig conntrackConfig(final int entries, final long udpTimeoutS)
    {
        if (entries < 1 || entries > (1 << 26))
        {
            throw new IllegalArgumentException("--conntrack-entries " + entries + ": need 1.." + (1 << 26));
        }
        if (udpTimeoutS < 1 || udpTimeoutS > 86_400)
        {
            throw new IllegalArgumentException("--conntrack-udp-timeout-s " + udpTimeoutS + ": need 1..86400");
        }
        final ConntrackTimeouts d = ConntrackTimeouts.DEFAULTS;
        return ConntrackConfig.forEntries(entries).withMaxEntries(entries).withTimeouts(new ConntrackTimeouts(
            d.tcpSynNs(), d.tcpEstablishedNs(), d.tcpUnassuredNs(), d.tcpFinNs(), d.tcpTimeWaitNs(), d.tcpClosedNs(),
            TimeUnit.SECONDS.toNanos(udpTimeoutS), d.udpAssuredNs(), d.icmpEchoNs()));
    }

    /**
     * Parses {@code --nodeport-range}.
     *
     * @param text {@code MIN-MAX} or {@code off}.
     * @return {min, max}; {0, 0} for off.
     * @throws IllegalArgumentException naming the text when it is malformed or out of 1..65535.
     */
    static int[] nodePortRange(final String text)
    {
        if ("off".equals(text))
        {
            return new int[] { 0, 0 };
        }
        final int dash = text.indexOf('-');
        try
        {
            final int min = Integer.parseInt(text.substring(0, dash < 0 ? text.length() : dash));
            final int max = dash < 0 ? min : Integer.parseInt(text.substring(dash + 1));
            if (min < 1 || max > 0xFFFF || min > max)
            {
                throw new IllegalArgumentException("--nodeport-range " + text + ": need MIN-MAX within 1-65535, " +
                    "MIN <= MAX, or off");
            }
            return new int[] { min, max };
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--nodeport-range " + text + ": need MIN-MAX within 1-65535, " +
                "MIN <= MAX, or off", ex);
        }
    }

    /**
     * The live node: the AF_XDP dataplane (uplink, host port, pod ports on one pipeline worker), its table
     * publisher, and the endpoint server the CNI plugin binds pods through.
     */
    private AgentProcess launchLive(final AgentConfig config, final AgentProcess.Options options,
        final List<io.fabric8.kubernetes.api.model.HasMetadata> objects, final KubernetesClient client)
        throws IOException, InterruptedException
    {
        final VerdictEvents events = new VerdictEvents(AgentProcess.VERDICT_RING_CAPACITY);
        NodeDataplane dataplane = null;
        EndpointServer server = null;
        AgentProcess process = null;
        try
        {
            final int[] range = nodePortRange(nodePortRange);
            dataplane = NodeDataplane.start(config.nodeName(), uplink, events,
                config.cpus().isEmpty() ? -1 : config.cpus().get(0), range[0], range[1],
                conntrackConfig(conntrackEntries, conntrackUdpTimeoutS));
            final NodeDataplane plane = dataplane;
            final PodEndpoints endpoints = new PodEndpoints();
            final NodeTablesSource compiler = NodeTablesSource.compiler(config.nodeName(), endpoints,
                plane.tunnelSource());
            final TablePublisher publisher = new TablePublisher(config.nodeName(),
                List.of(plane.workerTables()), (state, generation) ->
                {
                    plane.beforeCompile(state);
                    return compiler.compile(state, generation);
                }, TablePublisher.Reclaimer.GC);
            publisher.housekeeping(plane::housekeeping);
            final NodeAgent[] agent = new NodeAgent[1];
            process = AgentProcess.start(options, publisher, metrics ->
            {
                agent[0] = objects != null
                    ? NodeAgent.offline(objects, config, publisher, metrics)
                    : NodeAgent.online(client, config, publisher, metrics);
                agent[0].control().cniAddresses(endpoints);
                plane.onRebuildNeeded(agent[0].control()::requestRebuild);
                return agent[0];
            }, events);
            process.dataplane(plane);
            final EndpointBinder binder = new EndpointBinder(config.nodeName(), plane, endpoints,
                () -> agent[0] == null ? null : agent[0].control(), publisher, endpointTimeoutMs * 1_000_000L)
                .stateFile(endpointSocket.resolveSibling(endpointSocket.getFileName() + ".bindings"));
            final int restored = binder.restore();
            if (restored > 0)
            {
                LOG.log(System.Logger.Level.INFO, "restored " + restored + " pod binding(s) of the previous agent");
            }
            server = EndpointServer.start(endpointSocket, binder, Duration.ofSeconds(5));
            process.closeAlso(server);
            process.closeAlso(plane);
            if (client != null)
            {
                process.closeAlso(client);
            }
            return process;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            if (process != null)
            {
                process.close();
            }
            if (server != null)
            {
                server.close();
            }
            if (dataplane != null)
            {
                dataplane.close();
            }
            if (client != null)
            {
                client.close();
            }
            throw ex;
        }
    }

    @Override
    public Integer call() throws Exception
    {
        final AgentProcess process;
        try
        {
            process = launch();
        }
        catch (final ClusterStateException | IOException ex)
        {
            spec.commandLine().getErr().println(ex.getMessage());
            return 1;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            process.close();
            stopped.countDown();
        }, "sluice-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        final var out = spec.commandLine().getOut();
        out.println("sluice agent on node " + node + (state == null ? "" : " (offline: " + state + ")")
            + ", " + workers + " worker(s)" + (uplink == null ? "" : ", uplink " + uplink)
            + (process.httpPort() < 0 ? "" : ", HTTP on port " + process.httpPort()));
        out.flush();
        final NodeAgent agent = process.agent();
        while (!agent.ready() && stopped.getCount() > 0)
        {
            stopped.await(50, TimeUnit.MILLISECONDS);
        }
        if (agent.ready())
        {
            out.println("ready: " + LoggingTableSink.describe(node, agent.lastState(),
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
