package dev.sluice.control.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
import dev.sluice.control.model.NetworkPolicyInfo;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;

/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) evaluated directly from the model, rule by rule. This is the
 * reference semantics (the oracle the compiled fast-path tables are tested against), so it favours being
 * obviously correct over being fast.
 * <ul>
 *   <li>A policy selects the pods of its own namespace that match {@code podSelector} (empty = all of them).</li>
 *   <li>A pod is isolated for a direction once any policy that selects it has that direction in its
 *       policyTypes; then a flow is allowed in that direction only if some rule of one of those policies allows
 *       it (the union of all rules). A pod no policy selects for a direction is not isolated.</li>
 *   <li>A rule allows a flow when the peer matches one of its peers (none listed = any peer) and the port matches
 *       one of its ports (none listed = any port, any protocol).</li>
 *   <li>A peer with only {@code podSelector} selects pods of the policy's namespace; with
 *       {@code namespaceSelector}, pods in the matching namespaces that also match {@code podSelector} if given
 *       (AND); ipBlock per {@link IpBlockMode}.</li>
 *   <li>A port matches by protocol (TCP when omitted) and number, range {@code port..endPort}, or name; a name
 *       is resolved on the destination pod's container ports for that protocol (for ingress the policy's own pod,
 *       for egress the destination pod; an external destination has no named ports).</li>
 *   <li>A flow is allowed only if the source pod's egress AND the destination pod's ingress allow it; an end that
 *       is not a pod has nothing to enforce. A pod reaching its own IP is always allowed (the packet never leaves
 *       the pod's network namespace, so no dataplane sees it).</li>
 * </ul>
 */
public final class PolicyEngine
{
    private final ClusterState state;
    private final IpBlockMode ipBlockMode;

    /**
     * An engine with Cilium's ipBlock behaviour ({@link IpBlockMode#EXTERNAL_ONLY}).
     *
     * @param state the cluster state.
     */
    public PolicyEngine(final ClusterState state)
    {
        this(state, IpBlockMode.EXTERNAL_ONLY);
    }

    /**
     * @param state       the cluster state.
     * @param ipBlockMode whether ipBlock may match pod IPs.
     */
    public PolicyEngine(final ClusterState state, final IpBlockMode ipBlockMode)
    {
        this.state = Objects.requireNonNull(state, "state");
        this.ipBlockMode = Objects.requireNonNull(ipBlockMode, "ipBlockMode");
    }

    /**
     * @return the cluster state this engine evaluates.
     */
    public ClusterState state()
    {
        return state;
    }

    /**
     * @param ip any address.
     * @return the address, with its pod when a pod in the state owns it.
     */
    public PeerAddress address(final InetAddress ip)
    {
        final PodInfo pod = state.podByIp(ip);
        return new PeerAddress(ip, pod == null ? null : pod.ref());
    }

    /**
     * @param pod a pod in the state.
     * @return the pod at its primary IP.
     * @throws IllegalArgumentException when the pod is not in the state.
     */
    public PeerAddress address(final PodRef pod)
    {
        return new PeerAddress(requirePod(pod).primaryIp(), pod);
    }

    /**
     * Evaluate a flow from a pod. The source IP is the pod's IP of the destination's family (its primary IP when it
     * has none of that family).
     *
     * @param source      the source pod.
     * @param destination the destination (a pod or any address).
     * @param port        the destination port.
     * @param protocol    the protocol.
     * @return the verdict.
     */
    public Verdict evaluate(final PodRef source, final PeerAddress destination, final int port, final Protocol protocol)
    {
        final PodInfo pod = requirePod(source);
        final InetAddress sameFamily = pod.ipOfFamily(destination.ip() instanceof Inet4Address);
        return evaluate(new PeerAddress(sameFamily == null ? pod.primaryIp() : sameFamily, source), destination,
            port, protocol);
    }

    /**
     * Evaluate a flow between any two addresses (pod to pod, pod to IP, IP to pod). An address whose pod is not
     * given is resolved against the state's pod IPs first.
     *
     * @param source      the source.
     * @param destination the destination.
     * @param port        the destination port.
     * @param protocol    the protocol.
     * @return the verdict.
     */
    public Verdict evaluate(final PeerAddress source, final PeerAddress destination, final int port,
        final Protocol protocol)
    {
        final PeerAddress src = source.isPod() ? source : address(source.ip());
        final PeerAddress dst = destination.isPod() ? destination : address(destination.ip());
        if (src.isPod() && src.pod().equals(dst.pod()))
        {
            return new Verdict(src, dst, port, protocol,
                new DirectionVerdict(Direction.EGRESS, src.pod(), DirectionVerdict.Outcome.LOOPBACK, List.of(), List.of()),
                new DirectionVerdict(Direction.INGRESS, dst.pod(), DirectionVerdict.Outcome.LOOPBACK, List.of(), List.of()));
        }
        final DirectionVerdict egress = src.isPod()
            ? decide(Direction.EGRESS, requirePod(src.pod()), dst, dst, port, protocol)
            : new DirectionVerdict(Direction.EGRESS, null, DirectionVerdict.Outcome.NOT_A_POD, List.of(), List.of());
        final DirectionVerdict ingress = dst.isPod()
            ? decide(Direction.INGRESS, requirePod(dst.pod()), src, dst, port, protocol)
            : new DirectionVerdict(Direction.INGRESS, null, DirectionVerdict.Outcome.NOT_A_POD, List.of(), List.of());
        return new Verdict(src, dst, port, protocol, egress, ingress);
    }

    /**
     * @param pod       a pod in the state.
     * @param direction a direction.
     * @return the policies that select the pod and isolate it for that direction, sorted.
     */
    public List<ObjectRef> isolatingPolicies(final PodRef pod, final Direction direction)
    {
        final PodInfo info = requirePod(pod);
        final List<ObjectRef> out = new ArrayList<>();
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            if (isolates(policy, info, direction))
            {
                out.add(policy.ref());
            }
        }
        return out;
    }

    private DirectionVerdict decide(final Direction direction, final PodInfo subject, final PeerAddress peer,
        final PeerAddress destination, final int port, final Protocol protocol)
    {
        final PodInfo destinationPod = destination.isPod() ? requirePod(destination.pod()) : null;
        final List<ObjectRef> isolatedBy = new ArrayList<>();
        final List<ObjectRef> allowedBy = new ArrayList<>();
        for (final NetworkPolicyInfo policy : state.policies().values())
        {
            if (!isolates(policy, subject, direction))
            {
                continue;
            }
            isolatedBy.add(policy.ref());
            for (final NetworkPolicyInfo.Rule rule : direction == Direction.INGRESS ? policy.ingress() : policy.egress())
            {
                if (peerMatches(policy, rule.peers(), peer) && portMatches(rule.ports(), port, protocol, destinationPod))
                {
                    allowedBy.add(policy.ref());
                    break;
                }
            }
        }
        final DirectionVerdict.Outcome outcome = isolatedBy.isEmpty() ? DirectionVerdict.Outcome.NOT_ISOLATED
            : allowedBy.isEmpty() ? DirectionVerdict.Outcome.DENIED
            : DirectionVerdict.Outcome.ALLOWED;
        return new DirectionVerdict(direction, subject.ref(), outcome, isolatedBy, allowedBy);
    }

    private static boolean isolates(final NetworkPolicyInfo policy, final PodInfo pod, final Direction direction)
    {
        final boolean type = direction == Direction.INGRESS ? policy.ingressType() : policy.egressType();
        return type && policy.ref().namespace().equals(pod.ref().namespace())
            && policy.podSelector().matches(pod.labels());
    }

    private boolean peerMatches(final NetworkPolicyInfo policy, final List<NetworkPolicyInfo.Peer> peers,
        final PeerAddress address)
    {
        if (peers.isEmpty())
        {
            return true;
        }
        for (final NetworkPolicyInfo.Peer peer : peers)
        {
            if (peer.ipBlock() != null)
            {
                if ((ipBlockMode == IpBlockMode.ANY_ADDRESS || !address.isPod()) && peer.ipBlock().contains(address.ip()))
                {
                    return true;
                }
                continue;
            }
            if (!address.isPod())
            {
                continue;
            }
            final PodInfo pod = requirePod(address.pod());
            final boolean namespaceMatches;
            if (peer.namespaceSelector() == null)
            {
                namespaceMatches = pod.ref().namespace().equals(policy.ref().namespace());
            }
            else
            {
                final NamespaceInfo ns = state.namespace(pod.ref().namespace());
                namespaceMatches = ns != null && peer.namespaceSelector().matches(ns.labels());
            }
            if (namespaceMatches && (peer.podSelector() == null || peer.podSelector().matches(pod.labels())))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean portMatches(final List<NetworkPolicyInfo.Port> ports, final int port,
        final Protocol protocol, final PodInfo destination)
    {
        if (ports.isEmpty())
        {
            return true;
        }
        for (final NetworkPolicyInfo.Port p : ports)
        {
            if (p.protocol() != protocol)
            {
                continue;
            }
            if (p.name() != null)
            {
                if (destination != null && destination.namedPort(p.name(), protocol) == port)
                {
                    return true;
                }
            }
            else if (p.number() == 0)
            {
                return true;
            }
            else if (p.endPort() == 0 ? port == p.number() : port >= p.number() && port <= p.endPort())
            {
                return true;
            }
        }
        return false;
    }

    private PodInfo requirePod(final PodRef ref)
    {
        final PodInfo pod = state.pod(ref);
        if (pod == null)
        {
            throw new IllegalArgumentException("no pod " + ref + " in the cluster state");
        }
        return pod;
    }
}
