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
import java.util.TreeSet;

import dev.sluice.control.model.Cidr;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
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
 */
public final class PolicyCompiler
{
    private final IpBlockMode ipBlockMode;

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
        return new Run(state, node).compile(generation);
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

    /** One compilation. */
    private final class Run
    {
        private final ClusterState state;
        private final String node;
        private final Identities identities;
        private final Map<Integer, List<PodInfo>> podsByIdentity = new TreeMap<>();
        private final Map<String, List<Integer>> identitiesByNamespace = new HashMap<>();
        private final List<Cidr> cidrs;
        private final Map<Cidr, Integer> cidrIdentity = new HashMap<>();
        private final Map<List<Object>, List<Integer>> peerCache = new HashMap<>();

        Run(final ClusterState state, final String node)
        {
            this.state = Objects.requireNonNull(state, "state");
            this.node = node;
            this.identities = Identities.of(state);
            for (final PodInfo pod : state.pods().values())
            {
                podsByIdentity.computeIfAbsent(identities.of(pod.ref()), k -> new ArrayList<>()).add(pod);
            }
            podsByIdentity.forEach((id, pods) ->
                identitiesByNamespace.computeIfAbsent(pods.getFirst().ref().namespace(), k -> new ArrayList<>())
                    .add(id));
            final TreeSet<Cidr> all = new TreeSet<>(CIDR_ORDER);
            for (final NetworkPolicyInfo policy : state.policies().values())
            {
                for (final NetworkPolicyInfo.Rule rule : concat(policy.ingress(), policy.egress()))
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
            cidrs = List.copyOf(all);
            for (int i = 0; i < cidrs.size(); i++)
            {
                cidrIdentity.put(cidrs.get(i), IpCache.FIRST_CIDR_IDENTITY + i);
            }
        }

        PolicySnapshot compile(final long generation)
        {
            // The ipcache: pod host routes, then the CIDRs (a CIDR that is exactly a pod IP stays the pod's).
            final IpCache.Builder ipCache = new IpCache.Builder();
            final java.util.Set<String> hostRoutes = new java.util.HashSet<>();
            for (final PodInfo pod : state.pods().values())
            {
                for (final InetAddress ip : pod.ips())
                {
                    final long[] k = key(ip);
                    ipCache.add(k[0], k[1], 128, identities.of(pod.ref()));
                    hostRoutes.add(k[0] + "/" + k[1]);
                }
            }
            for (final Cidr cidr : cidrs)
            {
                final long[] k = key(cidr.network());
                if (length128(cidr) != 128 || !hostRoutes.contains(k[0] + "/" + k[1]))
                {
                    ipCache.add(k[0], k[1], length128(cidr), cidrIdentity.get(cidr));
                }
            }

            // Endpoints and profiles.
            final List<PodInfo> local = new ArrayList<>();
            for (final PodInfo pod : state.pods().values())
            {
                if (node == null || node.equals(pod.nodeName()))
                {
                    local.add(pod);
                }
            }
            final Lpm128.Builder endpoints = new Lpm128.Builder(PolicySnapshot.NO_ENDPOINT);
            final Map<String, Integer> profileOfKey = new LinkedHashMap<>();
            final List<PodInfo> profileRep = new ArrayList<>();
            final int[] endpointProfile = new int[local.size()];
            for (int e = 0; e < local.size(); e++)
            {
                final PodInfo pod = local.get(e);
                for (final InetAddress ip : pod.ips())
                {
                    final long[] k = key(ip);
                    endpoints.add(k[0], k[1], 128, e);
                }
                final String profileKey = pod.ref().namespace() + "|" + identities.of(pod.ref()) + "|" + pod.ports();
                final Integer existing = profileOfKey.putIfAbsent(profileKey, profileRep.size());
                if (existing == null)
                {
                    profileRep.add(pod);
                }
                endpointProfile[e] = profileOfKey.get(profileKey);
            }
            final PolicyTable.Builder table = new PolicyTable.Builder(local.size(), profileRep.size());
            for (int e = 0; e < local.size(); e++)
            {
                table.endpoint(e, endpointProfile[e]);
            }

            // Rule ids.
            final List<String> rulePolicies = new ArrayList<>();
            final List<String> ruleLabels = new ArrayList<>();
            final Map<NetworkPolicyInfo, Integer> firstRule = new HashMap<>();
            for (final NetworkPolicyInfo policy : state.policies().values())
            {
                firstRule.put(policy, rulePolicies.size());
                for (int i = 0; i < policy.ingress().size(); i++)
                {
                    rulePolicies.add(policy.ref().toString());
                    ruleLabels.add(policy.ref() + " ingress[" + i + "]");
                }
                for (int i = 0; i < policy.egress().size(); i++)
                {
                    rulePolicies.add(policy.ref().toString());
                    ruleLabels.add(policy.ref() + " egress[" + i + "]");
                }
            }

            for (int profile = 0; profile < profileRep.size(); profile++)
            {
                final PodInfo rep = profileRep.get(profile);
                for (final int direction : new int[] { PolicyVerdict.EGRESS, PolicyVerdict.INGRESS })
                {
                    final boolean ingress = direction == PolicyVerdict.INGRESS;
                    for (final NetworkPolicyInfo policy : state.policies().values())
                    {
                        if (!(ingress ? policy.ingressType() : policy.egressType())
                            || !policy.ref().namespace().equals(rep.ref().namespace())
                            || !policy.podSelector().matches(rep.labels()))
                        {
                            continue;
                        }
                        table.isolate(profile, direction);
                        final List<NetworkPolicyInfo.Rule> rules = ingress ? policy.ingress() : policy.egress();
                        final int base = firstRule.get(policy) + (ingress ? 0 : policy.ingress().size());
                        for (int r = 0; r < rules.size(); r++)
                        {
                            compileRule(table, profile, direction, rep, policy, r, rules.get(r), base + r);
                        }
                    }
                }
            }

            final List<String> names = local.stream().map(p -> p.ref().toString()).toList();
            return new PolicySnapshot(generation, ipCache.build(), endpoints.build(), table.build(), names,
                rulePolicies, ruleLabels);
        }

        private void compileRule(final PolicyTable.Builder table, final int profile, final int direction,
            final PodInfo rep, final NetworkPolicyInfo policy, final int ruleIndex, final NetworkPolicyInfo.Rule rule,
            final int ruleId)
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
                    compileIpBlock(table, profile, direction, rep, peer.ipBlock(), numeric, named, ruleId);
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

        private void compileIpBlock(final PolicyTable.Builder table, final int profile, final int direction,
            final PodInfo rep, final NetworkPolicyInfo.IpBlock block, final List<PortSpec> numeric,
            final List<PortSpec> named, final int ruleId)
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
        private void allowNamed(final PolicyTable.Builder table, final int profile, final int direction,
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

    private static List<NetworkPolicyInfo.Rule> concat(final List<NetworkPolicyInfo.Rule> a,
        final List<NetworkPolicyInfo.Rule> b)
    {
        final List<NetworkPolicyInfo.Rule> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
