package dev.sluice.control.agent;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.control.metrics.Labels;
import dev.sluice.control.metrics.LatencyHistogram;
import dev.sluice.control.metrics.MetricsRegistry;
import dev.sluice.control.metrics.Readiness;
import dev.sluice.control.metrics.SluiceMetrics;
import dev.sluice.control.model.ObjectKey;
import dev.sluice.fastpath.table.WorkerTables;

/**
 * The control loop's {@link ControlMetrics} as the node agent exports them: the apply latency histogram, counters
 * of snapshots, rejections and dropped events, and the readiness flag (ready once the first snapshot is installed
 * in every worker). {@link #register} adds them, and a {@link TablePublisher}'s, to a {@link MetricsRegistry}:
 * <pre>
 * sluice_apply_latency_seconds                   histogram: informer event to installed in every worker
 * sluice_control_snapshots_total                 snapshots built and offered
 * sluice_control_generation                      generation of the last snapshot offered
 * sluice_control_rejections_total                objects rejected (once per distinct rejection)
 * sluice_control_events_dropped_total            informer events dropped on a full queue (a relist follows)
 * sluice_tables_installed_generation{worker}     generation each worker runs
 * sluice_tables_compile_failures_total           compiles that threw (the last good tables stayed in force)
 * sluice_tables_compile_seconds                  duration of the last successful compile
 * sluice_tables_refused_offers_total             offers a full worker queue refused (retried)
 * sluice_tables_reclaimed_total                  generations reclaimed after every worker moved on
 * </pre>
 */
public final class AgentMetrics implements ControlMetrics
{
    private final LatencyHistogram applyLatency = LatencyHistogram.withDefaultBounds();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong rejections = new AtomicLong();
    private final AtomicLong eventsDropped = new AtomicLong();
    private final Readiness readiness;

    /**
     * @param readiness marked ready when the first snapshot is installed everywhere.
     */
    public AgentMetrics(final Readiness readiness)
    {
        this.readiness = Objects.requireNonNull(readiness, "readiness");
    }

    /**
     * @return the apply latency histogram.
     */
    public LatencyHistogram applyLatency()
    {
        return applyLatency;
    }

    @Override
    public void onRejected(final ObjectKey object)
    {
        rejections.incrementAndGet();
    }

    @Override
    public void onSnapshot(final long generation, final int events, final long buildNs)
    {
        snapshots.incrementAndGet();
        this.generation.set(generation);
    }

    @Override
    public void onEventDropped()
    {
        eventsDropped.incrementAndGet();
    }

    @Override
    public void onApplied(final long latencyNs)
    {
        applyLatency.recordNs(latencyNs);
    }

    @Override
    public void onReady(final long generation)
    {
        readiness.markReady();
    }

    /**
     * @param registry  where to register.
     * @param publisher the table publisher, or {@code null} when the sink is another kind.
     */
    public void register(final MetricsRegistry registry, final TablePublisher publisher)
    {
        SluiceMetrics.applyLatency(registry, applyLatency);
        registry.counter("sluice_control_snapshots_total", "Cluster snapshots built and offered to the workers.",
            Labels.NONE, snapshots::get);
        registry.gauge("sluice_control_generation", "Generation of the last snapshot offered to the workers.",
            Labels.NONE, generation::get);
        registry.counter("sluice_control_rejections_total", "Kubernetes objects rejected (once per distinct problem).",
            Labels.NONE, rejections::get);
        registry.counter("sluice_control_events_dropped_total",
            "Informer events dropped because the control queue was full (a relist follows).", Labels.NONE,
            eventsDropped::get);
        if (publisher == null)
        {
            return;
        }
        for (final WorkerTables worker : publisher.workers())
        {
            registry.gauge("sluice_tables_installed_generation", "Generation of the tables each worker runs.",
                Labels.of("worker", Integer.toString(worker.workerId())), worker::installedGeneration);
        }
        registry.counter("sluice_tables_compile_failures_total",
            "Table compiles that failed (the last good tables stayed in force).", Labels.NONE,
            publisher::compileFailures);
        registry.gaugeDouble("sluice_tables_compile_seconds", "Duration of the last successful table compile.",
            Labels.NONE, () -> publisher.lastCompileNs() / 1e9);
        registry.counter("sluice_tables_refused_offers_total",
            "Table offers refused by a full worker queue (retried every control cycle).", Labels.NONE,
            publisher::refusedOffers);
        registry.counter("sluice_tables_reclaimed_total",
            "Table generations reclaimed once every worker had moved past them.", Labels.NONE,
            publisher::reclaimedCount);
    }
}
