package dev.sluice.control.compile;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.sluice.control.model.Cidr;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NodeInfo;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.geneve.TunnelPeerTable;

/**
 * Cluster state to the {@link NodeTables} of one node: policy ({@link PolicyCompiler}), services
 * ({@link ServiceCompiler}), the tunnel peers (every Node with an InternalIP and pod CIDRs) and this node's local
 * endpoints, whose ports and MACs come from the caller ({@link EndpointPorts}: the CNI plugin at run time, one
 * virtual port per pod offline). Deterministic: the same input gives the same tables.
 */
public final class NodeTablesCompiler
{
    private NodeTablesCompiler()
    {
    }

    /**
     * Where the pods of the node are attached: port and MAC per policy endpoint.
     */
    public interface EndpointPorts
    {
        /**
         * @param endpointName {@code namespace/pod}.
         * @param endpointId   the policy snapshot's endpoint id.
         * @return the port its veth is bound to, or {@link LocalEndpoints#NO_PORT}.
         */
        int port(String endpointName, int endpointId);

        /**
         * @param endpointName {@code namespace/pod}.
         * @param endpointId   the endpoint id.
         * @return the pod's MAC (low 48 bits), 0 when unknown.
         */
        long mac(String endpointName, int endpointId);

        /**
         * One virtual port per endpoint, {@code firstPort + endpointId}, and a locally administered MAC
         * {@code 02:00:00:00:hh:ll} with the endpoint id + 1 in the last two bytes (offline tools, tests).
         *
         * @param firstPort the port of endpoint 0.
         * @return the assignment.
         */
        static EndpointPorts sequential(final int firstPort)
        {
            return new EndpointPorts()
            {
                @Override
                public int port(final String endpointName, final int endpointId)
                {
                    return firstPort + endpointId;
                }

                @Override
                public long mac(final String endpointName, final int endpointId)
                {
                    return 0x0200_0000_0000L | (endpointId + 1);
                }
            };
        }
    }

    /**
     * Tables without a tunnel (a single-node setup).
     *
     * @param state      the cluster state.
     * @param node       this node's name.
     * @param generation the generation.
     * @param ports      where the local pods are attached.
     * @return the tables.
     */
    public static NodeTables compile(final ClusterState state, final String node, final long generation,
        final EndpointPorts ports)
    {
        return compile(state, node, generation, ports, null, null);
    }

    /**
     * @param state      the cluster state.
     * @param node       this node's name (must be a Node of the state).
     * @param generation the generation.
     * @param ports      where the local pods are attached.
     * @param tunnel     this node's tunnel configuration, or null for no tunnel.
     * @param nextHops   resolves peers' next-hop MACs (ignored without a tunnel); {@code null} = the offline
     *                   next hops of {@link #peers}.
     * @return the tables.
     */
    public static NodeTables compile(final ClusterState state, final String node, final long generation,
        final EndpointPorts ports, final TunnelConfig tunnel, final NextHopResolver nextHops)
    {
        Objects.requireNonNull(ports, "ports");
        if (!state.nodes().containsKey(node))
        {
            throw new IllegalArgumentException("no Node named '" + node + "' in the cluster state");
        }
        final PolicySnapshot policy = new PolicyCompiler().compile(state, node, generation);
        final ServiceTable services = new ServiceCompiler().compile(state, node).table();
        final int n = policy.endpointCount();
        final int[] port = new int[n];
        final long[] mac = new long[n];
        for (int e = 0; e < n; e++)
        {
            port[e] = ports.port(policy.endpointName(e), e);
            mac[e] = ports.mac(policy.endpointName(e), e);
        }
        final TunnelTemplates templates = tunnel == null ? null : TunnelTemplates.build(tunnel, peers(state),
            nextHops == null ? NextHopResolver.FROM_PEER_TABLE : nextHops, generation);
        return new NodeTables(generation, policy, services, templates, new LocalEndpoints(port, mac));
    }

    /**
     * The tunnel peer table of a cluster: every Node with an InternalIP (the first, IPv4 preferred) and pod CIDRs,
     * in name order. The next-hop MAC written in it is an offline stand-in ({@code 02:00} followed by the node's
     * IPv4 InternalIP, or by the last four bytes of its IPv6 one); live agents resolve real next hops with a
     * {@link NextHopResolver}.
     *
     * @param state the cluster state.
     * @return the peers.
     */
    public static TunnelPeerTable peers(final ClusterState state)
    {
        final List<TunnelPeerTable.Node> nodes = new ArrayList<>();
        for (final NodeInfo info : state.nodes().values())
        {
            final InetAddress ip = underlayAddress(info);
            if (ip == null || info.podCidrs().isEmpty())
            {
                continue;
            }
            final List<String> cidrs = new ArrayList<>();
            for (final Cidr cidr : info.podCidrs())
            {
                cidrs.add(cidr.toString());
            }
            final byte[] a = ip.getAddress();
            final String mac = String.format("02:00:%02x:%02x:%02x:%02x", a[a.length - 4] & 0xFF,
                a[a.length - 3] & 0xFF, a[a.length - 2] & 0xFF, a[a.length - 1] & 0xFF);
            nodes.add(new TunnelPeerTable.Node(info.name(), ip.getHostAddress(), cidrs, mac));
        }
        return new TunnelPeerTable(nodes);
    }

    /**
     * @param node a node.
     * @return its first IPv4 InternalIP, else its first InternalIP, else null.
     */
    public static InetAddress underlayAddress(final NodeInfo node)
    {
        for (final InetAddress ip : node.internalIps())
        {
            if (ip instanceof Inet4Address)
            {
                return ip;
            }
        }
        return node.internalIps().isEmpty() ? null : node.internalIps().get(0);
    }
}
