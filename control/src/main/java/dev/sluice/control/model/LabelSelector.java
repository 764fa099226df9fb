package dev.sluice.control.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Kubernetes label selector (meta/v1 LabelSelector): {@code matchLabels} AND every {@code matchExpressions}
 * requirement. An empty selector matches everything. (A <em>missing</em> selector is represented by
 * {@code null} where the API gives it a different meaning, e.g. a peer without {@code namespaceSelector}.)
 *
 * @param matchLabels  key = value pairs that must all be present.
 * @param requirements expressions that must all hold.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> requirements)
{
    /** The empty selector: matches every label set. */
    public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

    /**
     * @param matchLabels  copied, sorted by key, unmodifiable.
     * @param requirements copied, unmodifiable.
     */
    public LabelSelector
    {
        matchLabels = Collections.unmodifiableSortedMap(new TreeMap<>(matchLabels));
        requirements = List.copyOf(requirements);
    }

    /**
     * @param labels an object's labels.
     * @return true when every matchLabels pair and every requirement holds.
     */
    public boolean matches(final Map<String, String> labels)
    {
        for (final Map.Entry<String, String> e : matchLabels.entrySet())
        {
            if (!e.getValue().equals(labels.get(e.getKey())))
            {
                return false;
            }
        }
        for (final Requirement r : requirements)
        {
            if (!r.matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return true when this selector matches every label set.
     */
    public boolean isEmpty()
    {
        return matchLabels.isEmpty() && requirements.isEmpty();
    }

    @Override
    public String toString()
    {
        if (isEmpty())
        {
            return "{}";
        }
        final StringBuilder sb = new StringBuilder();
        matchLabels.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        requirements.forEach(r -> sb.append(sb.isEmpty() ? "" : ",").append(r));
        return sb.toString();
    }

    /** The four selector operators of meta/v1 LabelSelectorRequirement. */
    public enum Operator
    {
        /** The label is present and its value is one of the values. */
        In,
        /** The label is absent, or its value is none of the values. */
        NotIn,
        /** The label is present (any value). */
        Exists,
        /** The label is absent. */
        DoesNotExist
    }

    /**
     * One matchExpressions entry.
     *
     * @param key      the label key.
     * @param operator the operator.
     * @param values   non-empty for In/NotIn, empty for Exists/DoesNotExist (validated by the loader).
     */
    public record Requirement(String key, Operator operator, List<String> values)
    {
        /**
         * @param key      the label key.
         * @param operator the operator.
         * @param values   copied, sorted, duplicates removed, unmodifiable.
         */
        public Requirement
        {
            values = List.copyOf(new TreeSet<>(values));
        }

        /**
         * @param labels an object's labels.
         * @return whether the requirement holds for them.
         */
        public boolean matches(final Map<String, String> labels)
        {
            final String value = labels.get(key);
            return switch (operator)
            {
                case In -> value != null && values.contains(value);
                case NotIn -> value == null || !values.contains(value);
                case Exists -> value != null;
                case DoesNotExist -> value == null;
            };
        }

        @Override
        public String toString()
        {
            return switch (operator)
            {
                case In -> key + " in (" + String.join(",", values) + ")";
                case NotIn -> key + " notin (" + String.join(",", values) + ")";
                case Exists -> key;
                case DoesNotExist -> "!" + key;
            };
        }
    }
}
