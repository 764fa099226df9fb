package dev.sluice.perf.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints a table of maximum throughput (unpaced generator) through the kernel and ceiling topologies of
 * {@link KernelTopologies}, to run by hand as root:
 * <pre>
 *   java -cp perf/target/benchmarks.jar dev.sluice.perf.bench.KernelThroughputMain [SECONDS] [BYTES] [IDS...]
 * </pre>
 * SECONDS (default 3) per measurement after a one-second warm-up, BYTES frame size (default 64), IDS topology ids
 * (default all). Each topology is measured with established and with new flows; the machine's load average is
 * printed before and after, since other work on the machine changes the numbers.
 */
public final class KernelThroughputMain
{
    private KernelThroughputMain()
    {
    }

    /**
     * Runs the table.
     *
     * @param args [SECONDS] [BYTES] [IDS...]
     * @throws Exception when a topology cannot be built or run
     */
    public static void main(final String[] args) throws Exception
    {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final int bytes = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        final List<BenchTopologyFactory> factories = new ArrayList<>();
        if (args.length > 2)
        {
            for (int i = 2; i < args.length; i++)
            {
                factories.add(KernelTopologies.byId(args[i]));
            }
        }
        else
        {
            factories.addAll(KernelTopologies.all());
        }
        final XdpTrafficRunner runner = new XdpTrafficRunner();
        System.out.println("load before: " + loadAverage());
        System.out.printf(Locale.ROOT, "%-22s %-11s %10s %10s %8s %12s %12s %10s%n", "topology", "flows", "sent Mpps",
            "recv Mpps", "loss", "CPU ns/pkt", "p50 us", "p99 us");
        for (final BenchTopologyFactory factory : factories)
        {
            final long openNs = System.nanoTime();
            try (BenchTopology topology = factory.open())
            {
                final double openS = (System.nanoTime() - openNs) / 1e9;
                for (final Measurement.Flows flows : Measurement.Flows.values())
                {
                    final ScenarioResult r = runner.run(topology,
                        new Measurement(bytes, flows, 0, Duration.ofSeconds(seconds)));
                    System.out.printf(Locale.ROOT, "%-22s %-11s %10.3f %10.3f %7.1f%% %12.0f %12.1f %10.1f  (open %.1f s)%n",
                        topology.id(), flows, r.offeredPps() / 1e6, r.receivedPps() / 1e6, 100 * r.loss(),
                        r.cpuNsPerPacket(), percentileUs(r, 50), percentileUs(r, 99), openS);
                }
            }
        }
        System.out.println("load after: " + loadAverage());
    }

    private static double percentileUs(final ScenarioResult r, final double percentile)
    {
        return r.latencyNs() == null ? Double.NaN : r.latencyNs().getValueAtPercentile(percentile) / 1000.0;
    }

    private static String loadAverage() throws java.io.IOException
    {
        return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
    }
}
