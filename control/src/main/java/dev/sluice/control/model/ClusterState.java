package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * An immutable, validated snapshot of the cluster objects Sluice acts on. Built by {@link ClusterStateBuilder}
 * (from a state file via {@link ClusterStateLoader}, or object by object from informers). Every map is sorted by
 * its key, so iteration order is deterministic. Snapshots built one after another by the same
 * {@link ClusterStateBuilder} share the map of every kind that did not change in between (the same instance), so
 * a compiler can tell unchanged inputs apart by identity before comparing them.
 */
public final class ClusterState
{
    private final SortedMap<String, NamespaceInfo> namespaces;
    private final SortedMap<String, NodeInfo> nodes;
    private final SortedMap<PodRef, PodInfo> pods;
    private final SortedMap<ObjectRef, ServiceInfo> services;
    private final SortedMap<ObjectRef, EndpointSliceInfo> endpointSlices;
    private final SortedMap<ObjectRef, NetworkPolicyInfo> policies;
    private final List<NetworkLoggingInfo> networkLogging;
    private final List<String> warnings;
    private final PodLookup podLookup;

    ClusterState(
        final Map<String, NamespaceInfo> namespaces,
        final Map<String, NodeInfo> nodes,
        final Map<PodRef, PodInfo> pods,
        final Map<ObjectRef, ServiceInfo> services,
        final Map<ObjectRef, EndpointSliceInfo> endpointSlices,
        final Map<ObjectRef, NetworkPolicyInfo> policies,
        final List<NetworkLoggingInfo> networkLogging,
        final List<String> warnings)
    {
        this(Immutable.sortedCopy(namespaces), Immutable.sortedCopy(nodes), Immutable.sortedCopy(pods),
            Immutable.sortedCopy(services), Immutable.sortedCopy(endpointSlices), Immutable.sortedCopy(policies),
            networkLogging, warnings, null);
    }

    /**
     * A snapshot over maps that are already sorted and unmodifiable ({@link Immutable#sortedCopy}), shared with
     * earlier snapshots when a kind did not change; {@code podLookup} likewise (null: index the pods here).
     */
    ClusterState(
        final SortedMap<String, NamespaceInfo> namespaces,
        final SortedMap<String, NodeInfo> nodes,
        final SortedMap<PodRef, PodInfo> pods,
        final SortedMap<ObjectRef, ServiceInfo> services,
        final SortedMap<ObjectRef, EndpointSliceInfo> endpointSlices,
        final SortedMap<ObjectRef, NetworkPolicyInfo> policies,
        final List<NetworkLoggingInfo> networkLogging,
        final List<String> warnings,
        final PodLookup podLookup)
    {
        this.namespaces = namespaces;
        this.nodes = nodes;
        this.pods = pods;
        this.services = services;
        this.endpointSlices = endpointSlices;
        this.policies = policies;
        this.networkLogging = List.copyOf(networkLogging);
        this.warnings = List.copyOf(warnings);
        this.podLookup = podLookup == null ? PodLookup.of(pods) : podLookup;
    }

    /**
     * Hash indexes of the pods (the sorted map answers by reference in O(log n) string comparisons).
     *
     * @param byIp  pods by each of their IPs.
     * @param byRef pods by reference.
     */
    record PodLookup(Map<InetAddress, PodInfo> byIp, Map<PodRef, PodInfo> byRef)
    {
        static PodLookup of(final Map<PodRef, PodInfo> pods)
        {
            final Map<InetAddress, PodInfo> byIp = new HashMap<>();
            for (final PodInfo pod : pods.values())
            {
                for (final InetAddress ip : pod.ips())
                {
                    byIp.put(ip, pod);
                }
            }
            return new PodLookup(Map.copyOf(byIp), Map.copyOf(pods));
        }
    }

    /**
     * @return namespaces by name.
     */
    public SortedMap<String, NamespaceInfo> namespaces()
    {
        return namespaces;
    }

    /**
     * @return nodes by name.
     */
    public SortedMap<String, NodeInfo> nodes()
    {
        return nodes;
    }

    /**
     * @return pods with at least one IP (see {@link #warnings()} for the ones left out), by reference.
     */
    public SortedMap<PodRef, PodInfo> pods()
    {
        return pods;
    }

    /**
     * @return services by namespace/name.
     */
    public SortedMap<ObjectRef, ServiceInfo> services()
    {
        return services;
    }

    /**
     * @return endpoint slices by namespace/name.
     */
    public SortedMap<ObjectRef, EndpointSliceInfo> endpointSlices()
    {
        return endpointSlices;
    }

    /**
     * @return network policies by namespace/name.
     */
    public SortedMap<ObjectRef, NetworkPolicyInfo> policies()
    {
        return policies;
    }

    /**
     * @return the NetworkLogging resources, sorted by name.
     */
    public List<NetworkLoggingInfo> networkLogging()
    {
        return networkLogging;
    }

    /**
     * @return things accepted but left out of the model (pods without IPs, host-network or finished pods, FQDN
     *     endpoint slices), each naming the object.
     */
    public List<String> warnings()
    {
        return warnings;
    }

    /**
     * @param ref a pod reference.
     * @return the pod, or {@code null}.
     */
    public PodInfo pod(final PodRef ref)
    {
        return podLookup.byRef().get(ref);
    }

    /**
     * @param ip an address.
     * @return the pod owning that IP, or {@code null} when no pod in the state has it.
     */
    public PodInfo podByIp(final InetAddress ip)
    {
        return podLookup.byIp().get(ip);
    }

    /**
     * @param name a namespace name.
     * @return the namespace, or {@code null}.
     */
    public NamespaceInfo namespace(final String name)
    {
        return namespaces.get(name);
    }
}
