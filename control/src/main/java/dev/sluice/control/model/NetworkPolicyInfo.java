package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A validated NetworkPolicy (networking.k8s.io/v1) with its defaults applied.
 * <p>
 * Defaults, as the API server applies them: a missing {@code podSelector} is the empty selector; missing or empty
 * {@code policyTypes} means Ingress, plus Egress when the policy has egress rules. A missing or empty rule list
 * in a direction the policy isolates means "allow nothing" in that direction.
 *
 * @param ref         namespace and name.
 * @param podSelector the pods (of the policy's namespace) this policy applies to.
 * @param ingressType whether the policy isolates the selected pods for ingress.
 * @param egressType  whether the policy isolates the selected pods for egress.
 * @param ingress     the ingress rules (each one an allow).
 * @param egress      the egress rules (each one an allow).
 * @param annotations the policy's annotations, sorted, unmodifiable (policy logging reads them).
 */
public record NetworkPolicyInfo(ObjectRef ref, LabelSelector podSelector, boolean ingressType, boolean egressType,
    List<Rule> ingress, List<Rule> egress, Map<String, String> annotations)
{
    /**
     * A policy without annotations.
     *
     * @param ref         namespace and name.
     * @param podSelector the pods this policy applies to.
     * @param ingressType whether the policy isolates for ingress.
     * @param egressType  whether the policy isolates for egress.
     * @param ingress     the ingress rules.
     * @param egress      the egress rules.
     */
    public NetworkPolicyInfo(final ObjectRef ref, final LabelSelector podSelector, final boolean ingressType,
        final boolean egressType, final List<Rule> ingress, final List<Rule> egress)
    {
        this(ref, podSelector, ingressType, egressType, ingress, egress, Map.of());
    }

    /**
     * Copies the rule lists and the annotations.
     */
    public NetworkPolicyInfo
    {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(podSelector, "podSelector");
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
        annotations = Immutable.sortedCopy(annotations == null ? Map.of() : annotations);
    }

    /**
     * One rule: traffic matches when it matches one of the peers (an empty list matches every peer) AND one of the
     * ports (an empty list matches every port of every protocol).
     *
     * @param peers the {@code from} (ingress) or {@code to} (egress) peers.
     * @param ports the ports.
     */
    public record Rule(List<Peer> peers, List<Port> ports)
    {
        /**
         * Copies the lists.
         */
        public Rule
        {
            peers = List.copyOf(peers);
            ports = List.copyOf(ports);
        }
    }

    /**
     * One peer. Either {@code ipBlock} alone, or one or both selectors (ANDed). A {@code null} namespaceSelector
     * means "the policy's own namespace"; a {@code null} podSelector with a namespaceSelector means "every pod of
     * the selected namespaces".
     *
     * @param podSelector       the pod selector, or {@code null}.
     * @param namespaceSelector the namespace selector, or {@code null}.
     * @param ipBlock           the IP block, or {@code null}.
     */
    public record Peer(LabelSelector podSelector, LabelSelector namespaceSelector, IpBlock ipBlock)
    {
    }

    /**
     * An IP block: {@code cidr} minus every {@code except} prefix (each strictly inside {@code cidr}).
     *
     * @param cidr   the block.
     * @param except the holes.
     */
    public record IpBlock(Cidr cidr, List<Cidr> except)
    {
        /**
         * Copies the holes.
         */
        public IpBlock
        {
            except = List.copyOf(except);
        }

        /**
         * @param address an address of either family.
         * @return true when the address is in {@code cidr} and in none of the {@code except} prefixes.
         */
        public boolean contains(final InetAddress address)
        {
            if (!cidr.contains(address))
            {
                return false;
            }
            for (final Cidr hole : except)
            {
                if (hole.contains(address))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * One port entry. {@code number == 0 && name == null} means every port of the protocol.
     *
     * @param protocol the protocol (TCP when omitted).
     * @param number   the first port number, or 0 when the port is named or absent.
     * @param endPort  the last port of a range, or 0 when not a range.
     * @param name     the named port (resolved on the destination pod), or {@code null}.
     */
    public record Port(Protocol protocol, int number, int endPort, String name)
    {
        @Override
        public String toString()
        {
            final String port = name != null ? name
                : number == 0 ? "*"
                : endPort != 0 ? number + "-" + endPort
                : Integer.toString(number);
            return protocol + "/" + port;
        }
    }
}
