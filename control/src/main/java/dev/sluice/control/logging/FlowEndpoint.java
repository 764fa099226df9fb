package dev.sluice.control.logging;

/**
 * One end of a flow with its Kubernetes metadata: a pod ({@link #podName()} and the rest set, {@link #instance()}
 * null) or anything else, named by its address alone ({@link #instance()} set, the rest null).
 *
 * @param podName      the pod name, or null.
 * @param podNamespace the pod namespace, or null.
 * @param namespace    the namespace of the endpoint (the pod's), or null.
 * @param workloadKind the workload kind (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, or the
 *                     owner's kind as given), or null.
 * @param workloadName the workload name, or null.
 * @param instance     the IP address text of a non-pod endpoint, or null for pods.
 */
public record FlowEndpoint(String podName, String podNamespace, String namespace, String workloadKind,
    String workloadName, String instance)
{
    /**
     * @param address the address text.
     * @return a non-pod endpoint.
     */
    public static FlowEndpoint instance(final String address)
    {
        return new FlowEndpoint(null, null, null, null, null, address);
    }

    /**
     * @return true when this endpoint is a pod.
     */
    public boolean isPod()
    {
        return podName != null;
    }
}
