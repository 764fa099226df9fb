package dev.sluice.perf.bench;

import java.util.Objects;

import org.HdrHistogram.Histogram;

/**
 * What one {@link Measurement} through one {@link BenchTopology} gave.
 *
 * @param topologyId     {@link BenchTopology#id()}
 * @param title          {@link BenchTopology#title()}
 * @param group          {@link BenchTopology#group()}
 * @param services       {@link BenchTopology#services()}
 * @param measurement    what was run
 * @param sent           frames the generator sent during the measured interval
 * @param received       frames the sink received during the measured interval
 * @param seconds        length of the measured interval
 * @param cpuNsPerPacket CPU time of the device under test per received frame (its processes' user+system time, or
 *                       the machine's softirq time for a kernel DUT), in nanoseconds; NaN when not measured
 * @param latencyNs      one-way latency per received frame in nanoseconds, from the frame's intended send time (so
 *                       coordinated omission is corrected for paced runs) to its arrival at the sink; null when the
 *                       run recorded none
 */
public record ScenarioResult(
    String topologyId,
    String title,
    String group,
    int services,
    Measurement measurement,
    long sent,
    long received,
    double seconds,
    double cpuNsPerPacket,
    Histogram latencyNs)
{
    /**
     * Checks the values.
     */
    public ScenarioResult
    {
        Objects.requireNonNull(topologyId, "topologyId");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(measurement, "measurement");
        if (sent < 0 || received < 0 || seconds <= 0)
        {
            throw new IllegalArgumentException("bad counts: sent " + sent + " received " + received
                + " seconds " + seconds);
        }
    }

    /**
     * Frames per second delivered to the sink.
     *
     * @return the received rate.
     */
    public double receivedPps()
    {
        return received / seconds;
    }

    /**
     * Frames per second the generator offered.
     *
     * @return the offered rate.
     */
    public double offeredPps()
    {
        return sent / seconds;
    }

    /**
     * Fraction of sent frames that did not arrive.
     *
     * @return loss in [0, 1].
     */
    public double loss()
    {
        return sent == 0 ? 0.0 : Math.max(0.0, 1.0 - (double)received / sent);
    }
}
