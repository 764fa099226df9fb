package dev.sluice.control.agent;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import dev.sluice.control.model.BuildResult;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateBuilder;
import dev.sluice.control.model.ObjectKey;
import dev.sluice.control.model.Rejection;
import dev.sluice.control.model.PodRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;

/**
 * The control loop: the one thread that owns the cluster model. Informer threads only {@link #offer} events into a
 * bounded queue; each duty cycle drains it into a {@link ClusterStateBuilder} and, when the model changed and the
 * last snapshot is at least a tick old ({@link AgentConfig#tickNs()}), builds one snapshot of everything valid,
 * gives it the next generation and hands it to the {@link TableSink}. So a change after a quiet tick is built at
 * once (its latency carries no batching delay), and the changes that arrive while a snapshot is younger than a tick
 * are collected into the next one: at most one snapshot per tick however fast events come. Then it watches {@link TableSink#installedGeneration()} to
 * record the apply latency of every event (informer receive time to installed in every worker).
 * <p>
 * Nothing is built before the informers report their initial lists complete; then the control loop re-reads every
 * object from the informer caches (an informer counts as synced when its cache is full, possibly before its handler
 * saw every event) and builds the first snapshot from the whole cluster; {@link #ready()} turns true once that first snapshot is installed everywhere. An API
 * server outage changes nothing here: no events arrive, the last snapshot stays installed. A full queue drops the
 * event, counts it, and makes the next cycle re-read every object from the informer caches (the relist source).
 * <p>
 * Rejected objects ({@link BuildResult#rejections()}) are logged, counted and reported once per distinct
 * rejection; warnings are logged once.
 * <p>
 * CNI registrations: a kubelet sets {@code status.podIP} only after CNI ADD returned, and ADD waits for tables that
 * contain the pod. So a Pod of this node without {@code status.podIP} is given the addresses its CNI registration
 * reported ({@link #cniAddresses}); {@link #endpointChanged} (any thread) tells the loop that a registration came or
 * went, which re-applies that Pod and builds new tables (the pod's port and MAC changed even when the model did
 * not).
 */
public final class ControlAgent implements Agent
{
    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");
    private static final int DRAIN_LIMIT = 4096;
    private static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;

    private final ClusterStateBuilder builder;
    private final TableSink sink;
    private final ControlMetrics metrics;
    private final RejectionReporter reporter;
    private final NanoClock clock;
    private final long tickNs;
    private final Supplier<List<HasMetadata>> relist;
    private final java.util.function.BooleanSupplier informersSynced;
    private final ManyToOneConcurrentArrayQueue<ObjectEvent> queue;
    private final ManyToOneConcurrentArrayQueue<PodRef> endpointChanges = new ManyToOneConcurrentArrayQueue<>(1024);
    private final AtomicBoolean rebuildRequested = new AtomicBoolean();
    private final Map<PodRef, Pod> localPodsWithoutIp = new HashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<PodRef, String> podNodes =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final String nodeName;
    private volatile CniAddresses cniAddresses = pod -> List.of();
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final SynchronizedHistogram applyLatency = new SynchronizedHistogram(HIGHEST_TRACKABLE_NS, 3);
    private final ArrayDeque<PendingInstall> pendingInstalls = new ArrayDeque<>();
    private final LongArrayList pendingReceivedNs = new LongArrayList();
    private final Map<ObjectKey, Rejection> reported = new HashMap<>();
    private Set<String> reportedWarnings = Set.of();

    private volatile boolean synced;
    private volatile boolean ready;
    private volatile long generation;
    private volatile ClusterState lastState;
    private volatile BuildResult lastResult;
    private long firstGeneration;
    private long lastPublishNs;
    private boolean dirty;

    /**
     * @param config        the tick and limits.
     * @param sink          where snapshots go.
     * @param metrics       counters.
     * @param reporter      reports rejected objects to the cluster.
     * @param clock         the clock of {@link ObjectEvent#receivedNs()}.
     * @param queueCapacity the event queue's capacity.
     * @param relist        every object the informers hold now (read at sync and after the queue overflowed).
     * @param synced        whether every informer has completed its initial list.
     */
    public ControlAgent(final AgentConfig config, final TableSink sink, final ControlMetrics metrics,
        final RejectionReporter reporter, final NanoClock clock, final int queueCapacity,
        final Supplier<List<HasMetadata>> relist, final java.util.function.BooleanSupplier synced)
    {
        this.informersSynced = Objects.requireNonNull(synced, "synced");
        this.nodeName = config.nodeName();
        this.builder = new ClusterStateBuilder(new ClusterStateBuilder.Limits(config.maxPolicyPeers()));
        this.sink = Objects.requireNonNull(sink, "sink");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tickNs = config.tickNs();
        this.relist = Objects.requireNonNull(relist, "relist");
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueCapacity);
    }

    /**
     * Hand an event to the control thread; called by informer threads. Never blocks.
     *
     * @param event the event.
     * @return {@code false} when the queue was full (the event is dropped, counted, and a relist scheduled).
     */
    public boolean offer(final ObjectEvent event)
    {
        if (queue.offer(event))
        {
            return true;
        }
        overflowed.set(true);
        metrics.onEventDropped();
        return false;
    }

    /**
     * The addresses CNI ADD registered for the pods of this node.
     */
    @FunctionalInterface
    public interface CniAddresses
    {
        /**
         * @param pod a pod of this node.
         * @return the addresses its CNI registration reported (primary first), empty when none.
         */
        List<String> addressesOf(PodRef pod);
    }

    /**
     * @param addresses where CNI registrations are looked up (set before the loop starts).
     * @return this agent.
     */
    public ControlAgent cniAddresses(final CniAddresses addresses)
    {
        this.cniAddresses = Objects.requireNonNull(addresses, "addresses");
        return this;
    }

    /**
     * A CNI registration of {@code pod} came or went (any thread): the loop re-applies the Pod and builds new
     * tables at its next tick.
     *
     * @param pod the pod.
     */
    public void endpointChanged(final PodRef pod)
    {
        if (!endpointChanges.offer(pod))
        {
            overflowed.set(true);
            rebuildRequested.set(true);
        }
    }

    /**
     * Build new tables at the next tick even if the model did not change (e.g. the tunnel next hops changed).
     */
    public void requestRebuild()
    {
        rebuildRequested.set(true);
    }

    /**
     * @param pod a pod.
     * @return its {@code spec.nodeName} as last seen (any thread), or {@code null} when the pod is unknown.
     */
    public String nodeOf(final PodRef pod)
    {
        return podNodes.get(pod);
    }

    /**
     * @return whether the initial state has been installed in every worker.
     */
    public boolean ready()
    {
        return ready;
    }

    /**
     * @return the generation of the latest snapshot handed to the sink (0 before the first).
     */
    public long generation()
    {
        return generation;
    }

    /**
     * @return the latest snapshot handed to the sink, or {@code null} before the first.
     */
    public ClusterState lastState()
    {
        return lastState;
    }

    /**
     * @return the latest build (snapshot and rejections), or {@code null} before the first.
     */
    public BuildResult lastResult()
    {
        return lastResult;
    }

    /**
     * @return a copy of the apply latency histogram in nanoseconds: one value per informer event that changed the
     *     model, from its receive time to the moment every worker reported the generation that contains it.
     */
    public Histogram applyLatency()
    {
        return applyLatency.copy();
    }

    @Override
    public String roleName()
    {
        return "sluice-control";
    }

    @Override
    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        int work = drain();
        work += drainEndpointChanges(nowNs);
        if (!synced && informersSynced.getAsBoolean())
        {
            synced = true;
            overflowed.set(true);
        }
        if (overflowed.getAndSet(false))
        {
            work += relistAll(nowNs);
        }
        if (synced && (generation == 0 || (dirty && nowNs - lastPublishNs >= tickNs)))
        {
            lastPublishNs = nowNs;
            publish();
            work++;
        }
        work += sink.doWork();
        work += completeInstalls();
        return work;
    }

    @Override
    public void onClose()
    {
        sink.close();
    }

    private int drain()
    {
        int drained = 0;
        ObjectEvent event;
        while (drained < DRAIN_LIMIT && (event = queue.poll()) != null)
        {
            drained++;
            final HasMetadata object = prepare(event.type(), event.object());
            final boolean changed = event.type() == ObjectEvent.Type.UPSERT
                ? builder.put(object) : builder.remove(object);
            if (changed)
            {
                noteChange(event.receivedNs());
            }
        }
        return drained;
    }

    private int relistAll(final long nowNs)
    {
        final List<HasMetadata> objects = relist.get();
        final Set<ObjectKey> present = new HashSet<>();
        int changed = 0;
        for (final HasMetadata object : objects)
        {
            present.add(ObjectKey.of(object));
            if (builder.put(prepare(ObjectEvent.Type.UPSERT, object)))
            {
                changed++;
            }
        }
        for (final ObjectKey key : builder.keys())
        {
            if (!present.contains(key) && builder.remove(key))
            {
                changed++;
            }
        }
        LOG.log(generation == 0 ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
            (generation == 0 ? "informers synced" : "event queue overflowed") + ": re-read " + objects.size()
                + " objects from the informer caches, " + changed + " changed");
        if (changed > 0)
        {
            noteChange(nowNs);
        }
        return 1;
    }

    private int drainEndpointChanges(final long nowNs)
    {
        int work = 0;
        PodRef pod;
        while (work < DRAIN_LIMIT && (pod = endpointChanges.poll()) != null)
        {
            work++;
            final Pod waiting = localPodsWithoutIp.get(pod);
            if (waiting != null)
            {
                builder.put(withCniAddresses(waiting));
            }
            // the pod's port and MAC changed: new tables even when the model did not
            noteChange(nowNs);
        }
        if (rebuildRequested.getAndSet(false))
        {
            noteChange(nowNs);
            work++;
        }
        return work;
    }

    private HasMetadata prepare(final ObjectEvent.Type type, final HasMetadata object)
    {
        if (!(object instanceof Pod pod) || pod.getMetadata() == null || pod.getMetadata().getName() == null)
        {
            return object;
        }
        final String namespace = pod.getMetadata().getNamespace() == null
            ? "default" : pod.getMetadata().getNamespace();
        final PodRef ref = new PodRef(namespace, pod.getMetadata().getName());
        if (type == ObjectEvent.Type.DELETE)
        {
            podNodes.remove(ref);
            localPodsWithoutIp.remove(ref);
            return object;
        }
        final String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (node != null)
        {
            podNodes.put(ref, node);
        }
        final boolean hasIp = pod.getStatus() != null && pod.getStatus().getPodIP() != null
            && !pod.getStatus().getPodIP().isEmpty();
        if (nodeName.equals(node) && !hasIp)
        {
            localPodsWithoutIp.put(ref, pod);
            return withCniAddresses(pod);
        }
        localPodsWithoutIp.remove(ref);
        return pod;
    }

    private Pod withCniAddresses(final Pod pod)
    {
        final String namespace = pod.getMetadata().getNamespace() == null
            ? "default" : pod.getMetadata().getNamespace();
        final List<String> ips = cniAddresses.addressesOf(new PodRef(namespace, pod.getMetadata().getName()));
        if (ips.isEmpty())
        {
            return pod;
        }
        final List<PodIP> podIps = ips.stream().map(ip -> new PodIP(ip)).toList();
        final String version = pod.getMetadata().getResourceVersion();
        return new PodBuilder(pod)
            .editMetadata().withResourceVersion((version == null ? "" : version) + "/cni=" + String.join(",", ips))
            .endMetadata()
            .editOrNewStatus().withPodIP(ips.get(0)).withPodIPs(podIps).endStatus()
            .build();
    }

    private void noteChange(final long receivedNs)
    {
        dirty = true;
        pendingReceivedNs.addLong(receivedNs);
    }

    private void publish()
    {
        final long startNs = clock.nanoTime();
        final BuildResult result = builder.buildPartial();
        final long next = generation + 1;
        final long[] received = pendingReceivedNs.toLongArray();
        pendingReceivedNs.clear();
        dirty = false;
        reportProblems(result);
        lastResult = result;
        lastState = result.state();
        sink.install(result.state(), next);
        generation = next;
        if (firstGeneration == 0)
        {
            firstGeneration = next;
        }
        pendingInstalls.addLast(new PendingInstall(next, received));
        metrics.onSnapshot(next, received.length, clock.nanoTime() - startNs);
    }

    private int completeInstalls()
    {
        if (pendingInstalls.isEmpty())
        {
            return 0;
        }
        final long installed = sink.installedGeneration();
        int work = 0;
        long nowNs = 0;
        while (!pendingInstalls.isEmpty() && pendingInstalls.peekFirst().generation() <= installed)
        {
            if (nowNs == 0)
            {
                nowNs = clock.nanoTime();
            }
            final PendingInstall done = pendingInstalls.pollFirst();
            for (final long receivedNs : done.receivedNs())
            {
                final long latencyNs = Math.min(HIGHEST_TRACKABLE_NS, Math.max(0, nowNs - receivedNs));
                applyLatency.recordValue(latencyNs);
                metrics.onApplied(latencyNs);
            }
            work++;
        }
        if (!ready && firstGeneration != 0 && installed >= firstGeneration)
        {
            ready = true;
            metrics.onReady(installed);
            LOG.log(System.Logger.Level.INFO, "ready: generation " + installed + " installed in every worker");
        }
        return work;
    }

    private void reportProblems(final BuildResult result)
    {
        final Set<ObjectKey> current = new HashSet<>();
        for (final Rejection rejection : result.rejections())
        {
            current.add(rejection.object());
            if (!rejection.equals(reported.get(rejection.object())))
            {
                reported.put(rejection.object(), rejection);
                LOG.log(System.Logger.Level.WARNING, "rejected " + rejection.object() + ": " + rejection.message());
                metrics.onRejected(rejection.object());
                reporter.onRejected(rejection);
            }
        }
        reported.keySet().removeIf(key ->
        {
            if (current.contains(key))
            {
                return false;
            }
            LOG.log(System.Logger.Level.INFO, key + " is no longer rejected");
            return true;
        });
        final Set<String> warnings = Set.copyOf(result.state().warnings());
        for (final String warning : result.state().warnings())
        {
            if (!reportedWarnings.contains(warning))
            {
                LOG.log(System.Logger.Level.WARNING, warning);
            }
        }
        reportedWarnings = warnings;
    }

    private record PendingInstall(long generation, long[] receivedNs)
    {
    }
}
