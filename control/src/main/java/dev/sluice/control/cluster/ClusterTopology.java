package dev.sluice.control.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.sluice.control.cni.CniInstall;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * A Kubernetes cluster of N nodes on one machine, built the way the node end-to-end conventions say (see
 * {@link ClusterLayout}): an underlay bridge in its own network namespace, one namespace per node with its uplink
 * {@code eth0}, one {@code sluice agent} per node running inside its namespace, pods as network namespaces wired
 * by the {@code sluice-cni} plugin called exactly as a kubelet calls it, and an API server: the
 * {@link EmbeddedApiServer} (when no kubeconfig is given) on the root-netns end of the API veth, or a real
 * cluster's.
 * <p>
 * Roles it plays beside the agents: the node bootstrapper (Node objects with podCIDR and InternalIP), the kubelet
 * (Pod object, pod netns, CNI ADD, status.podIP/phase Running, the workload; and the reverse on delete) and, with
 * the embedded server only, the EndpointSlice controller of the Services it creates.
 * <p>
 * Everything it creates is undone by {@link #close()} in reverse order (pods, agents, namespaces, veth, runtime
 * files, the server), also after a failure halfway through {@link #start(Options)} and, through a shutdown hook,
 * on Ctrl-C. It stops only the processes it started, by PID.
 */
public final class ClusterTopology implements AutoCloseable
{
    /** The agent's HTTP endpoint inside each node's netns. */
    public static final int AGENT_HTTP_PORT = 9400;
    /** The workload's HTTP port. */
    public static final int HTTP_PORT = 8080;
    /** The workload's UDP echo port. */
    public static final int UDP_PORT = 5353;
    /** The workload's TCP echo port (round-trip timing). */
    public static final int ECHO_PORT = 9000;
    /** Labels of the EndpointSlices this driver manages. */
    public static final String MANAGED_BY = "sluice-cluster-driver";

    private static final Duration GRACE = Duration.ofSeconds(10);
    /** The mock API server handles one write at a time: with many in flight on a loaded machine, each waits long. */
    private static final int BULK_REQUEST_TIMEOUT_MS = 120_000;
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final Options options;
    private final ClusterLayout layout;
    private final ChildProcesses children = new ChildProcesses();
    private final Deque<Undo> undo = new ArrayDeque<>();
    private final List<NodeHandle> nodes = new ArrayList<>();
    private final Map<String, PodHandle> pods = new LinkedHashMap<>();
    private final Map<String, Service> services = new LinkedHashMap<>();
    /** Services made by {@link #createStaticServices}: namespace/name, still to delete at close. */
    private final Set<String> staticServices = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean staticUndoRegistered = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** One writer of EndpointSlices at a time (an update races another's and gets 409 otherwise). */
    private final Object sliceLock = new Object();
    private final Thread shutdownHook;
    private EmbeddedApiServer server;
    private KubernetesClient client;
    private Path kubeconfig;
    private Path cniBinary;
    private Path probeScript;
    private Path workloadScript;

    /**
     * How to build the cluster.
     *
     * @param layout            names and addresses.
     * @param nodeCount         how many nodes (at least 1).
     * @param runDir            logs, kubeconfig, CNI binary, scripts (created; kept after close for the logs).
     * @param kubeconfig        a real cluster's kubeconfig, or null for the embedded API server.
     * @param agentReadyTimeout how long an agent may take to answer /readyz 200.
     * @param agentJvmOptions   extra JVM options of the agents (e.g. heap size).
     * @param agents            whether to install the CNI plugin and start the agents (without them: only the
     *                          underlay, the nodes' namespaces and the API server, no pods).
     * @param log               progress messages (one line each).
     * @param agentArguments    extra {@code sluice agent} arguments by node index (e.g. {@code --cpus 1}); a node
     *                          missing from the map gets none.
     */
    public record Options(ClusterLayout layout, int nodeCount, Path runDir, Path kubeconfig,
        Duration agentReadyTimeout, List<String> agentJvmOptions, boolean agents, Consumer<String> log,
        Map<Integer, List<String>> agentArguments)
    {
        /**
         * Checks the node count.
         */
        public Options
        {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(runDir, "runDir");
            if (nodeCount < 1 || nodeCount > layout.maxNodes())
            {
                throw new IllegalArgumentException("node count must be 1.." + layout.maxNodes() + ": " + nodeCount);
            }
            agentJvmOptions = List.copyOf(agentJvmOptions);
            final Map<Integer, List<String>> arguments = new LinkedHashMap<>();
            for (final Map.Entry<Integer, List<String>> entry : agentArguments.entrySet())
            {
                if (entry.getKey() < 1 || entry.getKey() > nodeCount)
                {
                    throw new IllegalArgumentException("agent arguments for node " + entry.getKey()
                        + " outside 1.." + nodeCount);
                }
                arguments.put(entry.getKey(), List.copyOf(entry.getValue()));
            }
            agentArguments = Collections.unmodifiableMap(arguments);
        }

        /**
         * Options without extra agent arguments.
         *
         * @param layout            names and addresses.
         * @param nodeCount         how many nodes (at least 1).
         * @param runDir            logs, kubeconfig, CNI binary, scripts.
         * @param kubeconfig        a real cluster's kubeconfig, or null for the embedded API server.
         * @param agentReadyTimeout how long an agent may take to answer /readyz 200.
         * @param agentJvmOptions   extra JVM options of the agents.
         * @param agents            whether to install the CNI plugin and start the agents.
         * @param log               progress messages (one line each).
         */
        public Options(final ClusterLayout layout, final int nodeCount, final Path runDir, final Path kubeconfig,
            final Duration agentReadyTimeout, final List<String> agentJvmOptions, final boolean agents,
            final Consumer<String> log)
        {
            this(layout, nodeCount, runDir, kubeconfig, agentReadyTimeout, agentJvmOptions, agents, log, Map.of());
        }

        /**
         * @param layout    names and addresses.
         * @param nodeCount how many nodes.
         * @param runDir    where logs and generated files go.
         * @param log       progress messages.
         * @return options with the embedded API server, 90 s agent readiness and a 384 MiB agent heap.
         */
        public static Options of(final ClusterLayout layout, final int nodeCount, final Path runDir,
            final Consumer<String> log)
        {
            return new Options(layout, nodeCount, runDir, null, Duration.ofSeconds(90),
                List.of("-Xmx384m", "-XX:+UseSerialGC"), true, log);
        }

        /**
         * @param file a real cluster's kubeconfig, or null for the embedded server.
         * @return these options with that kubeconfig.
         */
        public Options withKubeconfig(final Path file)
        {
            return new Options(layout, nodeCount, runDir, file, agentReadyTimeout, agentJvmOptions, agents, log,
                agentArguments);
        }

        /**
         * @return these options without CNI plugin and agents (the plumbing and the API server only).
         */
        public Options withoutAgents()
        {
            return new Options(layout, nodeCount, runDir, kubeconfig, agentReadyTimeout, agentJvmOptions, false, log,
                agentArguments);
        }

        /**
         * @param arguments extra {@code sluice agent} arguments by node index.
         * @return these options with those arguments.
         */
        public Options withAgentArguments(final Map<Integer, List<String>> arguments)
        {
            return new Options(layout, nodeCount, runDir, kubeconfig, agentReadyTimeout, agentJvmOptions, agents, log,
                arguments);
        }
    }

    /**
     * A node.
     *
     * @param index       1-based index.
     * @param name        its Node name.
     * @param netns       its network namespace.
     * @param address     its underlay address.
     * @param podCidr     its pod CIDR.
     * @param gateway     its pods' gateway.
     * @param dir         its directory under the run dir (agent output, policy action log).
     * @param policyLog   the agent's policy action log (null without agents).
     * @param agent       the agent process (null without agents).
     */
    public record NodeHandle(int index, String name, String netns, String address, String podCidr, String gateway,
        Path dir, Path policyLog, ChildProcesses.Child agent)
    {
        /**
         * @return the agent's HTTP endpoint, reachable inside the node's netns.
         */
        public String agentUrl()
        {
            return "http://127.0.0.1:" + AGENT_HTTP_PORT;
        }
    }

    /**
     * A running pod.
     *
     * @param namespace   its namespace.
     * @param name        its name.
     * @param node        its node's index.
     * @param netns       its network namespace.
     * @param containerId the sandbox id given to the CNI plugin.
     * @param ip          its IPv4 address from the CNI result.
     * @param hostVeth    the host-side veth name in the node's netns.
     * @param labels      its labels.
     * @param workload    the workload process.
     */
    public record PodHandle(String namespace, String name, int node, String netns, String containerId, String ip,
        String hostVeth, Map<String, String> labels, ChildProcesses.Child workload)
    {
        /**
         * @return {@code namespace/name}.
         */
        public String key()
        {
            return namespace + "/" + name;
        }
    }

    /**
     * A probe's outcome.
     *
     * @param ok     whether the connection (or datagram exchange, or echo) succeeded.
     * @param output what the probe printed (the server's answer).
     * @param detail the command and its error output.
     */
    public record Probe(boolean ok, String output, String detail)
    {
    }

    private record Undo(String what, Step step)
    {
    }

    @FunctionalInterface
    private interface Step
    {
        void run() throws Exception;
    }

    private ClusterTopology(final Options options)
    {
        this.options = options;
        this.layout = options.layout();
        this.shutdownHook = new Thread(this::close, "sluice-cluster-teardown");
    }

    /**
     * Build the whole cluster: underlay, API server, nodes, agents (waiting until each answers /readyz). On failure
     * everything built so far is removed before the exception propagates.
     *
     * @param options how.
     * @return the running cluster; close it.
     * @throws IOException          when a step fails (the message names the command and its output).
     * @throws InterruptedException when interrupted.
     */
    public static ClusterTopology start(final Options options) throws IOException, InterruptedException
    {
        final ClusterTopology topology = new ClusterTopology(options);
        Runtime.getRuntime().addShutdownHook(topology.shutdownHook);
        try
        {
            topology.build();
            return topology;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            topology.log("setup failed: " + ex.getMessage());
            topology.close();
            throw ex;
        }
    }

    private void build() throws IOException, InterruptedException
    {
        Files.createDirectories(options.runDir());
        removeLeftovers();
        if (!Files.exists(layout.runtimeRoot()))
        {
            Files.createDirectories(layout.runtimeRoot());
            onClose("runtime dir " + layout.runtimeRoot(), () -> deleteTree(layout.runtimeRoot()));
        }
        workloadScript = resource("workload.py");
        probeScript = resource("probe.py");

        final String u = layout.underlayNetns();
        log("underlay: netns " + u + ", bridge br0, " + layout.underlayCidr());
        Shell.check("ip", "netns", "add", u);
        onClose("netns " + u, () -> Shell.check("ip", "netns", "del", u));
        Shell.check("ip", "-n", u, "link", "set", "lo", "up");
        Shell.check("ip", "-n", u, "link", "add", "br0", "type", "bridge");
        Shell.check("ip", "-n", u, "link", "set", "br0", "up");
        // a quiet underlay: no IPv6 router solicitations or DAD in the captures
        Shell.check("ip", "netns", "exec", u, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1");

        // the API veth: root netns end holds the API server's address, the other end is on the bridge
        final String api = layout.apiVeth();
        log("API veth: " + api + " " + layout.apiAddress() + " (root netns) <-> un-api on br0");
        Shell.check("ip", "link", "add", api, "type", "veth", "peer", "name", "un-api", "netns", u);
        onClose("veth " + api, () ->
        {
            if (Shell.run("ip", "link", "show", api).ok())
            {
                Shell.check("ip", "link", "del", api);
            }
        });
        Shell.check("ip", "addr", "add", layout.apiAddress() + "/" + layout.prefixLength(), "dev", api);
        Shell.check("ip", "link", "set", api, "up");
        Shell.check("ip", "-n", u, "link", "set", "un-api", "master", "br0", "up");

        if (options.kubeconfig() == null)
        {
            server = new EmbeddedApiServer(InetAddress.getByName(layout.apiAddress()), 0);
            onClose("API server", server::close);
            kubeconfig = server.writeKubeconfigFile(options.runDir().resolve("kubeconfig"));
            log("API server: " + server.url() + " (embedded), kubeconfig " + kubeconfig);
        }
        else
        {
            kubeconfig = options.kubeconfig().toAbsolutePath();
            log("API server: from " + kubeconfig);
        }
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build();
        onClose("API client", client::close);

        // installing the plugin (with its start-up cache) takes a while: it runs while the agents start
        final CompletableFuture<Path> cni = options.agents()
            ? CompletableFuture.supplyAsync(() -> installCniUnchecked(options.runDir().resolve("cni-bin")),
                Thread::startVirtualThread)
            : null;

        for (int i = 1; i <= options.nodeCount(); i++)
        {
            createNode(i);
        }
        for (int i = 1; i <= options.nodeCount(); i++)
        {
            nodes.add(options.agents() ? startAgent(i) : new NodeHandle(i, ClusterLayout.nodeName(i),
                layout.nodeNetns(i), layout.nodeAddress(i), ClusterLayout.podCidr(i), ClusterLayout.podGateway(i),
                options.runDir().resolve(ClusterLayout.nodeName(i)), null, null));
        }
        for (final NodeHandle node : nodes)
        {
            if (node.agent() != null)
            {
                awaitReady(node);
            }
        }
        if (cni != null)
        {
            try
            {
                cniBinary = cni.get();
            }
            catch (final ExecutionException ex)
            {
                throw ex.getCause() instanceof UncheckedIOException io ? io.getCause()
                    : new IOException("installing sluice-cni failed: " + ex.getCause(), ex.getCause());
            }
            log("CNI plugin: " + cniBinary);
        }
    }

    private void createNode(final int i) throws IOException
    {
        final String netns = layout.nodeNetns(i);
        final String name = ClusterLayout.nodeName(i);
        final String address = layout.nodeAddress(i);
        log("node " + name + ": netns " + netns + ", eth0 " + address + "/" + layout.prefixLength()
            + ", podCIDR " + ClusterLayout.podCidr(i));
        Shell.check("ip", "netns", "add", netns);
        onClose("netns " + netns, () -> Shell.check("ip", "netns", "del", netns));
        Shell.check("ip", "-n", netns, "link", "set", "lo", "up");
        Shell.check("ip", "link", "add", "eth0", "netns", netns, "type", "veth", "peer", "name", "un-" + i, "netns",
            layout.underlayNetns());
        Shell.check("ip", "-n", layout.underlayNetns(), "link", "set", "un-" + i, "master", "br0", "up");
        Shell.check("ip", "-n", netns, "addr", "add", address + "/" + layout.prefixLength(), "dev", "eth0");
        Shell.check("ip", "-n", netns, "link", "set", "eth0", "up");
        if (options.kubeconfig() != null)
        {
            // a real API server outside the underlay: reached through the root netns
            Shell.check("ip", "-n", netns, "route", "add", "default", "via", layout.apiAddress());
        }
        Shell.check("ip", "netns", "exec", netns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
            "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");

        final Path runtime = layout.runtimeDir(i);
        Files.createDirectories(runtime.resolve("ipam"));
        onClose("runtime dir " + runtime, () -> deleteTree(runtime));

        if (client.nodes().withName(name).get() != null)
        {
            // a real cluster's node of that name is not ours to rewrite or delete
            throw new IOException("Node " + name + " already exists in the cluster at " + kubeconfig);
        }
        client.nodes().resource(new NodeBuilder()
            .withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
            .endMetadata()
            .withNewSpec().withPodCIDR(ClusterLayout.podCidr(i)).withPodCIDRs(ClusterLayout.podCidr(i)).endSpec()
            .withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(address).endAddress()
                .addNewAddress().withType("Hostname").withAddress(name).endAddress()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
            .endStatus()
            .build()).create();
        onClose("Node " + name, () -> client.nodes().withName(name).delete());
    }

    private NodeHandle startAgent(final int i) throws IOException
    {
        final String netns = layout.nodeNetns(i);
        final String name = ClusterLayout.nodeName(i);
        final Path dir = options.runDir().resolve(name);
        Files.createDirectories(dir);
        final Path policyLog = dir.resolve("policy_action.log");
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        command.addAll(javaCommand(options.agentJvmOptions()));
        command.addAll(List.of("agent", "--node", name, "--kubeconfig", kubeconfig.toString(), "--uplink", "eth0",
            "--endpoint-socket", layout.endpointSocket(i).toString(),
            "--http-address", "127.0.0.1", "--http-port", Integer.toString(AGENT_HTTP_PORT),
            "--log-file", policyLog.toString()));
        command.addAll(options.agentArguments().getOrDefault(i, List.of()));
        final ChildProcesses.Child agent = children.start("agent " + name, command,
            Map.of("NO_PROXY", layout.apiAddress(), "no_proxy", layout.apiAddress()),
            dir.resolve("agent.out"), dir.resolve("agent.err"));
        onClose("agent " + name + " (pid " + agent.pid() + ")", () ->
        {
            final int status = children.stop(agent, GRACE);
            if (status != 0 && status != 143)
            {
                log("agent " + name + " exited " + status + "; see " + dir.resolve("agent.err"));
            }
        });
        log("agent " + name + ": pid " + agent.pid() + ", output in " + dir);
        return new NodeHandle(i, name, netns, layout.nodeAddress(i), ClusterLayout.podCidr(i),
            ClusterLayout.podGateway(i), dir, policyLog, agent);
    }

    private void awaitReady(final NodeHandle node) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + options.agentReadyTimeout().toNanos();
        while (true)
        {
            if (!node.agent().process().isAlive())
            {
                throw new IOException("agent " + node.name() + " exited " + node.agent().process().exitValue()
                    + " before it was ready: " + tail(node.agent().stderr()) + tail(node.agent().stdout()));
            }
            final Shell.Result r = Shell.run(List.of("ip", "netns", "exec", node.netns(), "curl", "--noproxy", "*",
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", node.agentUrl() + "/readyz"),
                Map.of(), null, Shell.SHORT);
            if (r.ok() && r.stdout().strip().equals("200"))
            {
                log("agent " + node.name() + ": ready");
                return;
            }
            if (System.nanoTime() > deadline)
            {
                throw new IOException("agent " + node.name() + " not ready after " + options.agentReadyTimeout()
                    .toSeconds() + " s (/readyz: " + r.stdout() + "): " + tail(node.agent().stderr()));
            }
            Thread.sleep(200);
        }
    }

    /**
     * @return whether teardown has begun (by {@link #close()} or the shutdown hook).
     */
    public boolean closing()
    {
        return closed.get();
    }

    /**
     * @return the layout.
     */
    public ClusterLayout layout()
    {
        return layout;
    }

    /**
     * @return the run directory (logs, kubeconfig, CNI binary).
     */
    public Path runDir()
    {
        return options.runDir();
    }

    /**
     * @return the kubeconfig every client (kubectl, the agents) uses.
     */
    public Path kubeconfig()
    {
        return kubeconfig;
    }

    /**
     * @return whether the API server is the embedded one.
     */
    public boolean embedded()
    {
        return server != null;
    }

    /**
     * @return the embedded API server, or null with a real cluster.
     */
    public EmbeddedApiServer server()
    {
        return server;
    }

    /**
     * @return the driver's API client.
     */
    public KubernetesClient client()
    {
        return client;
    }

    /**
     * @return the nodes, by index.
     */
    public List<NodeHandle> nodes()
    {
        return List.copyOf(nodes);
    }

    /**
     * @param index 1-based node index.
     * @return the node.
     */
    public NodeHandle node(final int index)
    {
        return nodes.get(index - 1);
    }

    /**
     * @return the running pods, in creation order.
     */
    public synchronized List<PodHandle> pods()
    {
        return List.copyOf(pods.values());
    }

    /**
     * Create a namespace, deleted again at close; one that exists already (a real cluster's) only gets the labels
     * added and is left in place at close.
     *
     * @param name   its name.
     * @param labels its labels ({@code kubernetes.io/metadata.name} is added, as the API server does).
     */
    public void createNamespace(final String name, final Map<String, String> labels)
    {
        final Map<String, String> all = new LinkedHashMap<>(labels);
        all.put("kubernetes.io/metadata.name", name);
        if (client.namespaces().withName(name).get() != null)
        {
            client.namespaces().withName(name).edit(ns -> new NamespaceBuilder(ns).editMetadata().addToLabels(all)
                .endMetadata().build());
            return;
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(all)
            .endMetadata().build()).create();
        onClose("Namespace " + name, () -> client.namespaces().withName(name).delete());
    }

    /**
     * The kubelet's part: create a pod on a node and start its workload (HTTP {@value #HTTP_PORT}, UDP echo
     * {@value #UDP_PORT}, TCP echo {@value #ECHO_PORT}). Pod object (Pending) -> netns -> CNI ADD (as a kubelet
     * calls it, inside the node's netns) -> status.podIP, phase Running, Ready -> workload -> EndpointSlices.
     *
     * @param namespace its namespace.
     * @param name      its name.
     * @param node      1-based node index.
     * @param labels    its labels.
     * @return the running pod.
     * @throws IOException          when a step fails.
     * @throws InterruptedException when interrupted.
     */
    public PodHandle createPod(final String namespace, final String name, final int node,
        final Map<String, String> labels) throws IOException, InterruptedException
    {
        final NodeHandle host = node(node);
        if (cniBinary == null)
        {
            throw new IllegalStateException("this topology runs no agents and has no CNI plugin: no pods");
        }
        final String netns = layout.podNetns(node, namespace, name);
        final String containerId = sha256Hex(layout.prefix() + namespace + "/" + name + "/" + System.nanoTime());
        final Pod pod = client.pods().inNamespace(namespace).resource(new PodBuilder()
            .withNewMetadata().withNamespace(namespace).withName(name).withLabels(labels).endMetadata()
            .withNewSpec().withNodeName(host.name())
                .addNewContainer().withName("app").withImage("sluice.dev/workload:local")
                    .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(HTTP_PORT)
                            .withProtocol("TCP").build(),
                        new ContainerPortBuilder().withName("udp-echo").withContainerPort(UDP_PORT)
                            .withProtocol("UDP").build(),
                        new ContainerPortBuilder().withName("tcp-echo").withContainerPort(ECHO_PORT)
                            .withProtocol("TCP").build())
                .endContainer()
            .endSpec()
            .withNewStatus().withPhase("Pending").endStatus()
            .build()).create();
        final PodHandle[] made = new PodHandle[1];
        onClose("pod " + namespace + "/" + name, () ->
        {
            if (made[0] != null)
            {
                deletePod(made[0]);
            }
        });
        Shell.check("ip", "netns", "add", netns);
        boolean wired = false;
        try
        {
            Shell.check("ip", "-n", netns, "link", "set", "lo", "up");
            final Shell.Result add = cni("ADD", host, netns, containerId, namespace, name, pod.getMetadata().getUid());
            if (!add.ok())
            {
                throw new IOException("CNI ADD of " + namespace + "/" + name + " failed: " + add.describe());
            }
            wired = true;
            final String ip = firstIpv4(add.stdout());
            final String hostVeth = hostVethName(containerId);

            client.pods().inNamespace(namespace).withName(name).editStatus(p -> new PodBuilder(p).editStatus()
                .withPhase("Running").withPodIP(ip).withPodIPs(new PodIP(ip)).withHostIP(host.address())
                .withHostIPs(new io.fabric8.kubernetes.api.model.HostIP(host.address()))
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .endStatus().build());

            final Path dir = options.runDir().resolve("pods");
            Files.createDirectories(dir);
            final String base = namespace + "-" + name;
            final ChildProcesses.Child workload = children.start("workload " + namespace + "/" + name,
                Shell.inNetns(netns, "/usr/bin/python3", "-u", workloadScript.toString(), namespace + "/" + name),
                Map.of(), dir.resolve(base + ".out"), dir.resolve(base + ".err"));
            awaitLine(workload, "ready", Duration.ofSeconds(20));
            final PodHandle handle = new PodHandle(namespace, name, node, netns, containerId, ip, hostVeth,
                Map.copyOf(labels), workload);
            made[0] = handle;
            synchronized (this)
            {
                pods.put(handle.key(), handle);
            }
            syncEndpointSlices();
            log("pod " + handle.key() + " on " + host.name() + ": " + ip + " (netns " + netns + ", host veth "
                + hostVeth + ")");
            return handle;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            if (made[0] == null)
            {
                if (wired)
                {
                    cni("DEL", host, netns, containerId, namespace, name, pod.getMetadata().getUid());
                }
                Shell.run("ip", "netns", "del", netns);
                client.pods().inNamespace(namespace).withName(name).delete();
            }
            throw ex;
        }
    }

    /**
     * The kubelet's part of a pod deletion: stop the workload, CNI DEL, remove the netns, delete the Pod object,
     * update the EndpointSlices. Idempotent.
     *
     * @param pod the pod.
     * @throws IOException          when CNI DEL fails (everything else is still done).
     * @throws InterruptedException when interrupted.
     */
    public void deletePod(final PodHandle pod) throws IOException, InterruptedException
    {
        synchronized (this)
        {
            if (pods.remove(pod.key()) == null)
            {
                return;
            }
        }
        children.stop(pod.workload(), Duration.ofSeconds(3));
        final Shell.Result del = cni("DEL", node(pod.node()), pod.netns(), pod.containerId(), pod.namespace(),
            pod.name(), "");
        Shell.run("ip", "netns", "del", pod.netns());
        client.pods().inNamespace(pod.namespace()).withName(pod.name()).delete();
        syncEndpointSlices();
        if (!del.ok())
        {
            throw new IOException("CNI DEL of " + pod.key() + " failed: " + del.describe());
        }
    }

    /**
     * Create a ClusterIP Service: TCP {@code port} -> the workload's HTTP port and UDP {@code port} -> its UDP echo.
     * With the embedded API server this driver also maintains its EndpointSlice (ready pods matching the selector).
     *
     * @param namespace its namespace.
     * @param name      its name.
     * @param clusterIp its ClusterIP (from 198.18.250.0/24).
     * @param port      the service port (TCP and UDP).
     * @param selector  its pod selector.
     * @return the stored Service.
     */
    public Service createService(final String namespace, final String name, final String clusterIp, final int port,
        final Map<String, String> selector)
    {
        final Service service = client.services().inNamespace(namespace).resource(new ServiceBuilder()
            .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
            .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withClusterIPs(clusterIp)
                .withSelector(selector)
                .withPorts(new ServicePortBuilder().withName("http").withProtocol("TCP").withPort(port)
                        .withNewTargetPort(HTTP_PORT).build(),
                    new ServicePortBuilder().withName("udp").withProtocol("UDP").withPort(port)
                        .withNewTargetPort(UDP_PORT).build())
            .endSpec().build()).createOr(NonDeletingOperation::update);
        synchronized (this)
        {
            services.put(namespace + "/" + name, service);
        }
        onClose("Service " + namespace + "/" + name, () ->
        {
            synchronized (this)
            {
                services.remove(namespace + "/" + name);
            }
            client.services().inNamespace(namespace).withName(name).delete();
            client.resources(EndpointSlice.class).inNamespace(namespace).withName(name + "-sluice").delete();
        });
        syncEndpointSlices();
        return service;
    }

    /**
     * A selector-less ClusterIP Service with a fixed list of endpoints (one EndpointSlice {@code NAME-sluice} that
     * this driver writes once): the shape of the many extra Services of a scale benchmark, which must not be
     * rewritten on every pod change as {@link #createService} Services are.
     *
     * @param namespace  its namespace.
     * @param name       its name.
     * @param clusterIp  its ClusterIP.
     * @param protocol   {@code TCP}, {@code UDP} or {@code SCTP}.
     * @param port       the service port.
     * @param targetPort the endpoints' port.
     * @param endpoints  its backends (ready and serving).
     */
    public record StaticService(String namespace, String name, String clusterIp, String protocol, int port,
        int targetPort, List<PodHandle> endpoints)
    {
        /**
         * Checks the values.
         */
        public StaticService
        {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(clusterIp, "clusterIp");
            Objects.requireNonNull(protocol, "protocol");
            endpoints = List.copyOf(endpoints);
            if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535)
            {
                throw new IllegalArgumentException("ports out of range: " + port + " -> " + targetPort);
            }
        }

        /**
         * @return {@code namespace/name}.
         */
        public String key()
        {
            return namespace + "/" + name;
        }
    }

    /**
     * Create many {@link StaticService}s, each as a Service and its EndpointSlice, {@code parallelism} requests in
     * flight at a time. Whatever is left of them at {@link #close()} is deleted then.
     *
     * @param batch       the services.
     * @param parallelism how many creations run at once (at least 1).
     * @throws IOException          when a creation fails (the ones made before are kept, and deleted at close).
     * @throws InterruptedException when interrupted.
     */
    public void createStaticServices(final List<StaticService> batch, final int parallelism)
        throws IOException, InterruptedException
    {
        if (staticUndoRegistered.compareAndSet(false, true))
        {
            onClose("static Services", () -> deleteStaticServices(List.copyOf(staticServices), 16));
        }
        try (KubernetesClient bulk = bulkClient(parallelism))
        {
            createStaticServices(bulk, batch, parallelism);
        }
    }

    /**
     * A client allowing {@code parallelism} requests in flight to the API server (the driver's own client allows the
     * fabric8 default of 5 per host) and waiting up to 120 s for each (instead of 10).
     */
    private KubernetesClient bulkClient(final int parallelism) throws IOException
    {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(
            Config.fromKubeconfig(Files.readString(kubeconfig))).withMaxConcurrentRequests(Math.max(64, parallelism))
            .withMaxConcurrentRequestsPerHost(parallelism).withRequestTimeout(BULK_REQUEST_TIMEOUT_MS).build()).build();
    }

    private void createStaticServices(final KubernetesClient client, final List<StaticService> batch,
        final int parallelism) throws IOException, InterruptedException
    {
        forEachConcurrently(batch, parallelism, service ->
        {
            final String namespace = service.namespace();
            final List<Endpoint> endpoints = new ArrayList<>();
            for (final PodHandle pod : service.endpoints())
            {
                endpoints.add(new EndpointBuilder().withAddresses(pod.ip())
                    .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                    .withNodeName(node(pod.node()).name())
                    .withNewTargetRef().withKind("Pod").withNamespace(pod.namespace()).withName(pod.name())
                    .endTargetRef()
                    .build());
            }
            staticServices.add(service.key());
            client.services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(service.name()).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(service.clusterIp())
                    .withClusterIPs(service.clusterIp())
                    .withPorts(new ServicePortBuilder().withName("p").withProtocol(service.protocol())
                        .withPort(service.port()).withNewTargetPort(service.targetPort()).build())
                .endSpec().build()).createOr(NonDeletingOperation::update);
            client.resources(EndpointSlice.class).inNamespace(namespace).resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(service.name() + "-sluice")
                    .addToLabels("kubernetes.io/service-name", service.name())
                    .addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY)
                .endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints)
                .withPorts(new EndpointPortBuilder().withName("p").withProtocol(service.protocol())
                    .withPort(service.targetPort()).build())
                .build()).createOr(NonDeletingOperation::update);
        });
    }

    /**
     * Delete {@link StaticService}s (Service and EndpointSlice), {@code parallelism} at a time.
     *
     * @param keys        their {@code namespace/name}.
     * @param parallelism how many deletions run at once (at least 1).
     * @throws IOException          when a deletion fails.
     * @throws InterruptedException when interrupted.
     */
    public void deleteStaticServices(final List<String> keys, final int parallelism)
        throws IOException, InterruptedException
    {
        try (KubernetesClient bulk = bulkClient(parallelism))
        {
            deleteStaticServices(bulk, keys, parallelism);
        }
    }

    private void deleteStaticServices(final KubernetesClient client, final List<String> keys, final int parallelism)
        throws IOException, InterruptedException
    {
        forEachConcurrently(keys, parallelism, key ->
        {
            final String namespace = key.substring(0, key.indexOf('/'));
            final String name = key.substring(key.indexOf('/') + 1);
            client.resources(EndpointSlice.class).inNamespace(namespace).withName(name + "-sluice").delete();
            client.services().inNamespace(namespace).withName(name).delete();
            staticServices.remove(key);
        });
    }

    @FunctionalInterface
    private interface Task<T>
    {
        void run(T item) throws Exception;
    }

    private static <T> void forEachConcurrently(final List<T> items, final int parallelism, final Task<T> task)
        throws IOException, InterruptedException
    {
        if (parallelism < 1)
        {
            throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
        }
        final AtomicInteger next = new AtomicInteger();
        final List<Future<?>> running = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, items.size()))))
        {
            for (int t = 0; t < Math.min(parallelism, items.size()); t++)
            {
                running.add(pool.submit(() ->
                {
                    for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement())
                    {
                        task.run(items.get(i));
                    }
                    return null;
                }));
            }
            for (final Future<?> worker : running)
            {
                try
                {
                    worker.get();
                }
                catch (final ExecutionException ex)
                {
                    next.set(items.size());
                    throw ex.getCause() instanceof IOException io ? io
                        : new IOException("bulk API request failed: " + ex.getCause(), ex.getCause());
                }
            }
        }
    }

    /**
     * The EndpointSlice controller's part, embedded API server only: one slice per Service ({@code NAME-sluice}),
     * listing the running pods its selector matches.
     */
    private void syncEndpointSlices()
    {
        if (server == null)
        {
            return;
        }
        synchronized (sliceLock)
        {
            writeEndpointSlices();
        }
    }

    private void writeEndpointSlices()
    {
        final List<Service> all;
        final List<PodHandle> running;
        synchronized (this)
        {
            all = List.copyOf(services.values());
            running = List.copyOf(pods.values());
        }
        for (final Service service : all)
        {
            final String namespace = service.getMetadata().getNamespace();
            final Map<String, String> selector = service.getSpec().getSelector();
            final List<Endpoint> endpoints = new ArrayList<>();
            for (final PodHandle pod : running)
            {
                if (pod.namespace().equals(namespace) && pod.labels().entrySet().containsAll(selector.entrySet()))
                {
                    endpoints.add(new EndpointBuilder().withAddresses(pod.ip())
                        .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                        .withNodeName(node(pod.node()).name())
                        .withNewTargetRef().withKind("Pod").withNamespace(namespace).withName(pod.name())
                        .endTargetRef()
                        .build());
                }
            }
            final List<EndpointPort> ports = new ArrayList<>();
            for (final ServicePort port : service.getSpec().getPorts())
            {
                ports.add(new EndpointPortBuilder().withName(port.getName()).withProtocol(port.getProtocol())
                    .withPort(port.getTargetPort().getIntVal()).build());
            }
            final String name = service.getMetadata().getName();
            client.resources(EndpointSlice.class).inNamespace(namespace).resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name + "-sluice")
                    .addToLabels("kubernetes.io/service-name", name)
                    .addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY)
                .endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints).withPorts(ports)
                .build()).createOr(NonDeletingOperation::update);
        }
    }

    /**
     * Run a command inside a pod's netns.
     *
     * @param pod      the pod.
     * @param deadline how long it may run.
     * @param command  the program and its arguments.
     * @return its result.
     * @throws IOException when it cannot be started.
     */
    public Shell.Result exec(final PodHandle pod, final Duration deadline, final String... command) throws IOException
    {
        return Shell.run(Shell.inNetns(pod.netns(), command), Map.of(), null, deadline);
    }

    /**
     * Start a long-running process inside a pod's netns (stopped by {@link #stop} or at close).
     *
     * @param pod     the pod.
     * @param name    what it is.
     * @param command the program and its arguments.
     * @return the child.
     * @throws IOException when it cannot be started.
     */
    public ChildProcesses.Child startInPod(final PodHandle pod, final String name, final String... command)
        throws IOException
    {
        final Path dir = options.runDir().resolve("pods");
        Files.createDirectories(dir);
        final String base = pod.namespace() + "-" + pod.name() + "-" + name;
        return children.start(name + " in " + pod.key(), Shell.inNetns(pod.netns(), command), Map.of(),
            dir.resolve(base + ".out"), dir.resolve(base + ".err"));
    }

    /**
     * Start a long-running process inside a network namespace of this topology (e.g. a capture on the underlay).
     *
     * @param netns   the namespace.
     * @param name    what it is (also names its output files).
     * @param command the program and its arguments.
     * @return the child.
     * @throws IOException when it cannot be started.
     */
    public ChildProcesses.Child startInNetns(final String netns, final String name, final String... command)
        throws IOException
    {
        return children.start(name, Shell.inNetns(netns, command), Map.of(),
            options.runDir().resolve(name + ".out"), options.runDir().resolve(name + ".err"));
    }

    /**
     * Stop a process started by this topology (SIGTERM, then SIGKILL after the grace period).
     *
     * @param child the process.
     * @param grace how long it may take.
     * @return its exit status, -1 when killed.
     */
    public int stop(final ChildProcesses.Child child, final Duration grace)
    {
        return children.stop(child, grace);
    }

    /**
     * TCP: {@code curl} from a pod to {@code http://address:port/}.
     *
     * @param from    the client pod.
     * @param address the destination address.
     * @param port    the destination port.
     * @param timeout the connect + transfer limit.
     * @return whether an HTTP answer came, and its body.
     * @throws IOException when curl cannot be started.
     */
    public Probe tcp(final PodHandle from, final String address, final int port, final Duration timeout)
        throws IOException
    {
        final double seconds = timeout.toMillis() / 1000.0;
        final Shell.Result r = exec(from, timeout.plusSeconds(5), "curl", "--noproxy", "*", "-s", "-S", "--max-time",
            Double.toString(seconds), "http://" + address + ":" + port + "/");
        return new Probe(r.ok(), r.stdout().strip(), r.describe());
    }

    /**
     * UDP: one datagram from a pod to {@code address:port}, waiting for the echo.
     *
     * @param from    the client pod.
     * @param address the destination address.
     * @param port    the destination port.
     * @param timeout how long to wait for the answer.
     * @return whether an answer came, and what it said.
     * @throws IOException when python cannot be started.
     */
    public Probe udp(final PodHandle from, final String address, final int port, final Duration timeout)
        throws IOException
    {
        final Shell.Result r = exec(from, timeout.plusSeconds(5), "/usr/bin/python3", probeScript.toString(), "udp",
            address, Integer.toString(port), Double.toString(timeout.toMillis() / 1000.0));
        return new Probe(r.ok(), r.stdout().strip(), r.describe());
    }

    /**
     * ICMP echo: one ping from a pod.
     *
     * @param from    the client pod.
     * @param address the destination.
     * @param timeout how long to wait for the reply.
     * @return whether the reply came.
     * @throws IOException when ping cannot be started.
     */
    public Probe ping(final PodHandle from, final String address, final Duration timeout) throws IOException
    {
        final Shell.Result r = exec(from, timeout.plusSeconds(5), "ping", "-n", "-c", "1", "-W",
            Long.toString(Math.max(1, timeout.toSeconds())), address);
        return new Probe(r.ok(), r.stdout().strip(), r.describe());
    }

    /**
     * TCP round trips of 64 bytes from a pod to another pod's echo port.
     *
     * @param from    the client pod.
     * @param address the echo server.
     * @param count   how many round trips.
     * @return the probe's summary line ({@code rtt_us p50 .. p90 .. p99 .. max .. n ..}).
     * @throws IOException when it fails.
     */
    public String roundTrips(final PodHandle from, final String address, final int count) throws IOException
    {
        return exec(from, Duration.ofSeconds(60), "/usr/bin/python3", probeScript.toString(), "rtt", address,
            Integer.toString(ECHO_PORT), Integer.toString(count)).check().stdout().strip();
    }

    /**
     * GET a path of a node's agent endpoint (from inside the node's netns).
     *
     * @param node 1-based node index.
     * @param path e.g. {@code /status}.
     * @return the body.
     * @throws IOException when the request fails.
     */
    public String agentGet(final int node, final String path) throws IOException
    {
        final NodeHandle n = node(node);
        return Shell.run(List.of("ip", "netns", "exec", n.netns(), "curl", "--noproxy", "*", "-s", "-f",
            "--max-time", "10", n.agentUrl() + path), Map.of(), null, Shell.SHORT).check().stdout();
    }

    /**
     * Run the real kubectl against this cluster ({@code KUBECONFIG} = {@link #kubeconfig()}).
     *
     * @param args its arguments.
     * @return its result (whatever its status).
     * @throws IOException when it cannot be started.
     */
    public Shell.Result kubectl(final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(EmbeddedApiServer.KUBECTL.toString(),
            "--request-timeout=20s"));
        command.addAll(List.of(args));
        return Shell.run(command, Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", options.runDir().toString(),
            "NO_PROXY", layout.apiAddress(), "no_proxy", layout.apiAddress()), null, Duration.ofSeconds(60));
    }

    /**
     * Export the cluster as a state file ({@code sluice policy matrix --state}, {@code sluice trace --state}):
     * Namespaces, Nodes, Pods, Services, EndpointSlices, NetworkPolicies, NetworkLoggings, as the API has them.
     *
     * @param file where to write it.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public Path exportState(final Path file) throws IOException
    {
        final List<HasMetadata> objects = new ArrayList<>();
        objects.addAll(client.namespaces().list().getItems());
        objects.addAll(client.nodes().list().getItems());
        objects.addAll(client.pods().inAnyNamespace().list().getItems());
        objects.addAll(client.services().inAnyNamespace().list().getItems());
        objects.addAll(client.resources(EndpointSlice.class).inAnyNamespace().list().getItems());
        objects.addAll(client.network().v1().networkPolicies().inAnyNamespace().list().getItems());
        final StringBuilder yaml = new StringBuilder();
        for (final HasMetadata object : objects)
        {
            object.getMetadata().setManagedFields(null);
            yaml.append(JSON.asYaml(object).replaceFirst("^---\n", "")).append("---\n");
        }
        Files.writeString(file, yaml.toString());
        return file;
    }

    /**
     * Tear everything down, newest first: pods (CNI DEL while the agents still run), agents, namespaces, the API
     * veth, runtime files, Node objects, the API server. Every step runs even when an earlier one failed (failures
     * are logged). Idempotent; also run by the shutdown hook.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        if (Thread.currentThread() != shutdownHook)
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
            catch (final IllegalStateException ignore)
            {
                // the JVM is shutting down: the hook is running this or will find it done
            }
        }
        log("teardown");
        // pods first and side by side (each is a CNI DEL, a JVM start), while the agents still run
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            for (final PodHandle pod : pods())
            {
                pool.submit(() ->
                {
                    try
                    {
                        deletePod(pod);
                    }
                    catch (final IOException | InterruptedException | RuntimeException ex)
                    {
                        log("teardown: pod " + pod.key() + ": " + ex.getMessage());
                    }
                    return null;
                });
            }
        }
        while (true)
        {
            final Undo step;
            synchronized (undo)
            {
                step = undo.pollFirst();
            }
            if (step == null)
            {
                break;
            }
            try
            {
                step.step().run();
            }
            catch (final Exception ex)
            {
                log("teardown: " + step.what() + ": " + ex.getMessage());
            }
        }
        children.stopAll(Duration.ofSeconds(3));
        log("teardown done (logs kept in " + options.runDir() + ")");
    }

    private void onClose(final String what, final Step step)
    {
        synchronized (undo)
        {
            undo.addFirst(new Undo(what, step));
        }
    }

    private Shell.Result cni(final String command, final NodeHandle node, final String netns,
        final String containerId, final String namespace, final String pod, final String uid) throws IOException
    {
        final Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", "/var/run/netns/" + netns);
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + pod
            + ";K8S_POD_INFRA_CONTAINER_ID=" + containerId + (uid.isEmpty() ? "" : ";K8S_POD_UID=" + uid));
        env.put("CNI_PATH", cniBinary.getParent() + ":/usr/lib/cni");
        return Shell.run(Shell.inNetns(node.netns(), cniBinary.toString()), env, netconf(node),
            Duration.ofSeconds(60));
    }

    /**
     * @param node a node.
     * @return the CNI network configuration the kubelet of that node passes on stdin.
     */
    public String netconf(final NodeHandle node)
    {
        final Path runtime = layout.runtimeDir(node.index());
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"sluice\",\"type\":\"sluice-cni\",\"agentSocket\":\""
            + layout.endpointSocket(node.index()) + "\",\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\""
            + node.podCidr() + "\",\"gateway\":\"" + node.gateway() + "\"}]],\"dataDir\":\"" + runtime.resolve("ipam")
            + "\"}}";
    }

    /**
     * @param containerId a CNI container id.
     * @return the host-side veth name the CNI plugin gives it: {@code sl} + 10 hex digits of its SHA-256.
     */
    public static String hostVethName(final String containerId)
    {
        return "sl" + sha256Hex(containerId).substring(0, 10);
    }

    @SuppressWarnings("unchecked")
    private static String firstIpv4(final String cniResult) throws IOException
    {
        final Map<String, Object> result;
        try
        {
            result = JSON.unmarshal(cniResult, Map.class);
        }
        catch (final RuntimeException ex)
        {
            throw new IOException("CNI result is not JSON: " + cniResult, ex);
        }
        final Object ips = result == null ? null : result.get("ips");
        if (ips instanceof List<?> list)
        {
            for (final Object ip : list)
            {
                if (ip instanceof Map<?, ?> m && m.get("address") instanceof String address && address.contains("."))
                {
                    return address.substring(0, address.indexOf('/'));
                }
            }
        }
        throw new IOException("CNI result has no IPv4 address: " + cniResult);
    }

    private static Path installCniUnchecked(final Path binDir)
    {
        try
        {
            return CniInstall.install(binDir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param jvmOptions extra JVM options.
     * @return the command that runs this build's {@code sluice} CLI in a new JVM (same java, same class path).
     */
    public static List<String> javaCommand(final List<String> jvmOptions)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sluice.control.cli.SluiceCli"));
        return command;
    }

    private void removeLeftovers() throws IOException
    {
        final Shell.Result list = Shell.check("ip", "netns", "list");
        final List<String> stale = new ArrayList<>();
        for (final String line : list.stdout().split("\n"))
        {
            final String name = line.strip().split("\\s+")[0];
            if (name.equals(layout.underlayNetns()) || name.startsWith(layout.prefix() + "node-"))
            {
                stale.add(name);
            }
        }
        stale.sort(Comparator.comparing(String::length).reversed());
        for (final String name : stale)
        {
            log("removing netns " + name + " left over from an earlier run");
            Shell.run("ip", "netns", "del", name);
        }
        if (Shell.run("ip", "link", "show", layout.apiVeth()).ok())
        {
            log("removing veth " + layout.apiVeth() + " left over from an earlier run");
            Shell.run("ip", "link", "del", layout.apiVeth());
        }
    }

    private Path resource(final String name) throws IOException
    {
        final Path file = options.runDir().resolve(name);
        try (InputStream in = ClusterTopology.class.getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IOException("resource " + name + " is missing from the build");
            }
            Files.write(file, in.readAllBytes());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static void awaitLine(final ChildProcesses.Child child, final String line, final Duration timeout)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            if (Files.readString(child.stdout()).lines().anyMatch(line::equals))
            {
                return;
            }
            if (!child.process().isAlive())
            {
                throw new IOException(child.name() + " exited " + child.process().exitValue() + ": "
                    + tail(child.stderr()));
            }
            if (System.nanoTime() > deadline)
            {
                throw new IOException(child.name() + " did not print '" + line + "' in " + timeout.toSeconds()
                    + " s: " + tail(child.stderr()));
            }
            Thread.sleep(20);
        }
    }

    private static String tail(final Path file)
    {
        try
        {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(" + file + " unreadable: " + ex.getMessage() + ")";
        }
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }

    static String sha256Hex(final String text)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 missing from the JDK", ex);
        }
    }

    private void log(final String message)
    {
        if (options.log() != null)
        {
            options.log().accept(message);
        }
    }
}
