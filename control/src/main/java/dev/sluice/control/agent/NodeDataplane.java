package dev.sluice.control.agent;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

import dev.sluice.control.metrics.Labels;
import dev.sluice.control.metrics.MetricsRegistry;
import dev.sluice.control.metrics.NodeStatus;
import dev.sluice.control.metrics.SluiceMetrics;
import dev.sluice.control.model.Cidr;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NodeInfo;
import dev.sluice.fastpath.bpf.XdpPortConfig;
import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.pipeline.NodePipeline;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.WorkerTables;
import dev.sluice.fastpath.tunnel.NeighbourNextHops;
import dev.sluice.fastpath.tunnel.NeighbourTable;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.UnderlayRoutes;
import dev.sluice.fastpath.xsk.NodeWorkerAgent;
import dev.sluice.fastpath.xsk.Port;
import dev.sluice.fastpath.xsk.PortIo;
import dev.sluice.fastpath.xsk.Umem;
import dev.sluice.fastpath.xsk.WorkerCounters;
import dev.sluice.fastpath.xsk.XskConfig;
import dev.sluice.fastpath.xsk.XskDescriptor;
import dev.sluice.geneve.TunnelMtu;
import dev.sluice.geneve.TunnelPeerTable;

/**
 * The live dataplane of one node, inside the agent process (which runs in the node's network namespace: every
 * interface name and attachment here is of that namespace): one UMEM and one {@link NodeWorkerAgent} carrying every
 * port of the node:
 * <pre>
 *   port 0  the uplink (--uplink): XDP uplink role, Geneve UDP 6081 and TCP/UDP/SCTP to a NodePort
 *           (--nodeport-range) of the node's address to the socket, the rest to the kernel
 *   port 1  the host port: veth sluice_host (kernel side: the pod gateway address /32, a route for the pod CIDR,
 *           NOARP) / sluice_net (XDP pod role); frames sent to it get dst = sluice_host's MAC, src = gateway MAC.
 *           Created when the Node's pod CIDR is first known, deleted on close.
 *   port 2+ one per pod, bound by CNI ADD ({@link #bindPod}) and unbound by DEL ({@link #unbindPod})
 * </pre>
 * One worker carries all ports: each veth has one queue, and a port cannot be split between workers. The worker's
 * tables come from the {@link TablePublisher} through {@link #workerTables()}; the tunnel side of the compile comes
 * from {@link #tunnelSource()} (next hops from the kernel's neighbour table; a peer whose next hop is unknown gets a
 * UDP datagram to its discard port so that the kernel resolves it, and the tables are rebuilt when the entry
 * appears). {@link #close()} detaches every XDP program it attached, stops the worker, closes the sockets and the
 * UMEM, and deletes sluice_host/sluice_net.
 *
 * <p>NodePort clients on the underlay: their packets reach the pipeline through the uplink socket and are DNAT'ed
 * to a local backend; the backend's replies, reverse-NATed to the node address and NodePort, are handed to the host
 * port, and the kernel routes them out of the uplink (it resolves the client's or gateway's MAC). For that the
 * host port gets {@code accept_local=1} (the source is the node's own address, which the kernel otherwise drops as
 * a martian), {@code rp_filter=0}, and the namespace {@code net.ipv4.ip_forward=1}, when NodePorts are on.
 */
public final class NodeDataplane implements AutoCloseable
{
    /** Port id of the uplink. */
    public static final int UPLINK_PORT = 0;
    /** Port id of the host port. */
    public static final int HOST_PORT = 1;
    /** Port id of the first pod. */
    public static final int FIRST_POD_PORT = 2;
    /** Kernel-side veth of the host port. */
    public static final String HOST_INTERFACE = "sluice_host";
    /** Fast-path-side veth of the host port. */
    public static final String NET_INTERFACE = "sluice_net";
    /** Pod MTU when there is no uplink (no tunnel). */
    public static final int DEFAULT_POD_MTU = 1500;

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");
    private static final int FRAME_SIZE = 4096;
    private static final int FRAMES = 8192;
    private static final long PORT_TIMEOUT_NS = 5_000_000_000L;
    private static final long NUDGE_INTERVAL_NS = 1_000_000_000L;
    private static final long NEIGHBOUR_POLL_NS = 50_000_000L;

    private final String nodeName;
    private final String uplink;
    private final int nodePortMin;
    private final int nodePortMax;
    private final long gatewayMac;
    private final Umem umem;
    private final WorkerTables workerTables = new WorkerTables(0, WorkerTables.DEFAULT_QUEUE_CAPACITY);
    private final ConntrackTable conntrack;
    private final NodeWorkerAgent worker;
    private final AgentRunner runner;
    private final XskConfig podConfig = XskConfig.defaults().withMode(dev.sluice.fastpath.xsk.XskBindMode.AUTO)
        .withRingSize(512);
    private final Map<Integer, Bound> ports = new LinkedHashMap<>();
    private final Inet4Address uplinkAddress;
    private final long uplinkMac;
    private final int uplinkMtu;
    private final NeighbourTable neighbours;
    private final UnderlayRoutes routes;
    private final Map<Integer, Long> lastNudgeNs = new HashMap<>();
    private final List<Integer> unresolvedPeers = new ArrayList<>();
    private volatile Runnable rebuild = () ->
    {
    };
    private volatile MetricsRegistry registry;
    private volatile String gatewayIpv4;
    private volatile String podCidr;
    private long lastNeighbourChanges;
    private long lastNeighbourPollNs;
    private DatagramChannel nudges;
    private int nextPodPort = FIRST_POD_PORT;
    private boolean hostPortFailed;
    private boolean stagesRegistered;
    private boolean closed;

    /** The connection tracking table when none is configured: 256k entries (2^19 slots of 128 bytes: 64 MiB), default timeouts. */
    public static final ConntrackConfig DEFAULT_CONNTRACK = ConntrackConfig.forEntries(1 << 18);

    private record Bound(Port port, NodeWorkerAgent.PortHandle handle, String role, String name)
    {
    }

    private NodeDataplane(final String nodeName, final String uplink, final VerdictEvents events, final int cpu,
        final int nodePortMin, final int nodePortMax, final ConntrackConfig conntrackConfig)
    {
        this.nodeName = nodeName;
        this.uplink = uplink;
        this.nodePortMin = nodePortMin;
        this.nodePortMax = nodePortMax;
        this.gatewayMac = gatewayMac(nodeName);
        if (uplink != null)
        {
            final NetworkInterface nic = networkInterface(uplink);
            uplinkAddress = firstIpv4(nic);
            uplinkMac = mac(nic);
            uplinkMtu = mtu(nic);
        }
        else
        {
            uplinkAddress = null;
            uplinkMac = 0;
            uplinkMtu = 0;
        }
        this.umem = Umem.allocate(FRAMES, FRAME_SIZE, 0);
        this.conntrack = new ConntrackTable(conntrackConfig);
        final NodePipeline.Config pipelineConfig = new NodePipeline.Config(UPLINK_PORT, HOST_PORT, gatewayMac,
            FRAME_SIZE, XskDescriptor.XDP_PACKET_HEADROOM, 0, 1 << 16);
        this.worker = new NodeWorkerAgent("sluice-node-worker-0", umem, workerTables,
            first -> new NodePipeline(first, conntrack, events, pipelineConfig),
            NodeWorkerAgent.Settings.defaults().withCpu(cpu), SystemNanoClock.INSTANCE);
        this.runner = new AgentRunner(new BackoffIdleStrategy(1_000, 100, 1_000, 100_000),
            error -> LOG.log(System.Logger.Level.ERROR, "node worker error (carrying on)", error), null, worker);
        NeighbourTable table = null;
        UnderlayRoutes underlay = null;
        if (uplink != null)
        {
            table = NeighbourTable.open();
            underlay = UnderlayRoutes.open();
        }
        this.neighbours = table;
        this.routes = underlay;
    }

    /**
     * Starts the worker and opens the uplink port (when there is an uplink).
     *
     * @param nodeName the node.
     * @param uplink   the uplink interface, or null for a node without one (no tunnel).
     * @param events   the verdict ring the pipeline publishes to.
     * @param cpu      the worker's CPU, or -1.
     * @return the running dataplane.
     * @throws IllegalArgumentException when the uplink does not exist or has no IPv4 address.
     */
    public static NodeDataplane start(final String nodeName, final String uplink, final VerdictEvents events,
        final int cpu)
    {
        return start(nodeName, uplink, events, cpu, 0, 0, DEFAULT_CONNTRACK);
    }

    /**
     * Starts the worker and opens the uplink port (when there is an uplink), with NodePorts.
     *
     * @param nodeName    the node.
     * @param uplink      the uplink interface, or null for a node without one (no tunnel).
     * @param events      the verdict ring the pipeline publishes to.
     * @param cpu         the worker's CPU, or -1.
     * @param nodePortMin first NodePort the uplink hands to the fast path (0 with nodePortMax 0: NodePorts off).
     * @param nodePortMax last NodePort, inclusive.
     * @param conntrack   the size and timeouts of the worker's connection tracking table.
     * @return the running dataplane.
     * @throws IllegalArgumentException when the uplink does not exist or has no IPv4 address, or the range is bad.
     */
    public static NodeDataplane start(final String nodeName, final String uplink, final VerdictEvents events,
        final int cpu, final int nodePortMin, final int nodePortMax, final ConntrackConfig conntrack)
    {
        XdpPortConfig.pod().withNodePorts(nodePortMin, nodePortMax); // validates the range before anything starts
        final NodeDataplane dataplane = new NodeDataplane(nodeName, uplink, events, cpu, nodePortMin, nodePortMax,
            conntrack);
        try
        {
            AgentRunner.startOnThread(dataplane.runner);
            if (uplink != null)
            {
                dataplane.open(UPLINK_PORT, uplink, XskConfig.defaults(),
                    XdpPortConfig.uplink(dataplane.uplinkAddress, null).withNodePorts(nodePortMin, nodePortMax),
                    null, "uplink", uplink);
            }
            return dataplane;
        }
        catch (final RuntimeException | Error ex)
        {
            dataplane.close();
            throw ex;
        }
    }

    /**
     * A node-wide gateway MAC: stable per node name, locally administered, unicast.
     *
     * @param nodeName the node.
     * @return the MAC (low 48 bits).
     */
    public static long gatewayMac(final String nodeName)
    {
        try
        {
            final byte[] hash = MessageDigest.getInstance("SHA-256").digest(nodeName.getBytes(StandardCharsets.UTF_8));
            long mac = ((hash[0] & 0xFCL) | 0x02L) << 40;
            for (int i = 1; i < 6; i++)
            {
                mac |= (hash[i] & 0xFFL) << (8 * (5 - i));
            }
            return mac;
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @param mac low 48 bits.
     * @return {@code aa:bb:cc:dd:ee:ff}.
     */
    public static String macText(final long mac)
    {
        final StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            text.append(String.format("%02x", (mac >>> shift) & 0xFF));
            if (shift != 0)
            {
                text.append(':');
            }
        }
        return text.toString();
    }

    /**
     * @param text {@code aa:bb:cc:dd:ee:ff}.
     * @return the MAC in the low 48 bits.
     * @throws IllegalArgumentException when malformed.
     */
    public static long parseMac(final String text)
    {
        final String[] parts = text == null ? new String[0] : text.split(":");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long mac = 0;
        for (final String part : parts)
        {
            if (part.length() != 2)
            {
                throw new IllegalArgumentException("not a MAC address: " + text);
            }
            mac = (mac << 8) | Integer.parseInt(part, 16);
        }
        return mac;
    }

    /** @return this node's gateway MAC (low 48 bits). */
    public long gatewayMac()
    {
        return gatewayMac;
    }

    /** @return the MTU pods get: the uplink's minus the Geneve overhead, or 1500 without an uplink. */
    public int podMtu()
    {
        return uplink == null ? DEFAULT_POD_MTU
            : TunnelMtu.podMtu(uplinkMtu, false, dev.sluice.geneve.GeneveDescriptor.IDENTITY_OPTION_LENGTH);
    }

    /** @return the worker's end of the table hand-off (the publisher's one worker). */
    public WorkerTables workerTables()
    {
        return workerTables;
    }

    /** @return the worker. */
    public NodeWorkerAgent worker()
    {
        return worker;
    }

    /**
     * @param action what rebuilds the tables at the next tick (the control loop's request), set once it exists.
     */
    public void onRebuildNeeded(final Runnable action)
    {
        this.rebuild = action;
    }

    /**
     * Registers the dataplane's series (ports, worker counters, drops) and keeps port series current.
     *
     * @param metrics the registry.
     */
    public synchronized void metrics(final MetricsRegistry metrics)
    {
        this.registry = metrics;
        for (int id = 0; id < WorkerCounters.COUNT; id++)
        {
            final int counter = id;
            metrics.counter("sluice_worker_events_total", "Node worker events, by counter (frames unless named).",
                Labels.of("worker", "0", "counter", WorkerCounters.name(counter)), () -> worker.counter(counter));
        }
        for (final DropReason reason : DropReason.values())
        {
            metrics.counter("sluice_drops_total", "Packets dropped by the fast path, by reason.",
                Labels.of("worker", "0", "reason", reason.name(), "code", Integer.toString(reason.code())), () ->
                {
                    final NodePipeline pipeline = worker.pipeline();
                    return pipeline == null ? 0 : pipeline.drops().getAcquire(reason.code());
                });
        }
        metrics.gauge("sluice_conntrack_entries", "Live conntrack entries.", Labels.of("worker", "0"),
            () -> conntrack.counter(ConntrackTable.COUNTER_OCCUPANCY));
        metrics.gauge("sluice_conntrack_capacity", "Conntrack slots.", Labels.of("worker", "0"),
            () -> conntrack.capacity());
        for (final String role : new String[] {"uplink", "host", "pod"})
        {
            metrics.gauge("sluice_ports", "Fast-path ports, by role.", Labels.of("role", role), () -> portCount(role));
        }
        for (final Map.Entry<Integer, Bound> entry : ports.entrySet())
        {
            registerPort(entry.getKey(), entry.getValue());
        }
    }

    private synchronized long portCount(final String role)
    {
        return ports.values().stream().filter(b -> b.role.equals(role)).count();
    }

    private void registerPort(final int id, final Bound bound)
    {
        final MetricsRegistry metrics = registry;
        if (metrics == null)
        {
            return;
        }
        final Labels labels = Labels.of("port", Integer.toString(id), "interface", bound.name, "role", bound.role);
        metrics.counter("sluice_port_rx_packets_total", "Frames received on a fast-path port.", labels,
            () -> bound.handle.counters().getAcquire(PortIo.COUNTER_RX_PACKETS));
        metrics.counter("sluice_port_tx_packets_total", "Frames sent on a fast-path port.", labels,
            () -> bound.handle.counters().getAcquire(PortIo.COUNTER_TX_PACKETS));
        metrics.counter("sluice_port_tx_ring_full_total", "Frames for a port dropped because its TX ring was full.",
            labels, () -> bound.handle.counters().getAcquire(PortIo.COUNTER_TX_RING_FULL));
    }

    private void unregisterPort(final int id, final Bound bound)
    {
        final MetricsRegistry metrics = registry;
        if (metrics == null)
        {
            return;
        }
        final Labels labels = Labels.of("port", Integer.toString(id), "interface", bound.name, "role", bound.role);
        metrics.remove("sluice_port_rx_packets_total", labels);
        metrics.remove("sluice_port_tx_packets_total", labels);
        metrics.remove("sluice_port_tx_ring_full_total", labels);
    }

    /**
     * @return the ports now, for {@code /status}.
     */
    public synchronized List<NodeStatus.InterfaceStatus> interfaces()
    {
        final List<NodeStatus.InterfaceStatus> list = new ArrayList<>();
        for (final Bound bound : ports.values())
        {
            list.add(new NodeStatus.InterfaceStatus(bound.name, bound.role, String.valueOf(bound.port.attachMode()),
                1, bound.port.program().programId()));
        }
        return list;
    }

    /**
     * Adds the dataplane's counters to a {@code /status} counter map.
     *
     * @param counters the map.
     */
    public synchronized void statusCounters(final Map<String, Long> counters)
    {
        counters.put("ports", (long)ports.size());
        for (final Map.Entry<Integer, Bound> entry : ports.entrySet())
        {
            final String name = "port_" + entry.getKey() + "_" + entry.getValue().name;
            counters.put(name + "_rx", entry.getValue().handle.counters().getAcquire(PortIo.COUNTER_RX_PACKETS));
            counters.put(name + "_tx", entry.getValue().handle.counters().getAcquire(PortIo.COUNTER_TX_PACKETS));
        }
        for (final int id : new int[] {WorkerCounters.RX_PACKETS, WorkerCounters.TX_PACKETS,
            WorkerCounters.PIPELINE_DROPS, WorkerCounters.TX_RING_FULL, WorkerCounters.NO_OUTPUT,
            WorkerCounters.RX_DEFERRED, WorkerCounters.RX_DISCARDED, WorkerCounters.INVALID_FRAMES})
        {
            counters.put("worker_" + WorkerCounters.name(id), worker.counter(id));
        }
    }

    // ------------------------------------------------------------------------------------------ pods

    /**
     * Binds a pod's host-side veth: XDP pod role, a socket on the worker's UMEM, polled by the worker.
     *
     * @param hostInterface the veth.
     * @return the port id.
     * @throws IllegalArgumentException when the interface does not exist.
     */
    public synchronized int bindPod(final String hostInterface)
    {
        checkOpen();
        Libc.ifNameToIndex(hostInterface);
        final int id = allocatePodPort();
        open(id, hostInterface, podConfig, XdpPortConfig.pod(), null, "pod", hostInterface);
        return id;
    }

    /**
     * Unbinds a pod port: detach, drain, close, reclaim its frames. Unknown ids are ignored.
     *
     * @param id the port id.
     */
    public synchronized void unbindPod(final int id)
    {
        final Bound bound = ports.remove(id);
        if (bound == null)
        {
            return;
        }
        unregisterPort(id, bound);
        worker.detach(bound.handle, bound.port, PORT_TIMEOUT_NS);
    }

    /**
     * @param id a port id.
     * @return whether it is bound and polled by the worker.
     */
    public synchronized boolean isBound(final int id)
    {
        final Bound bound = ports.get(id);
        return bound != null && bound.handle.state() == NodeWorkerAgent.PortState.ACTIVE;
    }

    private int allocatePodPort()
    {
        final int max = NodeWorkerAgent.Settings.defaults().maxPorts();
        for (int tries = 0; tries < max; tries++)
        {
            final int id = nextPodPort;
            nextPodPort = nextPodPort + 1 >= max ? FIRST_POD_PORT : nextPodPort + 1;
            if (!ports.containsKey(id))
            {
                return id;
            }
        }
        throw new IllegalStateException("no free port id (" + ports.size() + " ports)");
    }

    private void open(final int id, final String name, final XskConfig config, final XdpPortConfig xdp,
        final byte[] macRewrite, final String role, final String label)
    {
        removeStaleProgram(name);
        final Port port = Port.open(id, name, 0, umem, config, xdp);
        final NodeWorkerAgent.PortHandle handle;
        try
        {
            handle = worker.attach(port, macRewrite, PORT_TIMEOUT_NS);
        }
        catch (final RuntimeException ex)
        {
            port.close();
            throw ex;
        }
        final Bound bound = new Bound(port, handle, role, label);
        ports.put(id, bound);
        registerPort(id, bound);
        LOG.log(System.Logger.Level.INFO, "port " + id + " (" + role + "): " + port);
    }

    /**
     * An attachment made with {@code bpf_xdp_attach} outlives its process: after a crash of an earlier agent its
     * Sluice program (fail-closed on pods, pass on the uplink) is still on the interface, and attaching again would
     * be refused. A program named {@code sluice_xdp} is ours and is removed; any other program is left alone (the
     * attach then fails and says so).
     */
    private static void removeStaleProgram(final String name)
    {
        final String details;
        try
        {
            details = output(List.of("ip", "-d", "link", "show", "dev", name));
        }
        catch (final IOException ex)
        {
            return;
        }
        if (details.contains("prog/xdp") && details.contains("name sluice_xdp"))
        {
            LOG.log(System.Logger.Level.WARNING, name + " still has the XDP program of an earlier agent: removing it");
            for (final String mode : new String[] {"xdpdrv", "xdpgeneric"})
            {
                try
                {
                    ip("link", "set", "dev", name, mode, "off");
                }
                catch (final IOException ex)
                {
                    LOG.log(System.Logger.Level.DEBUG, ex.getMessage());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ host port

    /**
     * Before each compile (control thread): creates the host port once the Node's pod CIDR is known.
     *
     * @param state the snapshot about to be compiled.
     */
    public synchronized void beforeCompile(final ClusterState state)
    {
        if (closed || podCidr != null || hostPortFailed)
        {
            return;
        }
        final NodeInfo node = state.nodes().get(nodeName);
        if (node == null || node.podCidrs().isEmpty())
        {
            return;
        }
        Cidr cidr = null;
        for (final Cidr candidate : node.podCidrs())
        {
            if (candidate.isIpv4())
            {
                cidr = candidate;
                break;
            }
        }
        if (cidr == null)
        {
            return;
        }
        final byte[] gateway = cidr.network().getAddress();
        gateway[3] = (byte)(gateway[3] + 1);
        try
        {
            final String gw = InetAddress.getByAddress(gateway).getHostAddress();
            createHostPort(gw, cidr.toString());
            gatewayIpv4 = gw;
            podCidr = cidr.toString();
        }
        catch (final IOException | RuntimeException ex)
        {
            hostPortFailed = true;
            LOG.log(System.Logger.Level.ERROR, "host port not created: pods cannot reach the node; " + ex.getMessage(),
                ex);
            deleteHostVeth();
        }
    }

    private void createHostPort(final String gateway, final String cidr) throws IOException
    {
        deleteHostVeth();
        ip("link", "add", HOST_INTERFACE, "type", "veth", "peer", "name", NET_INTERFACE);
        ip("link", "set", HOST_INTERFACE, "arp", "off");
        ip("link", "set", NET_INTERFACE, "addrgenmode", "none");
        ip("link", "set", HOST_INTERFACE, "up");
        ip("link", "set", NET_INTERFACE, "up");
        ip("addr", "add", gateway + "/32", "dev", HOST_INTERFACE);
        ip("route", "replace", cidr, "dev", HOST_INTERFACE, "src", gateway);
        if (nodePortMin != 0)
        {
            // NodePort replies come out of the host port with the node's own address as source: the kernel must
            // accept that (accept_local, no reverse-path filter) and forward them out of the uplink
            sysctl("net/ipv4/conf/" + HOST_INTERFACE + "/accept_local", "1");
            sysctl("net/ipv4/conf/" + HOST_INTERFACE + "/rp_filter", "0");
            sysctl("net/ipv4/ip_forward", "1");
        }
        // the kernel's TCP/UDP to pods would leave with CHECKSUM_PARTIAL, which the AF_XDP path cannot finish
        try
        {
            run(List.of("ethtool", "-K", HOST_INTERFACE, "tx", "off"));
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "ethtool -K " + HOST_INTERFACE + " tx off failed (" + ex.getMessage()
                + "): TCP/UDP from the node to pods may carry unfinished checksums");
        }
        final long hostMac = mac(networkInterface(HOST_INTERFACE));
        final byte[] rewrite = new byte[PortIo.MAC_REWRITE_LENGTH];
        for (int i = 0; i < 6; i++)
        {
            rewrite[i] = (byte)(hostMac >>> (40 - 8 * i));
            rewrite[6 + i] = (byte)(gatewayMac >>> (40 - 8 * i));
        }
        open(HOST_PORT, NET_INTERFACE, podConfig, XdpPortConfig.pod(), rewrite, "host", NET_INTERFACE);
        LOG.log(System.Logger.Level.INFO, "host port: " + HOST_INTERFACE + " " + gateway + "/32, route " + cidr);
    }

    private static void sysctl(final String key, final String value)
    {
        try
        {
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/sys", key), value);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "sysctl " + key + "=" + value + " failed (" + ex +
                "): replies to NodePort clients may not leave the node");
        }
    }

    private static void deleteHostVeth()
    {
        try
        {
            if (NetworkInterface.getByName(HOST_INTERFACE) != null)
            {
                ip("link", "del", HOST_INTERFACE);
            }
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + HOST_INTERFACE + ": " + ex.getMessage());
        }
    }

    private static void ip(final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command);
    }

    private static void run(final List<String> command) throws IOException
    {
        output(command);
    }

    private static String output(final List<String> command) throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                throw new IOException(String.join(" ", command) + ": " + output.strip());
            }
            return output;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": interrupted", ex);
        }
    }

    // ------------------------------------------------------------------------------------------ tunnel

    /**
     * @return the tunnel side of the compile: null config without an uplink.
     */
    public NodeTablesSource.TunnelSource tunnelSource()
    {
        return new NodeTablesSource.TunnelSource()
        {
            @Override
            public TunnelConfig config()
            {
                if (uplink == null)
                {
                    return null;
                }
                final TunnelConfig.Builder builder = new TunnelConfig.Builder().uplinkPort(UPLINK_PORT)
                    .localMac(macText(uplinkMac)).localIpv4(uplinkAddress.getHostAddress()).underlayMtu(uplinkMtu);
                final String gw = gatewayIpv4;
                if (gw != null)
                {
                    builder.gatewayIpv4(gw);
                }
                return builder.build();
            }

            @Override
            public NextHopResolver nextHops()
            {
                pollNeighbours();
                final NextHopResolver kernel = new NeighbourNextHops(neighbours, routes);
                synchronized (unresolvedPeers)
                {
                    unresolvedPeers.clear();
                }
                return (final TunnelPeerTable peers, final int peer) ->
                {
                    final long mac = kernel.nextHopMac(peers, peer);
                    if (mac == NextHopResolver.UNRESOLVED && !peers.ipv6Underlay(peer))
                    {
                        synchronized (unresolvedPeers)
                        {
                            unresolvedPeers.add(peers.underlayIpv4(peer));
                        }
                    }
                    return mac;
                };
            }
        };
    }

    /**
     * Control thread, every duty cycle: follow the kernel's neighbour table; when a next hop appeared or changed,
     * ask for new tables; nudge the kernel to resolve peers whose next hop is unknown.
     *
     * @return work done.
     */
    public int housekeeping()
    {
        final MetricsRegistry metrics = registry;
        final NodePipeline pipeline = worker.pipeline();
        if (!stagesRegistered && metrics != null && pipeline != null)
        {
            // the pipeline is built by the worker from the first tables
            stagesRegistered = true;
            SluiceMetrics.pipeline(metrics, 0, pipeline.pipeline());
        }
        if (neighbours == null || closed)
        {
            return 0;
        }
        final long nowNs = System.nanoTime();
        if (nowNs - lastNeighbourPollNs < NEIGHBOUR_POLL_NS)
        {
            return 0;
        }
        lastNeighbourPollNs = nowNs;
        int work = pollNeighbours();
        if (neighbours.changeCount() != lastNeighbourChanges)
        {
            lastNeighbourChanges = neighbours.changeCount();
            rebuild.run();
            work++;
        }
        final List<Integer> peers;
        synchronized (unresolvedPeers)
        {
            peers = List.copyOf(unresolvedPeers);
        }
        for (final int peer : peers)
        {
            final Long last = lastNudgeNs.get(peer);
            if (last == null || nowNs - last >= NUDGE_INTERVAL_NS)
            {
                lastNudgeNs.put(peer, nowNs);
                nudge(peer);
                work++;
            }
        }
        return work;
    }

    private int pollNeighbours()
    {
        try
        {
            return neighbours.poll();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "neighbour table poll failed: " + ex.getMessage());
            return 0;
        }
    }

    /**
     * Makes the kernel resolve the next hop towards a peer: one UDP datagram to the peer's discard port goes out
     * through the kernel's stack, which first resolves the next hop (ARP); the new neighbour entry then arrives
     * in the mirrored table and the templates are rebuilt.
     */
    private void nudge(final int peerIpv4)
    {
        try
        {
            if (nudges == null)
            {
                nudges = DatagramChannel.open();
                nudges.configureBlocking(false);
            }
            final byte[] a = {(byte)(peerIpv4 >>> 24), (byte)(peerIpv4 >>> 16), (byte)(peerIpv4 >>> 8),
                (byte)peerIpv4};
            nudges.send(ByteBuffer.wrap(new byte[] {0}), new InetSocketAddress(InetAddress.getByAddress(a), 9));
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "neighbour nudge failed: " + ex.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------ close

    /**
     * Detaches every XDP program, stops the worker, closes sockets and UMEM, deletes the host veth. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final Bound bound : ports.values())
        {
            try
            {
                bound.port.program().close();
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "detaching XDP from " + bound.name + ": " + ex.getMessage());
            }
        }
        runner.close();
        for (final Bound bound : ports.values())
        {
            try
            {
                bound.port.close();
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "closing port " + bound.name + ": " + ex.getMessage());
            }
        }
        ports.clear();
        try
        {
            umem.close();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "closing the UMEM: " + ex.getMessage());
        }
        if (podCidr != null || hostPortFailed)
        {
            deleteHostVeth();
        }
        conntrack.close();
        if (neighbours != null)
        {
            neighbours.close();
        }
        if (routes != null)
        {
            routes.close();
        }
        if (nudges != null)
        {
            try
            {
                nudges.close();
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, "closing the nudge socket: " + ex.getMessage());
            }
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the dataplane of " + nodeName + " is closed");
        }
    }

    /** @return the last tables the worker installed, or null. */
    public NodeTables installedTables()
    {
        return workerTables.installed();
    }

    private static NetworkInterface networkInterface(final String name)
    {
        try
        {
            final NetworkInterface nic = NetworkInterface.getByName(name);
            if (nic == null)
            {
                throw new IllegalArgumentException("no interface " + name + " in this network namespace");
            }
            return nic;
        }
        catch (final SocketException ex)
        {
            throw new IllegalArgumentException("interface " + name + ": " + ex.getMessage(), ex);
        }
    }

    private static Inet4Address firstIpv4(final NetworkInterface nic)
    {
        return nic.inetAddresses().filter(a -> a instanceof Inet4Address).map(a -> (Inet4Address)a).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("uplink " + nic.getName() + " has no IPv4 address"));
    }

    private static long mac(final NetworkInterface nic)
    {
        try
        {
            final byte[] address = nic.getHardwareAddress();
            if (address == null || address.length != 6)
            {
                throw new IllegalArgumentException(nic.getName() + " has no Ethernet address");
            }
            long mac = 0;
            for (final byte b : address)
            {
                mac = (mac << 8) | (b & 0xFF);
            }
            return mac;
        }
        catch (final SocketException ex)
        {
            throw new IllegalArgumentException(nic.getName() + ": " + ex.getMessage(), ex);
        }
    }

    private static int mtu(final NetworkInterface nic)
    {
        try
        {
            return nic.getMTU();
        }
        catch (final SocketException ex)
        {
            throw new IllegalArgumentException(nic.getName() + ": " + ex.getMessage(), ex);
        }
    }
}
