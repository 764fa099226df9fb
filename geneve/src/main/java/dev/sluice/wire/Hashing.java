package dev.sluice.wire;

/**
 * Hash mixing shared by the fast-path tables (conntrack buckets, Maglev, service and affinity lookups), allocation
 * free. One copy so that every table mixes the same way; a static call is inlined by C2.
 */
public final class Hashing
{
    private Hashing()
    {
    }

    /**
     * The 64-bit finaliser of MurmurHash3 (fmix64): every input bit affects every output bit.
     *
     * @param value the input.
     * @return the mixed value.
     */
    public static long mix64(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }
}
