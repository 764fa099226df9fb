package dev.sluice.control.model;

import java.util.Comparator;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * The identity of one Kubernetes object in a {@link ClusterStateBuilder}: kind, namespace (empty for cluster-scoped
 * objects) and name. Printed {@code Kind namespace/name}, the way every error message names an object.
 *
 * @param kind      the kind, e.g. {@code Pod}, {@code NetworkLogging}.
 * @param namespace the namespace, empty for cluster-scoped objects.
 * @param name      the name.
 */
public record ObjectKey(String kind, String namespace, String name) implements Comparable<ObjectKey>
{
    private static final Comparator<ObjectKey> ORDER = Comparator.comparing(ObjectKey::kind)
        .thenComparing(ObjectKey::namespace).thenComparing(ObjectKey::name);

    /**
     * @param kind      not null.
     * @param namespace not null (empty for cluster-scoped objects).
     * @param name      not null.
     */
    public ObjectKey
    {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /**
     * @param object any object; a missing kind is taken from its class, a missing name is {@code <no name>}.
     * @return its key.
     */
    public static ObjectKey of(final HasMetadata object)
    {
        final String kind = object.getKind() == null ? object.getClass().getSimpleName() : object.getKind();
        final ObjectMeta meta = object.getMetadata();
        final String namespace = meta == null || meta.getNamespace() == null ? "" : meta.getNamespace();
        final String name = meta == null || meta.getName() == null || meta.getName().isEmpty()
            ? "<no name>" : meta.getName();
        return new ObjectKey(kind, namespace, name);
    }

    /**
     * @return {@code namespace/name}, or the name of a cluster-scoped object.
     */
    public String ref()
    {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }

    @Override
    public int compareTo(final ObjectKey other)
    {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString()
    {
        return kind + " " + ref();
    }
}
