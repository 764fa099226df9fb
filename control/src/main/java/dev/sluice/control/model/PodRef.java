package dev.sluice.control.model;

import java.util.Comparator;
import java.util.Objects;

/**
 * A pod's identity in the cluster: namespace and name. Orders by namespace, then name; prints as
 * {@code namespace/name}, the label used by {@code sluice policy matrix}.
 *
 * @param namespace the pod's namespace.
 * @param name      the pod's name.
 */
public record PodRef(String namespace, String name) implements Comparable<PodRef>
{
    private static final Comparator<PodRef> ORDER =
        Comparator.comparing(PodRef::namespace).thenComparing(PodRef::name);

    /**
     * @param namespace the pod's namespace, not null.
     * @param name      the pod's name, not null.
     */
    public PodRef
    {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /**
     * Parse {@code namespace/name}.
     *
     * @param text the label.
     * @return the reference.
     * @throws IllegalArgumentException when the text is not {@code namespace/name}.
     */
    public static PodRef parse(final String text)
    {
        final int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0)
        {
            throw new IllegalArgumentException("not a namespace/name pod reference: '" + text + "'");
        }
        return new PodRef(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public int compareTo(final PodRef other)
    {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString()
    {
        return namespace + "/" + name;
    }
}
