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
     * The standard catalog: the kernel paths (forwarding without rules, kube-proxy's nftables and iptables-legacy
     * rule shapes at 1, 1000 and 10000 Services), the XDP redirect and C AF_XDP ceilings, then the Sluice scenarios
     * on one live 2-node cluster (started when first needed, closed at the end), all driven by the XDP live-frames
     * generator and histogram sink.
     *
     * @return the catalog.
     */
    public static BenchCatalog standard()
    {
        final SluiceLazyTopologies sluice = SluiceLazyTopologies.withDefaults(line -> System.out.println("  " + line));
        final List<BenchTopologyFactory> factories = new java.util.ArrayList<>(KernelTopologies.all());
        factories.addAll(sluice.factories());
        return new BenchCatalog(factories, new XdpTrafficRunner(), List.of(sluice));
    }
}
