package dev.sluice.fastpath.stage;

import java.util.List;
import java.util.Locale;

import dev.sluice.fastpath.status.Counters;

/**
 * An ordered chain of stages run over each vector, with VPP-style runtime accounting per stage: calls, packets
 * seen and nanoseconds spent, so the agent can export ns/packet per stage ({@code show runtime}). The live agent,
 * the offline tools and the benchmarks all run their packets through a {@code Pipeline}.
 *
 * <p>Single-threaded: one pipeline per worker. Accounting costs two {@link System#nanoTime()} reads per stage per
 * vector, amortised over the vector.
 */
public final class Pipeline
{
    public static final int COUNTER_CALLS = 0;
    public static final int COUNTER_PACKETS = 1;
    public static final int COUNTER_NANOS = 2;
    private static final int COUNTERS_PER_STAGE = 3;

    private final Stage[] stages;
    private final Counters runtime;

    public Pipeline(final List<? extends Stage> stages)
    {
        if (stages.isEmpty())
        {
            throw new IllegalArgumentException("a pipeline needs at least one stage");
        }
        this.stages = stages.toArray(new Stage[0]);
        this.runtime = new Counters(this.stages.length * COUNTERS_PER_STAGE);
    }

    /** Runs every stage over the vector in order. */
    public void process(final PacketVector vector)
    {
        final int size = vector.size();
        long start = System.nanoTime();
        for (int s = 0; s < stages.length; s++)
        {
            stages[s].process(vector);
            final long end = System.nanoTime();
            final int base = s * COUNTERS_PER_STAGE;
            runtime.incrementRelease(base + COUNTER_CALLS);
            runtime.addRelease(base + COUNTER_PACKETS, size);
            runtime.addRelease(base + COUNTER_NANOS, end - start);
            start = end;
        }
    }

    public int stageCount()
    {
        return stages.length;
    }

    public Stage stage(final int index)
    {
        return stages[index];
    }

    /** A runtime counter of a stage (any thread). */
    public long runtime(final int stageIndex, final int counter)
    {
        return this.runtime.getAcquire(stageIndex * COUNTERS_PER_STAGE + counter);
    }

    /** A VPP-like table: stage, calls, packets, packets/call, ns/packet. Not for the packet path. */
    public String formatRuntime()
    {
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-12s %12s %14s %10s %10s%n",
            "stage", "calls", "packets", "pkts/call", "ns/pkt"));
        for (int s = 0; s < stages.length; s++)
        {
            final long calls = runtime(s, COUNTER_CALLS);
            final long packets = runtime(s, COUNTER_PACKETS);
            final long nanos = runtime(s, COUNTER_NANOS);
            out.append(String.format(Locale.ROOT, "%-12s %12d %14d %10.1f %10.1f%n", stages[s].name(), calls,
                packets, calls == 0 ? 0.0 : (double)packets / calls, packets == 0 ? 0.0 : (double)nanos / packets));
        }
        return out.toString();
    }
}
