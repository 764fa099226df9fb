package dev.sluice.control.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodRef;

/**
 * Security identities: every distinct (namespace labels, pod labels) pair of the state gets a numeric id. Policy
 * selectors see nothing else of a pod, so pods with the same identity are indistinguishable to policy, and the
 * fast-path tables can be keyed by identity instead of by pod. Ids are deterministic: the pairs are sorted by
 * their canonical text ({@code k=v,k=v|k=v,k=v}) and numbered from {@link #FIRST_POD_IDENTITY}.
 */
public final class Identities
{
    /** No identity known (address unknown to the ipcache). */
    public static final int UNKNOWN = 0;
    /** The local node's host stack. */
    public static final int HOST = 1;
    /** Anything outside the cluster (matched only by ipBlock). */
    public static final int WORLD = 2;
    /** The first id given to a pod identity; ids below are reserved. */
    public static final int FIRST_POD_IDENTITY = 256;

    private final SortedMap<Integer, Identity> byId;
    private final Map<PodRef, Integer> byPod;

    private Identities(final SortedMap<Integer, Identity> byId, final Map<PodRef, Integer> byPod)
    {
        this.byId = Collections.unmodifiableSortedMap(byId);
        this.byPod = Collections.unmodifiableMap(byPod);
    }

    /**
     * @param state a cluster state.
     * @return the identities of its pods.
     */
    public static Identities of(final ClusterState state)
    {
        final Map<String, Identity> distinct = new HashMap<>();
        final Map<PodRef, String> keyOfPod = new HashMap<>();
        final Map<String, String> namespaceText = new HashMap<>();
        for (final PodInfo pod : state.pods().values())
        {
            final NamespaceInfo ns = state.namespace(pod.ref().namespace());
            final Map<String, String> nsLabels = ns == null ? Map.of() : ns.labels();
            final String key = namespaceText.computeIfAbsent(pod.ref().namespace(), n -> text(nsLabels)) + "|"
                + text(pod.labels());
            distinct.putIfAbsent(key, new Identity(0, nsLabels, pod.labels()));
            keyOfPod.put(pod.ref(), key);
        }
        final List<String> keys = new ArrayList<>(new TreeSet<>(distinct.keySet()));
        keys.sort(Comparator.naturalOrder());
        final SortedMap<Integer, Identity> byId = new TreeMap<>();
        final Map<String, Integer> idOfKey = new HashMap<>();
        for (int i = 0; i < keys.size(); i++)
        {
            final int id = FIRST_POD_IDENTITY + i;
            final Identity identity = distinct.get(keys.get(i));
            byId.put(id, new Identity(id, identity.namespaceLabels(), identity.podLabels()));
            idOfKey.put(keys.get(i), id);
        }
        final Map<PodRef, Integer> byPod = new HashMap<>();
        keyOfPod.forEach((pod, key) -> byPod.put(pod, idOfKey.get(key)));
        return new Identities(byId, byPod);
    }

    /**
     * @return every identity by id, ascending.
     */
    public SortedMap<Integer, Identity> byId()
    {
        return byId;
    }

    /**
     * @param pod a pod of the state.
     * @return its identity id, or {@link #UNKNOWN}.
     */
    public int of(final PodRef pod)
    {
        return byPod.getOrDefault(pod, UNKNOWN);
    }

    private static String text(final Map<String, String> labels)
    {
        final StringBuilder sb = new StringBuilder();
        (labels instanceof SortedMap<String, String> sorted && sorted.comparator() == null ? sorted
            : new TreeMap<>(labels)).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    /**
     * One identity.
     *
     * @param id              the numeric id.
     * @param namespaceLabels the labels of the pods' namespace.
     * @param podLabels       the pods' labels.
     */
    public record Identity(int id, Map<String, String> namespaceLabels, Map<String, String> podLabels)
    {
    }
}
