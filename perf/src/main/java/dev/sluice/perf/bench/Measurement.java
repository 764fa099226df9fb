package dev.sluice.perf.bench;

import java.time.Duration;
import java.util.Objects;

/**
 * One run of traffic through a topology.
 *
 * @param frameBytes Ethernet frame size without FCS (64 or 1400 in the standard plan; at least 64)
 * @param flows      {@link Flows#ESTABLISHED}: one 5-tuple for the whole run; {@link Flows#NEW}: a new source port
 *                   (and, past 64k, source address) on every frame, so every frame is the first of its flow
 * @param ratePps    offered rate for an open-loop latency run, or 0 for an unpaced throughput run
 * @param duration   measured time (after a warm-up that the runner chooses)
 */
public record Measurement(int frameBytes, Flows flows, long ratePps, Duration duration)
{
    /**
     * The flow mix of a measurement.
     */
    public enum Flows
    {
        /** One long-lived flow. */
        ESTABLISHED,
        /** Every frame opens a flow. */
        NEW
    }

    /**
     * Checks the values.
     */
    public Measurement
    {
        Objects.requireNonNull(flows, "flows");
        Objects.requireNonNull(duration, "duration");
        if (frameBytes < 64 || frameBytes > 1514)
        {
            throw new IllegalArgumentException("frameBytes must be 64..1514: " + frameBytes);
        }
        if (ratePps < 0)
        {
            throw new IllegalArgumentException("ratePps must be >= 0: " + ratePps);
        }
        if (duration.isNegative() || duration.isZero())
        {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
    }

    /**
     * Whether this is an unpaced (maximum throughput) run.
     *
     * @return true when no rate is set.
     */
    public boolean unpaced()
    {
        return ratePps == 0;
    }
}
