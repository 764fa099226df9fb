package dev.sluice.perf.bench;

/**
 * One device under test wired between a generator and a sink (network namespaces, links, rules or agents),
 * created by {@link BenchTopologyFactory#open()} and torn down by {@link #close()} (which must leave nothing
 * behind, even after a failed measurement).
 */
public interface BenchTopology extends AutoCloseable
{
    /**
     * Stable identifier used in file names and the JSON summary, e.g. {@code kernel-nft-10000}.
     *
     * @return the identifier ([a-z0-9-]+).
     */
    String id();

    /**
     * Human title for the report, e.g. "kernel, kube-proxy nftables rules, 10000 services".
     *
     * @return the title.
     */
    String title();

    /**
     * The group the report compares: {@code sluice}, {@code kernel} or {@code ceiling}.
     *
     * @return the group.
     */
    String group();

    /**
     * Number of Services programmed into the device under test (0 when it has no service rules).
     *
     * @return the service count.
     */
    int services();

    /**
     * The traffic path through this topology.
     *
     * @return the path.
     */
    BenchPath path();

    /**
     * Tears the topology down.
     */
    @Override
    void close();
}
