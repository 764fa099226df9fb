package dev.sluice.control.compile;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.SortedMap;

import dev.sluice.control.model.Cidr;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.NetworkPolicyInfo;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.Identities;
import dev.sluice.control.policy.IpBlockMode;
import dev.sluice.fastpath.policy.IpCache;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyTable;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.wire.Lpm128;

/**
 * Compiles the NetworkPolicies of a {@link ClusterState} into the {@link PolicySnapshot} of one node: the same
 * semantics as {@link dev.sluice.control.policy.PolicyEngine} (the oracle the differential tests hold it to), as
 * tables the fast path answers from without allocating. Deterministic: the same state, node and generation give
 * the same tables (see {@link PolicyTableDump}).
 * <ul>
 *   <li>Identities: pods get {@link Identities} ids; every CIDR an ipBlock uses (as {@code cidr} or
 *       {@code except}) gets a CIDR identity, {@link IpCache#FIRST_CIDR_IDENTITY} + its index in sorted order
 *       (IPv4 first, then by address and length). The longest CIDR containing an address tells exactly which
 *       blocks and holes contain it, so an ipBlock peer compiles to the CIDR identities inside its block and
 *       outside all its holes. A CIDR equal to a pod's host route is left to the pod.</li>
 *   <li>ipBlock and pods follow {@link IpBlockMode}: with {@link IpBlockMode#EXTERNAL_ONLY} (the default, as
 *       Cilium) a pod IP has its pod identity and no ipBlock matches it; with {@link IpBlockMode#ANY_ADDRESS}
 *       each pod IP inside a block (outside its holes) also gets an address entry.</li>
 *   <li>Named ports: for ingress resolved on the local pod at compile time; for egress on the destination pod:
 *       when every pod of a destination identity resolves the name to the same number it is an identity entry,
 *       otherwise one address entry per destination pod IP (pods that cannot resolve it get none).</li>
 *   <li>Endpoints: the pods whose {@code spec.nodeName} is the node (every pod with {@code node == null}),
 *       numbered in pod order. Endpoints with the same namespace, labels and container ports share a profile.</li>
 *   <li>Rule ids: every rule of every policy in policy order (namespace/name), ingress rules then egress rules,
 *       numbered from 0; the same on every node.</li>
 * </ul>
 * <p>
 * <b>Incremental.</b> An instance keeps what its last compile derived and reuses each part while its inputs are
 * unchanged (compared by identity first, then by value), so a change recompiles only what depends on it:
 * <ul>
 *   <li>the pod index (identities, pods by identity and namespace) while the pods and namespaces are equal;</li>
 *   <li>the ipcache while the pod index and the set of ipBlock CIDRs are;</li>
 *   <li>the node's endpoints and profiles while the pod index and the node are;</li>
 *   <li>each policy's compiled fragment (which profiles it isolates, and its allow entries with rule ids relative
 *       to the policy's first rule) while the policy is equal and the three parts above are the same instances;
 *       the fragments are then replayed into a new table with each policy's current first rule id.</li>
 * </ul>
 * So an update of one policy compiles that policy's rules against the node's profiles, and the rest is lookups,
 * the replay and the table build. The result equals a from-scratch compile (a new instance), which
 * {@code PolicyCompilerIncrementalTest} checks over random sequences of changes. Not thread safe: one instance per
 * compiling thread.
 */
public final class PolicyCompiler
{
    private final IpBlockMode ipBlockMode;

    private PodIndex lastPods;
    private CidrIndex lastCidrs;
    private IpCache lastIpCache;
    private PodIndex lastIpCachePods;
    private CidrIndex lastIpCacheCidrs;
    private Endpoints lastEndpoints;
    private Map<ObjectRef, Fragment> fragments = new HashMap<>();

    /**
     * A compiler with Cilium's ipBlock behaviour ({@link IpBlockMode#EXTERNAL_ONLY}).
     */
    public PolicyCompiler()
    {
        this(IpBlockMode.EXTERNAL_ONLY);
    }

    /**
     * @param ipBlockMode whether ipBlock may match pod IPs (as the engine's mode).
     */
    public PolicyCompiler(final IpBlockMode ipBlockMode)
    {
        this.ipBlockMode = Objects.requireNonNull(ipBlockMode, "ipBlockMode");
    }

    /**
     * @param state      the cluster state.
     * @param node       the node whose pods are the endpoints, or {@code null} for every pod of the state (one
     *                   table for the whole cluster, as {@code sluice policy matrix} uses).
     * @param generation the snapshot's generation.
     * @return the snapshot.
     */
    public PolicySnapshot compile(final ClusterState state, final String node, final long generation)
    {
        Objects.requireNonNull(state, "state");
        final PodIndex pods = podIndex(state);
        final CidrIndex cidrs = cidrIndex(state);
        final IpCache ipCache = ipCache(state, pods, cidrs);
        final Endpoints endpoints = endpoints(state, pods, node);

        // Rule ids.
        final List<String> rulePolicies = new ArrayList<>();
        final List<String> ruleLabels = new ArrayList<>();
        final PolicyTable.Builder table = new PolicyTable.Builder(endpoints.local.size(), endpoints.profileReps.size());
        for (int e = 0; e < endpoints.local.size(); e++)
        {
            table.endpoint(e, endpoints.endpointProfile[e]);
        }
        final Map<ObjectRef, Fragment> next = new HashMap<>();
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            final int firstRule = rulePolicies.size();
            final String name = policy.ref().toString();
            for (int i = 0; i < policy.ingress().size(); i++)
            {
                rulePolicies.add(name);
                ruleLabels.add(name + " ingress[" + i + "]");
            }
            for (int i = 0; i < policy.egress().size(); i++)
            {
                rulePolicies.add(name);
                ruleLabels.add(name + " egress[" + i + "]");
            }
            Fragment fragment = fragments.get(policy.ref());
            if (fragment == null || !fragment.validFor(policy, pods, cidrs, endpoints))
            {
                fragment = new Run(state, pods, cidrs, endpoints).compilePolicy(policy);
            }
            next.put(policy.ref(), fragment);
            fragment.ops.replay(table, firstRule);
        }
        fragments = next;
        return new PolicySnapshot(generation, ipCache, endpoints.lpm, table.build(), endpoints.names, rulePolicies,
            ruleLabels);
    }

    private PodIndex podIndex(final ClusterState state)
    {
        final PodIndex last = lastPods;
        if (last != null && same(last.pods, state.pods()) && same(last.namespaces, state.namespaces()))
        {
            return last;
        }
        lastPods = new PodIndex(state);
        return lastPods;
    }

    private CidrIndex cidrIndex(final ClusterState state)
    {
        // Collected into a hash set and sorted only when the set differs from the last one (sorting compares
        // addresses as byte arrays, the dearer part).
        final java.util.Set<Cidr> all = new java.util.HashSet<>();
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            addCidrs(all, policy.ingress());
            addCidrs(all, policy.egress());
        }
        if (lastCidrs != null && lastCidrs.set.equals(all))
        {
            return lastCidrs;
        }
        final List<Cidr> sorted = new ArrayList<>(all);
        sorted.sort(CIDR_ORDER);
        lastCidrs = new CidrIndex(List.copyOf(sorted), all);
        return lastCidrs;
    }

    private static void addCidrs(final java.util.Set<Cidr> all, final List<NetworkPolicyInfo.Rule> rules)
    {
        for (final NetworkPolicyInfo.Rule rule : rules)
        {
            for (final NetworkPolicyInfo.Peer peer : rule.peers())
            {
                if (peer.ipBlock() != null)
                {
                    all.add(peer.ipBlock().cidr());
                    all.addAll(peer.ipBlock().except());
                }
            }
        }
    }

    private IpCache ipCache(final ClusterState state, final PodIndex pods, final CidrIndex cidrs)
    {
        if (lastIpCache != null && lastIpCachePods == pods && lastIpCacheCidrs == cidrs)
        {
            return lastIpCache;
        }
        // The ipcache: pod host routes, then the CIDRs (a CIDR that is exactly a pod IP stays the pod's).
        final IpCache.Builder ipCache = new IpCache.Builder();
        final java.util.Set<HostRoute> hostRoutes = new java.util.HashSet<>();
        for (final PodInfo pod : state.pods().values())
        {
            for (final InetAddress ip : pod.ips())
            {
                final long[] k = key(ip);
                ipCache.add(k[0], k[1], 128, pods.identities.of(pod.ref()));
                hostRoutes.add(new HostRoute(k[0], k[1]));
            }
        }
        for (final Cidr cidr : cidrs.cidrs)
        {
            final long[] k = key(cidr.network());
            if (length128(cidr) != 128 || !hostRoutes.contains(new HostRoute(k[0], k[1])))
            {
                ipCache.add(k[0], k[1], length128(cidr), cidrs.identity.get(cidr));
            }
        }
        lastIpCache = ipCache.build();
        lastIpCachePods = pods;
        lastIpCacheCidrs = cidrs;
        return lastIpCache;
    }

    private Endpoints endpoints(final ClusterState state, final PodIndex pods, final String node)
    {
        final Endpoints last = lastEndpoints;
        if (last != null && last.pods == pods && Objects.equals(last.node, node))
        {
            return last;
        }
        lastEndpoints = new Endpoints(state, pods, node);
        return lastEndpoints;
    }

    private static <K, V> boolean same(final SortedMap<K, V> a, final SortedMap<K, V> b)
    {
        return a == b || a.equals(b);
    }

    /**
     * @param address an address.
     * @return {hi, lo}, IPv4 mapped.
     */
    public static long[] key(final InetAddress address)
    {
        final ByteBuffer b = ByteBuffer.wrap(address.getAddress());
        if (address instanceof Inet4Address)
        {
            return new long[] { 0, 0x0000_FFFF_0000_0000L | (b.getInt() & 0xFFFF_FFFFL) };
        }
        return new long[] { b.getLong(), b.getLong() };
    }

    private static int length128(final Cidr cidr)
    {
        return cidr.isIpv4() ? 96 + cidr.prefixLength() : cidr.prefixLength();
    }

    private static final Comparator<Cidr> CIDR_ORDER = Comparator.comparing((Cidr c) -> !c.isIpv4())
        .thenComparing((a, b) -> java.util.Arrays.compareUnsigned(a.network().getAddress(), b.network().getAddress()))
        .thenComparingInt(Cidr::prefixLength);

    /** One port entry of a rule, resolved as far as the rule alone allows. */
    private record PortSpec(int protocol, int lo, int hi, String name)
    {
    }

    /** A pod's address as a host route key. */
    private record HostRoute(long hi, long lo)
    {
    }

    /** What depends on the pods and namespaces alone. */
    private static final class PodIndex
    {
        private final SortedMap<dev.sluice.control.model.PodRef, PodInfo> pods;
        private final SortedMap<String, NamespaceInfo> namespaces;
        private final Identities identities;
        private final Map<Integer, List<PodInfo>> podsByIdentity = new TreeMap<>();
        private final Map<String, List<Integer>> identitiesByNamespace = new HashMap<>();

        PodIndex(final ClusterState state)
        {
            pods = state.pods();
            namespaces = state.namespaces();
            identities = Identities.of(state);
            for (final PodInfo pod : state.pods().values())
            {
                podsByIdentity.computeIfAbsent(identities.of(pod.ref()), k -> new ArrayList<>()).add(pod);
            }
            podsByIdentity.forEach((id, list) ->
                identitiesByNamespace.computeIfAbsent(list.getFirst().ref().namespace(), k -> new ArrayList<>())
                    .add(id));
        }
    }

    /** The ipBlock CIDRs of every policy, sorted, and their identities. */
    private static final class CidrIndex
    {
        private final List<Cidr> cidrs;
        private final java.util.Set<Cidr> set;
        private final Map<Cidr, Integer> identity = new HashMap<>();

        CidrIndex(final List<Cidr> cidrs, final java.util.Set<Cidr> set)
        {
            this.cidrs = cidrs;
            this.set = set;
            for (int i = 0; i < cidrs.size(); i++)
            {
                identity.put(cidrs.get(i), IpCache.FIRST_CIDR_IDENTITY + i);
            }
        }
    }

    /** The node's endpoints, their profiles and the endpoint map. */
    private static final class Endpoints
    {
        private final PodIndex pods;
        private final String node;
        private final List<PodInfo> local = new ArrayList<>();
        private final List<PodInfo> profileReps = new ArrayList<>();
        private final int[] endpointProfile;
        private final Lpm128 lpm;
        private final List<String> names;

        Endpoints(final ClusterState state, final PodIndex pods, final String node)
        {
            this.pods = pods;
            this.node = node;
            for (final PodInfo pod : state.pods().values())
            {
                if (node == null || node.equals(pod.nodeName()))
                {
                    local.add(pod);
                }
            }
            final Lpm128.Builder endpoints = new Lpm128.Builder(PolicySnapshot.NO_ENDPOINT);
            final Map<String, Integer> profileOfKey = new LinkedHashMap<>();
            endpointProfile = new int[local.size()];
            for (int e = 0; e < local.size(); e++)
            {
                final PodInfo pod = local.get(e);
                for (final InetAddress ip : pod.ips())
                {
                    final long[] k = key(ip);
                    endpoints.add(k[0], k[1], 128, e);
                }
                final String profileKey = pod.ref().namespace() + "|" + pods.identities.of(pod.ref()) + "|"
                    + pod.ports();
                final Integer existing = profileOfKey.putIfAbsent(profileKey, profileReps.size());
                if (existing == null)
                {
                    profileReps.add(pod);
                }
                endpointProfile[e] = profileOfKey.get(profileKey);
            }
            lpm = endpoints.build();
            names = local.stream().map(p -> p.ref().toString()).toList();
        }
    }

    /**
     * One policy compiled against the node's profiles: what it isolates and allows, rule ids relative to its first
     * rule. Valid while the policy and the parts it was compiled against are unchanged.
     */
    private static final class Fragment
    {
        private final NetworkPolicyInfo policy;
        private final PodIndex pods;
        private final CidrIndex cidrs;
        private final Endpoints endpoints;
        private final TableOps ops;

        Fragment(final NetworkPolicyInfo policy, final PodIndex pods, final CidrIndex cidrs, final Endpoints endpoints,
            final TableOps ops)
        {
            this.policy = policy;
            this.pods = pods;
            this.cidrs = cidrs;
            this.endpoints = endpoints;
            this.ops = ops;
        }

        boolean validFor(final NetworkPolicyInfo policy, final PodIndex pods, final CidrIndex cidrs,
            final Endpoints endpoints)
        {
            return this.pods == pods && this.cidrs == cidrs && this.endpoints == endpoints
                && (this.policy == policy || this.policy.equals(policy));
        }
    }

    /**
     * Recorded {@link PolicyTable.Builder} calls, replayed with a rule id offset. One record is a tag and its
     * arguments in a growable {@code long[]}.
     */
    private static final class TableOps
    {
        private static final long ISOLATE = 0;
        private static final long ALLOW = 1;
        private static final long ALLOW_ADDRESS = 2;

        private long[] data = new long[64];
        private int size;

        void isolate(final int profile, final int direction)
        {
            append(ISOLATE, profile, direction);
        }

        void allow(final int profile, final int direction, final int identity, final int protocol, final int lo,
            final int hi, final int rule)
        {
            append(ALLOW, profile, direction, identity, protocol, lo, hi, rule);
        }

        void allowAddress(final int profile, final int direction, final long addrHi, final long addrLo,
            final int identity, final int protocol, final int lo, final int hi, final int rule)
        {
            append(ALLOW_ADDRESS, profile, direction, addrHi, addrLo, identity, protocol, lo, hi, rule);
        }

        private void append(final long... values)
        {
            if (size + values.length > data.length)
            {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + values.length));
            }
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        void trim()
        {
            data = java.util.Arrays.copyOf(data, size);
        }

        void replay(final PolicyTable.Builder table, final int firstRule)
        {
            final long[] d = data;
            int i = 0;
            while (i < size)
            {
                final long tag = d[i];
                if (tag == ISOLATE)
                {
                    table.isolate((int)d[i + 1], (int)d[i + 2]);
                    i += 3;
                }
                else if (tag == ALLOW)
                {
                    table.allow((int)d[i + 1], (int)d[i + 2], (int)d[i + 3], (int)d[i + 4], (int)d[i + 5],
                        (int)d[i + 6], firstRule + (int)d[i + 7]);
                    i += 8;
                }
                else
                {
                    table.allowAddress((int)d[i + 1], (int)d[i + 2], d[i + 3], d[i + 4], (int)d[i + 5],
                        (int)d[i + 6], (int)d[i + 7], (int)d[i + 8], firstRule + (int)d[i + 9]);
                    i += 10;
                }
            }
        }
    }

    /** The compile of one policy's fragment. */
    private final class Run
    {
        private final ClusterState state;
        private final Identities identities;
        private final Map<Integer, List<PodInfo>> podsByIdentity;
        private final Map<String, List<Integer>> identitiesByNamespace;
        private final List<Cidr> cidrs;
        private final Map<Cidr, Integer> cidrIdentity;
        private final PodIndex podIndex;
        private final CidrIndex cidrIndex;
        private final Endpoints endpoints;
        private final Map<List<Object>, List<Integer>> peerCache = new HashMap<>();

        Run(final ClusterState state, final PodIndex pods, final CidrIndex cidrs, final Endpoints endpoints)
        {
            this.state = state;
            this.identities = pods.identities;
            this.podsByIdentity = pods.podsByIdentity;
            this.identitiesByNamespace = pods.identitiesByNamespace;
            this.cidrs = cidrs.cidrs;
            this.cidrIdentity = cidrs.identity;
            this.podIndex = pods;
            this.cidrIndex = cidrs;
            this.endpoints = endpoints;
        }

        Fragment compilePolicy(final NetworkPolicyInfo policy)
        {
            final TableOps table = new TableOps();
            for (int profile = 0; profile < endpoints.profileReps.size(); profile++)
            {
                final PodInfo rep = endpoints.profileReps.get(profile);
                if (!policy.ref().namespace().equals(rep.ref().namespace())
                    || !policy.podSelector().matches(rep.labels()))
                {
                    continue;
                }
                for (final int direction : new int[] { PolicyVerdict.EGRESS, PolicyVerdict.INGRESS })
                {
                    final boolean ingress = direction == PolicyVerdict.INGRESS;
                    if (!(ingress ? policy.ingressType() : policy.egressType()))
                    {
                        continue;
                    }
                    table.isolate(profile, direction);
                    final List<NetworkPolicyInfo.Rule> rules = ingress ? policy.ingress() : policy.egress();
                    final int base = ingress ? 0 : policy.ingress().size();
                    for (int r = 0; r < rules.size(); r++)
                    {
                        compileRule(table, profile, direction, rep, policy, rules.get(r), base + r);
                    }
                }
            }
            table.trim();
            return new Fragment(policy, podIndex, cidrIndex, endpoints, table);
        }

        private void compileRule(final TableOps table, final int profile, final int direction,
            final PodInfo rep, final NetworkPolicyInfo policy, final NetworkPolicyInfo.Rule rule, final int ruleId)
        {
            final boolean ingress = direction == PolicyVerdict.INGRESS;
            final List<PortSpec> numeric = new ArrayList<>();
            final List<PortSpec> named = new ArrayList<>();
            if (rule.ports().isEmpty())
            {
                numeric.add(new PortSpec(PolicyTable.ANY_PROTOCOL, 0, 65_535, null));
            }
            for (final NetworkPolicyInfo.Port port : rule.ports())
            {
                final int protocol = port.protocol().ipProtocol();
                if (port.name() != null)
                {
                    if (ingress)
                    {
                        // Ingress: the destination is the local pod; resolve now.
                        final int number = rep.namedPort(port.name(), port.protocol());
                        if (number > 0)
                        {
                            numeric.add(new PortSpec(protocol, number, number, null));
                        }
                    }
                    else
                    {
                        named.add(new PortSpec(protocol, 0, 0, port.name()));
                    }
                }
                else if (port.number() == 0)
                {
                    numeric.add(new PortSpec(protocol, 0, 65_535, null));
                }
                else
                {
                    numeric.add(new PortSpec(protocol, port.number(),
                        port.endPort() == 0 ? port.number() : port.endPort(), null));
                }
            }

            if (rule.peers().isEmpty())
            {
                for (final PortSpec spec : numeric)
                {
                    table.allow(profile, direction, PolicyTable.ANY_IDENTITY, spec.protocol, spec.lo, spec.hi, ruleId);
                }
                for (final int identity : podsByIdentity.keySet())
                {
                    allowNamed(table, profile, direction, identity, named, ruleId);
                }
                return;
            }
            for (int p = 0; p < rule.peers().size(); p++)
            {
                final NetworkPolicyInfo.Peer peer = rule.peers().get(p);
                if (peer.ipBlock() != null)
                {
                    compileIpBlock(table, profile, direction, peer.ipBlock(), numeric, named, ruleId);
                    continue;
                }
                for (final int identity : matchingIdentities(policy, peer))
                {
                    for (final PortSpec spec : numeric)
                    {
                        table.allow(profile, direction, identity, spec.protocol, spec.lo, spec.hi, ruleId);
                    }
                    allowNamed(table, profile, direction, identity, named, ruleId);
                }
            }
        }

        private void compileIpBlock(final TableOps table, final int profile, final int direction,
            final NetworkPolicyInfo.IpBlock block, final List<PortSpec> numeric, final List<PortSpec> named,
            final int ruleId)
        {
            // External addresses: the CIDR identities inside the block and outside every hole. (Named ports never
            // match an external destination: it has no container ports.)
            for (final Cidr cidr : cidrs)
            {
                if (!block.cidr().contains(cidr))
                {
                    continue;
                }
                boolean inHole = false;
                for (final Cidr hole : block.except())
                {
                    inHole |= hole.contains(cidr);
                }
                if (!inHole)
                {
                    for (final PortSpec spec : numeric)
                    {
                        table.allow(profile, direction, cidrIdentity.get(cidr), spec.protocol, spec.lo, spec.hi,
                            ruleId);
                    }
                }
            }
            if (ipBlockMode != IpBlockMode.ANY_ADDRESS)
            {
                return;
            }
            for (final PodInfo pod : state.pods().values())
            {
                final int identity = identities.of(pod.ref());
                for (final InetAddress ip : pod.ips())
                {
                    if (!block.contains(ip))
                    {
                        continue;
                    }
                    final long[] k = key(ip);
                    for (final PortSpec spec : numeric)
                    {
                        table.allowAddress(profile, direction, k[0], k[1], identity, spec.protocol, spec.lo, spec.hi,
                            ruleId);
                    }
                    for (final PortSpec spec : named)
                    {
                        final int number = pod.namedPort(spec.name, protocolOf(spec.protocol));
                        if (number > 0)
                        {
                            table.allowAddress(profile, direction, k[0], k[1], identity, spec.protocol, number,
                                number, ruleId);
                        }
                    }
                }
            }
        }

        /** Egress named ports towards one destination identity, resolved on each of its pods. */
        private void allowNamed(final TableOps table, final int profile, final int direction,
            final int identity, final List<PortSpec> named, final int ruleId)
        {
            for (final PortSpec spec : named)
            {
                final Protocol protocol = protocolOf(spec.protocol);
                final List<PodInfo> pods = podsByIdentity.get(identity);
                final int first = pods.getFirst().namedPort(spec.name, protocol);
                boolean same = true;
                for (final PodInfo pod : pods)
                {
                    same &= pod.namedPort(spec.name, protocol) == first;
                }
                if (same)
                {
                    if (first > 0)
                    {
                        table.allow(profile, direction, identity, spec.protocol, first, first, ruleId);
                    }
                    continue;
                }
                for (final PodInfo pod : pods)
                {
                    final int number = pod.namedPort(spec.name, protocol);
                    if (number > 0)
                    {
                        for (final InetAddress ip : pod.ips())
                        {
                            final long[] k = key(ip);
                            table.allowAddress(profile, direction, k[0], k[1], identity, spec.protocol, number,
                                number, ruleId);
                        }
                    }
                }
            }
        }

        /** The pod identities a selector peer matches, cached per (policy namespace, peer). */
        private List<Integer> matchingIdentities(final NetworkPolicyInfo policy, final NetworkPolicyInfo.Peer peer)
        {
            final List<Object> cacheKey = List.of(policy.ref().namespace(), peer);
            final List<Integer> cached = peerCache.get(cacheKey);
            if (cached != null)
            {
                return cached;
            }
            final List<Integer> out = new ArrayList<>();
            final List<String> namespaces = new ArrayList<>();
            if (peer.namespaceSelector() == null)
            {
                namespaces.add(policy.ref().namespace());
            }
            else
            {
                for (final NamespaceInfo ns : state.namespaces().values())
                {
                    if (peer.namespaceSelector().matches(ns.labels()))
                    {
                        namespaces.add(ns.name());
                    }
                }
            }
            for (final String ns : namespaces)
            {
                for (final int identity : identitiesByNamespace.getOrDefault(ns, List.of()))
                {
                    final PodInfo rep = podsByIdentity.get(identity).getFirst();
                    if (peer.podSelector() == null || peer.podSelector().matches(rep.labels()))
                    {
                        out.add(identity);
                    }
                }
            }
            out.sort(Comparator.naturalOrder());
            peerCache.put(cacheKey, out);
            return out;
        }
    }

    private static Protocol protocolOf(final int ipProtocol)
    {
        for (final Protocol p : Protocol.values())
        {
            if (p.ipProtocol() == ipProtocol)
            {
                return p;
            }
        }
        throw new IllegalArgumentException("no Kubernetes protocol " + ipProtocol);
    }
}
