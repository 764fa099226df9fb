package dev.sluice.control.model;

import java.util.Map;

/**
 * A Namespace. The loader adds the label {@code kubernetes.io/metadata.name=<name>} as the API server does, so
 * policies may select namespaces by name.
 *
 * @param name        the namespace name.
 * @param labels      labels, sorted, unmodifiable.
 * @param annotations annotations, sorted, unmodifiable (policy logging reads them).
 */
public record NamespaceInfo(String name, Map<String, String> labels, Map<String, String> annotations)
{
    /** The label the API server puts on every namespace (Kubernetes 1.22+). */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";

    /**
     * @param name        the namespace name.
     * @param labels      copied.
     * @param annotations copied.
     */
    public NamespaceInfo
    {
        labels = Immutable.sortedCopy(labels);
        annotations = Immutable.sortedCopy(annotations);
    }
}
