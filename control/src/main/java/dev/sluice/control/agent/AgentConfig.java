package dev.sluice.control.agent;

import java.util.List;
import java.util.Objects;

/**
 * What a node agent runs with.
 *
 * @param nodeName       the node this agent serves ({@code --node}, default {@code NODE_NAME}).
 * @param uplink         the uplink interface, or {@code null} when not given.
 * @param workers        the number of fast-path workers, at least 1.
 * @param cpus           the CPUs to pin the workers to (empty: unpinned).
 * @param tickNs         the shortest interval between two snapshots: a change after a quiet tick is built at once,
 *                       changes during a tick are collected into the next snapshot.
 * @param maxPolicyPeers the most peers one NetworkPolicy may have before it is rejected.
 */
public record AgentConfig(String nodeName, String uplink, int workers, List<Integer> cpus, long tickNs,
    int maxPolicyPeers)
{
    /** The default tick: 50 ms. */
    public static final long DEFAULT_TICK_NS = 50_000_000L;

    /**
     * @param nodeName       not null or empty.
     * @param uplink         may be null.
     * @param workers        at least 1.
     * @param cpus           copied.
     * @param tickNs         at least 0.
     * @param maxPolicyPeers at least 1.
     */
    public AgentConfig
    {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isEmpty())
        {
            throw new IllegalArgumentException("node name is empty (use --node or set NODE_NAME)");
        }
        if (workers < 1)
        {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        cpus = List.copyOf(cpus);
        if (!cpus.isEmpty() && cpus.size() != workers)
        {
            throw new IllegalArgumentException("--cpus lists " + cpus.size() + " CPUs for " + workers + " workers");
        }
        if (tickNs < 0)
        {
            throw new IllegalArgumentException("tick must not be negative, not " + tickNs + " ns");
        }
        if (maxPolicyPeers < 1)
        {
            throw new IllegalArgumentException("max policy peers must be at least 1, not " + maxPolicyPeers);
        }
    }

    /**
     * @param nodeName the node.
     * @return a configuration with one unpinned worker, no uplink, the default tick and limits.
     */
    public static AgentConfig of(final String nodeName)
    {
        return new AgentConfig(nodeName, null, 1, List.of(), DEFAULT_TICK_NS,
            dev.sluice.control.model.ClusterStateBuilder.Limits.DEFAULTS.maxPolicyPeers());
    }
}
