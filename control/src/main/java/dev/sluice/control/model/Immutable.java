package dev.sluice.control.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Copies into unmodifiable, deterministically ordered collections (the model never shares mutable state). */
final class Immutable
{
    private Immutable()
    {
    }

    static <K extends Comparable<K>, V> SortedMap<K, V> sortedCopy(final Map<K, V> map)
    {
        return Collections.unmodifiableSortedMap(new TreeMap<>(map == null ? Map.of() : map));
    }
}
