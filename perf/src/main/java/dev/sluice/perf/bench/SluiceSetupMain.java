package dev.sluice.perf.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the Sluice topologies of {@code ./sluice bench} without sending benchmark traffic: starts the cluster,
 * opens every scenario in turn (each verified with real UDP), prints its path and the setup costs
 * ({@link SluiceTopologies#timings()}), and tears everything down. Run as root:
 * {@code java -cp ... dev.sluice.perf.bench.SluiceSetupMain [RUN_DIR] [N,N,...] [SPLIT|SHARED|NONE]}.
 */
public final class SluiceSetupMain
{
    private SluiceSetupMain()
    {
    }

    /**
     * @param args run directory, service counts, placement (all optional).
     * @throws Exception when a step fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path runDir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("sluice-bench-setup");
        final List<Integer> counts = new ArrayList<>();
        if (args.length > 1)
        {
            for (final String n : args[1].split(","))
            {
                counts.add(Integer.parseInt(n.strip()));
            }
        }
        final long t0 = System.nanoTime();
        SluiceTopologies.Options options = SluiceTopologies.Options.of(runDir,
            line -> System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line));
        if (!counts.isEmpty())
        {
            options = options.withServiceCounts(counts);
        }
        if (args.length > 2)
        {
            options = options.withPlacement(SluiceTopologies.Placement.valueOf(args[2]));
        }
        try (SluiceTopologies sluice = SluiceTopologies.start(options))
        {
            for (final BenchTopologyFactory factory : sluice.factories())
            {
                final long opened = System.nanoTime();
                try (BenchTopology topology = factory.open())
                {
                    System.out.printf("%s: open + verified in %.1f s, %d services, %s%n", topology.id(),
                        (System.nanoTime() - opened) / 1e9, topology.services(), topology.path());
                }
            }
            for (final Map.Entry<String, Double> timing : new java.util.TreeMap<>(sluice.timings()).entrySet())
            {
                System.out.printf("%-28s %8.2f%n", timing.getKey(), timing.getValue());
            }
        }
        System.out.printf("total %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
