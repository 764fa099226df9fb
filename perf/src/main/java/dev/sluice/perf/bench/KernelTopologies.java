package dev.sluice.perf.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The kernel and ceiling topologies of {@code ./sluice bench}: three network namespaces
 * {@code sl-bench-TOKEN-gen}, {@code -dut}, {@code -sink} joined by veths, addresses from 198.18.0.0/15 only:
 * <pre>
 *   gen: g0 (198.18.0.1/24) ==veth== bi*  dut  bo* (198.18.1.254/24) ==veth== s1 (198.18.1.2-4/24): sink
 *                                   (198.18.0.254/24)
 *   generated traffic: 198.18.16.1 (NEW flows: 198.18.16.0/24, the pod CIDR 198.18.16.0/20) -> path destination
 *   ClusterIPs 198.19.0.0/18, other services' endpoints 198.19.64.0/18 (never reached)
 * </pre>
 * <ul>
 *   <li>{@code kernel-forward}: ip_forward, connected routes, static (permanent) neighbours for the sink, no rules.
 *   Traffic to 198.18.1.2:9000.</li>
 *   <li>{@code kernel-nft-N}: the same plus kube-proxy's nftables-mode rules for N services ({@link KubeProxyRules});
 *   traffic to the last service (198.19.x.y:80), whose three endpoints are the sink's addresses 198.18.1.2-4:8080.</li>
 *   <li>{@code kernel-ipt-N}: the same with kube-proxy's iptables-legacy rules (loaded by
 *   {@code iptables-legacy-restore}).</li>
 *   <li>{@code ceiling-xdp-redirect}: in-kernel XDP on the DUT's input veth: MAC rewrite + bpf_redirect to its output
 *   veth; no IP configuration. Traffic to 198.18.1.2:9000.</li>
 *   <li>{@code ceiling-c-afxdp}: perf/bench/c/xsk_fwd.c (libxdp, two AF_XDP sockets sharing one UMEM, copy mode,
 *   busy polling) pinned to CPU 1; traffic to 198.18.1.2:9000.</li>
 * </ul>
 * Kernel paths attach an XDP_PASS program to the DUT's input veth (frames XDP_TX'd by the generator need an XDP
 * program on the receiving veth), so the kernel path is "veth XDP pass + the stack".
 * <p>
 * Placement (2 vCPUs): the generator runs on CPU 0 ({@link XdpTrafficRunner}); for kernel and XDP-redirect DUTs
 * the input veth's NAPI is threaded and its kthread pinned to CPU 1 — that kthread does the whole forwarding work
 * (XDP, routing, netfilter, transmit) and is the path's {@link BenchPath#dataplanePids()} (so CPU per packet is its
 * on-CPU time; the sink's NAPI softirq it raises is not counted). For {@code ceiling-c-afxdp} the DUT is the
 * xsk_fwd process (busy polling: its CPU time is a whole core whatever the load); the copy into its socket runs in
 * the input veth's NAPI softirq, which is not counted.
 * <p>
 * Conntrack for NEW-flow runs (documented settings): in the DUT namespace {@code nf_conntrack_udp_timeout} and
 * {@code nf_conntrack_udp_timeout_stream} are set to {@value #UDP_TIMEOUT_S} s (per network namespace), so a
 * long NEW run measures conntrack insertion rather than the table filling up and early-drop evicting; the
 * machine-wide {@code nf_conntrack_max} (global since Linux 5.x; 262144 on the measuring machine) and hash size are
 * left as they are. kube-proxy itself only raises nf_conntrack_max (to 32768 per core, at least 131072) and leaves
 * UDP timeouts at their defaults (30 s / 120 s) unless configured.
 * <p>
 * Every topology is torn down by {@link BenchTopology#close()} (processes killed by PID, namespaces deleted, which
 * removes the veths, programs and rules), also when {@code open()} fails half way.
 */
public final class KernelTopologies
{
    /** Service counts of the kube-proxy-shaped topologies. */
    public static final List<Integer> SERVICE_COUNTS = List.of(1, 1000, 10000);
    /** Source address of generated traffic (NEW flows vary its low 8 bits). */
    public static final String SOURCE_IP = "198.18.16.1";
    /** The pod CIDR given to the kube-proxy rules (the generator's sources are pods). */
    public static final String CLUSTER_CIDR = "198.18.16.0/20";
    /** The service CIDR given to the kube-proxy rules. */
    public static final String SERVICE_CIDR = "198.19.0.0/18";
    /** The sink's addresses (the measured service's endpoints) as a prefix. */
    public static final String BACKEND_CIDR = "198.18.1.0/29";
    /** Target port of the measured service's endpoints. */
    public static final int BACKEND_PORT = 8080;
    /** Destination of paths without services. */
    public static final String SINK_IP = "198.18.1.2";
    /** Destination port of paths without services. */
    public static final int SINK_PORT = 9000;
    /** UDP conntrack timeouts set in the DUT namespace, seconds. */
    public static final int UDP_TIMEOUT_S = 5;

    private static final List<String> BACKENDS = List.of("198.18.1.2", "198.18.1.3", "198.18.1.4");
    private static final Duration COMMAND_DEADLINE = Duration.ofSeconds(120);
    /** Loading 10k services' nftables rules took 101 s (87 s of it system time) on the loaded 2-vCPU machine. */
    private static final Duration RULES_DEADLINE = Duration.ofSeconds(400);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private KernelTopologies()
    {
    }

    /** The kind of device under test. */
    private enum Kind
    {
        FORWARD, NFT, IPT, XDP_REDIRECT, C_AFXDP
    }

    /**
     * All the factories: kernel-forward, kernel-nft-{1,1000,10000}, kernel-ipt-{1,1000,10000},
     * ceiling-xdp-redirect, ceiling-c-afxdp.
     *
     * @return the factories in that order
     */
    public static List<BenchTopologyFactory> all()
    {
        final List<BenchTopologyFactory> factories = new ArrayList<>();
        factories.add(factory(Kind.FORWARD, 0));
        SERVICE_COUNTS.forEach(n -> factories.add(factory(Kind.NFT, n)));
        SERVICE_COUNTS.forEach(n -> factories.add(factory(Kind.IPT, n)));
        factories.add(factory(Kind.XDP_REDIRECT, 0));
        factories.add(factory(Kind.C_AFXDP, 0));
        return List.copyOf(factories);
    }

    /**
     * One factory by identifier (e.g. {@code kernel-nft-1000}; any service count 1..16383 is accepted for the
     * nft/ipt kinds).
     *
     * @param id the identifier
     * @return the factory
     */
    public static BenchTopologyFactory byId(final String id)
    {
        switch (id)
        {
            case "kernel-forward":
                return factory(Kind.FORWARD, 0);
            case "ceiling-xdp-redirect":
                return factory(Kind.XDP_REDIRECT, 0);
            case "ceiling-c-afxdp":
                return factory(Kind.C_AFXDP, 0);
            default:
                if (id.matches("kernel-(nft|ipt)-[0-9]{1,5}"))
                {
                    final int n = Integer.parseInt(id.substring("kernel-nft-".length()));
                    if (n >= 1 && n <= 16383)
                    {
                        return factory(id.startsWith("kernel-nft") ? Kind.NFT : Kind.IPT, n);
                    }
                }
                throw new IllegalArgumentException("no kernel topology " + id);
        }
    }

    private static BenchTopologyFactory factory(final Kind kind, final int services)
    {
        final String id = switch (kind)
        {
            case FORWARD -> "kernel-forward";
            case NFT -> "kernel-nft-" + services;
            case IPT -> "kernel-ipt-" + services;
            case XDP_REDIRECT -> "ceiling-xdp-redirect";
            case C_AFXDP -> "ceiling-c-afxdp";
        };
        return new BenchTopologyFactory()
        {
            @Override
            public String id()
            {
                return id;
            }

            @Override
            public BenchTopology open() throws Exception
            {
                final KernelTopology topology = new KernelTopology(id, kind, services);
                try
                {
                    topology.build();
                    return topology;
                }
                catch (final Exception | Error ex)
                {
                    topology.close();
                    throw ex;
                }
            }

            @Override
            public String toString()
            {
                return id;
            }
        };
    }

    /**
     * An open kernel or ceiling topology; beyond {@link BenchTopology} it tells where the DUT lives and what the
     * measured service's backends are, for tests.
     */
    public static final class KernelTopology implements BenchTopology
    {
        private final String id;
        private final Kind kind;
        private final int services;
        private final String prefix;
        private final String inName;
        private final String outName;
        private final List<String> namespaces = new ArrayList<>();
        private ChildProcess forwarder;
        private BenchPath path;

        private KernelTopology(final String id, final Kind kind, final int services)
        {
            this.id = id;
            this.kind = kind;
            this.services = services;
            final int token = (int)((ProcessHandle.current().pid() * 1000 + SEQUENCE.incrementAndGet()) % 100000);
            this.prefix = String.format("sl-bench-%05d", token);
            this.inName = String.format("bi%05d", token);
            this.outName = String.format("bo%05d", token);
        }

        @Override
        public String id()
        {
            return id;
        }

        @Override
        public String title()
        {
            return switch (kind)
            {
                case FORWARD -> "kernel ip_forward, no rules";
                case NFT -> "kernel, kube-proxy nftables rules, " + services + " services";
                case IPT -> "kernel, kube-proxy iptables-legacy rules, " + services + " services";
                case XDP_REDIRECT -> "in-kernel XDP redirect (ceiling)";
                case C_AFXDP -> "C AF_XDP forwarder, copy mode (ceiling)";
            };
        }

        @Override
        public String group()
        {
            return kind == Kind.XDP_REDIRECT || kind == Kind.C_AFXDP ? "ceiling" : "kernel";
        }

        @Override
        public int services()
        {
            return services;
        }

        @Override
        public BenchPath path()
        {
            return path;
        }

        /**
         * The DUT's network namespace.
         *
         * @return its name
         */
        public String dutNetns()
        {
            return prefix + "-dut";
        }

        /**
         * The number of conntrack entries in the DUT's namespace.
         *
         * @return {@code nf_conntrack_count} there (0 when conntrack is not loaded there)
         * @throws IOException when it cannot be read
         */
        public long conntrackCount() throws IOException
        {
            final String out = ChildProcess.run(BenchTools.inNetns(dutNetns(), "sh", "-c",
                "cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0"), "", COMMAND_DEADLINE);
            return Long.parseLong(out.trim());
        }

        /**
         * Where frames arrive after the DUT: the backend prefix for service paths, the sink's address otherwise.
         *
         * @return a CIDR
         */
        public String deliveredCidr()
        {
            return services > 0 ? BACKEND_CIDR : SINK_IP + "/32";
        }

        /**
         * The destination port of delivered frames.
         *
         * @return the port
         */
        public int deliveredPort()
        {
            return services > 0 ? BACKEND_PORT : SINK_PORT;
        }

        private void build() throws Exception
        {
            final BenchTools tools = BenchTools.build();
            final String gen = prefix + "-gen";
            final String dut = dutNetns();
            final String sink = prefix + "-sink";
            for (final String ns : List.of(gen, dut, sink))
            {
                sh("", "ip netns add " + ns);
                namespaces.add(ns);
            }
            sh("", "ip -n " + dut + " link add " + inName + " type veth peer name g0 netns " + gen
                + " && ip -n " + dut + " link add " + outName + " type veth peer name s1 netns " + sink);
            for (final String[] link : new String[][] {{dut, inName}, {dut, outName}, {gen, "g0"}, {sink, "s1"}})
            {
                sh("", "ip -n " + link[0] + " link set " + link[1] + " addrgenmode none && ip -n " + link[0]
                    + " link set " + link[1] + " up");
            }
            final String g0Mac = mac(gen, "g0");
            final String inMac = mac(dut, inName);
            final String outMac = mac(dut, outName);
            final String s1Mac = mac(sink, "s1");
            sh("", "ip -n " + gen + " addr add 198.18.0.1/24 dev g0");
            for (final String backend : BACKENDS)
            {
                sh("", "ip -n " + sink + " addr add " + backend + "/24 dev s1");
            }
            final List<Long> dataplane = new ArrayList<>();
            InetAddress destination = InetAddress.getByName(SINK_IP);
            int port = SINK_PORT;
            final String env = "TRAFFIC_BPF_OBJ=" + tools.bpfObject() + " ";
            switch (kind)
            {
                case FORWARD, NFT, IPT ->
                {
                    sh(dut, "ip addr add 198.18.0.254/24 dev " + inName + " && ip addr add 198.18.1.254/24 dev "
                        + outName + " && sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0"
                        + " net.ipv4.conf.default.rp_filter=0 net.ipv4.conf." + inName + ".rp_filter=0");
                    for (final String backend : BACKENDS)
                    {
                        sh(dut, "ip neigh replace " + backend + " lladdr " + s1Mac + " dev " + outName
                            + " nud permanent");
                    }
                    if (kind != Kind.FORWARD)
                    {
                        final List<KubeProxyRules.Endpoint> endpoints = new ArrayList<>();
                        for (final String backend : BACKENDS)
                        {
                            endpoints.add(new KubeProxyRules.Endpoint(InetAddress.getByName(backend), BACKEND_PORT));
                        }
                        final List<KubeProxyRules.Service> rules = KubeProxyRules.services(services, endpoints);
                        if (kind == Kind.NFT)
                        {
                            ChildProcess.run(BenchTools.inNetns(dut, "nft", "-f", "-"),
                                KubeProxyRules.nftScript(rules, CLUSTER_CIDR, SERVICE_CIDR), RULES_DEADLINE);
                        }
                        else
                        {
                            ChildProcess.run(BenchTools.inNetns(dut, "iptables-legacy-restore", "--noflush"),
                                KubeProxyRules.iptablesRestore(rules, CLUSTER_CIDR), RULES_DEADLINE);
                        }
                        sh(dut, "sysctl -qw net.netfilter.nf_conntrack_udp_timeout=" + UDP_TIMEOUT_S
                            + " net.netfilter.nf_conntrack_udp_timeout_stream=" + UDP_TIMEOUT_S);
                        destination = rules.getLast().clusterIp();
                        port = rules.getLast().port();
                    }
                    sh(dut, env + tools.trafficTool() + " pass " + inName);
                    dataplane.addAll(threadedNapi(dut, inName));
                }
                case XDP_REDIRECT ->
                {
                    sh(dut, env + tools.trafficTool() + " fwd " + inName + " " + outName + " " + s1Mac + " "
                        + outMac);
                    dataplane.addAll(threadedNapi(dut, inName));
                }
                case C_AFXDP ->
                {
                    final int cpu = Math.min(1, Runtime.getRuntime().availableProcessors() - 1);
                    forwarder = ChildProcess.start(BenchTools.inNetns(dut, "taskset", "-c", Integer.toString(cpu),
                        tools.requireXskForward().toString(), inName, outName, s1Mac, outMac, "64"), Map.of(),
                        Duration.ofHours(2));
                    forwarder.awaitLine("ready", Duration.ofSeconds(20));
                    dataplane.add(forwarder.pid());
                }
                default -> throw new IllegalStateException(kind.toString());
            }
            path = new BenchPath(gen, "g0", g0Mac, inMac, InetAddress.getByName(SOURCE_IP), destination, port,
                sink, "s1", dataplane);
        }

        /**
         * Makes the NAPI of a veth threaded and pins its kthread(s) to CPU 1.
         *
         * @return the kthreads' PIDs
         */
        private List<Long> threadedNapi(final String netns, final String ifname) throws IOException
        {
            sh(netns, "echo 1 > /sys/class/net/" + ifname + "/threaded");
            final String comm = "napi/" + ifname + "-";
            final List<Long> pids = new ArrayList<>();
            final long untilNs = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (pids.isEmpty() && System.nanoTime() < untilNs)
            {
                pids.addAll(threadsNamed(comm));
                Thread.onSpinWait();
            }
            if (pids.isEmpty())
            {
                throw new IOException("no " + comm + "* kthread after making " + ifname + " threaded");
            }
            final int cpu = Math.min(1, Runtime.getRuntime().availableProcessors() - 1);
            for (final long pid : pids)
            {
                sh("", "taskset -pc " + cpu + " " + pid + " >/dev/null");
            }
            return pids;
        }

        private static List<Long> threadsNamed(final String prefix) throws IOException
        {
            final Set<Long> found = new HashSet<>();
            try (Stream<Path> procs = Files.list(Path.of("/proc")))
            {
                for (final Path proc : procs.toList())
                {
                    final String name = proc.getFileName().toString();
                    if (name.chars().allMatch(Character::isDigit))
                    {
                        try
                        {
                            if (Files.readString(proc.resolve("comm")).startsWith(prefix))
                            {
                                found.add(Long.parseLong(name));
                            }
                        }
                        catch (final IOException ignore)
                        {
                            // the process exited while listing
                        }
                    }
                }
            }
            return List.copyOf(found);
        }

        private static String mac(final String netns, final String ifname) throws IOException
        {
            final String out = ChildProcess.run(List.of("ip", "-n", netns, "-o", "link", "show", ifname), "",
                COMMAND_DEADLINE);
            final int at = out.indexOf("link/ether ");
            if (at < 0)
            {
                throw new IOException("no MAC for " + ifname + " in " + netns + ": " + out);
            }
            return out.substring(at + 11, at + 28);
        }

        private static void sh(final String netns, final String script) throws IOException
        {
            ChildProcess.run(BenchTools.inNetns(netns, "sh", "-ec", script), "", COMMAND_DEADLINE);
        }

        @Override
        public void close()
        {
            if (forwarder != null)
            {
                forwarder.close();
                forwarder = null;
            }
            for (final String ns : namespaces.reversed())
            {
                try
                {
                    ChildProcess.run(List.of("ip", "netns", "del", ns), "", COMMAND_DEADLINE);
                }
                catch (final IOException ignore)
                {
                    // already gone; nothing else to undo in it
                }
            }
            namespaces.clear();
        }

        @Override
        public String toString()
        {
            return id + " (" + prefix + ")";
        }
    }
}
