package dev.sluice.control.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An ordered, immutable set of Prometheus label pairs, validated and rendered once ({@code {a="1",b="x"}}) when
 * created, so a scrape only appends prepared text.
 */
public final class Labels
{
    /** No labels. */
    public static final Labels NONE = new Labels(List.of());

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final List<String> pairs;
    private final String text;

    private Labels(final List<String> pairs)
    {
        this.pairs = List.copyOf(pairs);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.size(); i += 2)
        {
            sb.append(i == 0 ? "{" : ",").append(pairs.get(i)).append("=\"");
            escape(sb, pairs.get(i + 1));
            sb.append('"');
        }
        if (!pairs.isEmpty())
        {
            sb.append('}');
        }
        this.text = sb.toString();
    }

    /**
     * @param nameValuePairs label name, value, name, value, ...
     * @return the labels.
     * @throws IllegalArgumentException on an odd count, a bad or reserved ({@code __}) name, or a duplicate.
     */
    public static Labels of(final String... nameValuePairs)
    {
        if (nameValuePairs.length % 2 != 0)
        {
            throw new IllegalArgumentException("labels need name/value pairs: " + List.of(nameValuePairs));
        }
        final List<String> pairs = new ArrayList<>();
        for (int i = 0; i < nameValuePairs.length; i += 2)
        {
            final String name = nameValuePairs[i];
            if (name == null || !NAME.matcher(name).matches() || name.startsWith("__") || "le".equals(name))
            {
                throw new IllegalArgumentException("bad label name: " + name);
            }
            for (int j = 0; j < pairs.size(); j += 2)
            {
                if (pairs.get(j).equals(name))
                {
                    throw new IllegalArgumentException("duplicate label name: " + name);
                }
            }
            pairs.add(name);
            pairs.add(String.valueOf(nameValuePairs[i + 1]));
        }
        return new Labels(pairs);
    }

    /**
     * @param name  one more label name.
     * @param value its value.
     * @return these labels plus that one, rendered (used for histogram {@code le}).
     */
    String renderWith(final String name, final String value)
    {
        final StringBuilder sb = new StringBuilder(text.isEmpty() ? "{" : text.substring(0, text.length() - 1) + ",");
        sb.append(name).append("=\"");
        escape(sb, value);
        return sb.append("\"}").toString();
    }

    /**
     * @return the rendered label set, empty when there are no labels.
     */
    public String text()
    {
        return text;
    }

    /**
     * Label value escaping of the text format 0.0.4: backslash, double quote and line feed.
     */
    private static void escape(final StringBuilder sb, final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Labels other && other.pairs.equals(pairs);
    }

    @Override
    public int hashCode()
    {
        return pairs.hashCode();
    }

    @Override
    public String toString()
    {
        return text;
    }
}
