package dev.sluice.control.policy;

/**
 * Whether a NetworkPolicy {@code ipBlock} can match the IP of a pod in the cluster.
 * <p>
 * Upstream leaves this to the implementation: the API documents ipBlock as being for cluster-external IPs ("since
 * Pod IPs are ephemeral and unpredictable"), while the upstream netpol e2e suite contains ipBlock cases over pod
 * IPs that some plugins (e.g. Calico) pass. Cilium, whose dataplane Sluice re-implements, classifies a peer as a
 * pod first and applies CIDR rules only to peers outside the cluster (cilium/cilium#9209), so the default is
 * {@link #EXTERNAL_ONLY}.
 */
public enum IpBlockMode
{
    /** ipBlock matches only addresses that belong to no pod in the state (Cilium's behaviour; the default). */
    EXTERNAL_ONLY,
    /** ipBlock matches any address in the block, pod IPs included (what the upstream ipBlock e2e cases expect). */
    ANY_ADDRESS
}
