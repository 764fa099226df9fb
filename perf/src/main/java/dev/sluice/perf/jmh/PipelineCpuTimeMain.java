package dev.sluice.perf.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link PipelineBenchmark}'s state and operations timed by the thread's CPU time as well as the wall clock, for a
 * shared machine: when other processes take the core, the wall clock (what JMH reports) counts the time the thread
 * waited for it, the thread's CPU time does not (cache pollution by the others still shows). Runs batches of
 * vectors and prints, per operation, the best and median batch in ns/packet by each clock.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     -cp perf/target/benchmarks.jar dev.sluice.perf.jmh.PipelineCpuTimeMain [services] [batches] [vectors/batch]
 * </pre>
 * Not a replacement for JMH: no fork per run and one warm-up phase of the same length as the measurement.
 */
public final class PipelineCpuTimeMain
{
    private static final int PACKETS_PER_VECTOR = 64;

    private PipelineCpuTimeMain()
    {
    }

    /**
     * @param args services (default 10000), batches (default 200), vectors per batch (default 100).
     * @throws Exception when the benchmark state cannot be built.
     */
    public static void main(final String[] args) throws Exception
    {
        final int services = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final int batches = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        final int vectors = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        final PipelineBenchmark bench = new PipelineBenchmark();
        bench.liveEntries = 1_000_000;
        bench.flows = 8192;
        try
        {
            // Older versions of the benchmark had a fixed 10k services and no such field.
            PipelineBenchmark.class.getField("services").setInt(bench, services);
        }
        catch (final NoSuchFieldException ex)
        {
            if (services != 10_000)
            {
                throw new IllegalArgumentException("this PipelineBenchmark has 10000 services only: " + services, ex);
            }
        }
        bench.setUp();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final StringBuilder out = new StringBuilder();
        for (final String operation : new String[] { "established", "newFlows" })
        {
            final boolean established = operation.equals("established");
            final double[] cpu = new double[batches];
            final double[] wall = new double[batches];
            long sink = 0;
            for (int round = 0; round < 2; round++)
            {
                for (int b = 0; b < batches; b++)
                {
                    final long cpu0 = threads.getCurrentThreadCpuTime();
                    final long wall0 = System.nanoTime();
                    for (int n = 0; n < vectors; n++)
                    {
                        sink += established ? bench.established() : bench.newFlows();
                    }
                    final long wall1 = System.nanoTime();
                    final long cpu1 = threads.getCurrentThreadCpuTime();
                    cpu[b] = (double)(cpu1 - cpu0) / (vectors * PACKETS_PER_VECTOR);
                    wall[b] = (double)(wall1 - wall0) / (vectors * PACKETS_PER_VECTOR);
                }
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            out.append(String.format(Locale.ROOT,
                "%-12s services %5d  cpu ns/packet best %7.1f median %7.1f  wall ns/packet best %7.1f median %7.1f" +
                "  (%d batches of %d vectors, sink %d)%n", operation, services, cpu[0], cpu[batches / 2], wall[0],
                wall[batches / 2], batches, vectors, sink & 1));
        }
        bench.tearDown();
        System.out.print(out);
    }
}
