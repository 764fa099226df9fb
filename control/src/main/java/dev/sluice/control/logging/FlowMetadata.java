package dev.sluice.control.logging;

/**
 * Resolves what a verdict event carries (addresses, rule ids) to Kubernetes metadata, and answers the two
 * questions the {@code delegate} logging mode asks. Implementations are immutable snapshots of one cluster state;
 * the agent swaps in a new one when the state changes ({@link PolicyActionLogger#metadata(FlowMetadata)}).
 * Called on consumer threads only, never on the fast path.
 */
public interface FlowMetadata
{
    /** The annotation that turns on allow logging for one NetworkPolicy in {@code delegate} mode. */
    String ENABLE_LOGGING_ANNOTATION = "policy.sluice.dev/enable-logging";
    /** The annotation that turns on deny logging for one Namespace in {@code delegate} mode. */
    String ENABLE_DENY_LOGGING_ANNOTATION = "policy.sluice.dev/enable-deny-logging";

    /**
     * @param addressHi high 64 bits of a 128-bit address (IPv4 mapped into {@code ::ffff:0:0/96}).
     * @param addressLo low 64 bits.
     * @return the pod owning that address, or an {@link FlowEndpoint#instance(String) instance}; never null.
     */
    FlowEndpoint endpoint(long addressHi, long addressLo);

    /**
     * @param ruleId a rule id from a verdict event.
     * @return the policy of that rule, or {@code null} (unknown id, or -1: no rule).
     */
    PolicyRef policy(int ruleId);

    /**
     * @param policy a policy.
     * @return true when the policy is annotated {@value #ENABLE_LOGGING_ANNOTATION}{@code : "true"}.
     */
    boolean allowLoggingDelegated(PolicyRef policy);

    /**
     * @param namespace a namespace name.
     * @return true when the namespace is annotated {@value #ENABLE_DENY_LOGGING_ANNOTATION}{@code : "true"}.
     */
    boolean denyLoggingDelegated(String namespace);
}
