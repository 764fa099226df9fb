package dev.sluice.control.metrics;

import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency histogram for Prometheus: writers record nanoseconds into an HdrHistogram {@link Recorder} (wait-free,
 * any thread); a scrape moves the interval into a cumulative histogram and reads the counts at the configured
 * bucket bounds. HdrHistogram keeps 3 significant digits, so a value within 0.1% of a bound may be counted on
 * either side of it; sum and count are exact.
 */
public final class LatencyHistogram
{
    /** Bucket bounds (seconds) suited to apply latency: 0.5 ms .. 10 s. */
    public static final double[] DEFAULT_BOUNDS_SECONDS =
        { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

    private static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;

    private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    private final Histogram cumulative = new Histogram(HIGHEST_TRACKABLE_NS, 3);
    private final AtomicLong sumNs = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final double[] boundsSeconds;
    private final long[] boundsNs;
    private Histogram interval;

    /**
     * @param boundsSeconds strictly increasing positive bucket upper bounds in seconds ({@code +Inf} is implied).
     */
    public LatencyHistogram(final double... boundsSeconds)
    {
        this.boundsSeconds = boundsSeconds.clone();
        this.boundsNs = new long[boundsSeconds.length];
        for (int i = 0; i < boundsSeconds.length; i++)
        {
            if (!(boundsSeconds[i] > 0) || (i > 0 && boundsSeconds[i] <= boundsSeconds[i - 1]))
            {
                throw new IllegalArgumentException("bucket bounds must be positive and increasing: bound " + i
                    + " is " + boundsSeconds[i]);
            }
            boundsNs[i] = Math.round(boundsSeconds[i] * 1e9);
        }
    }

    /**
     * @return a histogram with {@link #DEFAULT_BOUNDS_SECONDS}.
     */
    public static LatencyHistogram withDefaultBounds()
    {
        return new LatencyHistogram(DEFAULT_BOUNDS_SECONDS);
    }

    /**
     * Record one latency (any thread, wait-free). Negative values count as 0; values above an hour as an hour.
     *
     * @param latencyNs the latency in nanoseconds.
     */
    public void recordNs(final long latencyNs)
    {
        final long v = Math.max(0, Math.min(latencyNs, HIGHEST_TRACKABLE_NS));
        recorder.recordValue(v);
        sumNs.addAndGet(v);
        count.incrementAndGet();
    }

    /**
     * @return the bucket bounds in seconds.
     */
    public double[] boundsSeconds()
    {
        return boundsSeconds.clone();
    }

    /**
     * Take a cumulative snapshot (scrape thread).
     *
     * @return counts of values at or below each bound, then the total count, and the sum in seconds.
     */
    public synchronized Snapshot snapshot()
    {
        interval = recorder.getIntervalHistogram(interval);
        cumulative.add(interval);
        final long[] buckets = new long[boundsNs.length];
        for (int i = 0; i < boundsNs.length; i++)
        {
            buckets[i] = cumulative.getCountBetweenValues(0, boundsNs[i]);
        }
        return new Snapshot(boundsSeconds.clone(), buckets, cumulative.getTotalCount(), sumNs.get() / 1e9,
            cumulative.getValueAtPercentile(50), cumulative.getValueAtPercentile(99));
    }

    /**
     * A cumulative view.
     *
     * @param boundsSeconds the bucket bounds.
     * @param cumulative    values at or below each bound.
     * @param count         all values.
     * @param sumSeconds    their sum.
     * @param p50Ns         the median.
     * @param p99Ns         the 99th percentile.
     */
    public record Snapshot(double[] boundsSeconds, long[] cumulative, long count, double sumSeconds, long p50Ns,
        long p99Ns)
    {
    }
}
