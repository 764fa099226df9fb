package dev.sluice.control.logging;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
import dev.sluice.control.model.NetworkPolicyInfo;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodOwner;
import dev.sluice.wire.Addresses;

/**
 * {@link FlowMetadata} over one {@link ClusterState} and the compiler's {@link RuleNames}. Every pod address is
 * resolved once, at construction; lookups are a hash probe.
 *
 * <p>Workloads are derived from the pod's controlling owner reference, by the naming conventions of the built-in
 * controllers (there is no informer on ReplicaSets or Jobs to ask):
 * <ul>
 *   <li>{@code ReplicaSet} named {@code <deployment>-<hash>} where {@code <hash>} is the pod's
 *       {@code pod-template-hash} label: {@code Deployment <deployment>}; any other ReplicaSet stays a
 *       {@code ReplicaSet};</li>
 *   <li>{@code Job} named {@code <cronjob>-<digits>} with 8 or more digits (the CronJob controller names its Jobs
 *       after the scheduled time in minutes since the epoch): {@code CronJob <cronjob>}; any other Job stays a
 *       {@code Job};</li>
 *   <li>{@code StatefulSet}, {@code DaemonSet} and other kinds: the owner as it is;</li>
 *   <li>no owner (a bare pod): {@code Pod <pod name>}.</li>
 * </ul>
 */
public final class ClusterFlowMetadata implements FlowMetadata
{
    /** The label the Deployment controller puts on the pods (and the name suffix) of each ReplicaSet. */
    public static final String POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

    private static final Pattern CRONJOB_JOB_SUFFIX = Pattern.compile("-[0-9]{8,}$");

    private final ClusterState state;
    private final RuleNames ruleNames;
    private final Map<AddressKey, FlowEndpoint> pods = new HashMap<>();

    /**
     * @param state     the cluster state.
     * @param ruleNames the rule ids of the tables compiled from that state.
     */
    public ClusterFlowMetadata(final ClusterState state, final RuleNames ruleNames)
    {
        this.state = Objects.requireNonNull(state, "state");
        this.ruleNames = Objects.requireNonNull(ruleNames, "ruleNames");
        for (final PodInfo pod : state.pods().values())
        {
            final Workload workload = workload(pod);
            final FlowEndpoint endpoint = new FlowEndpoint(pod.ref().name(), pod.ref().namespace(),
                pod.ref().namespace(), workload.kind(), workload.name(), null);
            for (final InetAddress ip : pod.ips())
            {
                final long[] address = Addresses.parse(ip.getHostAddress());
                pods.put(new AddressKey(address[0], address[1]), endpoint);
            }
        }
    }

    @Override
    public FlowEndpoint endpoint(final long addressHi, final long addressLo)
    {
        final FlowEndpoint pod = pods.get(new AddressKey(addressHi, addressLo));
        return pod != null ? pod : FlowEndpoint.instance(Addresses.format(addressHi, addressLo));
    }

    @Override
    public PolicyRef policy(final int ruleId)
    {
        return ruleId < 0 ? null : ruleNames.policy(ruleId);
    }

    @Override
    public boolean allowLoggingDelegated(final PolicyRef policy)
    {
        if (policy == null || !PolicyRef.KIND_NETWORK_POLICY.equals(policy.kind()))
        {
            return false;
        }
        final NetworkPolicyInfo info = state.policies().get(new ObjectRef(policy.namespace(), policy.name()));
        return info != null && "true".equals(info.annotations().get(ENABLE_LOGGING_ANNOTATION));
    }

    @Override
    public boolean denyLoggingDelegated(final String namespace)
    {
        final NamespaceInfo info = namespace == null ? null : state.namespace(namespace);
        return info != null && "true".equals(info.annotations().get(ENABLE_DENY_LOGGING_ANNOTATION));
    }

    /**
     * @param pod a pod.
     * @return its workload, by the conventions in the class comment.
     */
    public static Workload workload(final PodInfo pod)
    {
        final PodOwner owner = pod.owner();
        if (owner == null)
        {
            return new Workload("Pod", pod.ref().name());
        }
        switch (owner.kind())
        {
            case "ReplicaSet" ->
            {
                final String hash = pod.labels().get(POD_TEMPLATE_HASH_LABEL);
                final String suffix = "-" + hash;
                if (hash != null && !hash.isEmpty() && owner.name().endsWith(suffix)
                    && owner.name().length() > suffix.length())
                {
                    return new Workload("Deployment", owner.name().substring(0, owner.name().length() - suffix.length()));
                }
                return new Workload("ReplicaSet", owner.name());
            }
            case "Job" ->
            {
                final var m = CRONJOB_JOB_SUFFIX.matcher(owner.name());
                if (m.find() && m.start() > 0)
                {
                    return new Workload("CronJob", owner.name().substring(0, m.start()));
                }
                return new Workload("Job", owner.name());
            }
            default ->
            {
                return new Workload(owner.kind(), owner.name());
            }
        }
    }

    /**
     * A workload.
     *
     * @param kind its kind.
     * @param name its name.
     */
    public record Workload(String kind, String name)
    {
    }

    private record AddressKey(long hi, long lo)
    {
    }
}
