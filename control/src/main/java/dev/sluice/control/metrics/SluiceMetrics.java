package dev.sluice.control.metrics;

import java.util.Locale;

import dev.sluice.control.logging.PolicyActionLogger;
import dev.sluice.fastpath.bpf.XdpCounter;
import dev.sluice.fastpath.bpf.XdpProgram;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * The metric names of a Sluice node and how each component registers its series. Every value is read from the
 * component's own single-writer counters with acquire; nothing is copied or computed per packet for metrics.
 *
 * <pre>
 * sluice_stage_calls_total{worker,stage}         vectors processed by a stage
 * sluice_stage_packets_total{worker,stage}       packets processed by a stage
 * sluice_stage_nanoseconds_total{worker,stage}   time spent in a stage (ns/packet = nanoseconds / packets)
 * sluice_drops_total{worker,reason,code}         drops by DropReason (every reason, zeros included)
 * sluice_conntrack_entries{worker}               live conntrack entries
 * sluice_conntrack_capacity{worker}              conntrack slots
 * sluice_xdp_frames_total{interface,counter}     XDP program verdict counters (XdpCounter, lower case)
 * sluice_verdict_events_total{result}            verdict ring: published / dropped (ring full)
 * sluice_policy_log_records_total{disposition}   policy action records written
 * sluice_policy_log_suppressed_total{disposition} records suppressed by the rate limit
 * sluice_policy_log_write_errors_total           records lost to I/O errors
 * sluice_flow_stream_subscribers                 /flows followers
 * sluice_flow_stream_skipped_total               flows skipped for slow followers
 * sluice_flow_stream_dropped_subscribers_total   followers closed for being too slow
 * sluice_apply_latency_seconds                   histogram: informer event to installed in every worker
 * </pre>
 */
public final class SluiceMetrics
{
    private SluiceMetrics()
    {
    }

    /**
     * Per-stage runtime counters of one worker's pipeline.
     *
     * @param registry the registry.
     * @param worker   the worker id.
     * @param pipeline its pipeline.
     */
    public static void pipeline(final MetricsRegistry registry, final int worker, final Pipeline pipeline)
    {
        for (int s = 0; s < pipeline.stageCount(); s++)
        {
            final int stage = s;
            final Labels labels = Labels.of("worker", Integer.toString(worker), "stage", pipeline.stage(s).name());
            registry.counter("sluice_stage_calls_total", "Vectors processed by a pipeline stage.", labels,
                () -> pipeline.runtime(stage, Pipeline.COUNTER_CALLS));
            registry.counter("sluice_stage_packets_total", "Packets processed by a pipeline stage.", labels,
                () -> pipeline.runtime(stage, Pipeline.COUNTER_PACKETS));
            registry.counter("sluice_stage_nanoseconds_total", "Nanoseconds spent in a pipeline stage.", labels,
                () -> pipeline.runtime(stage, Pipeline.COUNTER_NANOS));
        }
    }

    /**
     * Drops by reason of one worker.
     *
     * @param registry the registry.
     * @param worker   the worker id.
     * @param drops    its drop counters, indexed by {@link DropReason#code()}.
     */
    public static void drops(final MetricsRegistry registry, final int worker, final Counters drops)
    {
        for (final DropReason reason : DropReason.values())
        {
            registry.counter("sluice_drops_total", "Packets dropped by the fast path, by reason.",
                Labels.of("worker", Integer.toString(worker), "reason", reason.name(), "code",
                    Integer.toString(reason.code())),
                () -> drops.getAcquire(reason.code()));
        }
    }

    /**
     * Conntrack occupancy of one worker.
     *
     * @param registry  the registry.
     * @param worker    the worker id.
     * @param conntrack its table.
     */
    public static void conntrack(final MetricsRegistry registry, final int worker, final ConntrackTable conntrack)
    {
        final Labels labels = Labels.of("worker", Integer.toString(worker));
        registry.gauge("sluice_conntrack_entries", "Live conntrack entries.", labels,
            () -> conntrack.counter(ConntrackTable.COUNTER_OCCUPANCY));
        registry.gauge("sluice_conntrack_capacity", "Conntrack slots.", labels, () -> conntrack.capacity());
    }

    /**
     * The XDP program's verdict counters on one interface.
     *
     * @param registry      the registry.
     * @param interfaceName the interface it is attached to.
     * @param program       the program.
     */
    public static void xdp(final MetricsRegistry registry, final String interfaceName, final XdpProgram program)
    {
        for (final XdpCounter counter : XdpCounter.values())
        {
            registry.counter("sluice_xdp_frames_total", "Frames seen by the XDP program, by verdict counter.",
                Labels.of("interface", interfaceName, "counter", counter.name().toLowerCase(Locale.ROOT)),
                () -> program.counter(counter));
        }
    }

    /**
     * The verdict ring's published and dropped events.
     *
     * @param registry the registry.
     * @param events   the ring.
     */
    public static void verdictEvents(final MetricsRegistry registry, final VerdictEvents events)
    {
        registry.counter("sluice_verdict_events_total", "Verdict events offered by the workers, by result.",
            Labels.of("result", "published"), () -> events.counter(VerdictEvents.COUNTER_PUBLISHED));
        registry.counter("sluice_verdict_events_total", "Verdict events offered by the workers, by result.",
            Labels.of("result", "dropped"), () -> events.counter(VerdictEvents.COUNTER_DROPPED));
    }

    /**
     * Policy action logging: records written, suppressed by the rate limit, write errors.
     *
     * @param registry the registry.
     * @param logger   the logger.
     */
    public static void policyLog(final MetricsRegistry registry, final PolicyActionLogger logger)
    {
        registry.counter("sluice_policy_log_records_total", "Policy action records written.",
            Labels.of("disposition", "allow"), () -> logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
        registry.counter("sluice_policy_log_records_total", "Policy action records written.",
            Labels.of("disposition", "deny"), () -> logger.counter(PolicyActionLogger.COUNTER_DENY_LOGGED));
        registry.counter("sluice_policy_log_suppressed_total", "Policy action records suppressed by the rate limit.",
            Labels.of("disposition", "allow"), () -> logger.counter(PolicyActionLogger.COUNTER_ALLOW_SUPPRESSED));
        registry.counter("sluice_policy_log_suppressed_total", "Policy action records suppressed by the rate limit.",
            Labels.of("disposition", "deny"), () -> logger.counter(PolicyActionLogger.COUNTER_DENY_SUPPRESSED));
        registry.counter("sluice_policy_log_write_errors_total", "Policy action records lost to I/O errors.",
            Labels.NONE, () -> logger.counter(PolicyActionLogger.COUNTER_WRITE_ERRORS));
    }

    /**
     * The flow stream's followers.
     *
     * @param registry the registry.
     * @param stream   the stream.
     */
    public static void flowStream(final MetricsRegistry registry, final FlowStream stream)
    {
        registry.gauge("sluice_flow_stream_subscribers", "Followers of /flows.", Labels.NONE, stream::subscriberCount);
        registry.counter("sluice_flow_stream_skipped_total", "Flows skipped for followers whose buffer was full.",
            Labels.NONE, () -> stream.counter(FlowStream.COUNTER_SKIPPED));
        registry.counter("sluice_flow_stream_dropped_subscribers_total", "Followers closed for being too slow.",
            Labels.NONE, () -> stream.counter(FlowStream.COUNTER_SUBSCRIBERS_DROPPED));
    }

    /**
     * The apply latency histogram.
     *
     * @param registry  the registry.
     * @param histogram the histogram the control thread records into.
     */
    public static void applyLatency(final MetricsRegistry registry, final LatencyHistogram histogram)
    {
        registry.histogram("sluice_apply_latency_seconds",
            "Latency from an informer event to its tables installed in every worker.", Labels.NONE, histogram);
    }
}
