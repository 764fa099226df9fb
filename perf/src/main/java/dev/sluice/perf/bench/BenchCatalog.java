package dev.sluice.perf.bench;

import java.util.List;

/**
 * The topologies and the traffic runner of {@code ./sluice bench}: the one place that names the implementations.
 *
 * @param factories the topologies, in the order the report lists them (the plan moves the reference first)
 * @param runner    the traffic runner (null when none is built: {@link BenchMain} then says so and exits)
 * @param resources more things {@link BenchMain} closes at the end (e.g. a cluster shared by several factories);
 *                  factories and a runner that are {@link AutoCloseable} are closed anyway
 */
public record BenchCatalog(List<BenchTopologyFactory> factories, TrafficRunner runner, List<AutoCloseable> resources)
{
    /**
     * Copies the lists.
     */
    public BenchCatalog
    {
        factories = List.copyOf(factories);
        resources = List.copyOf(resources);
    }

    /**
     * The standard catalog. This build has no topology or runner implementation yet, so it is empty; the kernel
     * topologies, the Sluice cluster topologies and the XDP traffic runner are listed here as they land, e.g.
     * {@code new BenchCatalog(concat(kernel.factories(), sluice.factories()), new XdpTrafficRunner(), List.of(sluice))}.
     *
     * @return the catalog.
     */
    public static BenchCatalog standard()
    {
        return new BenchCatalog(List.of(), null, List.of());
    }
}
