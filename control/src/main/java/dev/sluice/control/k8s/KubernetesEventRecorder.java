package dev.sluice.control.k8s;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.control.agent.RejectionReporter;
import dev.sluice.control.model.NetworkLoggingInfo;
import dev.sluice.control.model.ObjectKey;
import dev.sluice.control.model.Rejection;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Reports each rejected object as a core/v1 Kubernetes Event on that object ({@code type: Warning},
 * {@code reason: SluiceRejected}, the message naming the field; {@code kubectl describe} shows it). Events are
 * created on a thread of their own through a small bounded queue: the control thread never waits for the API
 * server, and when the queue is full (the API server is away) the event is dropped and counted.
 * Events of cluster-scoped objects go to the {@code default} namespace, as the API server's own do.
 */
public final class KubernetesEventRecorder implements RejectionReporter, AutoCloseable
{
    /** The event reason. */
    public static final String REASON = "SluiceRejected";
    /** The reporting component. */
    public static final String COMPONENT = "sluice-agent";

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.k8s");
    private static final int MAX_MESSAGE = 1024;
    private static final Map<String, String> API_VERSIONS = Map.of(
        "Namespace", "v1", "Node", "v1", "Pod", "v1", "Service", "v1",
        "EndpointSlice", "discovery.k8s.io/v1", "NetworkPolicy", "networking.k8s.io/v1",
        NetworkLoggingInfo.KIND, NetworkLoggingInfo.API_VERSION);

    private final KubernetesClient client;
    private final String nodeName;
    private final ThreadPoolExecutor executor;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param client   the client to create events with.
     * @param nodeName the reporting node (the event's source host and reporting instance).
     */
    public KubernetesEventRecorder(final KubernetesClient client, final String nodeName)
    {
        this.client = Objects.requireNonNull(client, "client");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(256),
            runnable ->
            {
                final Thread thread = new Thread(runnable, "sluice-events");
                thread.setDaemon(true);
                return thread;
            });
    }

    @Override
    public void onRejected(final Rejection rejection)
    {
        final Event event = toEvent(rejection, nodeName, Instant.now(), sequence.incrementAndGet());
        try
        {
            executor.execute(() -> create(event));
        }
        catch (final RejectedExecutionException ex)
        {
            dropped.incrementAndGet();
        }
    }

    private void create(final Event event)
    {
        try
        {
            client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
        }
        catch (final RuntimeException ex)
        {
            failed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "could not create event " + event.getMetadata().getName() + ": " + ex);
        }
    }

    /**
     * @param rejection the rejected object.
     * @param nodeName  the reporting node.
     * @param now       the event time.
     * @param sequence  makes the event name unique.
     * @return the Event naming the object and the fields.
     */
    public static Event toEvent(final Rejection rejection, final String nodeName, final Instant now,
        final long sequence)
    {
        final ObjectKey object = rejection.object();
        final String namespace = object.namespace().isEmpty() ? "default" : object.namespace();
        String message = rejection.message();
        if (message.length() > MAX_MESSAGE)
        {
            message = message.substring(0, MAX_MESSAGE - 3) + "...";
        }
        final String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        final String name = (object.name() + "." + Long.toHexString(now.toEpochMilli()) + Long.toHexString(sequence))
            .toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        return new EventBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
            .withNewInvolvedObject()
                .withKind(object.kind())
                .withApiVersion(API_VERSIONS.get(object.kind()))
                .withNamespace(object.namespace().isEmpty() ? null : object.namespace())
                .withName(object.name())
            .endInvolvedObject()
            .withType("Warning")
            .withReason(REASON)
            .withMessage(message)
            .withNewSource().withComponent(COMPONENT).withHost(nodeName).endSource()
            .withReportingComponent("sluice.dev/agent")
            .withReportingInstance(nodeName)
            .withFirstTimestamp(time)
            .withLastTimestamp(time)
            .withCount(1)
            .build();
    }

    /**
     * @return events dropped because the queue was full.
     */
    public long dropped()
    {
        return dropped.get();
    }

    /**
     * @return events the API server refused or never answered.
     */
    public long failed()
    {
        return failed.get();
    }

    /**
     * Stop the event thread (pending events are abandoned after a short grace period).
     */
    @Override
    public void close()
    {
        executor.shutdown();
        try
        {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
