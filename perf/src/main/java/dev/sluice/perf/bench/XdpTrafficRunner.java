package dev.sluice.perf.bench;

import java.io.IOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * A {@link TrafficRunner} built on the XDP generator and sink of perf/bench/c (see {@link BenchTools}).
 * <p>
 * One run: start the sink ({@code traffic_tool sink}, native XDP on {@link BenchPath#sinkInterface()} in the sink's
 * namespace), start the generator ({@code traffic_tool gen}: BPF_PROG_RUN with live frames, XDP_TX out of
 * {@link BenchPath#generatorInterface()}, pinned to {@link #generatorCpu()}), let it run for the warm-up, then open
 * the measured interval (sink "start", generator "mark"), wait {@link Measurement#duration()}, close it (generator
 * "mark", sink "stop"), and stop both. {@code sent} is the number of frames the generator wrote between its marks
 * (offered, whether or not the first veth ring took them), {@code received} the frames carrying the generator's
 * trailer that reached the sink's XDP program while it recorded, {@code seconds} the sink's interval.
 * <p>
 * Latency: every frame carries its intended send time (the pacing schedule's due time, or its write time when
 * unpaced); the sink records {@code arrival - intended} into a log-linear histogram (64 sub-buckets per power of
 * two, 1 ns .. 17 s) which is converted into an HdrHistogram by recording each bucket's midpoint with its count.
 * Unpaced runs measure queueing at saturation, not a latency to quote.
 * <p>
 * CPU per packet: the difference of {@link CpuTime#nowNs} over the measured interval divided by {@code received}
 * (see {@link CpuTime} for exactly what is counted: the DUT's threads' on-CPU time, or the machine's softirq time).
 * <p>
 * Bounded: every child has a deadline of warm-up + duration + 15 s and is killed by PID on any failure.
 */
public final class XdpTrafficRunner implements TrafficRunner
{
    /** Source port of established flows (new flows use 1024..65535). */
    public static final int SOURCE_PORT = 12345;

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

    private final Duration warmUp;
    private final int generatorCpu;
    private final int sourceBits;

    /**
     * What a run saw at the sink beyond the {@link ScenarioResult}.
     *
     * @param result  the result
     * @param seen    every frame the sink's XDP program saw during the interval (also frames without a trailer)
     * @param matched IPv4/UDP frames addressed to the expected destination (all of them when none was given)
     * @param early   trailer frames that arrived before their intended time (clock trouble; recorded as 0 ns)
     */
    public record Detail(ScenarioResult result, long seen, long matched, long early)
    {
    }

    /**
     * A runner with a one-second warm-up, the generator on CPU 0 and new flows varying the low 8 bits of the source
     * address after the source ports.
     */
    public XdpTrafficRunner()
    {
        this(Duration.ofSeconds(1), 0, 8);
    }

    /**
     * A runner.
     *
     * @param warmUp       traffic before the measured interval
     * @param generatorCpu the CPU the generator is pinned to
     * @param sourceBits   low bits of the source address that NEW flows change once the 64512 ports are used (0..16)
     */
    public XdpTrafficRunner(final Duration warmUp, final int generatorCpu, final int sourceBits)
    {
        if (warmUp.isNegative())
        {
            throw new IllegalArgumentException("warmUp must not be negative: " + warmUp);
        }
        if (generatorCpu < 0 || generatorCpu >= Runtime.getRuntime().availableProcessors())
        {
            throw new IllegalArgumentException("generatorCpu out of range: " + generatorCpu);
        }
        if (sourceBits < 0 || sourceBits > 16)
        {
            throw new IllegalArgumentException("sourceBits must be 0..16: " + sourceBits);
        }
        this.warmUp = warmUp;
        this.generatorCpu = generatorCpu;
        this.sourceBits = sourceBits;
    }

    /**
     * The CPU the generator runs on.
     *
     * @return the CPU number
     */
    public int generatorCpu()
    {
        return generatorCpu;
    }

    @Override
    public ScenarioResult run(final BenchTopology topology, final Measurement measurement) throws Exception
    {
        return runDetailed(topology, measurement, null, 0).result();
    }

    /**
     * Runs one measurement and also reports what the sink saw about destinations.
     *
     * @param topology     the open topology
     * @param measurement  what to run
     * @param expectCidr   destination the sink counts as "matched" (e.g. the service's backends {@code a.b.c.d/29}),
     *                     or null for any
     * @param expectPort   destination port for "matched", or 0 for any
     * @return the result and the sink's counters
     * @throws Exception when the generator or sink could not run
     */
    public Detail runDetailed(final BenchTopology topology, final Measurement measurement, final String expectCidr,
        final int expectPort) throws Exception
    {
        final BenchTools tools = BenchTools.build();
        final BenchPath path = topology.path();
        if (!(path.sourceIp() instanceof Inet4Address) || !(path.destinationIp() instanceof Inet4Address))
        {
            throw new IllegalArgumentException("the XDP generator sends IPv4 only: " + path);
        }
        final Duration deadline = warmUp.plus(measurement.duration()).plusSeconds(15);
        final String[] sinkCommand = expectCidr == null
            ? new String[] {tools.trafficTool().toString(), "sink", path.sinkInterface()}
            : new String[] {tools.trafficTool().toString(), "sink", path.sinkInterface(), expectCidr,
                Integer.toString(expectPort)};
        try (ChildProcess sink = ChildProcess.start(BenchTools.inNetns(path.sinkNetns(), sinkCommand),
            tools.environment(), deadline))
        {
            sink.awaitLine("ready", STEP_TIMEOUT);
            final double maxSeconds = warmUp.plus(measurement.duration()).toMillis() / 1000.0 + 5;
            try (ChildProcess gen = ChildProcess.start(BenchTools.inNetns(path.generatorNetns(),
                "taskset", "-c", Integer.toString(generatorCpu), tools.trafficTool().toString(), "gen",
                path.generatorInterface(), path.destinationMac(), path.sourceMac(),
                path.sourceIp().getHostAddress(), path.destinationIp().getHostAddress(),
                Integer.toString(path.destinationPort()), Integer.toString(measurement.frameBytes()),
                measurement.flows() == Measurement.Flows.NEW ? "new" : "est", Long.toString(measurement.ratePps()),
                Double.toString(maxSeconds), Integer.toString(sourceBitsFor(topology))), tools.environment(), deadline))
            {
                gen.awaitLine("ready", STEP_TIMEOUT);
                pause(warmUp);
                final long cpu0 = CpuTime.nowNs(path.dataplanePids());
                sink.send("start");
                gen.send("mark");
                final Map<String, Long> started = fields(sink.awaitLine("started", STEP_TIMEOUT));
                final Map<String, Long> mark0 = fields(gen.awaitLine("mark", STEP_TIMEOUT));
                pause(measurement.duration());
                gen.send("mark");
                sink.send("stop");
                final long cpu1 = CpuTime.nowNs(path.dataplanePids());
                final Map<String, Long> mark1 = fields(gen.awaitLine("mark", STEP_TIMEOUT));
                final Map<String, Long> stopped = fields(sink.awaitLine("stopped", STEP_TIMEOUT));
                final Histogram latency = new Histogram(1L << 35, 3);
                for (String line = sink.awaitLine("", STEP_TIMEOUT); !"end".equals(line);
                    line = sink.awaitLine("", STEP_TIMEOUT))
                {
                    if (line.startsWith("bucket "))
                    {
                        final Map<String, Long> bucket = fields(line);
                        final long low = bucket.get("low");
                        final long high = bucket.get("high");
                        latency.recordValueWithCount(low + (high - 1 - low) / 2, bucket.get("count"));
                    }
                }
                gen.closeStdin();
                gen.awaitLine("done", STEP_TIMEOUT);
                final long received = stopped.get("received");
                final double seconds = (stopped.get("ns") - started.get("ns")) / 1e9;
                final ScenarioResult result = new ScenarioResult(topology.id(), topology.title(), topology.group(),
                    topology.services(), measurement, mark1.get("seq") - mark0.get("seq"), received, seconds,
                    received == 0 ? Double.NaN : (double)(cpu1 - cpu0) / received,
                    latency.getTotalCount() == 0 ? null : latency);
                return new Detail(result, stopped.get("seen"), stopped.get("matched"), stopped.get("early"));
            }
        }
    }

    /**
     * Parses the {@code key=value} fields of a tool's output line (numbers only).
     *
     * @param line the line
     * @return the fields
     * @throws IOException when a value is not a number
     */
    static Map<String, Long> fields(final String line) throws IOException
    {
        final Map<String, Long> fields = new HashMap<>();
        for (final String token : line.trim().split("\\s+"))
        {
            final int eq = token.indexOf('=');
            if (eq > 0)
            {
                try
                {
                    fields.put(token.substring(0, eq), Long.parseLong(token.substring(eq + 1)));
                }
                catch (final NumberFormatException ex)
                {
                    throw new IOException("not a number in tool output: " + line, ex);
                }
            }
        }
        return fields;
    }

    private static void pause(final Duration duration)
    {
        // a measurement interval, not a wait for a result: traffic flows while this thread does nothing
        final long untilNs = System.nanoTime() + duration.toNanos();
        for (long leftNs = duration.toNanos(); leftNs > 0; leftNs = untilNs - System.nanoTime())
        {
            LockSupport.parkNanos(leftNs);
        }
    }

    /**
     * The source-address bits NEW flows may change: none on Sluice paths, whose source is a pod (the pipeline
     * drops a pod's frame with another source address as SPOOFED_SOURCE), so their NEW runs cycle through the
     * 64512 source ports only; the configured bits elsewhere.
     */
    private int sourceBitsFor(final BenchTopology topology)
    {
        return "sluice".equals(topology.group()) ? 0 : sourceBits;
    }
}
