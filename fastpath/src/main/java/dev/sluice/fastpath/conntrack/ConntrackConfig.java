package dev.sluice.fastpath.conntrack;

/**
 * Construction parameters of a {@link ConntrackTable}.
 *
 * @param capacity       slots, a power of two in {@code [MIN_CAPACITY, MAX_CAPACITY]}; the region is
 *                       {@code capacity * ENTRY_LENGTH} bytes
 * @param maxEntries     live entries allowed, at most 7/8 of the capacity (linear probing degrades quickly past
 *                       that); {@link #of(int)} uses 3/4
 * @param timeouts       per-state timeouts
 * @param tcpLoosePickup a TCP packet without SYN that matches no entry creates one (ESTABLISHED, unassured, like
 *                       Linux nf_conntrack_tcp_loose=1) instead of being reported invalid, so an agent restart
 *                       does not cut established connections
 * @param earlyDrop      when the table is full, a new flow may take the slot of an expired or unassured entry on
 *                       its own probe run (like Linux early_drop); assured entries are never evicted
 * @param hashSeed       mixed into the slot hash; tests use it to vary placement
 */
public record ConntrackConfig(
    int capacity,
    int maxEntries,
    ConntrackTimeouts timeouts,
    boolean tcpLoosePickup,
    boolean earlyDrop,
    long hashSeed)
{
    public static final int MIN_CAPACITY = 8;
    /** 2^23 slots = 1 GiB: the largest region a single {@code ByteBuffer} (int offsets) can address. */
    public static final int MAX_CAPACITY = 1 << 23;

    public ConntrackConfig
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException(
                "conntrack capacity must be a power of two in " + MIN_CAPACITY + ".." + MAX_CAPACITY + ": " + capacity);
        }
        if (maxEntries < 1 || maxEntries > capacity - (capacity >> 3))
        {
            throw new IllegalArgumentException(
                "conntrack maxEntries must be in 1.." + (capacity - (capacity >> 3)) + " for capacity " + capacity +
                ": " + maxEntries);
        }
        if (timeouts == null)
        {
            throw new IllegalArgumentException("conntrack timeouts must not be null");
        }
    }

    /** {@code capacity} slots, 3/4 of them usable, default timeouts, loose pickup and early drop on. */
    public static ConntrackConfig of(final int capacity)
    {
        return new ConntrackConfig(capacity, capacity - (capacity >> 2), ConntrackTimeouts.DEFAULTS, true, true, 0);
    }

    /** The smallest configuration (3/4 load) holding {@code entries} live entries. */
    public static ConntrackConfig forEntries(final int entries)
    {
        int capacity = MIN_CAPACITY;
        while (capacity - (capacity >> 2) < entries)
        {
            if (capacity == MAX_CAPACITY)
            {
                throw new IllegalArgumentException("conntrack cannot hold " + entries + " entries at 3/4 load");
            }
            capacity <<= 1;
        }
        return of(capacity);
    }

    public ConntrackConfig withMaxEntries(final int maxEntries)
    {
        return new ConntrackConfig(capacity, maxEntries, timeouts, tcpLoosePickup, earlyDrop, hashSeed);
    }

    public ConntrackConfig withTimeouts(final ConntrackTimeouts timeouts)
    {
        return new ConntrackConfig(capacity, maxEntries, timeouts, tcpLoosePickup, earlyDrop, hashSeed);
    }

    public ConntrackConfig withTcpLoosePickup(final boolean tcpLoosePickup)
    {
        return new ConntrackConfig(capacity, maxEntries, timeouts, tcpLoosePickup, earlyDrop, hashSeed);
    }

    public ConntrackConfig withEarlyDrop(final boolean earlyDrop)
    {
        return new ConntrackConfig(capacity, maxEntries, timeouts, tcpLoosePickup, earlyDrop, hashSeed);
    }

    public ConntrackConfig withHashSeed(final long hashSeed)
    {
        return new ConntrackConfig(capacity, maxEntries, timeouts, tcpLoosePickup, earlyDrop, hashSeed);
    }
}
