package dev.sluice.control.model;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

/**
 * Builds a {@link ClusterState} from fabric8's typed Kubernetes objects, one object at a time (a state file, or
 * informer events), validating as it goes. Every problem is collected; {@link #build()} either returns a complete
 * model or throws a {@link ClusterStateException} listing them all, never a half-built model.
 * <p>
 * Documented choices:
 * <ul>
 *   <li><b>Unknown kinds are errors.</b> A state file holds Namespace, Node, Pod, Service, EndpointSlice,
 *       NetworkPolicy (networking.k8s.io/v1) and NetworkLogging (sluice.dev/v1alpha1); anything else (another
 *       kind, or a known kind in an API version Sluice does not read) is reported, so a typo never silently drops
 *       an object.</li>
 *   <li><b>Pods without an IP are skipped with a warning</b> (a pending pod has none yet, and nothing can address
 *       it); so are host-network pods (their IP is the node's, NetworkPolicy does not apply to them) and pods
 *       in phase Succeeded/Failed (their IP may already belong to another pod). See
 *       {@link ClusterState#warnings()}.</li>
 *   <li><b>NetworkPolicy fields Sluice does not know are errors</b> (e.g. {@code namespaceselector:}): silently
 *       ignoring a misspelt selector would widen or narrow the policy. Other kinds ignore unknown fields.</li>
 *   <li>Namespaced objects must name their namespace, and that Namespace must be in the state (policies select
 *       namespaces by their labels). Every namespace gets the {@code kubernetes.io/metadata.name} label.</li>
 *   <li>Two pods sharing an IP are an error naming both.</li>
 *   <li>A NetworkPolicy with more peers than {@link Limits#maxPolicyPeers()} in its rules is an error (a hostile
 *       or generated policy must not blow up the compiled tables).</li>
 * </ul>
 * <p>
 * <b>Object by object (informers).</b> {@link #put(HasMetadata)} adds or replaces an object by kind, namespace and
 * name (a resync delivering the same {@code resourceVersion} again changes nothing), {@link #remove(ObjectKey)}
 * deletes it, and {@link #buildPartial()} builds a snapshot that never fails: an object whose latest version is
 * invalid is left out with its errors (a {@link Rejection}), and if an earlier version of it was valid, that one
 * stays in the snapshot, so a broken update of a policy leaves the previous policy in force. Cross-object problems
 * are decided at build time: an object whose namespace does not exist is left out, and of two pods claiming the
 * same IP the one that claimed it later is left out (until the other one goes away). A Service port whose named
 * {@code targetPort} names no container port of some selected pods is a warning, not a rejection: those pods'
 * endpoints are skipped for that port.
 */
public final class ClusterStateBuilder
{
    private static final Pattern IANA_SVC_NAME_CHARS = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
    private static final String NAMESPACE = "Namespace";
    private static final String NODE = "Node";
    private static final String POD = "Pod";
    private static final String SERVICE = "Service";
    private static final String ENDPOINT_SLICE = "EndpointSlice";
    private static final String NETWORK_POLICY = "NetworkPolicy";

    private final Limits limits;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> seen = new LinkedHashSet<>();
    private final Map<String, NamespaceInfo> namespaces = new LinkedHashMap<>();
    private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    private final Map<PodRef, PodInfo> pods = new LinkedHashMap<>();
    private final Map<ObjectRef, ServiceInfo> services = new LinkedHashMap<>();
    private final Map<ObjectRef, EndpointSliceInfo> slices = new LinkedHashMap<>();
    private final Map<ObjectRef, NetworkPolicyInfo> policies = new LinkedHashMap<>();
    private final Map<String, NetworkLoggingInfo> logging = new TreeMap<>();
    private final Map<ObjectKey, NamespaceUse> namespacedObjects = new LinkedHashMap<>();
    private final Map<ObjectKey, String> versions = new HashMap<>();
    private final Map<ObjectKey, List<String>> rejected = new HashMap<>();
    private final Map<ObjectKey, List<String>> objectWarnings = new HashMap<>();
    private final Map<PodRef, Long> ipClaims = new HashMap<>();
    private long claimSequence;
    private final Map<String, Long> modCounts = new HashMap<>();
    private final Map<String, Checked<?, ?>> checkedCache = new HashMap<>();
    private long[] targetPortWarningsStamp;
    private List<String> targetPortWarningsCache;
    private Checked<PodRef, PodInfo> podLookupStamp;
    private ClusterState.PodLookup podLookupCache;

    /**
     * A builder with the default {@link Limits}.
     */
    public ClusterStateBuilder()
    {
        this(Limits.DEFAULTS);
    }

    /**
     * @param limits the size limits objects are held to.
     */
    public ClusterStateBuilder(final Limits limits)
    {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    /**
     * Size limits that protect the compiled tables from hostile or generated objects.
     *
     * @param maxPolicyPeers the most peers (from/to entries, over all rules) one NetworkPolicy may have.
     */
    public record Limits(int maxPolicyPeers)
    {
        /** 1000 peers per policy. */
        public static final Limits DEFAULTS = new Limits(1_000);

        /**
         * @param maxPolicyPeers at least 1.
         */
        public Limits
        {
            if (maxPolicyPeers < 1)
            {
                throw new IllegalArgumentException("maxPolicyPeers must be at least 1, not " + maxPolicyPeers);
            }
        }
    }

    /**
     * Add one object.
     *
     * @param object a typed fabric8 object, or a {@link GenericKubernetesResource} for NetworkLogging.
     * @return this builder.
     */
    public ClusterStateBuilder add(final HasMetadata object)
    {
        return add(object, null);
    }

    /**
     * Add one object, naming where it came from in error messages.
     *
     * @param object a typed fabric8 object, or a {@link GenericKubernetesResource} for NetworkLogging.
     * @param origin where it came from (e.g. {@code "state.yaml document 3"}), or {@code null}.
     * @return this builder.
     */
    public ClusterStateBuilder add(final HasMetadata object, final String origin)
    {
        final Ctx ctx = new Ctx(object, origin);
        final ObjectMeta meta = object.getMetadata();
        if (meta == null || meta.getName() == null || meta.getName().isEmpty())
        {
            ctx.error("metadata.name", "is required");
            return this;
        }
        final String key = object.getKind() + " " + ctx.ref;
        if (!seen.add(key))
        {
            ctx.error("metadata.name", "duplicate object (the same kind, namespace and name appear twice)");
            return this;
        }
        apply(ctx, object);
        return this;
    }

    /**
     * Add an object, or replace the stored version of the same kind, namespace and name. When the new version is
     * invalid, its errors are kept for {@link #buildPartial()} and the previous version (if any) stays.
     *
     * @param object a typed fabric8 object, or a {@link GenericKubernetesResource} for NetworkLogging.
     * @return {@code false} when nothing changed (the stored version has the same, non-null
     *     {@code metadata.resourceVersion}, as after an informer resync), {@code true} otherwise.
     */
    public boolean put(final HasMetadata object)
    {
        return put(object, null);
    }

    /**
     * {@link #put(HasMetadata)}, naming where the object came from in error messages.
     *
     * @param object a typed fabric8 object, or a {@link GenericKubernetesResource} for NetworkLogging.
     * @param origin where it came from, or {@code null}.
     * @return whether anything changed.
     */
    public boolean put(final HasMetadata object, final String origin)
    {
        final ObjectKey key = ObjectKey.of(object);
        final Ctx ctx = new Ctx(object, origin);
        final ObjectMeta meta = object.getMetadata();
        final String version = meta == null ? null : meta.getResourceVersion();
        if (version != null && version.equals(versions.get(key)) && versions.containsKey(key))
        {
            return false;
        }
        versions.put(key, version);
        final Object previous = detach(key);
        final Long previousClaim = key.kind().equals("Pod") && !key.namespace().isEmpty()
            ? ipClaims.remove(new PodRef(key.namespace(), key.name())) : null;
        final int errorsBefore = errors.size();
        final int warningsBefore = warnings.size();
        if (meta == null || meta.getName() == null || meta.getName().isEmpty())
        {
            ctx.error("metadata.name", "is required");
        }
        else
        {
            apply(ctx, object);
        }
        final List<String> newErrors = takeFrom(errors, errorsBefore);
        final List<String> newWarnings = takeFrom(warnings, warningsBefore);
        if (newWarnings.isEmpty())
        {
            objectWarnings.remove(key);
        }
        else
        {
            objectWarnings.put(key, newWarnings);
        }
        if (newErrors.isEmpty())
        {
            rejected.remove(key);
            if (previous instanceof PodInfo old && previousClaim != null)
            {
                final PodInfo now = pods.get(old.ref());
                if (now != null && now.ips().equals(old.ips()))
                {
                    ipClaims.put(old.ref(), previousClaim);
                }
            }
        }
        else
        {
            rejected.put(key, newErrors);
            if (previous != null)
            {
                detach(key);
                reattach(key, previous);
                if (previousClaim != null)
                {
                    ipClaims.put(new PodRef(key.namespace(), key.name()), previousClaim);
                }
            }
        }
        return true;
    }

    /**
     * Delete an object (its valid version and any pending errors).
     *
     * @param key the object.
     * @return whether the builder held anything for it.
     */
    public boolean remove(final ObjectKey key)
    {
        final boolean known = versions.containsKey(key) | rejected.remove(key) != null;
        versions.remove(key);
        objectWarnings.remove(key);
        namespacedObjects.remove(key);
        seen.remove(key.kind() + " " + key.ref());
        if (key.kind().equals("Pod") && !key.namespace().isEmpty())
        {
            ipClaims.remove(new PodRef(key.namespace(), key.name()));
        }
        return detach(key) != null || known;
    }

    /**
     * @return every object stored through {@link #put(HasMetadata)} (valid or not), sorted.
     */
    public java.util.SortedSet<ObjectKey> keys()
    {
        return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(versions.keySet()));
    }

    /**
     * {@link #remove(ObjectKey)} by the object's kind, namespace and name.
     *
     * @param object the deleted object (its last known state).
     * @return whether the builder held anything for it.
     */
    public boolean remove(final HasMetadata object)
    {
        return remove(ObjectKey.of(object));
    }

    /**
     * Build a snapshot of every valid object, leaving out (and listing) the invalid ones; never fails. See the
     * class comment for what is left out and what is kept.
     *
     * @return the snapshot and the rejections.
     */
    public BuildResult buildPartial()
    {
        final Map<ObjectKey, List<String>> problems = new java.util.TreeMap<>();
        final Set<ObjectKey> kept = new java.util.HashSet<>();
        rejected.forEach((key, list) ->
        {
            problems.put(key, new ArrayList<>(list));
            if (detachedCopy(key) != null)
            {
                kept.add(key);
            }
        });
        final java.util.function.BiConsumer<ObjectKey, String> reject = (key, message) ->
        {
            problems.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
            kept.remove(key);
        };
        // Each kind's checked map is rebuilt only when that kind or the namespaces changed since the last build;
        // otherwise the previous snapshot's map (the same instance) and its rejections are used again, so an update
        // of one policy costs O(policies), not O(pods), and the compilers can tell unchanged inputs by identity.
        final Checked<String, NamespaceInfo> goodNamespaces = checked(NAMESPACE, namespaces, null, null);
        final Checked<String, NodeInfo> goodNodes = checked(NODE, nodes, null, null);
        final Checked<PodRef, PodInfo> goodPods = checked(POD, pods,
            ref -> new ObjectKey(POD, ref.namespace(), ref.name()), this::claimChecked);
        final Checked<ObjectRef, ServiceInfo> goodServices = checked(SERVICE, services,
            ref -> new ObjectKey(SERVICE, ref.namespace(), ref.name()), null);
        final Checked<ObjectRef, EndpointSliceInfo> goodSlices = checked(ENDPOINT_SLICE, slices,
            ref -> new ObjectKey(ENDPOINT_SLICE, ref.namespace(), ref.name()), null);
        final Checked<ObjectRef, NetworkPolicyInfo> goodPolicies = checked(NETWORK_POLICY, policies,
            ref -> new ObjectKey(NETWORK_POLICY, ref.namespace(), ref.name()), null);
        for (final Checked<?, ?> checked : List.of(goodPods, goodServices, goodSlices, goodPolicies))
        {
            checked.rejects().forEach(r -> reject.accept(r.key(), r.message()));
        }

        final List<String> allWarnings = new ArrayList<>(warnings);
        new java.util.TreeMap<>(objectWarnings).values().forEach(allWarnings::addAll);
        final long[] warningStamp = { goodServices.stamp(), goodPods.stamp() };
        if (targetPortWarningsCache == null || !java.util.Arrays.equals(targetPortWarningsStamp, warningStamp))
        {
            targetPortWarningsCache = targetPortWarnings(goodServices.good().values(), goodPods.good().values());
            targetPortWarningsStamp = warningStamp;
        }
        allWarnings.addAll(targetPortWarningsCache);
        final List<Rejection> rejections = new ArrayList<>();
        problems.forEach((key, list) -> rejections.add(new Rejection(key, list, kept.contains(key))));
        final ClusterState state = new ClusterState(goodNamespaces.good(), goodNodes.good(), goodPods.good(),
            goodServices.good(), goodSlices.good(), goodPolicies.good(), List.copyOf(logging.values()), allWarnings,
            podLookupOf(goodPods));
        return new BuildResult(state, rejections);
    }

    /** One kind's valid objects after the cross-object checks, the rejections they made, and when. */
    private record Checked<K, V>(long stamp, java.util.SortedMap<K, V> good, List<Reject> rejects)
    {
    }

    /** A rejection made by a cross-object check. */
    private record Reject(ObjectKey key, String message)
    {
    }

    /** A further check that removes objects from a kind's map (e.g. duplicate pod IPs). */
    @FunctionalInterface
    private interface ExtraCheck<K, V>
    {
        void check(Map<K, V> good, List<Reject> rejects);
    }

    @SuppressWarnings("unchecked")
    private <K extends Comparable<K>, V> Checked<K, V> checked(final String kind, final Map<K, V> all,
        final java.util.function.Function<K, ObjectKey> namespaced, final ExtraCheck<K, V> extra)
    {
        // The stamp changes whenever this kind or (for namespaced kinds) a namespace was touched.
        final long stamp = modCount(kind) * 1_000_003L + (namespaced == null ? 0 : modCount(NAMESPACE));
        final Checked<K, V> cached = (Checked<K, V>)checkedCache.get(kind);
        if (cached != null && cached.stamp() == stamp)
        {
            return cached;
        }
        final Map<K, V> good = new LinkedHashMap<>(all);
        final List<Reject> rejects = new ArrayList<>();
        if (namespaced != null)
        {
            good.keySet().removeIf(ref ->
            {
                final ObjectKey key = namespaced.apply(ref);
                if (namespaces.containsKey(key.namespace()))
                {
                    return false;
                }
                rejects.add(new Reject(key, key + ": metadata.namespace: namespace '" + key.namespace()
                    + "' has no Namespace object in the state"));
                return true;
            });
        }
        if (extra != null)
        {
            extra.check(good, rejects);
        }
        final Checked<K, V> result = new Checked<>(stamp, Immutable.sortedCopy(good), List.copyOf(rejects));
        checkedCache.put(kind, result);
        return result;
    }

    private void claimChecked(final Map<PodRef, PodInfo> goodPods, final List<Reject> rejects)
    {
        final List<PodInfo> byClaim = new ArrayList<>(goodPods.values());
        byClaim.sort(java.util.Comparator.comparingLong((PodInfo p) -> ipClaims.getOrDefault(p.ref(), Long.MAX_VALUE))
            .thenComparing(PodInfo::ref));
        final Map<InetAddress, PodRef> owners = new HashMap<>();
        for (final PodInfo pod : byClaim)
        {
            for (final InetAddress ip : pod.ips())
            {
                final PodRef other = owners.get(ip);
                if (other != null)
                {
                    goodPods.remove(pod.ref());
                    rejects.add(new Reject(new ObjectKey(POD, pod.ref().namespace(), pod.ref().name()),
                        "Pod " + pod.ref() + ": status.podIPs: " + ip.getHostAddress() + " is also the IP of Pod "
                            + other + ", which claimed it first"));
                    break;
                }
            }
            if (goodPods.containsKey(pod.ref()))
            {
                pod.ips().forEach(ip -> owners.put(ip, pod.ref()));
            }
        }
    }

    private ClusterState.PodLookup podLookupOf(final Checked<PodRef, PodInfo> goodPods)
    {
        if (podLookupCache == null || podLookupStamp != goodPods)
        {
            podLookupCache = ClusterState.PodLookup.of(goodPods.good());
            podLookupStamp = goodPods;
        }
        return podLookupCache;
    }

    private long modCount(final String kind)
    {
        return modCounts.getOrDefault(kind, 0L);
    }

    private void touch(final String kind)
    {
        modCounts.merge(kind, 1L, Long::sum);
    }

    private boolean missingNamespace(final ObjectKey key, final java.util.function.BiConsumer<ObjectKey, String> reject)
    {
        if (namespaces.containsKey(key.namespace()))
        {
            return false;
        }
        reject.accept(key, key + ": metadata.namespace: namespace '" + key.namespace()
            + "' has no Namespace object in the state");
        return true;
    }

    private static List<String> targetPortWarnings(final java.util.Collection<ServiceInfo> services,
        final java.util.Collection<PodInfo> pods)
    {
        final List<String> out = new ArrayList<>();
        final Map<String, List<PodInfo>> podsByNamespace = new HashMap<>();
        for (final PodInfo pod : pods)
        {
            podsByNamespace.computeIfAbsent(pod.ref().namespace(), k -> new ArrayList<>()).add(pod);
        }
        for (final ServiceInfo service : services)
        {
            if (service.selector().isEmpty())
            {
                continue;
            }
            final List<PodInfo> selected = new ArrayList<>();
            for (final PodInfo pod : podsByNamespace.getOrDefault(service.ref().namespace(), List.of()))
            {
                if (pod.labels().entrySet().containsAll(service.selector().entrySet()))
                {
                    selected.add(pod);
                }
            }
            for (int i = 0; i < service.ports().size(); i++)
            {
                final ServiceInfo.Port port = service.ports().get(i);
                if (port.targetPortName() == null || selected.isEmpty())
                {
                    continue;
                }
                final long missing = selected.stream()
                    .filter(p -> p.namedPort(port.targetPortName(), port.protocol()) < 0).count();
                if (missing > 0)
                {
                    out.add("Service " + service.ref() + ": spec.ports[" + i + "].targetPort: '"
                        + port.targetPortName() + "' names no " + port.protocol() + " container port of " + missing
                        + " of the " + selected.size() + " selected pod(s); their endpoints are skipped for this port");
                }
            }
        }
        return out;
    }

    private static List<String> takeFrom(final List<String> list, final int from)
    {
        final List<String> tail = list.subList(from, list.size());
        final List<String> out = List.copyOf(tail);
        tail.clear();
        return out;
    }

    private Object detachedCopy(final ObjectKey key)
    {
        return switch (key.kind())
        {
            case "Namespace" -> namespaces.get(key.name());
            case "Node" -> nodes.get(key.name());
            case "Pod" -> key.namespace().isEmpty() ? null : pods.get(new PodRef(key.namespace(), key.name()));
            case "Service" -> services.get(new ObjectRef(key.namespace(), key.name()));
            case "EndpointSlice" -> slices.get(new ObjectRef(key.namespace(), key.name()));
            case "NetworkPolicy" -> policies.get(new ObjectRef(key.namespace(), key.name()));
            case NetworkLoggingInfo.KIND -> logging.get(key.name());
            default -> null;
        };
    }

    private Object detach(final ObjectKey key)
    {
        touch(key.kind());
        return switch (key.kind())
        {
            case "Namespace" -> namespaces.remove(key.name());
            case "Node" -> nodes.remove(key.name());
            case "Pod" -> key.namespace().isEmpty() ? null : pods.remove(new PodRef(key.namespace(), key.name()));
            case "Service" -> services.remove(new ObjectRef(key.namespace(), key.name()));
            case "EndpointSlice" -> slices.remove(new ObjectRef(key.namespace(), key.name()));
            case "NetworkPolicy" -> policies.remove(new ObjectRef(key.namespace(), key.name()));
            case NetworkLoggingInfo.KIND -> logging.remove(key.name());
            default -> null;
        };
    }

    private void reattach(final ObjectKey key, final Object value)
    {
        touch(key.kind());
        switch (value)
        {
            case NamespaceInfo ns -> namespaces.put(key.name(), ns);
            case NodeInfo node -> nodes.put(key.name(), node);
            case PodInfo pod -> pods.put(pod.ref(), pod);
            case ServiceInfo service -> services.put(service.ref(), service);
            case EndpointSliceInfo slice -> slices.put(slice.ref(), slice);
            case NetworkPolicyInfo policy -> policies.put(policy.ref(), policy);
            case NetworkLoggingInfo info -> logging.put(key.name(), info);
            default -> throw new IllegalStateException("cannot restore " + key + " from " + value);
        }
    }

    private void apply(final Ctx ctx, final HasMetadata object)
    {
        touch(ObjectKey.of(object).kind());
        switch (object)
        {
            case Namespace ns -> addNamespace(ctx, ns);
            case Node node -> addNode(ctx, node);
            case Pod pod -> addPod(ctx, pod);
            case Service service -> addService(ctx, service);
            case EndpointSlice slice -> addEndpointSlice(ctx, slice);
            case NetworkPolicy policy -> addPolicy(ctx, policy);
            case GenericKubernetesResource generic when NetworkLoggingInfo.KIND.equals(generic.getKind())
                && NetworkLoggingInfo.API_VERSION.equals(generic.getApiVersion()) -> addLogging(generic);
            default -> ctx.error("kind", "unsupported kind '" + object.getKind() + "' (apiVersion "
                + object.getApiVersion() + "); a state file holds Namespace, Node, Pod (v1), Service (v1), "
                + "EndpointSlice (discovery.k8s.io/v1), NetworkPolicy (networking.k8s.io/v1), "
                + "NetworkLogging (sluice.dev/v1alpha1)");
        }
    }

    /**
     * Record a problem found before an object could be added (e.g. a document the loader could not convert), so
     * that it is reported in input order with the others.
     *
     * @param error the message, naming the object and field.
     */
    void reportError(final String error)
    {
        errors.add(error);
    }

    /**
     * @return the errors found so far.
     */
    public List<String> errors()
    {
        return List.copyOf(errors);
    }

    /**
     * Run the cross-object checks and build the snapshot.
     *
     * @return the complete, validated model.
     * @throws ClusterStateException listing every problem found, when there is any.
     */
    public ClusterState build() throws ClusterStateException
    {
        final List<String> all = new ArrayList<>(errors);
        new java.util.TreeMap<>(rejected).values().forEach(all::addAll);
        namespacedObjects.values().forEach(use ->
        {
            if (!namespaces.containsKey(use.namespace()))
            {
                all.add(use.describe() + ": metadata.namespace: namespace '" + use.namespace()
                    + "' has no Namespace object in the state");
            }
        });
        final Map<InetAddress, PodRef> owners = new HashMap<>();
        for (final PodInfo pod : pods.values())
        {
            for (final InetAddress ip : pod.ips())
            {
                final PodRef other = owners.putIfAbsent(ip, pod.ref());
                if (other != null)
                {
                    all.add("Pod " + pod.ref() + ": status.podIPs: " + ip.getHostAddress()
                        + " is also the IP of Pod " + other);
                }
            }
        }
        if (!all.isEmpty())
        {
            throw new ClusterStateException(all);
        }
        final List<String> allWarnings = new ArrayList<>(warnings);
        new java.util.TreeMap<>(objectWarnings).values().forEach(allWarnings::addAll);
        allWarnings.addAll(targetPortWarnings(services.values(), pods.values()));
        return new ClusterState(namespaces, nodes, pods, services, slices, policies,
            List.copyOf(logging.values()), allWarnings);
    }

    private void addNamespace(final Ctx ctx, final Namespace ns)
    {
        final String name = ns.getMetadata().getName();
        final Map<String, String> labels = new TreeMap<>(nullToEmpty(ns.getMetadata().getLabels()));
        labels.put(NamespaceInfo.NAME_LABEL, name);
        namespaces.put(name, new NamespaceInfo(name, labels, nullToEmpty(ns.getMetadata().getAnnotations())));
    }

    private void addNode(final Ctx ctx, final Node node)
    {
        final List<Cidr> podCidrs = new ArrayList<>();
        final List<InetAddress> internal = new ArrayList<>();
        final int before = errors.size();
        if (node.getSpec() != null)
        {
            final List<String> cidrs = new ArrayList<>(nullToEmpty(node.getSpec().getPodCIDRs()));
            if (cidrs.isEmpty() && node.getSpec().getPodCIDR() != null)
            {
                cidrs.add(node.getSpec().getPodCIDR());
            }
            for (int i = 0; i < cidrs.size(); i++)
            {
                final Cidr cidr = ctx.cidr("spec.podCIDRs[" + i + "]", cidrs.get(i));
                if (cidr != null)
                {
                    podCidrs.add(cidr);
                }
            }
        }
        if (node.getStatus() != null)
        {
            final List<NodeAddress> addresses = nullToEmpty(node.getStatus().getAddresses());
            for (int i = 0; i < addresses.size(); i++)
            {
                if ("InternalIP".equals(addresses.get(i).getType()))
                {
                    final InetAddress ip = ctx.ip("status.addresses[" + i + "].address", addresses.get(i).getAddress());
                    if (ip != null)
                    {
                        internal.add(ip);
                    }
                }
            }
        }
        if (errors.size() == before)
        {
            final String name = node.getMetadata().getName();
            nodes.put(name, new NodeInfo(name, nullToEmpty(node.getMetadata().getLabels()), podCidrs, internal));
        }
    }

    private void addPod(final Ctx ctx, final Pod pod)
    {
        if (!ctx.requireNamespace())
        {
            return;
        }
        final int before = errors.size();
        final List<ContainerPortInfo> ports = new ArrayList<>();
        String nodeName = null;
        boolean hostNetwork = false;
        if (pod.getSpec() != null)
        {
            nodeName = pod.getSpec().getNodeName();
            hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
            final var containers = nullToEmpty(pod.getSpec().getContainers());
            for (int c = 0; c < containers.size(); c++)
            {
                final List<ContainerPort> declared = nullToEmpty(containers.get(c).getPorts());
                for (int p = 0; p < declared.size(); p++)
                {
                    final String field = "spec.containers[" + c + "].ports[" + p + "]";
                    final ContainerPort cp = declared.get(p);
                    final Protocol protocol = ctx.protocol(field + ".protocol", cp.getProtocol());
                    final int number = ctx.portNumber(field + ".containerPort", cp.getContainerPort());
                    if (cp.getName() != null)
                    {
                        ctx.ianaSvcName(field + ".name", cp.getName());
                    }
                    if (protocol != null && number > 0)
                    {
                        ports.add(new ContainerPortInfo(cp.getName(), number, protocol));
                    }
                }
            }
        }
        final LinkedHashSet<InetAddress> ips = new LinkedHashSet<>();
        String phase = null;
        if (pod.getStatus() != null)
        {
            phase = pod.getStatus().getPhase();
            if (pod.getStatus().getPodIP() != null && !pod.getStatus().getPodIP().isEmpty())
            {
                final InetAddress ip = ctx.ip("status.podIP", pod.getStatus().getPodIP());
                if (ip != null)
                {
                    ips.add(ip);
                }
            }
            final List<PodIP> podIps = nullToEmpty(pod.getStatus().getPodIPs());
            for (int i = 0; i < podIps.size(); i++)
            {
                final InetAddress ip = ctx.ip("status.podIPs[" + i + "].ip", podIps.get(i).getIp());
                if (ip != null)
                {
                    ips.add(ip);
                }
            }
        }
        if (errors.size() != before)
        {
            return;
        }
        if (hostNetwork)
        {
            warnings.add(ctx.describe() + ": spec.hostNetwork is true: not a pod-network endpoint, left out");
        }
        else if ("Succeeded".equals(phase) || "Failed".equals(phase))
        {
            warnings.add(ctx.describe() + ": status.phase is " + phase + ": its IP is released, left out");
        }
        else if (ips.isEmpty())
        {
            warnings.add(ctx.describe() + ": status.podIP: no IP yet (pending?), left out");
        }
        else
        {
            final PodRef ref = new PodRef(ctx.namespace, pod.getMetadata().getName());
            pods.put(ref, new PodInfo(ref, nullToEmpty(pod.getMetadata().getLabels()), nodeName,
                List.copyOf(ips), ports, controller(pod.getMetadata().getOwnerReferences())));
            ipClaims.put(ref, ++claimSequence);
        }
    }

    private void addService(final Ctx ctx, final Service service)
    {
        if (!ctx.requireNamespace())
        {
            return;
        }
        final int before = errors.size();
        final ServiceSpec spec = service.getSpec() == null ? new ServiceSpec() : service.getSpec();
        final String type = spec.getType() == null ? "ClusterIP" : spec.getType();
        if (!Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName").contains(type))
        {
            ctx.error("spec.type", "unknown service type '" + type + "'");
        }
        final List<String> clusterIpTexts = new ArrayList<>(nullToEmpty(spec.getClusterIPs()));
        if (clusterIpTexts.isEmpty() && spec.getClusterIP() != null)
        {
            clusterIpTexts.add(spec.getClusterIP());
        }
        final List<InetAddress> clusterIps = new ArrayList<>();
        for (int i = 0; i < clusterIpTexts.size(); i++)
        {
            final String text = clusterIpTexts.get(i);
            if (!"None".equals(text) && !text.isEmpty())
            {
                final InetAddress ip = ctx.ip("spec.clusterIPs[" + i + "]", text);
                if (ip != null)
                {
                    clusterIps.add(ip);
                }
            }
        }
        final List<ServiceInfo.Port> ports = new ArrayList<>();
        final List<ServicePort> declared = nullToEmpty(spec.getPorts());
        for (int i = 0; i < declared.size(); i++)
        {
            final String field = "spec.ports[" + i + "]";
            final ServicePort sp = declared.get(i);
            final Protocol protocol = ctx.protocol(field + ".protocol", sp.getProtocol());
            final int port = ctx.portNumber(field + ".port", sp.getPort());
            int targetNumber = port;
            String targetName = null;
            final IntOrString target = sp.getTargetPort();
            if (target != null && target.getValue() != null)
            {
                if (target.getValue() instanceof Integer n)
                {
                    targetNumber = ctx.portNumber(field + ".targetPort", n);
                }
                else if (ctx.ianaSvcName(field + ".targetPort", String.valueOf(target.getValue())))
                {
                    targetName = String.valueOf(target.getValue());
                    targetNumber = 0;
                }
            }
            final int nodePort = sp.getNodePort() == null ? 0 : ctx.portNumber(field + ".nodePort", sp.getNodePort());
            if (protocol != null)
            {
                ports.add(new ServiceInfo.Port(sp.getName(), protocol, port, targetNumber, targetName, nodePort));
            }
        }
        final List<InetAddress> externalIps = new ArrayList<>();
        final List<String> ext = nullToEmpty(spec.getExternalIPs());
        for (int i = 0; i < ext.size(); i++)
        {
            final InetAddress ip = ctx.ip("spec.externalIPs[" + i + "]", ext.get(i));
            if (ip != null)
            {
                externalIps.add(ip);
            }
        }
        final List<InetAddress> lbIps = new ArrayList<>();
        if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null)
        {
            final List<LoadBalancerIngress> ingress = nullToEmpty(service.getStatus().getLoadBalancer().getIngress());
            for (int i = 0; i < ingress.size(); i++)
            {
                if (ingress.get(i).getIp() != null)
                {
                    final InetAddress ip = ctx.ip("status.loadBalancer.ingress[" + i + "].ip", ingress.get(i).getIp());
                    if (ip != null)
                    {
                        lbIps.add(ip);
                    }
                }
            }
        }
        final boolean affinity = "ClientIP".equals(spec.getSessionAffinity());
        if (spec.getSessionAffinity() != null && !affinity && !"None".equals(spec.getSessionAffinity()))
        {
            ctx.error("spec.sessionAffinity", "must be ClientIP or None, not '" + spec.getSessionAffinity() + "'");
        }
        int timeout = ServiceInfo.DEFAULT_AFFINITY_TIMEOUT_SECONDS;
        if (spec.getSessionAffinityConfig() != null && spec.getSessionAffinityConfig().getClientIP() != null
            && spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() != null)
        {
            timeout = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
            if (timeout <= 0 || timeout > 86_400)
            {
                ctx.error("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be 1..86400, not " + timeout);
            }
        }
        if (errors.size() == before)
        {
            final ObjectRef ref = new ObjectRef(ctx.namespace, service.getMetadata().getName());
            services.put(ref, new ServiceInfo(ref, type, clusterIps, nullToEmpty(spec.getSelector()), ports,
                externalIps, lbIps, affinity, timeout, "Local".equals(spec.getInternalTrafficPolicy()),
                "Local".equals(spec.getExternalTrafficPolicy())));
        }
    }

    private void addEndpointSlice(final Ctx ctx, final EndpointSlice slice)
    {
        if (!ctx.requireNamespace())
        {
            return;
        }
        final String addressType = slice.getAddressType();
        if ("FQDN".equals(addressType))
        {
            warnings.add(ctx.describe() + ": addressType FQDN is not load-balanced by Sluice, left out");
            return;
        }
        if (!"IPv4".equals(addressType) && !"IPv6".equals(addressType))
        {
            ctx.error("addressType", "must be IPv4, IPv6 or FQDN, not '" + addressType + "'");
            return;
        }
        final boolean ipv4 = "IPv4".equals(addressType);
        final int before = errors.size();
        final List<EndpointSliceInfo.Port> ports = new ArrayList<>();
        final List<EndpointPort> declared = nullToEmpty(slice.getPorts());
        for (int i = 0; i < declared.size(); i++)
        {
            final EndpointPort ep = declared.get(i);
            final Protocol protocol = ctx.protocol("ports[" + i + "].protocol", ep.getProtocol());
            final int port = ctx.portNumber("ports[" + i + "].port", ep.getPort());
            if (protocol != null)
            {
                ports.add(new EndpointSliceInfo.Port(ep.getName(), protocol, port));
            }
        }
        final List<EndpointSliceInfo.Endpoint> endpoints = new ArrayList<>();
        final var declaredEndpoints = nullToEmpty(slice.getEndpoints());
        for (int i = 0; i < declaredEndpoints.size(); i++)
        {
            final var e = declaredEndpoints.get(i);
            final List<InetAddress> addresses = new ArrayList<>();
            final List<String> texts = nullToEmpty(e.getAddresses());
            for (int a = 0; a < texts.size(); a++)
            {
                final String field = "endpoints[" + i + "].addresses[" + a + "]";
                final InetAddress ip = ctx.ip(field, texts.get(a));
                if (ip != null && (ip instanceof Inet4Address) != ipv4)
                {
                    ctx.error(field, "'" + texts.get(a) + "' is not an " + addressType + " address");
                }
                else if (ip != null)
                {
                    addresses.add(ip);
                }
            }
            final EndpointConditions cond = e.getConditions() == null ? new EndpointConditions() : e.getConditions();
            final boolean ready = cond.getReady() == null || cond.getReady();
            final boolean serving = cond.getServing() == null ? ready : cond.getServing();
            final boolean terminating = Boolean.TRUE.equals(cond.getTerminating());
            PodRef pod = null;
            if (e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind()) && e.getTargetRef().getName() != null)
            {
                final String ns = e.getTargetRef().getNamespace() == null ? ctx.namespace : e.getTargetRef().getNamespace();
                pod = new PodRef(ns, e.getTargetRef().getName());
            }
            endpoints.add(new EndpointSliceInfo.Endpoint(addresses, ready, serving, terminating, e.getNodeName(), pod));
        }
        if (errors.size() == before)
        {
            final ObjectRef ref = new ObjectRef(ctx.namespace, slice.getMetadata().getName());
            final String service = nullToEmpty(slice.getMetadata().getLabels()).get(EndpointSliceInfo.SERVICE_NAME_LABEL);
            slices.put(ref, new EndpointSliceInfo(ref, service, ipv4, ports, endpoints));
        }
    }

    private void addPolicy(final Ctx ctx, final NetworkPolicy policy)
    {
        if (!ctx.requireNamespace())
        {
            return;
        }
        final int before = errors.size();
        final NetworkPolicySpec spec = policy.getSpec() == null ? new NetworkPolicySpec() : policy.getSpec();
        if (tooManyPeers(ctx, spec))
        {
            return;
        }
        ctx.noUnknownFields("spec", spec.getAdditionalProperties());
        final LabelSelector podSelector = spec.getPodSelector() == null
            ? LabelSelector.EVERYTHING : ctx.selector("spec.podSelector", spec.getPodSelector());
        final List<NetworkPolicyInfo.Rule> ingress = new ArrayList<>();
        final List<NetworkPolicyIngressRule> ingressRules = nullToEmpty(spec.getIngress());
        for (int i = 0; i < ingressRules.size(); i++)
        {
            final NetworkPolicyIngressRule r = ingressRules.get(i);
            final String field = "spec.ingress[" + i + "]";
            ctx.noUnknownFields(field, r.getAdditionalProperties());
            ingress.add(new NetworkPolicyInfo.Rule(
                peers(ctx, field + ".from", nullToEmpty(r.getFrom())), ports(ctx, field + ".ports", nullToEmpty(r.getPorts()))));
        }
        final List<NetworkPolicyInfo.Rule> egress = new ArrayList<>();
        final List<NetworkPolicyEgressRule> egressRules = nullToEmpty(spec.getEgress());
        for (int i = 0; i < egressRules.size(); i++)
        {
            final NetworkPolicyEgressRule r = egressRules.get(i);
            final String field = "spec.egress[" + i + "]";
            ctx.noUnknownFields(field, r.getAdditionalProperties());
            egress.add(new NetworkPolicyInfo.Rule(
                peers(ctx, field + ".to", nullToEmpty(r.getTo())), ports(ctx, field + ".ports", nullToEmpty(r.getPorts()))));
        }
        final List<String> types = nullToEmpty(spec.getPolicyTypes());
        boolean ingressType = false;
        boolean egressType = false;
        for (int i = 0; i < types.size(); i++)
        {
            switch (String.valueOf(types.get(i)))
            {
                case "Ingress" -> ingressType = true;
                case "Egress" -> egressType = true;
                default -> ctx.error("spec.policyTypes[" + i + "]", "must be Ingress or Egress, not '"
                    + types.get(i) + "'");
            }
        }
        if (types.isEmpty())
        {
            ingressType = true;
            egressType = !egress.isEmpty();
        }
        if (errors.size() == before)
        {
            final ObjectRef ref = new ObjectRef(ctx.namespace, policy.getMetadata().getName());
            policies.put(ref, new NetworkPolicyInfo(ref, podSelector, ingressType, egressType, ingress, egress,
                nullToEmpty(policy.getMetadata().getAnnotations())));
        }
    }

    private boolean tooManyPeers(final Ctx ctx, final NetworkPolicySpec spec)
    {
        int total = 0;
        int largest = -1;
        String largestField = "spec";
        final List<NetworkPolicyIngressRule> in = nullToEmpty(spec.getIngress());
        for (int i = 0; i < in.size(); i++)
        {
            final int n = in.get(i) == null ? 0 : nullToEmpty(in.get(i).getFrom()).size();
            total += n;
            if (n > largest)
            {
                largest = n;
                largestField = "spec.ingress[" + i + "].from";
            }
        }
        final List<NetworkPolicyEgressRule> out = nullToEmpty(spec.getEgress());
        for (int i = 0; i < out.size(); i++)
        {
            final int n = out.get(i) == null ? 0 : nullToEmpty(out.get(i).getTo()).size();
            total += n;
            if (n > largest)
            {
                largest = n;
                largestField = "spec.egress[" + i + "].to";
            }
        }
        if (total > limits.maxPolicyPeers())
        {
            ctx.error(largestField, "the policy has " + total + " peers in its rules (" + largest + " here), more than "
                + "the limit of " + limits.maxPolicyPeers() + " per policy; the policy is refused");
            return true;
        }
        return false;
    }

    private List<NetworkPolicyInfo.Peer> peers(final Ctx ctx, final String field, final List<NetworkPolicyPeer> peers)
    {
        final List<NetworkPolicyInfo.Peer> out = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++)
        {
            final String f = field + "[" + i + "]";
            final NetworkPolicyPeer p = peers.get(i);
            ctx.noUnknownFields(f, p.getAdditionalProperties());
            final IPBlock block = p.getIpBlock();
            if (block != null && (p.getPodSelector() != null || p.getNamespaceSelector() != null))
            {
                ctx.error(f, "ipBlock may not be combined with podSelector or namespaceSelector");
                continue;
            }
            if (block == null && p.getPodSelector() == null && p.getNamespaceSelector() == null)
            {
                ctx.error(f, "must specify podSelector, namespaceSelector or ipBlock");
                continue;
            }
            if (block != null)
            {
                ctx.noUnknownFields(f + ".ipBlock", block.getAdditionalProperties());
                final Cidr cidr = ctx.cidr(f + ".ipBlock.cidr", block.getCidr());
                final List<Cidr> except = new ArrayList<>();
                final List<String> holes = nullToEmpty(block.getExcept());
                for (int e = 0; e < holes.size(); e++)
                {
                    final String ef = f + ".ipBlock.except[" + e + "]";
                    final Cidr hole = ctx.cidr(ef, holes.get(e));
                    if (hole != null && cidr != null
                        && (!cidr.contains(hole) || hole.prefixLength() <= cidr.prefixLength()))
                    {
                        ctx.error(ef, "'" + holes.get(e) + "' is not strictly inside cidr '" + block.getCidr() + "'");
                    }
                    else if (hole != null)
                    {
                        except.add(hole);
                    }
                }
                if (cidr != null)
                {
                    out.add(new NetworkPolicyInfo.Peer(null, null, new NetworkPolicyInfo.IpBlock(cidr, except)));
                }
                continue;
            }
            final LabelSelector pod = p.getPodSelector() == null ? null : ctx.selector(f + ".podSelector", p.getPodSelector());
            final LabelSelector ns = p.getNamespaceSelector() == null
                ? null : ctx.selector(f + ".namespaceSelector", p.getNamespaceSelector());
            out.add(new NetworkPolicyInfo.Peer(pod, ns, null));
        }
        return out;
    }

    private List<NetworkPolicyInfo.Port> ports(final Ctx ctx, final String field, final List<NetworkPolicyPort> ports)
    {
        final List<NetworkPolicyInfo.Port> out = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++)
        {
            final String f = field + "[" + i + "]";
            final NetworkPolicyPort p = ports.get(i);
            ctx.noUnknownFields(f, p.getAdditionalProperties());
            final Protocol protocol = ctx.protocol(f + ".protocol", p.getProtocol());
            final Object value = p.getPort() == null ? null : p.getPort().getValue();
            int number = 0;
            String name = null;
            boolean ok = protocol != null;
            if (value instanceof Integer n)
            {
                number = ctx.portNumber(f + ".port", n);
                ok &= number > 0;
            }
            else if (value != null)
            {
                name = String.valueOf(value);
                ok &= ctx.ianaSvcName(f + ".port", name);
            }
            int endPort = 0;
            if (p.getEndPort() != null)
            {
                if (value == null || name != null)
                {
                    ctx.error(f + ".endPort", "may only be set with a numeric port");
                    ok = false;
                }
                else
                {
                    endPort = ctx.portNumber(f + ".endPort", p.getEndPort());
                    if (endPort > 0 && number > 0 && endPort < number)
                    {
                        ctx.error(f + ".endPort", endPort + " is less than port " + number);
                        ok = false;
                    }
                    ok &= endPort > 0;
                }
            }
            if (ok)
            {
                out.add(new NetworkPolicyInfo.Port(protocol, number, endPort, name));
            }
        }
        return out;
    }

    private void addLogging(final GenericKubernetesResource resource)
    {
        final Object spec = resource.getAdditionalProperties().get("spec");
        final Map<String, Object> copy = spec instanceof Map<?, ?> map ? deepCopy(map) : Map.of();
        final String name = resource.getMetadata().getName();
        logging.put(name, new NetworkLoggingInfo(name, copy));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(final Map<?, ?> map)
    {
        final Map<String, Object> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), deepCopyValue(v)));
        return java.util.Collections.unmodifiableMap(out);
    }

    private static Object deepCopyValue(final Object v)
    {
        if (v instanceof Map<?, ?> m)
        {
            return deepCopy(m);
        }
        if (v instanceof List<?> l)
        {
            return java.util.Collections.unmodifiableList(l.stream().map(ClusterStateBuilder::deepCopyValue).toList());
        }
        return v;
    }

    /** The owner reference marked {@code controller: true}, else the only one, else null. */
    private static PodOwner controller(final List<OwnerReference> owners)
    {
        final List<OwnerReference> all = nullToEmpty(owners);
        for (final OwnerReference owner : all)
        {
            if (Boolean.TRUE.equals(owner.getController()) && owner.getKind() != null && owner.getName() != null)
            {
                return new PodOwner(owner.getKind(), owner.getName());
            }
        }
        if (all.size() == 1 && all.getFirst().getKind() != null && all.getFirst().getName() != null)
        {
            return new PodOwner(all.getFirst().getKind(), all.getFirst().getName());
        }
        return null;
    }

    private static <K, V> Map<K, V> nullToEmpty(final Map<K, V> map)
    {
        return map == null ? Map.of() : map;
    }

    private static <T> List<T> nullToEmpty(final List<T> list)
    {
        return list == null ? List.of() : list;
    }

    /**
     * IANA_SVC_NAME (RFC 6335, as Kubernetes validates it): 1-15 characters, lower-case letters, digits and '-',
     * at least one letter, no leading, trailing or doubled '-'.
     *
     * @param name the candidate.
     * @return whether it is a valid port name.
     */
    public static boolean isIanaSvcName(final String name)
    {
        return name != null && !name.isEmpty() && name.length() <= 15 && IANA_SVC_NAME_CHARS.matcher(name).matches()
            && HAS_LETTER.matcher(name).matches() && !name.contains("--");
    }

    /** A namespaced object's claim on its namespace: checked when the state is built. */
    private record NamespaceUse(String describe, String namespace)
    {
    }

    /** Per-object error context: names the object in every message. */
    private final class Ctx
    {
        private final String kind;
        private final String namespace;
        private final String ref;
        private final String origin;
        private final ObjectKey key;

        Ctx(final HasMetadata object, final String origin)
        {
            this.key = ObjectKey.of(object);
            this.kind = object.getKind() == null ? object.getClass().getSimpleName() : object.getKind();
            final ObjectMeta meta = object.getMetadata();
            this.namespace = meta == null || meta.getNamespace() == null || meta.getNamespace().isEmpty()
                ? null : meta.getNamespace();
            final String name = meta == null || meta.getName() == null ? "<no name>" : meta.getName();
            this.ref = namespace == null ? name : namespace + "/" + name;
            this.origin = origin;
        }

        String describe()
        {
            return (origin == null ? "" : origin + ": ") + kind + " " + ref;
        }

        void error(final String field, final String message)
        {
            errors.add(describe() + ": " + field + ": " + message);
        }

        boolean requireNamespace()
        {
            if (namespace == null)
            {
                error("metadata.namespace", "is required in a cluster state");
                return false;
            }
            namespacedObjects.put(key, new NamespaceUse(describe(), namespace));
            return true;
        }

        InetAddress ip(final String field, final String text)
        {
            if (text == null)
            {
                error(field, "missing IP address");
                return null;
            }
            try
            {
                return InetAddress.ofLiteral(text);
            }
            catch (final IllegalArgumentException ex)
            {
                error(field, "'" + text + "' is not an IP address");
                return null;
            }
        }

        Cidr cidr(final String field, final String text)
        {
            try
            {
                return Cidr.parse(text);
            }
            catch (final IllegalArgumentException ex)
            {
                error(field, "invalid CIDR: " + ex.getMessage());
                return null;
            }
        }

        Protocol protocol(final String field, final String text)
        {
            final Protocol protocol = Protocol.parseOrNull(text);
            if (protocol == null)
            {
                error(field, "unknown protocol '" + text + "' (TCP, UDP or SCTP)");
            }
            return protocol;
        }

        int portNumber(final String field, final Integer value)
        {
            if (value == null)
            {
                error(field, "is required");
                return 0;
            }
            if (value < 1 || value > 65_535)
            {
                error(field, value + " is not a port number (1..65535)");
                return 0;
            }
            return value;
        }

        boolean ianaSvcName(final String field, final String name)
        {
            if (!isIanaSvcName(name))
            {
                error(field, "'" + name + "' is not a valid port name (IANA_SVC_NAME: 1-15 lower-case letters, "
                    + "digits and '-', at least one letter, no leading, trailing or double '-')");
                return false;
            }
            return true;
        }

        void noUnknownFields(final String field, final Map<String, Object> extra)
        {
            if (extra != null && !extra.isEmpty())
            {
                error(field, "unknown field(s) " + new java.util.TreeSet<>(extra.keySet()));
            }
        }

        LabelSelector selector(final String field, final io.fabric8.kubernetes.api.model.LabelSelector selector)
        {
            noUnknownFields(field, selector.getAdditionalProperties());
            final List<LabelSelector.Requirement> requirements = new ArrayList<>();
            final List<LabelSelectorRequirement> expressions = nullToEmpty(selector.getMatchExpressions());
            for (int i = 0; i < expressions.size(); i++)
            {
                final String f = field + ".matchExpressions[" + i + "]";
                final LabelSelectorRequirement r = expressions.get(i);
                noUnknownFields(f, r.getAdditionalProperties());
                final List<String> values = nullToEmpty(r.getValues());
                if (r.getKey() == null || r.getKey().isEmpty())
                {
                    error(f + ".key", "is required");
                    continue;
                }
                final LabelSelector.Operator op;
                try
                {
                    op = LabelSelector.Operator.valueOf(String.valueOf(r.getOperator()));
                }
                catch (final IllegalArgumentException ex)
                {
                    error(f + ".operator", "unknown operator '" + r.getOperator()
                        + "' (In, NotIn, Exists, DoesNotExist)");
                    continue;
                }
                final boolean needsValues = op == LabelSelector.Operator.In || op == LabelSelector.Operator.NotIn;
                if (needsValues && values.isEmpty())
                {
                    error(f + ".values", "must be non-empty for operator " + op);
                    continue;
                }
                if (!needsValues && !values.isEmpty())
                {
                    error(f + ".values", "must be empty for operator " + op);
                    continue;
                }
                requirements.add(new LabelSelector.Requirement(r.getKey(), op, values));
            }
            return new LabelSelector(nullToEmpty(selector.getMatchLabels()), requirements);
        }
    }
}
