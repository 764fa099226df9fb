package dev.sluice.control.compile;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.PeerAddress;
import dev.sluice.control.policy.PolicyMatrix;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;

/**
 * Pod-to-pod reachability answered by the compiled fast-path tables, the way the policy stage asks them: egress
 * at the source pod's endpoint for the destination's ipcache identity, then ingress at the destination pod's
 * endpoint for the source's identity. Uses one snapshot in which every pod of the state is an endpoint. A pod
 * reaching itself is allowed (the packet never leaves its network namespace).
 */
public final class CompiledReachability implements PolicyMatrix.Reachability
{
    private final ClusterState state;
    private final PolicySnapshot snapshot;

    /**
     * @param state    the cluster state.
     * @param compiler the compiler (its ipBlock mode applies).
     */
    public CompiledReachability(final ClusterState state, final PolicyCompiler compiler)
    {
        this.state = Objects.requireNonNull(state, "state");
        this.snapshot = compiler.compile(state, null, 1);
    }

    /**
     * @return the whole-cluster snapshot the answers come from.
     */
    public PolicySnapshot snapshot()
    {
        return snapshot;
    }

    @Override
    public boolean allowed(final PodRef source, final PeerAddress destination, final int port,
        final Protocol protocol)
    {
        if (source.equals(destination.pod()))
        {
            return true;
        }
        final PodInfo pod = state.pod(source);
        final InetAddress sameFamily = pod.ipOfFamily(destination.ip() instanceof Inet4Address);
        final long[] s = PolicyCompiler.key(sameFamily == null ? pod.primaryIp() : sameFamily);
        final long[] d = PolicyCompiler.key(destination.ip());
        final int proto = protocol.ipProtocol();
        final int egress = snapshot.checkEgress(snapshot.endpointOf(s[0], s[1]), snapshot.identityOf(d[0], d[1]),
            d[0], d[1], proto, port);
        if (!PolicyVerdict.allows(egress))
        {
            return false;
        }
        final int dstEndpoint = snapshot.endpointOf(d[0], d[1]);
        if (dstEndpoint == PolicySnapshot.NO_ENDPOINT)
        {
            return true;
        }
        return PolicyVerdict.allows(snapshot.checkIngress(dstEndpoint, snapshot.identityOf(s[0], s[1]), s[0], s[1],
            proto, port));
    }
}
