package dev.sluice.fastpath.service;

import dev.sluice.wire.Hashing;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
 * NSDI 2016, section 3.4): a lookup table of prime size M in which every backend owns about M/N slots, built so that
 * removing or adding one backend moves few slots of the others.
 *
 * <p>Each backend has a stable 64-bit key ({@link #backendKey}); from it come {@code offset = h1 mod M} and
 * {@code skip = h2 mod (M - 1) + 1}, and its preference list is {@code (offset + j * skip) mod M}. Backends take
 * turns claiming their next unclaimed preferred slot until the table is full (weights are all 1). The hashes are
 * fixed-seed, so the same backends in the same order always give the same table; callers order backends by a
 * stable key (the compiler sorts them by address and port) so that the table depends on the set alone.
 *
 * <p>Tables are {@code char} arrays (a slot holds a backend ordinal, at most {@link #MAX_BACKENDS}); many tables
 * can share one array at different offsets ({@link #populate}). Lookup ({@link #slot}) maps the top 32 bits of a
 * flow hash onto 0..M-1 by multiply-shift, with no division.
 */
public final class Maglev
{
    /** Default table size: prime, fine for up to about 100 backends (M > 100 N keeps disruption near 1/N). */
    public static final int DEFAULT_SIZE = 16_381;
    /** Largest backend count a table can hold (ordinals are stored as unsigned 16-bit values). */
    public static final int MAX_BACKENDS = 65_535;
    /** Largest table size accepted. */
    public static final int MAX_SIZE = 1 << 20;
    /** The smallest size {@link #sizeFor} chooses (1021 slots, 2 KiB). */
    public static final int MIN_ADAPTIVE_SIZE = 1_021;

    /** The sizes {@link #sizeFor} chooses from: the largest prime below each power of two from 2^10 to 2^20. */
    private static final int[] ADAPTIVE_SIZES =
        { 1_021, 2_039, 4_093, 8_191, 16_381, 32_749, 65_521, 131_071, 262_139, 524_287, 1_048_573 };

    static
    {
        for (final int size : ADAPTIVE_SIZES)
        {
            validateSize(size);
        }
    }

    private static final long SEED_KEY = 0x5EED_0F51_CE00_0001L;
    private static final long SEED_OFFSET = 0x9E37_79B9_7F4A_7C15L;
    private static final long SEED_SKIP = 0xC2B2_AE3D_27D4_EB4FL;

    private final char[] table;

    /**
     * Builds a standalone table.
     *
     * @param keys  backend keys, in backend ordinal order.
     * @param count how many of {@code keys} to use, 1..{@link #MAX_BACKENDS}.
     * @param size  the table size M, a prime greater than {@code count}.
     */
    public Maglev(final long[] keys, final int count, final int size)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("a Maglev table needs at least one backend: " + count);
        }
        table = new char[size];
        populate(keys, count, size, table, 0);
    }

    /**
     * @param flowHash a well-mixed 64-bit hash of the flow.
     * @return the backend ordinal for that flow.
     */
    public int backend(final long flowHash)
    {
        return table[slot(flowHash, table.length)];
    }

    /**
     * @return the table size M.
     */
    public int size()
    {
        return table.length;
    }

    /**
     * @param slot 0..M-1.
     * @return the backend ordinal in that slot.
     */
    public int entry(final int slot)
    {
        return table[slot];
    }

    /**
     * The slot a flow hash falls in: the top 32 bits scaled to {@code 0..size-1} (Lemire's multiply-shift).
     *
     * @param flowHash a well-mixed 64-bit hash.
     * @param size     the table size.
     * @return the slot.
     */
    public static int slot(final long flowHash, final int size)
    {
        return (int)(((flowHash >>> 32) * size) >>> 32);
    }

    /**
     * The table size for a set of {@code backends}: the smallest of 1021, 2039, 4093, ..., 1048573 (the largest
     * prime below each power of two) that is at least 100 times the backend count, so that removing a backend moves
     * well under 1/N of the other backends' slots, as with one large M, while a service with few backends gets a
     * table of a few KiB instead of 32 KiB (10k services x 10 backends: 20 MB instead of 327 MB, and about 18 times
     * fewer probes to fill). The size depends on the count alone, so every node picks the same one. When a set grows
     * or shrinks across a step (10 to 11 backends: 1021 to 2039) its table is rebuilt at the new size and new flows
     * are spread afresh; established flows keep the backend their conntrack entry holds.
     *
     * @param backends the number of backends, 1..{@link #MAX_BACKENDS}.
     * @return the size, a prime greater than {@code backends}.
     */
    public static int sizeFor(final int backends)
    {
        if (backends < 1 || backends > MAX_BACKENDS)
        {
            throw new IllegalArgumentException("backend count must be in 1.." + MAX_BACKENDS + ": " + backends);
        }
        final long wanted = 100L * backends;
        for (final int size : ADAPTIVE_SIZES)
        {
            if (size >= wanted)
            {
                return size;
            }
        }
        return ADAPTIVE_SIZES[ADAPTIVE_SIZES.length - 1];
    }

    /**
     * Fills {@code out[outOffset .. outOffset + size)} with the Maglev table of the first {@code count} keys.
     * Allocates two scratch arrays of {@code count} ints per call (build time only).
     *
     * @param keys      backend keys, in ordinal order.
     * @param count     number of backends, 1..{@link #MAX_BACKENDS}.
     * @param size      the table size M: a prime, greater than {@code count}, at most {@link #MAX_SIZE}.
     * @param out       the destination array.
     * @param outOffset where the table starts in {@code out}.
     */
    public static void populate(final long[] keys, final int count, final int size, final char[] out,
        final int outOffset)
    {
        validateSize(size);
        if (count < 1 || count > MAX_BACKENDS || count > keys.length)
        {
            throw new IllegalArgumentException("backend count must be in 1.." + Math.min(MAX_BACKENDS, keys.length) +
                ": " + count);
        }
        if (count >= size)
        {
            throw new IllegalArgumentException("Maglev size " + size + " must exceed the backend count " + count);
        }
        final char empty = (char)0xFFFF;
        if (count == 1)
        {
            java.util.Arrays.fill(out, outOffset, outOffset + size, (char)0);
            return;
        }
        // position[b] is offset + next * skip (mod M), advanced by one addition instead of a multiply and a modulo
        // per probe: the fill takes about M ln M probes, which dominates a build.
        final int[] position = new int[count];
        final int[] skips = new int[count];
        for (int b = 0; b < count; b++)
        {
            position[b] = (int)Long.remainderUnsigned(Hashing.mix64(keys[b] ^ SEED_OFFSET), size);
            skips[b] = (int)Long.remainderUnsigned(Hashing.mix64(keys[b] ^ SEED_SKIP), size - 1) + 1;
        }
        java.util.Arrays.fill(out, outOffset, outOffset + size, empty);
        int filled = 0;
        while (true)
        {
            for (int b = 0; b < count; b++)
            {
                int c = position[b];
                final int skip = skips[b];
                while (out[outOffset + c] != empty)
                {
                    c += skip;
                    if (c >= size)
                    {
                        c -= size;
                    }
                }
                out[outOffset + c] = (char)b;
                c += skip;
                position[b] = c >= size ? c - size : c;
                if (++filled == size)
                {
                    return;
                }
            }
        }
    }

    /**
     * A backend's stable key from its address and port (fixed seed, so the same on every node and every run).
     *
     * @param hi   high 64 bits of the 128-bit address (IPv4 mapped).
     * @param lo   low 64 bits.
     * @param port the target port.
     * @return the key.
     */
    public static long backendKey(final long hi, final long lo, final int port)
    {
        long h = Hashing.mix64(hi ^ SEED_KEY);
        h = Hashing.mix64(h ^ lo);
        return Hashing.mix64(h ^ (port & 0xFFFFL));
    }

    /**
     * @param size a candidate table size.
     * @throws IllegalArgumentException when it is not a prime in 3..{@link #MAX_SIZE}.
     */
    public static void validateSize(final int size)
    {
        if (size < 3 || size > MAX_SIZE || !isPrime(size))
        {
            throw new IllegalArgumentException("Maglev table size must be a prime in 3.." + MAX_SIZE + ": " + size);
        }
    }

    private static boolean isPrime(final int n)
    {
        if (n % 2 == 0)
        {
            return n == 2;
        }
        for (int d = 3; (long)d * d <= n; d += 2)
        {
            if (n % d == 0)
            {
                return false;
            }
        }
        return true;
    }
}
