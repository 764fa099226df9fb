package dev.sluice.control.agent;

import java.util.Objects;

import dev.sluice.control.compile.CompiledServices;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.compile.ServiceCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.PodRef;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.service.ServiceTableBuilder;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.control.compile.NodeTablesCompiler;

/**
 * Compiles a {@link ClusterState} into the {@link NodeTables} of one node for the {@link TablePublisher}; called on
 * the control thread only, one generation at a time, in order. Throwing leaves the previous tables in force.
 */
@FunctionalInterface
public interface NodeTablesSource
{
    /**
     * @param state      the snapshot.
     * @param generation its generation.
     * @return the node's tables of that generation.
     */
    NodeTables compile(ClusterState state, long generation);

    /**
     * The agent's compile step: policy ({@link PolicyCompiler}), services ({@link ServiceCompiler}, reusing the
     * previous compile's Maglev tables), local endpoints from {@code ports}; no tunnel templates yet.
     * <p>
     * <b>Merge point:</b> when {@code dev.sluice.control.compile.NodeTablesCompiler} (the pipeline work) lands, this
     * becomes a call to its {@code compile(state, node, generation, ...)}, which also builds the tunnel templates.
     *
     * @param node  the node.
     * @param ports the local pods' ports.
     * @return a stateful compiler (it keeps the last good service compile); control thread only.
     */
    static NodeTablesSource compiler(final String node, final EndpointPorts ports)
    {
        return new Compiler(node, ports, null);
    }

    /**
     * The compile step of a live node with a tunnel: as {@link #compiler(String, EndpointPorts)}, plus tunnel
     * templates towards every other Node with an InternalIP and pod CIDRs ({@link NodeTablesCompiler#peers}).
     *
     * @param node   the node.
     * @param ports  the local pods' ports.
     * @param tunnel this node's tunnel side (asked on every compile), or null for none.
     * @return a stateful compiler; control thread only.
     */
    static NodeTablesSource compiler(final String node, final EndpointPorts ports, final TunnelSource tunnel)
    {
        return new Compiler(node, ports, tunnel);
    }

    /**
     * This node's side of the tunnel, asked on every compile (control thread).
     */
    interface TunnelSource
    {
        /**
         * @return the tunnel configuration, or null when there is no tunnel (yet).
         */
        TunnelConfig config();

        /**
         * @return how peers' next-hop MACs are found.
         */
        NextHopResolver nextHops();
    }

    /**
     * The default compile step; keeps the previous services for reuse.
     */
    final class Compiler implements NodeTablesSource
    {
        private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");

        private final String node;
        private final EndpointPorts ports;
        private final TunnelSource tunnel;
        private final PolicyCompiler policyCompiler = new PolicyCompiler();
        private final ServiceCompiler serviceCompiler = new ServiceCompiler();
        private CompiledServices previousServices;
        private boolean nodeMissingLogged;

        private Compiler(final String node, final EndpointPorts ports, final TunnelSource tunnel)
        {
            this.node = Objects.requireNonNull(node, "node");
            this.ports = Objects.requireNonNull(ports, "ports");
            this.tunnel = tunnel;
        }

        @Override
        public NodeTables compile(final ClusterState state, final long generation)
        {
            final PolicySnapshot policy = policyCompiler.compile(state, node, generation);
            final ServiceTable services;
            final CompiledServices compiled;
            if (state.nodes().containsKey(node))
            {
                compiled = serviceCompiler.compile(state, node, previousServices);
                services = compiled.table();
                nodeMissingLogged = false;
            }
            else
            {
                // the Node object is not (yet) in the cluster: its NodePorts and addresses are unknown
                compiled = null;
                services = new ServiceTableBuilder(Maglev.DEFAULT_SIZE).build();
                if (!nodeMissingLogged)
                {
                    nodeMissingLogged = true;
                    LOG.log(System.Logger.Level.WARNING, "node " + node + " is not in the cluster state: no "
                        + "service frontends until it is");
                }
            }
            final int count = policy.endpointCount();
            final int[] port = new int[count];
            final long[] mac = new long[count];
            for (int i = 0; i < count; i++)
            {
                final PodRef pod = PodRef.parse(policy.endpointName(i));
                port[i] = ports.portOf(pod);
                mac[i] = ports.macOf(pod);
            }
            final TunnelConfig tunnelConfig = tunnel == null || !state.nodes().containsKey(node) ? null
                : tunnel.config();
            final TunnelTemplates templates = tunnelConfig == null ? null
                : TunnelTemplates.build(tunnelConfig, NodeTablesCompiler.peers(state), tunnel.nextHops(), generation);
            final NodeTables tables = new NodeTables(generation, policy, services, templates,
                new LocalEndpoints(port, mac));
            previousServices = compiled;
            return tables;
        }
    }
}
