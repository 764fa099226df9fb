package dev.sluice.perf.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.sluice.control.cluster.ClusterLayout;
import dev.sluice.control.cluster.ClusterTopology;
import dev.sluice.control.metrics.NodeStatus;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

/**
 * The Sluice side of {@code ./sluice bench}: ONE live 2-node cluster ({@link ClusterTopology}: nodes in network
 * namespaces on an underlay bridge, the embedded API server, one {@code sluice agent} per node, pods wired by the
 * real sluice-cni) shared by every Sluice scenario, and a {@link BenchTopologyFactory} per scenario:
 * <pre>
 *   sluice-pod-local          bench/client (node-1) -> bench/local (node-1), pod IP, UDP 5353
 *                             node-1: conntrack + policy (ingress of local) + TX on local's veth
 *   sluice-svc-xnode-N        bench/client (node-1) -> Service bench/target 198.18.250.10:5001/UDP
 *                             -> its only endpoint bench/server (node-2):5353
 *                             node-1: conntrack + DNAT + policy + Geneve encap; node-2: decap + conntrack + policy
 *                             N = Services in the cluster: bench/target and N-1 extra ClusterIP Services
 *                             (198.18.200.1 upwards, each with the same endpoint) made through the API
 * </pre>
 * One NetworkPolicy ({@code bench/allow-client}: pods {@code app=server} accept UDP 5353 only from pods
 * {@code role=client}) makes the policy stage decide for real on every path.
 * <p>
 * The generator transmits on the client pod's {@code eth0} (source MAC = its MAC, destination MAC = the gateway MAC
 * the CNI plugin made a permanent neighbour), so its frames arrive on the host-side veth where Sluice's XDP program
 * redirects them to the agent's AF_XDP socket; the sink sits on the destination pod's {@code eth0}. The DUT's PIDs
 * are the agents' (node-1's only for the pod-local path).
 * <p>
 * Service count: the extra Services form a pool owned by this object (like the cluster): opening a
 * {@code sluice-svc-xnode-N} topology grows or shrinks the pool to N-1 through the API and waits until both agents
 * have compiled and installed exactly that many frontends; its {@link BenchTopology#close()} changes nothing, so
 * the factories are cheapest opened in ascending N (the order of {@link #factories()}). The fabric8 mock API server
 * stores objects in a map it scans on every write, so creating Services costs O(N) each, and on a loaded machine
 * far more (see {@link #DEFAULT_SERVICE_COUNTS} and {@link #timings()}); the agents compile the result within a
 * second of the last write.
 * <p>
 * Placement on the 2-vCPU machine ({@link Placement}): the agents' fast-path workers spin (backoff idle) while
 * packets flow, so each is pinned with the agent's own {@code --cpus}; everything else (control threads, informers,
 * the API server, the generator, the sink, softirq) is left to the scheduler.
 */
public final class SluiceTopologies implements AutoCloseable
{
    /** The group of every Sluice topology in the report. */
    public static final String GROUP = "sluice";
    /** The Kubernetes namespace of the benchmark's pods and Services. */
    public static final String NAMESPACE = "bench";
    /** The ClusterIP of the measured Service. */
    public static final String TARGET_CLUSTER_IP = "198.18.250.10";
    /** The measured Service's UDP port (every extra Service uses it too). */
    public static final int SERVICE_PORT = 5001;
    /** The backends' UDP port: the pod workload's UDP echo. */
    public static final int BACKEND_PORT = ClusterTopology.UDP_PORT;
    /**
     * The scenarios' service counts by default: 1, 100 and 1000. Not 10000: the embedded (fabric8 mock) API server
     * takes 0.1-0.2 s per Service + EndpointSlice on the shared 2-vCPU machine (1000 Services: 190-217 s through
     * the API at load average 17-20; 300 in 34 s at load 3-5) and each write scans every stored object, so 10000
     * would take longer than the whole 10-minute bench. Larger N through {@link Options#withServiceCounts}.
     */
    public static final List<Integer> DEFAULT_SERVICE_COUNTS = List.of(1, 100, 1000);
    /** Most extra Services {@link #extraClusterIp(int)} has addresses for (198.18.200.1 - 198.18.249.250). */
    public static final int MAX_EXTRA_SERVICES = 50 * 250;

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int PROBES = 5;

    /**
     * The agents track an unanswered UDP flow for 1 s (default 30 s): the generator's NEW runs can only vary the
     * source port of the client pod (64512 values), so a port comes round again after 64512 frames and must then
     * open a new flow, as it does on the kernel paths (whose router namespace uses 5 s).
     */
    private static final String UDP_TIMEOUT = "--conntrack-udp-timeout-s";
    private static final String UDP_TIMEOUT_S = "1";

    /**
     * Where the two agents' fast-path workers run.
     */
    public enum Placement
    {
        /** node-1's worker on CPU 0, node-2's on CPU 1: the two hops of a cross-node packet run in parallel. */
        SPLIT,
        /** Both workers on CPU 1, CPU 0 left to the generator and the sink (the two hops time-share a core). */
        SHARED,
        /** Not pinned: the scheduler places them. */
        NONE;

        /**
         * @param node 1-based node index.
         * @return the {@code sluice agent} arguments that place that node's worker.
         */
        List<String> agentArguments(final int node)
        {
            return switch (this)
            {
                case SPLIT -> List.of("--workers", "1", "--cpus", node == 1 ? "0" : "1", UDP_TIMEOUT, UDP_TIMEOUT_S);
                case SHARED -> List.of("--workers", "1", "--cpus", "1", UDP_TIMEOUT, UDP_TIMEOUT_S);
                case NONE -> List.of("--workers", "1", UDP_TIMEOUT, UDP_TIMEOUT_S);
            };
        }
    }

    /**
     * How to build the Sluice topologies.
     *
     * @param runDir        logs, kubeconfig and the agents' output (created; kept after close).
     * @param serviceCounts the N of each {@code sluice-svc-xnode-N} scenario (1..{@link #MAX_EXTRA_SERVICES}+1).
     * @param placement     where the workers run.
     * @param parallelism   API requests in flight when creating or deleting Services.
     * @param log           progress lines.
     */
    public record Options(Path runDir, List<Integer> serviceCounts, Placement placement, int parallelism,
        Consumer<String> log)
    {
        /**
         * Checks the values.
         */
        public Options
        {
            Objects.requireNonNull(runDir, "runDir");
            Objects.requireNonNull(placement, "placement");
            Objects.requireNonNull(log, "log");
            serviceCounts = List.copyOf(serviceCounts);
            for (final int n : serviceCounts)
            {
                if (n < 1 || n > MAX_EXTRA_SERVICES + 1)
                {
                    throw new IllegalArgumentException("service count must be 1.." + (MAX_EXTRA_SERVICES + 1) + ": "
                        + n);
                }
            }
            if (parallelism < 1)
            {
                throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
            }
        }

        /**
         * @param runDir where logs go.
         * @param log    progress lines.
         * @return the default scenarios ({@link #DEFAULT_SERVICE_COUNTS}), {@link Placement#SHARED} (the traffic
         *     generator runs on CPU 0: with SPLIT, node-1's worker shared that CPU with it and the veth NAPI, and
         *     pod-local throughput measured 0.020 Mpps against 0.304 Mpps with SHARED, 2026-11-25), 16 requests at a
         *     time.
         */
        public static Options of(final Path runDir, final Consumer<String> log)
        {
            return new Options(runDir, DEFAULT_SERVICE_COUNTS, Placement.SHARED, 16, log);
        }

        /**
         * @param counts the service counts of the {@code sluice-svc-xnode-N} scenarios.
         * @return these options with those counts.
         */
        public Options withServiceCounts(final List<Integer> counts)
        {
            return new Options(runDir, counts, placement, parallelism, log);
        }

        /**
         * @param where the worker placement.
         * @return these options with that placement.
         */
        public Options withPlacement(final Placement where)
        {
            return new Options(runDir, serviceCounts, where, parallelism, log);
        }
    }

    private final Options options;
    private final ClusterTopology cluster;
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private final long startNs;
    private ClusterTopology.PodHandle client;
    private ClusterTopology.PodHandle server;
    private ClusterTopology.PodHandle local;
    /** Frontends each agent reports with no extra Service (the target's). */
    private long baseFrontends;
    private int extras;

    private SluiceTopologies(final Options options, final ClusterTopology cluster, final long startNs)
    {
        this.options = options;
        this.cluster = cluster;
        this.startNs = startNs;
    }

    /**
     * Start the cluster, the pods, the measured Service and the NetworkPolicy, and wait until both agents have
     * installed them and a UDP exchange through the Service works. On failure everything is torn down before the
     * exception propagates.
     *
     * @param options how.
     * @return the running topologies; close them.
     * @throws IOException          when a step fails.
     * @throws InterruptedException when interrupted.
     */
    public static SluiceTopologies start(final Options options) throws IOException, InterruptedException
    {
        final long t0 = System.nanoTime();
        final Map<Integer, List<String>> placement = Map.of(1, options.placement().agentArguments(1),
            2, options.placement().agentArguments(2));
        final ClusterTopology cluster = ClusterTopology.start(ClusterTopology.Options.of(ClusterLayout.unique("bench"),
            2, options.runDir(), options.log()).withAgentArguments(placement));
        final SluiceTopologies topologies = new SluiceTopologies(options, cluster, t0);
        topologies.timings.put("cluster_start_s", seconds(t0));
        try
        {
            topologies.populate();
            return topologies;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            topologies.close();
            throw ex;
        }
    }

    private void populate() throws IOException, InterruptedException
    {
        final long t0 = System.nanoTime();
        cluster.createNamespace(NAMESPACE, Map.of("team", NAMESPACE));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            final Future<ClusterTopology.PodHandle> c = pool.submit(() ->
                cluster.createPod(NAMESPACE, "client", 1, Map.of("role", "client")));
            final Future<ClusterTopology.PodHandle> s = pool.submit(() ->
                cluster.createPod(NAMESPACE, "server", 2, Map.of("app", "server")));
            final Future<ClusterTopology.PodHandle> l = pool.submit(() ->
                cluster.createPod(NAMESPACE, "local", 1, Map.of("app", "server")));
            client = join(c);
            server = join(s);
            local = join(l);
        }
        timings.put("pods_s", seconds(t0));

        final long t1 = System.nanoTime();
        cluster.client().network().v1().networkPolicies().inNamespace(NAMESPACE).resource(new NetworkPolicyBuilder()
            .withNewMetadata().withNamespace(NAMESPACE).withName("allow-client").endMetadata()
            .withNewSpec()
                .withNewPodSelector().addToMatchLabels("app", "server").endPodSelector()
                .withPolicyTypes("Ingress")
                .addNewIngress()
                    .withFrom(new NetworkPolicyPeerBuilder().withNewPodSelector().addToMatchLabels("role", "client")
                        .endPodSelector().build())
                    .withPorts(new NetworkPolicyPortBuilder().withProtocol("UDP")
                        .withPort(new IntOrString(BACKEND_PORT)).build())
                .endIngress()
            .endSpec().build()).create();
        cluster.createStaticServices(List.of(service("target", TARGET_CLUSTER_IP)), 1);
        awaitInstalled(s -> table(s, "services") >= 1 && table(s, "policy") > 0 && table(s, "endpoints") > 0,
            "the Service bench/target and the NetworkPolicy");
        baseFrontends = table(status(1), "services");
        awaitServices();
        timings.put("service_and_policy_s", seconds(t1));
        verify(client, TARGET_CLUSTER_IP, SERVICE_PORT);
        verify(client, local.ip(), BACKEND_PORT);
        timings.put("ready_s", seconds(startNs));
        options.log().accept(String.format("sluice bench cluster ready in %.1f s (cluster %.1f s, pods %.1f s)",
            timings.get("ready_s"), timings.get("cluster_start_s"), timings.get("pods_s")));
    }

    /**
     * @return the scenarios: {@code sluice-pod-local}, then {@code sluice-svc-xnode-N} in ascending N.
     */
    public List<BenchTopologyFactory> factories()
    {
        final List<BenchTopologyFactory> factories = new ArrayList<>();
        scenarios(options).forEach(s -> factories.add(new Factory(s.id(), s.services())));
        return List.copyOf(factories);
    }

    /**
     * One scenario of these options, named before any cluster exists.
     *
     * @param id       the topology id.
     * @param services 0 for pod-local, else the N of {@code sluice-svc-xnode-N}.
     */
    record Scenario(String id, int services)
    {
    }

    /**
     * @param options the options.
     * @return the scenarios of {@link #factories()} for those options, in the same order.
     */
    static List<Scenario> scenarios(final Options options)
    {
        final List<Scenario> scenarios = new ArrayList<>();
        scenarios.add(new Scenario("sluice-pod-local", 0));
        options.serviceCounts().stream().distinct().sorted().forEach(n ->
            scenarios.add(new Scenario("sluice-svc-xnode-" + n, n)));
        return List.copyOf(scenarios);
    }

    /**
     * Setup costs measured so far, in seconds: {@code cluster_start_s} (underlay, API server, agents ready),
     * {@code pods_s} (three pods through CNI), {@code service_and_policy_s}, {@code ready_s} (all of it, verified),
     * and per service count N reached: {@code services_N_api_s} (creating/deleting the extra Services and their
     * EndpointSlices through the API), {@code services_N_compiled_s} (from the first request until both agents run
     * the tables with N Services).
     *
     * @return name -> seconds, in the order measured.
     */
    public synchronized Map<String, Double> timings()
    {
        return Map.copyOf(timings);
    }

    /**
     * @return the cluster (for tests and reports).
     */
    public ClusterTopology cluster()
    {
        return cluster;
    }

    /**
     * @return the client pod (the generator's side).
     */
    public ClusterTopology.PodHandle clientPod()
    {
        return client;
    }

    /**
     * @return the Service's backend on node-2.
     */
    public ClusterTopology.PodHandle serverPod()
    {
        return server;
    }

    /**
     * @return the pod-local destination on node-1.
     */
    public ClusterTopology.PodHandle localPod()
    {
        return local;
    }

    /**
     * @param index 0-based index of an extra Service.
     * @return its ClusterIP: 250 addresses (.1-.250) in each of 198.18.200.0/24 .. 198.18.249.0/24, outside the
     *     nodes' pod CIDRs (198.18.N.0/24 for the few nodes) and the measured Service's 198.18.250.10.
     */
    static String extraClusterIp(final int index)
    {
        if (index < 0 || index >= MAX_EXTRA_SERVICES)
        {
            throw new IllegalArgumentException("extra service index out of 0.." + (MAX_EXTRA_SERVICES - 1) + ": "
                + index);
        }
        return "198.18." + (200 + index / 250) + "." + (1 + index % 250);
    }

    /**
     * Tear the whole cluster down (pods, agents, namespaces, the API server); idempotent.
     */
    @Override
    public void close()
    {
        cluster.close();
    }

    private ClusterTopology.StaticService service(final String name, final String clusterIp)
    {
        return new ClusterTopology.StaticService(NAMESPACE, name, clusterIp, "UDP", SERVICE_PORT, BACKEND_PORT,
            List.of(server));
    }

    /** Grow or shrink the extra Services to {@code wanted} and wait until both agents run exactly those. */
    private synchronized void ensureExtras(final int wanted) throws IOException, InterruptedException
    {
        if (wanted == extras)
        {
            return;
        }
        final int n = wanted + 1;
        final long t0 = System.nanoTime();
        options.log().accept("extra Services: " + extras + " -> " + wanted);
        if (wanted > extras)
        {
            final List<ClusterTopology.StaticService> batch = new ArrayList<>();
            for (int i = extras; i < wanted; i++)
            {
                batch.add(service("extra-" + i, extraClusterIp(i)));
            }
            try
            {
                cluster.createStaticServices(batch, options.parallelism());
            }
            catch (final IOException | InterruptedException | RuntimeException ex)
            {
                // some of the batch may exist: remove all of it so the pool is again exactly `extras` Services
                try
                {
                    cluster.deleteStaticServices(batch.stream().map(ClusterTopology.StaticService::key).toList(),
                        options.parallelism());
                }
                catch (final IOException | RuntimeException cleanup)
                {
                    ex.addSuppressed(cleanup);
                }
                throw ex;
            }
        }
        else
        {
            final List<String> keys = new ArrayList<>();
            for (int i = wanted; i < extras; i++)
            {
                keys.add(NAMESPACE + "/extra-" + i);
            }
            cluster.deleteStaticServices(keys, options.parallelism());
        }
        extras = wanted;
        timings.put("services_" + n + "_api_s", seconds(t0));
        awaitServices();
        timings.put("services_" + n + "_compiled_s", seconds(t0));
        options.log().accept(String.format("%d Services: API %.1f s, compiled in both agents %.1f s", n,
            timings.get("services_" + n + "_api_s"), timings.get("services_" + n + "_compiled_s")));
    }

    private void awaitServices() throws IOException, InterruptedException
    {
        final long frontends = baseFrontends + extras;
        awaitInstalled(s -> table(s, "services") == frontends, frontends + " service frontends");
    }

    /** Waits until both agents' /status satisfy the condition and their workers run the latest generation. */
    private void awaitInstalled(final Predicate<NodeStatus> condition, final String what)
        throws IOException, InterruptedException
    {
        final Duration timeout = Duration.ofSeconds(60 + extras / 50);
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final ClusterTopology.NodeHandle node : cluster.nodes())
        {
            NodeStatus last = null;
            while (true)
            {
                try
                {
                    last = status(node.index());
                    if (condition.test(last) && installed(last))
                    {
                        break;
                    }
                }
                catch (final IOException ex)
                {
                    // the endpoint answers again once the agent is less busy; the deadline bounds this
                    if (System.nanoTime() > deadline)
                    {
                        throw ex;
                    }
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IOException(node.name() + " did not install " + what + " in " + timeout.toSeconds()
                        + " s; last /status: " + (last == null ? "none" : last.toJson()));
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean installed(final NodeStatus status)
    {
        final Long control = status.counters().get("control_generation");
        return control != null && control.equals(status.counters().get("installed_generation"));
    }

    private NodeStatus status(final int node) throws IOException
    {
        return NodeStatus.fromJson(cluster.agentGet(node, "/status"));
    }

    private static long table(final NodeStatus status, final String name)
    {
        return status.tables().stream().filter(t -> t.name().equals(name)).mapToLong(NodeStatus.TableStatus::entries)
            .findFirst().orElse(-1);
    }

    /** A few UDP datagrams from the pod to the destination, each answered by the destination pod's echo. */
    private void verify(final ClusterTopology.PodHandle from, final String address, final int port)
        throws IOException
    {
        for (int i = 0; i < PROBES; i++)
        {
            final ClusterTopology.Probe probe = cluster.udp(from, address, port, PROBE_TIMEOUT);
            if (!probe.ok())
            {
                throw new IOException("UDP " + from.key() + " -> " + address + ":" + port + " (probe " + (i + 1)
                    + " of " + PROBES + ") got no answer: " + probe.detail());
            }
        }
    }

    private BenchPath path(final ClusterTopology.PodHandle destination, final String address, final int port,
        final List<Long> pids) throws IOException
    {
        final SluicePodLink link = SluicePodLink.of(client.netns(), "eth0", cluster.node(client.node()).gateway());
        return new BenchPath(client.netns(), "eth0", link.mac(), link.gatewayMac(), InetAddress.getByName(client.ip()),
            InetAddress.getByName(address), port, destination.netns(), "eth0", pids);
    }

    private static double seconds(final long sinceNs)
    {
        return Math.round((System.nanoTime() - sinceNs) / 1e7) / 100.0;
    }

    private static ClusterTopology.PodHandle join(final Future<ClusterTopology.PodHandle> pod)
        throws IOException, InterruptedException
    {
        try
        {
            return pod.get();
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof IOException io ? io
                : new IOException(String.valueOf(ex.getCause().getMessage()), ex.getCause());
        }
    }

    /** One scenario: pod-local when {@code services == 0}, else cross-node through a Service among N. */
    private final class Factory implements BenchTopologyFactory
    {
        private final String id;
        private final int services;

        Factory(final String id, final int services)
        {
            this.id = id;
            this.services = services;
        }

        @Override
        public String id()
        {
            return id;
        }

        @Override
        public BenchTopology open() throws Exception
        {
            final long agent1 = cluster.node(1).agent().pid();
            final long agent2 = cluster.node(2).agent().pid();
            if (services == 0)
            {
                verify(client, local.ip(), BACKEND_PORT);
                return new Topology(id, "Sluice, pod to pod on one node (conntrack, policy)", 1 + extras,
                    path(local, local.ip(), BACKEND_PORT, List.of(agent1)));
            }
            ensureExtras(services - 1);
            verify(client, TARGET_CLUSTER_IP, SERVICE_PORT);
            return new Topology(id, "Sluice, pod to ClusterIP to a pod on another node (policy, conntrack, DNAT, "
                + "Geneve), " + services + (services == 1 ? " service" : " services"), services,
                path(server, TARGET_CLUSTER_IP, SERVICE_PORT, List.of(agent1, agent2)));
        }
    }

    /** An opened scenario: the shared cluster seen through one path. */
    private record Topology(String id, String title, int services, BenchPath path) implements BenchTopology
    {
        @Override
        public String group()
        {
            return GROUP;
        }

        /** The cluster and the extra-Service pool belong to {@link SluiceTopologies}: nothing of its own to undo. */
        @Override
        public void close()
        {
        }
    }
}
