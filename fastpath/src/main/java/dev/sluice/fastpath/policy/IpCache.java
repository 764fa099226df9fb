package dev.sluice.fastpath.policy;

import dev.sluice.wire.Addresses;
import dev.sluice.wire.Lpm128;

/**
 * The ipcache: a 128-bit address (IPv4 mapped {@code ::ffff:a.b.c.d}) to the numeric security identity that
 * policy tables are keyed by. Immutable; {@link #identityOf} allocates nothing.
 * <ul>
 *   <li>Pod IPs are host routes ({@code /128}; an IPv4 pod IP is a mapped {@code /32}) to the pod's identity
 *       ({@link #FIRST_POD_IDENTITY} and up).</li>
 *   <li>Every CIDR that a policy's ipBlock uses, as {@code cidr} or as {@code except}, is a prefix with its own
 *       identity ({@link #FIRST_CIDR_IDENTITY} and up), as Cilium does: the longest match then says which blocks
 *       and holes an address falls in, so a rule can list the CIDR identities its block allows.</li>
 *   <li>Everything else is {@link #WORLD}. IPv6 prefixes never cover IPv4 addresses: when one contains
 *       {@code ::ffff:0:0/96} (e.g. {@code ::/0}), that /96 is added as a {@link #WORLD} hole.</li>
 * </ul>
 * Structure: an {@link Lpm128} (one hash table per prefix length present, longest first). A pod address hits the
 * first table probed ({@code /128}); an outside address costs one probe per distinct ipBlock prefix length,
 * typically a handful (see {@code PolicyLookupBenchmark}).
 */
public final class IpCache
{
    /** No identity known. Never returned by {@link #identityOf}; reserved for callers. */
    public static final int UNKNOWN = 0;
    /** The local node's host stack (reserved; not produced by the compiler today). */
    public static final int HOST = 1;
    /** Any address no prefix of the cache covers. */
    public static final int WORLD = 2;
    /** The first pod identity. */
    public static final int FIRST_POD_IDENTITY = 256;
    /** The first CIDR identity; pod identities stay below it. */
    public static final int FIRST_CIDR_IDENTITY = 1 << 24;

    private final Lpm128 lpm;

    private IpCache(final Lpm128 lpm)
    {
        this.lpm = lpm;
    }

    /**
     * @param hi high 64 bits of the address.
     * @param lo low 64 bits of the address.
     * @return the identity of the longest prefix containing the address, or {@link #WORLD}.
     */
    public int identityOf(final long hi, final long lo)
    {
        return lpm.lookup(hi, lo);
    }

    /**
     * @return the number of prefixes (pod addresses and CIDRs).
     */
    public int size()
    {
        return lpm.size();
    }

    /**
     * @return the distinct prefix lengths: the most hash probes a lookup makes.
     */
    public int prefixLengthCount()
    {
        return lpm.prefixLengthCount();
    }

    /**
     * @param index 0..size-1, in canonical order (longest prefix first, then by address).
     * @return that prefix as text ({@code 198.18.0.0/16}, {@code 2001:2::/48}; IPv4 in its own notation).
     */
    public String prefixText(final int index)
    {
        final long hi = lpm.prefixHi(index);
        final long lo = lpm.prefixLo(index);
        final int length = lpm.prefixLength(index);
        final boolean mapped = hi == 0 && length >= 96 && (lo & 0xFFFF_FFFF_0000_0000L) == 0x0000_FFFF_0000_0000L;
        return Addresses.format(hi, lo) + "/" + (mapped ? length - 96 : length);
    }

    /**
     * @param index 0..size-1.
     * @return the identity of that prefix.
     */
    public int identity(final int index)
    {
        return lpm.value(index);
    }

    /** Collects prefixes; build once. */
    public static final class Builder
    {
        private static final long MAPPED = 0x0000_FFFF_0000_0000L;

        private final Lpm128.Builder lpm = new Lpm128.Builder(WORLD);
        private boolean ipv6CoversMapped;
        private boolean mappedPresent;

        /**
         * @param hi       high 64 bits of the prefix (IPv4 mapped).
         * @param lo       low 64 bits of the prefix.
         * @param length   the prefix length in the 128-bit space (an IPv4 {@code /n} is {@code 96 + n}).
         * @param identity the identity, not {@link #WORLD} (the default).
         * @return this builder.
         * @throws IllegalArgumentException naming the prefix, for a bad prefix or a prefix added with two
         *     identities.
         */
        public Builder add(final long hi, final long lo, final int length, final int identity)
        {
            if (identity == UNKNOWN || identity == WORLD)
            {
                throw new IllegalArgumentException("identity " + identity + " is reserved, not for prefix "
                    + Addresses.ipv6ToString(hi, lo) + "/" + length);
            }
            lpm.add(hi, lo, length, identity);
            mappedPresent |= hi == 0 && lo == MAPPED && length == 96;
            ipv6CoversMapped |= hi == 0 && length < 96 && (lo & Lpm128.maskLo(length)) == (MAPPED & Lpm128.maskLo(length));
            return this;
        }

        /**
         * @return the cache.
         */
        public IpCache build()
        {
            if (ipv6CoversMapped && !mappedPresent)
            {
                // An IPv6 prefix such as ::/0 contains ::ffff:0:0/96, where IPv4 addresses live here; IPv6 blocks
                // never match IPv4 addresses, so IPv4 addresses outside every IPv4 prefix stay WORLD.
                lpm.add(0, MAPPED, 96, WORLD);
            }
            return new IpCache(lpm.build());
        }
    }
}
