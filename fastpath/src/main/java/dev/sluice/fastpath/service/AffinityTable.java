package dev.sluice.fastpath.service;

import dev.sluice.wire.Hashing;

/**
 * sessionAffinity ClientIP: which backend a client was last sent to, per service port. Keyed (affinity id, client
 * 128-bit address), valued (backend index, last used ns, timeout ns). Open addressing with linear probing over
 * primitive arrays, deletion by backward shift (no tombstones), fixed capacity; owned by one worker (single writer,
 * no synchronisation), nothing allocated after construction.
 *
 * <pre>
 *   slot s: id[s]        affinity id + 1 (0 = empty); the pipeline uses {@link ServiceTable#group}
 *           hi[s] lo[s]  client address (IPv4 mapped)
 *           backend[s]   backend index in the snapshot the entry was made with
 *           usedNs[s]    last time a connection used it
 *           timeoutNs[s] the service's affinity timeout
 * </pre>
 *
 * An entry expires {@code timeoutNs} after its last use (kube-proxy's {@code recent --rcheck --seconds}): a lookup
 * of an expired entry misses and removes it, and {@link #expire} sweeps a bounded number of slots per duty cycle.
 * Backend indexes belong to one {@link ServiceTable} snapshot; after a swap the pipeline checks a hit with
 * {@link ServiceTable#backendUsable} and picks anew (and overwrites the entry) when it no longer fits, or calls
 * {@link #clear}.
 */
public final class AffinityTable
{
    /** {@link #get}: no live entry. */
    public static final int MISS = -1;

    private final int mask;
    private final int maxSize;
    private final int[] id;
    private final long[] hi;
    private final long[] lo;
    private final int[] backend;
    private final long[] usedNs;
    private final long[] timeoutNs;
    private int size;
    private int sweepCursor;

    /**
     * @param capacity the number of slots, a power of two in 16..2^26; at most 3/4 of them are used.
     */
    public AffinityTable(final int capacity)
    {
        if (capacity < 16 || capacity > (1 << 26) || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("affinity capacity must be a power of two in 16..2^26: " + capacity);
        }
        mask = capacity - 1;
        maxSize = capacity - capacity / 4;
        id = new int[capacity];
        hi = new long[capacity];
        lo = new long[capacity];
        backend = new int[capacity];
        usedNs = new long[capacity];
        timeoutNs = new long[capacity];
    }

    /**
     * Looks up a client's backend and, on a hit, marks it used now.
     *
     * @param affinityId the service port's affinity id (&gt;= 0).
     * @param clientHi   client address, high half.
     * @param clientLo   client address, low half.
     * @param nowNs      the duty cycle's clock.
     * @return the backend index, or {@link #MISS} (never seen, or expired).
     */
    public int get(final int affinityId, final long clientHi, final long clientLo, final long nowNs)
    {
        final int s = find(affinityId + 1, clientHi, clientLo);
        if (s < 0)
        {
            return MISS;
        }
        if (nowNs - usedNs[s] > timeoutNs[s])
        {
            removeSlot(s);
            return MISS;
        }
        usedNs[s] = nowNs;
        return backend[s];
    }

    /**
     * Records (or replaces) a client's backend.
     *
     * @param affinityId the service port's affinity id (&gt;= 0).
     * @param clientHi   client address, high half.
     * @param clientLo   client address, low half.
     * @param backendIdx the backend chosen.
     * @param nowNs      the duty cycle's clock.
     * @param timeout    the service's affinity timeout in ns.
     * @return false when the table is full (the flow still goes to the backend; it just is not remembered).
     */
    public boolean put(final int affinityId, final long clientHi, final long clientLo, final int backendIdx,
        final long nowNs, final long timeout)
    {
        final int key = affinityId + 1;
        int s = slot(key, clientHi, clientLo);
        while (id[s] != 0)
        {
            if (id[s] == key && hi[s] == clientHi && lo[s] == clientLo)
            {
                backend[s] = backendIdx;
                usedNs[s] = nowNs;
                timeoutNs[s] = timeout;
                return true;
            }
            s = (s + 1) & mask;
        }
        if (size == maxSize)
        {
            return false;
        }
        id[s] = key;
        hi[s] = clientHi;
        lo[s] = clientLo;
        backend[s] = backendIdx;
        usedNs[s] = nowNs;
        timeoutNs[s] = timeout;
        size++;
        return true;
    }

    /**
     * Removes expired entries among the next {@code budget} slots (round robin over the table; a slot refilled by
     * a removal's backward shift is looked at again without counting).
     *
     * @param nowNs  the duty cycle's clock.
     * @param budget slots to look at.
     * @return entries removed.
     */
    public int expire(final long nowNs, final int budget)
    {
        int removed = 0;
        int visited = 0;
        while (visited < budget)
        {
            final int s = sweepCursor;
            if (id[s] != 0 && nowNs - usedNs[s] > timeoutNs[s])
            {
                // The backward shift may move an unchecked entry into s: look at s again. Each removal empties an
                // entry, so the extra looks are bounded by the table's size.
                removeSlot(s);
                removed++;
                continue;
            }
            sweepCursor = (s + 1) & mask;
            visited++;
        }
        return removed;
    }

    /** Removes every entry. */
    public void clear()
    {
        java.util.Arrays.fill(id, 0);
        size = 0;
    }

    /** @return live (not yet swept) entries. */
    public int size()
    {
        return size;
    }

    private int find(final int key, final long clientHi, final long clientLo)
    {
        int s = slot(key, clientHi, clientLo);
        int k;
        while ((k = id[s]) != 0)
        {
            if (k == key && lo[s] == clientLo && hi[s] == clientHi)
            {
                return s;
            }
            s = (s + 1) & mask;
        }
        return -1;
    }

    private void removeSlot(final int removed)
    {
        int hole = removed;
        int s = (hole + 1) & mask;
        while (id[s] != 0)
        {
            final int home = slot(id[s], hi[s], lo[s]);
            // Move s into the hole unless its home lies cyclically in (hole, s].
            final boolean homeBetween = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
            if (!homeBetween)
            {
                id[hole] = id[s];
                hi[hole] = hi[s];
                lo[hole] = lo[s];
                backend[hole] = backend[s];
                usedNs[hole] = usedNs[s];
                timeoutNs[hole] = timeoutNs[s];
                hole = s;
            }
            s = (s + 1) & mask;
        }
        id[hole] = 0;
        size--;
    }

    private int slot(final int key, final long clientHi, final long clientLo)
    {
        return (int)Hashing.mix64(clientLo ^ Long.rotateLeft(clientHi, 17) ^ ((long)key << 40)) & mask;
    }
}
