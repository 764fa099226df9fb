package dev.sluice.control.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import dev.sluice.control.agent.ObjectEvent;
import dev.sluice.control.model.NetworkLoggingInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;

/**
 * fabric8 SharedInformers on every kind the model reads: Pods, Namespaces, Services, EndpointSlices,
 * NetworkPolicies, Nodes (through one {@link SharedInformerFactory}) and the cluster-scoped NetworkLogging resource
 * (sluice.dev/v1alpha1, as a generic resource). Their handlers do nothing but stamp each notification with its
 * receive time and pass it on as an {@link ObjectEvent}: the model is built on the control thread, never on an
 * informer thread.
 * <p>
 * No periodic resync is asked for (the informer caches are the source of truth after an overflow, see
 * {@link #objects()}). When the API server goes away, the informers keep their caches and retry with back-off;
 * when it returns, they re-list and deliver the difference as ordinary add/update/delete events. Nothing is
 * cleared on a disconnect.
 */
public final class K8sWatcher implements AutoCloseable
{
    /** The NetworkLogging resource as a generic resource (the CRD in deploy/). */
    public static final ResourceDefinitionContext NETWORK_LOGGING = new ResourceDefinitionContext.Builder()
        .withGroup("sluice.dev")
        .withVersion("v1alpha1")
        .withKind(NetworkLoggingInfo.KIND)
        .withPlural("networkloggings")
        .withNamespaced(false)
        .build();

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.k8s");

    private final SharedInformerFactory factory;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final SharedIndexInformer<? extends HasMetadata> logging;
    private final Consumer<ObjectEvent> events;
    private final LongSupplier clock;

    /**
     * Register the informers (nothing is started yet).
     *
     * @param client a client (its configuration decides in-cluster or kubeconfig).
     * @param events where every notification goes; called on informer threads, must not block.
     * @param clock  the receive-time clock (nanoseconds, same as the control loop's).
     */
    public K8sWatcher(final KubernetesClient client, final Consumer<ObjectEvent> events, final LongSupplier clock)
    {
        Objects.requireNonNull(client, "client");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.factory = client.informers();
        register(factory.sharedIndexInformerFor(Namespace.class, 0));
        register(factory.sharedIndexInformerFor(Node.class, 0));
        register(factory.sharedIndexInformerFor(Pod.class, 0));
        register(factory.sharedIndexInformerFor(Service.class, 0));
        register(factory.sharedIndexInformerFor(EndpointSlice.class, 0));
        register(factory.sharedIndexInformerFor(NetworkPolicy.class, 0));
        this.logging = client.genericKubernetesResources(NETWORK_LOGGING).runnableInformer(0);
        register(logging);
    }

    private <T extends HasMetadata> void register(final SharedIndexInformer<T> informer)
    {
        informer.exceptionHandler((started, error) ->
        {
            LOG.log(System.Logger.Level.WARNING, "informer for " + informer.getApiTypeClass().getSimpleName()
                + (started ? " lost its watch" : " could not list") + ", retrying: " + error);
            return true;
        });
        informer.addEventHandler(new ResourceEventHandler<T>()
        {
            @Override
            public void onAdd(final T object)
            {
                events.accept(new ObjectEvent(ObjectEvent.Type.UPSERT, object, clock.getAsLong()));
            }

            @Override
            public void onUpdate(final T previous, final T object)
            {
                events.accept(new ObjectEvent(ObjectEvent.Type.UPSERT, object, clock.getAsLong()));
            }

            @Override
            public void onDelete(final T object, final boolean finalStateUnknown)
            {
                events.accept(new ObjectEvent(ObjectEvent.Type.DELETE, object, clock.getAsLong()));
            }
        });
        informers.add(informer);
    }

    /**
     * Start every informer (asynchronously: they list, then watch).
     */
    public void start()
    {
        factory.startAllRegisteredInformers();
        logging.start();
    }

    /**
     * @return whether every informer has completed its initial list.
     */
    public boolean hasSynced()
    {
        for (final SharedIndexInformer<? extends HasMetadata> informer : informers)
        {
            if (!informer.hasSynced())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return every object in the informer caches now.
     */
    public List<HasMetadata> objects()
    {
        final List<HasMetadata> out = new ArrayList<>();
        for (final SharedIndexInformer<? extends HasMetadata> informer : informers)
        {
            out.addAll(informer.getStore().list());
        }
        return out;
    }

    /**
     * Stop every informer.
     */
    @Override
    public void close()
    {
        factory.stopAllRegisteredInformers();
        logging.stop();
    }
}
