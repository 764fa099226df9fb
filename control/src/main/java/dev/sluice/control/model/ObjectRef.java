package dev.sluice.control.model;

import java.util.Comparator;
import java.util.Objects;

/**
 * A namespaced object (Service, EndpointSlice, NetworkPolicy): namespace and name, printed {@code namespace/name}.
 * Cluster-scoped objects use an empty namespace and print as their name.
 *
 * @param namespace the namespace, empty for cluster-scoped objects.
 * @param name      the name.
 */
public record ObjectRef(String namespace, String name) implements Comparable<ObjectRef>
{
    private static final Comparator<ObjectRef> ORDER =
        Comparator.comparing(ObjectRef::namespace).thenComparing(ObjectRef::name);

    /**
     * @param namespace the namespace, not null (empty for cluster-scoped objects).
     * @param name      the name, not null.
     */
    public ObjectRef
    {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public int compareTo(final ObjectRef other)
    {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString()
    {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
