package dev.sluice.control.logging;

import java.util.Objects;

/**
 * The Kubernetes object behind a compiled policy rule, as policy action records name it.
 *
 * @param name      the policy name.
 * @param namespace the policy namespace (empty for cluster-scoped kinds).
 * @param kind      the kind, {@link #KIND_NETWORK_POLICY} for Kubernetes NetworkPolicy.
 */
public record PolicyRef(String name, String namespace, String kind)
{
    /** The kind of a {@code networking.k8s.io/v1} NetworkPolicy. */
    public static final String KIND_NETWORK_POLICY = "NetworkPolicy";

    /**
     * @param name      not null.
     * @param namespace not null.
     * @param kind      not null.
     */
    public PolicyRef
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * @param namespace the namespace.
     * @param name      the name.
     * @return a NetworkPolicy reference.
     */
    public static PolicyRef networkPolicy(final String namespace, final String name)
    {
        return new PolicyRef(name, namespace, KIND_NETWORK_POLICY);
    }
}
