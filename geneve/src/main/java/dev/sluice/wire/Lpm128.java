package dev.sluice.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Immutable longest-prefix-match table over 128-bit addresses (two big-endian {@code long} halves; IPv4 as
 * IPv4-mapped {@code ::ffff:a.b.c.d}, so an IPv4 {@code /n} is a {@code /(96 + n)} here) to an {@code int} value.
 * Lookups allocate nothing and never throw.
 *
 * <p>Layout: one open-addressed hash table (linear probing, load factor at most 1/2, keys {@code hi/lo} masked
 * to the length) per prefix length present, probed longest first; the first hit is the longest match. The cost
 * of a lookup is one probe per distinct prefix length longer than the match, so this suits tables with few
 * distinct lengths and many prefixes each (pod CIDRs of a cluster: one or two lengths; an ipcache: every pod at
 * /128 plus the handful of lengths the policies' ipBlocks use). A trie would make the cost depend on the address
 * bits instead (up to 128 steps, or ~16 with 8-bit strides) and touch more cache lines for the common /128 hit.
 *
 * <p>Build with {@link Builder}; a prefix added twice with the same value is kept once, with two different values
 * it is an error naming the prefix. A prefix may have the missing value: it then hides the shorter prefixes
 * around it (a hole).
 */
public final class Lpm128
{
    /** The one value a prefix may not have: it marks empty hash slots. */
    public static final int EMPTY_SLOT = Integer.MIN_VALUE;

    private final int missingValue;
    private final int[] lengths;
    private final long[][] keyHi;
    private final long[][] keyLo;
    private final int[][] values;
    private final int[] masks;
    private final long[] maskHi;
    private final long[] maskLo;

    private final long[] entryHi;
    private final long[] entryLo;
    private final int[] entryLength;
    private final int[] entryValue;

    private Lpm128(final int missingValue, final List<long[]> entries)
    {
        this.missingValue = missingValue;
        // Canonical order: longer prefixes first, then by address; makes dumps deterministic.
        entries.sort(Comparator.<long[]>comparingLong(e -> -e[2])
            .thenComparing((a, b) -> Long.compareUnsigned(a[0], b[0]))
            .thenComparing((a, b) -> Long.compareUnsigned(a[1], b[1])));
        final int n = entries.size();
        entryHi = new long[n];
        entryLo = new long[n];
        entryLength = new int[n];
        entryValue = new int[n];
        for (int i = 0; i < n; i++)
        {
            final long[] e = entries.get(i);
            entryHi[i] = e[0];
            entryLo[i] = e[1];
            entryLength[i] = (int)e[2];
            entryValue[i] = (int)e[3];
        }
        lengths = Arrays.stream(entryLength).distinct().toArray();
        final int m = lengths.length;
        keyHi = new long[m][];
        keyLo = new long[m][];
        values = new int[m][];
        masks = new int[m];
        maskHi = new long[m];
        maskLo = new long[m];
        for (int l = 0; l < m; l++)
        {
            final int length = lengths[l];
            int count = 0;
            for (final int entry : entryLength)
            {
                count += entry == length ? 1 : 0;
            }
            final int capacity = Math.max(4, Integer.highestOneBit(count * 2 - 1) << 1);
            keyHi[l] = new long[capacity];
            keyLo[l] = new long[capacity];
            values[l] = new int[capacity];
            Arrays.fill(values[l], EMPTY_SLOT);
            masks[l] = capacity - 1;
            maskHi[l] = maskHi(length);
            maskLo[l] = maskLo(length);
            for (int i = 0; i < n; i++)
            {
                if (entryLength[i] == length)
                {
                    int slot = hash(entryHi[i], entryLo[i]) & masks[l];
                    while (values[l][slot] != EMPTY_SLOT)
                    {
                        slot = (slot + 1) & masks[l];
                    }
                    keyHi[l][slot] = entryHi[i];
                    keyLo[l][slot] = entryLo[i];
                    values[l][slot] = entryValue[i];
                }
            }
        }
    }

    /**
     * @param hi high 64 bits of the address.
     * @param lo low 64 bits of the address.
     * @return the value of the longest prefix containing the address, or the missing value.
     */
    public int lookup(final long hi, final long lo)
    {
        final int[] lengths = this.lengths;
        for (int l = 0; l < lengths.length; l++)
        {
            final long h = hi & maskHi[l];
            final long w = lo & maskLo[l];
            final long[] kh = keyHi[l];
            final long[] kl = keyLo[l];
            final int[] v = values[l];
            final int mask = masks[l];
            int slot = hash(h, w) & mask;
            int value;
            // Terminates: every table is at most half full, so an empty slot is always reached.
            while ((value = v[slot]) != EMPTY_SLOT)
            {
                if (kh[slot] == h && kl[slot] == w)
                {
                    return value;
                }
                slot = (slot + 1) & mask;
            }
        }
        return missingValue;
    }

    /**
     * @return the value {@link #lookup} returns when no prefix matches.
     */
    public int missingValue()
    {
        return missingValue;
    }

    /**
     * @return the number of prefixes.
     */
    public int size()
    {
        return entryHi.length;
    }

    /**
     * @return the number of distinct prefix lengths: the most hash probes a lookup makes.
     */
    public int prefixLengthCount()
    {
        return lengths.length;
    }

    /**
     * @param index 0..size-1, prefixes in canonical order (longest first, then by address).
     * @return high 64 bits of that prefix.
     */
    public long prefixHi(final int index)
    {
        return entryHi[index];
    }

    /**
     * @param index 0..size-1.
     * @return low 64 bits of that prefix.
     */
    public long prefixLo(final int index)
    {
        return entryLo[index];
    }

    /**
     * @param index 0..size-1.
     * @return length of that prefix, 0..128.
     */
    public int prefixLength(final int index)
    {
        return entryLength[index];
    }

    /**
     * @param index 0..size-1.
     * @return value of that prefix.
     */
    public int value(final int index)
    {
        return entryValue[index];
    }

    /**
     * @param length 0..128.
     * @return the mask of the high half for that prefix length.
     */
    public static long maskHi(final int length)
    {
        return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    /**
     * @param length 0..128.
     * @return the mask of the low half for that prefix length.
     */
    public static long maskLo(final int length)
    {
        return length <= 64 ? 0 : -1L << (128 - length);
    }

    private static int hash(final long hi, final long lo)
    {
        long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ lo;
        h *= 0xC2B2_AE3D_27D4_EB4FL;
        return (int)(h ^ (h >>> 29) ^ (h >>> 47));
    }

    /** A prefix as the builder's duplicate check sees it. */
    private record Prefix(long hi, long lo, int length)
    {
    }

    /** Collects prefixes; not thread safe; build once. */
    public static final class Builder
    {
        private final int missingValue;
        private final List<long[]> entries = new ArrayList<>();
        private final java.util.Map<Prefix, Integer> seen = new java.util.HashMap<>();

        /**
         * @param missingValue what a lookup returns when no prefix matches (may also be a prefix's value).
         */
        public Builder(final int missingValue)
        {
            this.missingValue = missingValue;
        }

        /**
         * Add a prefix.
         *
         * @param hi     high 64 bits of the prefix; host bits must be zero.
         * @param lo     low 64 bits of the prefix; host bits must be zero.
         * @param length prefix length, 0..128.
         * @param value  the value, not {@link #EMPTY_SLOT}.
         * @return this builder.
         * @throws IllegalArgumentException for a bad length, set host bits, {@link #EMPTY_SLOT}, or the same prefix
         *     added with another value.
         */
        public Builder add(final long hi, final long lo, final int length, final int value)
        {
            if (length < 0 || length > 128)
            {
                throw new IllegalArgumentException("prefix length out of range 0..128: " + text(hi, lo, length));
            }
            if ((hi & ~maskHi(length)) != 0 || (lo & ~maskLo(length)) != 0)
            {
                throw new IllegalArgumentException("prefix has host bits set: " + text(hi, lo, length));
            }
            if (value == EMPTY_SLOT)
            {
                throw new IllegalArgumentException("value " + value + " of " + text(hi, lo, length)
                    + " is reserved (EMPTY_SLOT)");
            }
            final Integer existing = seen.putIfAbsent(new Prefix(hi, lo, length), value);
            if (existing != null)
            {
                if (existing != value)
                {
                    throw new IllegalArgumentException("prefix " + text(hi, lo, length) + " added with two values: "
                        + existing + " and " + value);
                }
                return this;
            }
            entries.add(new long[] { hi, lo, length, value });
            return this;
        }

        private static String text(final long hi, final long lo, final int length)
        {
            return Addresses.ipv6ToString(hi, lo) + "/" + length;
        }

        /**
         * @return the table.
         */
        public Lpm128 build()
        {
            return new Lpm128(missingValue, new ArrayList<>(entries));
        }
    }
}
