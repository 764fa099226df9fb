package dev.sluice.control.compile;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.sluice.control.model.Cidr;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ContainerPortInfo;
import dev.sluice.control.model.NetworkPolicyInfo;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.DirectionVerdict;
import dev.sluice.control.policy.IpBlockMode;
import dev.sluice.control.policy.PeerAddress;
import dev.sluice.control.policy.PolicyEngine;
import dev.sluice.control.policy.Verdict;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;

/**
 * Holds compiled tables against the {@link PolicyEngine}: for every source pod and every destination (each pod IP,
 * and addresses on and around every ipBlock CIDR edge), every protocol, and every interesting port (named-port
 * numbers, port-range edges and their neighbours), plus every such external address as a source towards every
 * pod: the egress verdict looked up at the source pod's endpoint on its node, and the ingress verdict at the
 * destination pod's endpoint on its node (and both again in a whole-cluster snapshot), must equal the engine's
 * per direction; an allowing rule must belong to a policy the engine lists in {@code allowedBy}.
 */
final class Differential
{
    private static final int MAX_REPORTED = 12;

    private Differential()
    {
    }

    /**
     * @param state a cluster state.
     * @param mode  the ipBlock mode of both engine and compiler.
     * @return the disagreements, readable, at most a dozen (plus a count line); empty when they agree.
     */
    static List<String> disagreements(final ClusterState state, final IpBlockMode mode)
    {
        final PolicyEngine engine = new PolicyEngine(state, mode);
        final PolicyCompiler compiler = new PolicyCompiler(mode);
        final Map<String, PolicySnapshot> byNode = new HashMap<>();
        for (final PodInfo pod : state.pods().values())
        {
            if (pod.nodeName() != null)
            {
                byNode.computeIfAbsent(pod.nodeName(), n -> compiler.compile(state, n, 1));
            }
        }
        final PolicySnapshot whole = compiler.compile(state, null, 1);
        final List<String> out = new ArrayList<>();
        final int[] count = { 0 };
        final Set<Integer> ports = ports(state);
        final List<InetAddress> external = externalAddresses(state);
        for (final PodInfo src : state.pods().values())
        {
            final List<PeerAddress> destinations = new ArrayList<>();
            for (final PodInfo dst : state.pods().values())
            {
                if (!dst.ref().equals(src.ref()))
                {
                    dst.ips().forEach(ip -> destinations.add(new PeerAddress(ip, dst.ref())));
                }
            }
            external.forEach(ip -> destinations.add(engine.address(ip)));
            for (final PeerAddress dst : destinations)
            {
                for (final Protocol protocol : Protocol.values())
                {
                    for (final int port : ports)
                    {
                        final Verdict v = engine.evaluate(src.ref(), dst, port, protocol);
                        compare(v, src, state.podByIp(dst.ip()), byNode, whole, out, count);
                    }
                }
            }
        }
        for (final InetAddress ip : external)
        {
            for (final PodInfo dst : state.pods().values())
            {
                for (final InetAddress dstIp : dst.ips())
                {
                    if ((dstIp instanceof Inet4Address) != (ip instanceof Inet4Address))
                    {
                        continue;
                    }
                    for (final Protocol protocol : Protocol.values())
                    {
                        for (final int port : ports)
                        {
                            final Verdict v = engine.evaluate(engine.address(ip), new PeerAddress(dstIp, dst.ref()),
                                port, protocol);
                            compare(v, null, dst, byNode, whole, out, count);
                        }
                    }
                }
            }
        }
        if (count[0] > MAX_REPORTED)
        {
            out.add("... " + count[0] + " disagreements in all");
        }
        return out;
    }

    private static void compare(final Verdict v, final PodInfo srcPod, final PodInfo dstPod,
        final Map<String, PolicySnapshot> byNode, final PolicySnapshot whole, final List<String> out, final int[] count)
    {
        if (v.egress().outcome() == DirectionVerdict.Outcome.LOOPBACK)
        {
            return;
        }
        final long[] s = PolicyCompiler.key(v.source().ip());
        final long[] d = PolicyCompiler.key(v.destination().ip());
        final int protocol = v.protocol().ipProtocol();
        final List<PolicySnapshot> egressAt = new ArrayList<>();
        final List<PolicySnapshot> ingressAt = new ArrayList<>();
        egressAt.add(whole);
        ingressAt.add(whole);
        if (srcPod != null && srcPod.nodeName() != null)
        {
            egressAt.add(byNode.get(srcPod.nodeName()));
        }
        if (dstPod != null && dstPod.nodeName() != null)
        {
            ingressAt.add(byNode.get(dstPod.nodeName()));
        }
        for (final PolicySnapshot snap : egressAt)
        {
            if (srcPod == null)
            {
                break;
            }
            final int endpoint = snap.endpointOf(s[0], s[1]);
            final int got = snap.checkEgress(endpoint, snap.identityOf(d[0], d[1]), d[0], d[1], protocol, v.port());
            check(v, v.egress(), got, snap, snap == whole ? "whole-cluster" : srcPod.nodeName(), endpoint, out, count);
        }
        for (final PolicySnapshot snap : ingressAt)
        {
            if (dstPod == null)
            {
                break;
            }
            final int endpoint = snap.endpointOf(d[0], d[1]);
            final int got = snap.checkIngress(endpoint, snap.identityOf(s[0], s[1]), s[0], s[1], protocol, v.port());
            check(v, v.ingress(), got, snap, snap == whole ? "whole-cluster" : dstPod.nodeName(), endpoint, out, count);
        }
    }

    private static void check(final Verdict v, final DirectionVerdict expected, final int got,
        final PolicySnapshot snap, final String where, final int endpoint, final List<String> out, final int[] count)
    {
        final String problem;
        if (endpoint < 0)
        {
            problem = "no endpoint for " + expected.subject();
        }
        else
        {
            problem = switch (expected.outcome())
            {
                case NOT_ISOLATED -> got == PolicyVerdict.ALLOW_NOT_ISOLATED ? null : "want not isolated";
                case DENIED -> got == PolicyVerdict.DENY ? null : "want denied";
                case ALLOWED -> got >= 0 && expected.allowedBy().stream().map(ObjectRef::toString)
                    .anyMatch(snap.ruleName(got)::equals) ? null : "want allowed by " + expected.allowedBy();
                case LOOPBACK, NOT_A_POD -> "unexpected oracle outcome " + expected.outcome();
            };
        }
        if (problem == null)
        {
            return;
        }
        count[0]++;
        if (out.size() < MAX_REPORTED)
        {
            final String gotText = got == PolicyVerdict.DENY ? "DENY" : got == PolicyVerdict.ALLOW_NOT_ISOLATED
                ? "ALLOW_NOT_ISOLATED" : "rule " + got + " (" + snap.ruleLabel(got) + ")";
            out.add(v.source().ip().getHostAddress() + " (" + v.source() + ") -> " + v.destination().ip().getHostAddress()
                + " (" + v.destination() + ") " + v.protocol() + "/" + v.port() + ": " + expected.direction().label()
                + " on " + where + ": " + problem + " (oracle " + expected.outcome() + ", isolated by "
                + expected.isolatedBy() + "), tables say " + gotText);
        }
    }

    /** Every container port, every policy port and range edge, their neighbours, and a few fixed ones. */
    static Set<Integer> ports(final ClusterState state)
    {
        final TreeSet<Integer> ports = new TreeSet<>(List.of(1, 80, 65_535));
        for (final PodInfo pod : state.pods().values())
        {
            for (final ContainerPortInfo p : pod.ports())
            {
                ports.add(p.port());
            }
        }
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            for (final NetworkPolicyInfo.Rule rule : both(policy))
            {
                for (final NetworkPolicyInfo.Port p : rule.ports())
                {
                    for (final int edge : new int[] { p.number(), p.endPort() })
                    {
                        if (edge > 0)
                        {
                            ports.add(edge);
                            ports.add(Math.max(1, edge - 1));
                            ports.add(Math.min(65_535, edge + 1));
                        }
                    }
                }
            }
        }
        return ports;
    }

    /** For every ipBlock CIDR and hole: its first and last address, and the addresses just outside it. */
    static List<InetAddress> externalAddresses(final ClusterState state)
    {
        final Set<InetAddress> out = new LinkedHashSet<>();
        out.add(InetAddress.ofLiteral("198.19.255.77"));
        out.add(InetAddress.ofLiteral("2001:2:ffff::77"));
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            for (final NetworkPolicyInfo.Rule rule : both(policy))
            {
                for (final NetworkPolicyInfo.Peer peer : rule.peers())
                {
                    if (peer.ipBlock() != null)
                    {
                        edges(peer.ipBlock().cidr(), out);
                        peer.ipBlock().except().forEach(c -> edges(c, out));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static void edges(final Cidr cidr, final Set<InetAddress> out)
    {
        final int bits = cidr.network().getAddress().length * 8;
        final BigInteger first = new BigInteger(1, cidr.network().getAddress());
        final BigInteger size = BigInteger.ONE.shiftLeft(bits - cidr.prefixLength());
        final BigInteger max = BigInteger.ONE.shiftLeft(bits);
        for (final BigInteger a : List.of(first.subtract(BigInteger.ONE), first, first.add(size).subtract(BigInteger.ONE),
            first.add(size)))
        {
            if (a.signum() >= 0 && a.compareTo(max) < 0)
            {
                out.add(address(a, bits / 8));
            }
        }
    }

    private static InetAddress address(final BigInteger value, final int bytes)
    {
        final byte[] raw = value.toByteArray();
        final byte[] fixed = new byte[bytes];
        final int n = Math.min(bytes, raw.length);
        System.arraycopy(raw, raw.length - n, fixed, bytes - n, n);
        try
        {
            return InetAddress.getByAddress(fixed);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static List<NetworkPolicyInfo.Rule> both(final NetworkPolicyInfo policy)
    {
        final List<NetworkPolicyInfo.Rule> rules = new ArrayList<>(policy.ingress());
        rules.addAll(policy.egress());
        return rules;
    }
}
