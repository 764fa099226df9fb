package dev.sluice.control.agent;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import dev.sluice.control.k8s.K8sWatcher;
import dev.sluice.control.k8s.KubernetesEventRecorder;
import dev.sluice.control.model.ClusterState;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One node's agent: the control loop ({@link ControlAgent} on its own thread, driven by an {@link AgentRunner}),
 * its event source (the informers of a {@link K8sWatcher}, or a fixed list of objects in offline mode) and its
 * {@link TableSink}.
 */
public final class NodeAgent implements AutoCloseable
{
    /** Capacity of the informer-to-control event queue. */
    public static final int QUEUE_CAPACITY = 16_384;

    private final ControlAgent control;
    private final AgentRunner runner;
    private final K8sWatcher watcher;
    private final KubernetesEventRecorder recorder;
    private final TableSink sink;

    private NodeAgent(final ControlAgent control, final K8sWatcher watcher, final KubernetesEventRecorder recorder,
        final TableSink sink)
    {
        this.control = control;
        this.watcher = watcher;
        this.recorder = recorder;
        this.sink = sink;
        this.runner = new AgentRunner(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000),
            error -> System.getLogger("dev.sluice.control.agent").log(System.Logger.Level.ERROR,
                "control loop error (carrying on)", error),
            null, control);
    }

    /**
     * An agent fed by informers on {@code client}; rejected objects are reported as Kubernetes Events.
     *
     * @param client  the API server client (its lifetime is the caller's).
     * @param config  the agent configuration.
     * @param sink    where snapshots go.
     * @param metrics counters.
     * @return the agent, not started.
     */
    public static NodeAgent online(final KubernetesClient client, final AgentConfig config, final TableSink sink,
        final ControlMetrics metrics)
    {
        final NanoClock clock = SystemNanoClock.INSTANCE;
        final KubernetesEventRecorder recorder = new KubernetesEventRecorder(client, config.nodeName());
        final K8sWatcher[] watcher = new K8sWatcher[1];
        final ControlAgent control = new ControlAgent(config, sink, metrics, recorder, clock, QUEUE_CAPACITY,
            () -> watcher[0].objects(), () -> watcher[0].hasSynced());
        watcher[0] = new K8sWatcher(client, control::offer, clock::nanoTime);
        return new NodeAgent(control, watcher[0], recorder, sink);
    }

    /**
     * An agent with no API server: the objects (e.g. of a state file) are its whole, unchanging cluster.
     *
     * @param objects the cluster's objects.
     * @param config  the agent configuration.
     * @param sink    where the snapshot goes.
     * @param metrics counters.
     * @return the agent, not started.
     */
    public static NodeAgent offline(final List<HasMetadata> objects, final AgentConfig config, final TableSink sink,
        final ControlMetrics metrics)
    {
        final List<HasMetadata> copy = List.copyOf(objects);
        final Supplier<List<HasMetadata>> relist = () -> copy;
        final BooleanSupplier synced = () -> true;
        final ControlAgent control = new ControlAgent(config, sink, metrics, RejectionReporter.NONE,
            SystemNanoClock.INSTANCE, QUEUE_CAPACITY, relist, synced);
        return new NodeAgent(control, null, null, sink);
    }

    /**
     * Start the control thread, then the informers.
     *
     * @return this agent.
     */
    public NodeAgent start()
    {
        AgentRunner.startOnThread(runner);
        if (watcher != null)
        {
            watcher.start();
        }
        return this;
    }

    /**
     * @return whether every informer synced and the first snapshot is installed in every worker.
     */
    public boolean ready()
    {
        return control.ready();
    }

    /**
     * @return the control loop (generation, last snapshot, rejections).
     */
    public ControlAgent control()
    {
        return control;
    }

    /**
     * @return the latest snapshot handed to the sink, or {@code null}.
     */
    public ClusterState lastState()
    {
        return control.lastState();
    }

    /**
     * @return a copy of the apply latency histogram (ns).
     */
    public Histogram applyLatency()
    {
        return control.applyLatency();
    }

    /**
     * @return the sink.
     */
    public TableSink sink()
    {
        return sink;
    }

    /**
     * Stop the informers, then the control thread (which closes the sink), then the event thread.
     */
    @Override
    public void close()
    {
        if (watcher != null)
        {
            watcher.close();
        }
        runner.close();
        if (recorder != null)
        {
            recorder.close();
        }
    }
}
