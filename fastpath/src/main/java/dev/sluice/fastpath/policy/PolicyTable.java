package dev.sluice.fastpath.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.fastpath.packet.IpProtocol;

/**
 * Compiled NetworkPolicy of the endpoints (local pods) of one node: for an endpoint and a direction, is it isolated,
 * and if so which rule (if any) allows a packet from/to a remote identity and address, on a protocol and port.
 * Immutable; {@link #checkEgress} and {@link #checkIngress} allocate nothing, take no lock and never throw.
 *
 * <h2>Profiles</h2>
 * Endpoints whose policy is necessarily the same (same namespace, labels, namespace labels and container ports)
 * share a <em>profile</em>; the tables are keyed by profile, and {@code endpointProfile[endpoint]} maps to it.
 * Replicas of a deployment on a node thus cost one set of entries.
 *
 * <h2>Layout</h2>
 * <pre>
 *  endpointProfile int[endpoints]            endpoint id -> profile
 *  profileFlags    byte[profiles * 2]        [profile * 2 + direction]: ISOLATED | HAS_ADDRESS_ENTRIES
 *
 *  identity entries: open addressing, linear probing, load factor at most 1/2, empty key = -1
 *    key  long  = protocolClass (2 bits) &lt;&lt; 57 | direction (1) &lt;&lt; 56 | profile (24) &lt;&lt; 32 | identity (32)
 *    value      = segmentStart int, segmentCount int
 *    identity ANY_IDENTITY (0xFFFFFFFF) holds the rules with no peers ("any peer"); every other identity
 *    entry of the same profile/direction/protocol already includes them (folded at build time)
 *
 *  address entries: same scheme, key = (address hi long, address lo long, meta int), empty meta = -1
 *    meta = profile &lt;&lt; 3 | direction &lt;&lt; 2 | protocolClass
 *    for what identity cannot express: an egress named port that resolves to different numbers on two pods
 *    of one identity, and ipBlocks over pod IPs (IpBlockMode ANY_ADDRESS). An address entry includes the
 *    entries of its address's identity and the any-peer entries (folded), so one hit answers.
 *
 *  segments: segmentLo int[], segmentHi int[], segmentRule int[]
 *    a list per entry: disjoint port ranges sorted by segmentLo, each with the lowest rule id allowing it
 *    (ranges, single ports, "any port" = 0..65535 are all ranges); identical lists are stored once.
 *
 *  protocolClass: 1 TCP, 2 UDP, 3 SCTP, 0 any other protocol (looked up with port 0; only port-less rules,
 *  which allow every protocol, have entries there).
 * </pre>
 * A lookup is: profile and flags (two array reads), at most one address probe (only for a profile/direction that
 * has address entries), one or two identity probes (the identity, else the any-peer entry), then a scan (up to 8
 * segments) or binary search of the segment list.
 */
public final class PolicyTable
{
    /** The identity of any-peer entries in {@link Builder#allow}. */
    public static final int ANY_IDENTITY = -1;
    /** The protocol of port-less rules in {@link Builder#allow}: every protocol, every port. */
    public static final int ANY_PROTOCOL = -1;
    /** The protocol reported by {@link #forEachEntry} for the "any other protocol" class. */
    public static final int OTHER_PROTOCOLS = -1;
    /** Profiles must be fewer than this. */
    public static final int MAX_PROFILES = 1 << 24;

    private static final int FLAG_ISOLATED = 1;
    private static final int FLAG_ADDRESS_ENTRIES = 2;
    private static final int LINEAR_SCAN_MAX = 8;
    private static final long EMPTY_KEY = -1L;
    private static final int EMPTY_META = -1;
    private static final int[] CLASS_PROTOCOL = { OTHER_PROTOCOLS, IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP };

    private final int[] endpointProfile;
    private final byte[] profileFlags;

    private final long[] idKeys;
    private final int[] idStart;
    private final int[] idCount;
    private final int idMask;

    private final long[] addrHi;
    private final long[] addrLo;
    private final int[] addrMeta;
    private final int[] addrStart;
    private final int[] addrCount;
    private final int addrMask;

    private final int[] segmentLo;
    private final int[] segmentHi;
    private final int[] segmentRule;

    private PolicyTable(final Builder b, final Map<Long, int[]> idSegments, final Map<AddressKey, int[]> addrSegments)
    {
        endpointProfile = b.endpointProfile.clone();
        profileFlags = b.flags.clone();

        // Intern identical segment lists: one copy in the segment arrays, many entries pointing at it.
        final Map<Segments, Integer> interned = new HashMap<>();
        final List<int[]> order = new ArrayList<>();
        final int[] total = { 0 };
        final java.util.function.Function<int[], Integer> intern = s -> interned.computeIfAbsent(new Segments(s), k ->
        {
            order.add(s);
            final int start = total[0];
            total[0] += s.length / 3;
            return start;
        });
        // Deterministic order: sorted keys.
        final TreeMap<Long, int[]> sortedIds = new TreeMap<>(idSegments);
        final TreeMap<AddressKey, int[]> sortedAddrs = new TreeMap<>(addrSegments);
        sortedIds.values().forEach(intern::apply);
        sortedAddrs.values().forEach(intern::apply);
        segmentLo = new int[total[0]];
        segmentHi = new int[total[0]];
        segmentRule = new int[total[0]];
        int at = 0;
        for (final int[] s : order)
        {
            for (int i = 0; i < s.length; i += 3)
            {
                segmentLo[at] = s[i];
                segmentHi[at] = s[i + 1];
                segmentRule[at] = s[i + 2];
                at++;
            }
        }

        final int idCapacity = capacity(sortedIds.size());
        idKeys = new long[idCapacity];
        Arrays.fill(idKeys, EMPTY_KEY);
        idStart = new int[idCapacity];
        idCount = new int[idCapacity];
        idMask = idCapacity - 1;
        sortedIds.forEach((key, s) ->
        {
            int slot = hash(key) & idMask;
            while (idKeys[slot] != EMPTY_KEY)
            {
                slot = (slot + 1) & idMask;
            }
            idKeys[slot] = key;
            idStart[slot] = interned.get(new Segments(s));
            idCount[slot] = s.length / 3;
        });

        final int addrCapacity = capacity(sortedAddrs.size());
        addrHi = new long[addrCapacity];
        addrLo = new long[addrCapacity];
        addrMeta = new int[addrCapacity];
        Arrays.fill(addrMeta, EMPTY_META);
        addrStart = new int[addrCapacity];
        addrCount = new int[addrCapacity];
        addrMask = addrCapacity - 1;
        sortedAddrs.forEach((key, s) ->
        {
            int slot = hash(key.hi, key.lo, key.meta) & addrMask;
            while (addrMeta[slot] != EMPTY_META)
            {
                slot = (slot + 1) & addrMask;
            }
            addrHi[slot] = key.hi;
            addrLo[slot] = key.lo;
            addrMeta[slot] = key.meta;
            addrStart[slot] = interned.get(new Segments(s));
            addrCount[slot] = s.length / 3;
        });
    }

    /**
     * The egress check at the source endpoint.
     *
     * @param endpointId     the local source endpoint.
     * @param remoteIdentity the destination's identity (from the ipcache).
     * @param dstHi          high 64 bits of the destination address.
     * @param dstLo          low 64 bits of the destination address.
     * @param protocol       the IP protocol number.
     * @param port           the destination port (ignored for protocols other than TCP, UDP, SCTP).
     * @return a rule id, {@link PolicyVerdict#ALLOW_NOT_ISOLATED} or {@link PolicyVerdict#DENY} (also for an
     *     endpoint id out of range: fail closed).
     */
    public int checkEgress(final int endpointId, final int remoteIdentity, final long dstHi, final long dstLo,
        final int protocol, final int port)
    {
        return check(PolicyVerdict.EGRESS, endpointId, remoteIdentity, dstHi, dstLo, protocol, port);
    }

    /**
     * The ingress check at the destination endpoint.
     *
     * @param endpointId     the local destination endpoint.
     * @param remoteIdentity the source's identity (from the ipcache).
     * @param srcHi          high 64 bits of the source address.
     * @param srcLo          low 64 bits of the source address.
     * @param protocol       the IP protocol number.
     * @param port           the destination port (ignored for protocols other than TCP, UDP, SCTP).
     * @return a rule id, {@link PolicyVerdict#ALLOW_NOT_ISOLATED} or {@link PolicyVerdict#DENY} (also for an
     *     endpoint id out of range: fail closed).
     */
    public int checkIngress(final int endpointId, final int remoteIdentity, final long srcHi, final long srcLo,
        final int protocol, final int port)
    {
        return check(PolicyVerdict.INGRESS, endpointId, remoteIdentity, srcHi, srcLo, protocol, port);
    }

    private int check(final int direction, final int endpointId, final int identity, final long hi, final long lo,
        final int protocol, final int port)
    {
        if (endpointId < 0 || endpointId >= endpointProfile.length)
        {
            return PolicyVerdict.DENY;
        }
        final int profile = endpointProfile[endpointId];
        final int flags = profileFlags[profile * 2 + direction];
        if ((flags & FLAG_ISOLATED) == 0)
        {
            return PolicyVerdict.ALLOW_NOT_ISOLATED;
        }
        final int protocolClass = protocolClass(protocol);
        // Other protocols have no ports: only port-less rules (stored as 0..65535) match them.
        final int p = protocolClass == 0 ? 0 : port;
        if ((flags & FLAG_ADDRESS_ENTRIES) != 0)
        {
            final int meta = profile << 3 | direction << 2 | protocolClass;
            int slot = hash(hi, lo, meta) & addrMask;
            int m;
            while ((m = addrMeta[slot]) != EMPTY_META)
            {
                if (m == meta && addrHi[slot] == hi && addrLo[slot] == lo)
                {
                    return findRule(addrStart[slot], addrCount[slot], p);
                }
                slot = (slot + 1) & addrMask;
            }
        }
        final long base = (long)protocolClass << 57 | (long)direction << 56 | (long)profile << 32;
        int slot = find(base | (identity & 0xFFFF_FFFFL));
        if (slot < 0)
        {
            slot = find(base | 0xFFFF_FFFFL);
            if (slot < 0)
            {
                return PolicyVerdict.DENY;
            }
        }
        return findRule(idStart[slot], idCount[slot], p);
    }

    private int find(final long key)
    {
        int slot = hash(key) & idMask;
        long k;
        // Terminates: the table is at most half full.
        while ((k = idKeys[slot]) != EMPTY_KEY)
        {
            if (k == key)
            {
                return slot;
            }
            slot = (slot + 1) & idMask;
        }
        return -1;
    }

    private int findRule(final int start, final int count, final int port)
    {
        if (count <= LINEAR_SCAN_MAX)
        {
            final int end = start + count;
            for (int i = start; i < end; i++)
            {
                if (port < segmentLo[i])
                {
                    return PolicyVerdict.DENY;
                }
                if (port <= segmentHi[i])
                {
                    return segmentRule[i];
                }
            }
            return PolicyVerdict.DENY;
        }
        int low = start;
        int high = start + count - 1;
        // Find the last segment starting at or before the port.
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (segmentLo[mid] <= port)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return segmentLo[low] <= port && port <= segmentHi[low] ? segmentRule[low] : PolicyVerdict.DENY;
    }

    /**
     * @return the number of endpoints.
     */
    public int endpointCount()
    {
        return endpointProfile.length;
    }

    /**
     * @param endpointId an endpoint.
     * @return its profile.
     */
    public int profileOf(final int endpointId)
    {
        return endpointProfile[endpointId];
    }

    /**
     * @return the number of profiles.
     */
    public int profileCount()
    {
        return profileFlags.length / 2;
    }

    /**
     * @param profile   a profile.
     * @param direction {@link PolicyVerdict#EGRESS} or {@link PolicyVerdict#INGRESS}.
     * @return whether that profile is isolated in that direction.
     */
    public boolean isolated(final int profile, final int direction)
    {
        return (profileFlags[profile * 2 + direction] & FLAG_ISOLATED) != 0;
    }

    /**
     * @return identity entries + address entries + segments, a size measure.
     */
    public String sizes()
    {
        int ids = 0;
        for (final long k : idKeys)
        {
            ids += k != EMPTY_KEY ? 1 : 0;
        }
        int addrs = 0;
        for (final int m : addrMeta)
        {
            addrs += m != EMPTY_META ? 1 : 0;
        }
        return profileCount() + " profiles, " + ids + " identity entries, " + addrs + " address entries, "
            + segmentLo.length + " segments";
    }

    /**
     * Visit every stored segment of every entry (for dumps and tests; allocates; order unspecified).
     *
     * @param visitor the visitor.
     */
    public void forEachEntry(final EntryVisitor visitor)
    {
        for (int slot = 0; slot < idKeys.length; slot++)
        {
            final long key = idKeys[slot];
            if (key == EMPTY_KEY)
            {
                continue;
            }
            final int identity = (int)key;
            final int profile = (int)(key >>> 32) & (MAX_PROFILES - 1);
            final int direction = (int)(key >>> 56) & 1;
            final int protocol = CLASS_PROTOCOL[(int)(key >>> 57) & 3];
            for (int i = idStart[slot]; i < idStart[slot] + idCount[slot]; i++)
            {
                visitor.onEntry(profile, direction, false, identity, 0, 0, protocol, segmentLo[i], segmentHi[i],
                    segmentRule[i]);
            }
        }
        for (int slot = 0; slot < addrMeta.length; slot++)
        {
            final int meta = addrMeta[slot];
            if (meta == EMPTY_META)
            {
                continue;
            }
            for (int i = addrStart[slot]; i < addrStart[slot] + addrCount[slot]; i++)
            {
                visitor.onEntry(meta >>> 3, (meta >>> 2) & 1, true, 0, addrHi[slot], addrLo[slot],
                    CLASS_PROTOCOL[meta & 3], segmentLo[i], segmentHi[i], segmentRule[i]);
            }
        }
    }

    /** Receives the entries of {@link #forEachEntry}. */
    @FunctionalInterface
    public interface EntryVisitor
    {
        /**
         * One port range of one entry.
         *
         * @param profile   the profile.
         * @param direction {@link PolicyVerdict#EGRESS} or {@link PolicyVerdict#INGRESS}.
         * @param byAddress true for an address entry, false for an identity entry.
         * @param identity  the remote identity ({@link #ANY_IDENTITY} for any peer); 0 for address entries.
         * @param hi        the remote address (address entries).
         * @param lo        the remote address (address entries).
         * @param protocol  6, 17, 132 or {@link #OTHER_PROTOCOLS}.
         * @param portLo    first port.
         * @param portHi    last port.
         * @param ruleId    the rule allowing it.
         */
        void onEntry(int profile, int direction, boolean byAddress, int identity, long hi, long lo, int protocol,
            int portLo, int portHi, int ruleId);
    }

    static int protocolClass(final int protocol)
    {
        return switch (protocol)
        {
            case IpProtocol.TCP -> 1;
            case IpProtocol.UDP -> 2;
            case IpProtocol.SCTP -> 3;
            default -> 0;
        };
    }

    private static int capacity(final int entries)
    {
        return Math.max(4, Integer.highestOneBit(Math.max(1, entries) * 2 - 1) << 1);
    }

    private static int hash(final long key)
    {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 29;
        h *= 0xC2B2_AE3D_27D4_EB4FL;
        return (int)(h ^ (h >>> 32));
    }

    private static int hash(final long hi, final long lo, final int meta)
    {
        long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ lo ^ ((long)meta << 40);
        h *= 0xC2B2_AE3D_27D4_EB4FL;
        return (int)(h ^ (h >>> 29) ^ (h >>> 47));
    }

    private record Segments(int[] data)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Segments other && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(data);
        }
    }

    private record AddressKey(long hi, long lo, int meta) implements Comparable<AddressKey>
    {
        @Override
        public int compareTo(final AddressKey o)
        {
            final int c = Integer.compare(meta, o.meta);
            if (c != 0)
            {
                return c;
            }
            final int h = Long.compareUnsigned(hi, o.hi);
            return h != 0 ? h : Long.compareUnsigned(lo, o.lo);
        }
    }

    /**
     * Collects isolation and allow rules, then folds and merges them into the table. Not thread safe; build once.
     * Rules are added per protocol and port range; the builder merges overlapping ranges, keeping the lowest rule
     * id where they overlap.
     */
    public static final class Builder
    {
        private final int[] endpointProfile;
        private final byte[] flags;
        private final Map<Long, List<int[]>> byIdentity = new HashMap<>();
        private final Map<AddressKey, List<int[]>> byAddress = new HashMap<>();
        private final Map<AddressKey, Integer> identityOfAddress = new HashMap<>();

        /**
         * @param endpoints the number of endpoints (ids 0..endpoints-1).
         * @param profiles  the number of profiles (ids 0..profiles-1), below {@link #MAX_PROFILES}.
         */
        public Builder(final int endpoints, final int profiles)
        {
            if (profiles < 0 || profiles >= MAX_PROFILES || endpoints < 0)
            {
                throw new IllegalArgumentException("bad table size: " + endpoints + " endpoints, " + profiles
                    + " profiles (at most " + (MAX_PROFILES - 1) + ")");
            }
            endpointProfile = new int[endpoints];
            flags = new byte[profiles * 2];
        }

        /**
         * @param endpointId an endpoint.
         * @param profile    its profile.
         * @return this builder.
         */
        public Builder endpoint(final int endpointId, final int profile)
        {
            checkProfile(profile);
            endpointProfile[endpointId] = profile;
            return this;
        }

        /**
         * Mark a profile isolated in a direction (some policy selects it for that direction).
         *
         * @param profile   the profile.
         * @param direction {@link PolicyVerdict#EGRESS} or {@link PolicyVerdict#INGRESS}.
         * @return this builder.
         */
        public Builder isolate(final int profile, final int direction)
        {
            checkProfile(profile);
            flags[profile * 2 + direction] |= FLAG_ISOLATED;
            return this;
        }

        /**
         * Allow a remote identity (or {@link #ANY_IDENTITY}) on a protocol (or {@link #ANY_PROTOCOL}: every
         * protocol and port) and port range.
         *
         * @param profile   an isolated profile.
         * @param direction the direction it is isolated in.
         * @param identity  the remote identity, or {@link #ANY_IDENTITY}.
         * @param protocol  6, 17, 132 or {@link #ANY_PROTOCOL}.
         * @param portLo    first port (0..65535).
         * @param portHi    last port (portLo..65535).
         * @param ruleId    the rule id (>= 0).
         * @return this builder.
         */
        public Builder allow(final int profile, final int direction, final int identity, final int protocol,
            final int portLo, final int portHi, final int ruleId)
        {
            checkRule(profile, direction, protocol, portLo, portHi, ruleId);
            for (final int protocolClass : classes(protocol))
            {
                final long key = (long)protocolClass << 57 | (long)direction << 56 | (long)profile << 32
                    | (identity & 0xFFFF_FFFFL);
                byIdentity.computeIfAbsent(key, k -> new ArrayList<>()).add(range(protocolClass, portLo, portHi, ruleId));
            }
            return this;
        }

        /**
         * Allow one remote address (an entry that identity cannot express).
         *
         * @param profile         an isolated profile.
         * @param direction       the direction it is isolated in.
         * @param hi              the remote address.
         * @param lo              the remote address.
         * @param addressIdentity the ipcache identity of that address (its identity entries are folded in).
         * @param protocol        6, 17, 132 or {@link #ANY_PROTOCOL}.
         * @param portLo          first port.
         * @param portHi          last port.
         * @param ruleId          the rule id.
         * @return this builder.
         */
        public Builder allowAddress(final int profile, final int direction, final long hi, final long lo,
            final int addressIdentity, final int protocol, final int portLo, final int portHi, final int ruleId)
        {
            checkRule(profile, direction, protocol, portLo, portHi, ruleId);
            flags[profile * 2 + direction] |= FLAG_ADDRESS_ENTRIES;
            for (final int protocolClass : classes(protocol))
            {
                final AddressKey key = new AddressKey(hi, lo, profile << 3 | direction << 2 | protocolClass);
                byAddress.computeIfAbsent(key, k -> new ArrayList<>()).add(range(protocolClass, portLo, portHi, ruleId));
                identityOfAddress.put(key, addressIdentity);
            }
            return this;
        }

        /**
         * @return the table.
         */
        public PolicyTable build()
        {
            final Map<Long, int[]> ids = new HashMap<>();
            byIdentity.forEach((key, ranges) ->
            {
                final List<int[]> all = new ArrayList<>(ranges);
                if ((int)(long)key != ANY_IDENTITY)
                {
                    all.addAll(byIdentity.getOrDefault(key | 0xFFFF_FFFFL, List.of()));
                }
                ids.put(key, merge(all));
            });
            final Map<AddressKey, int[]> addrs = new HashMap<>();
            byAddress.forEach((key, ranges) ->
            {
                final long base = (long)(key.meta & 3) << 57 | (long)((key.meta >>> 2) & 1) << 56
                    | (long)(key.meta >>> 3) << 32;
                final List<int[]> all = new ArrayList<>(ranges);
                all.addAll(byIdentity.getOrDefault(base | (identityOfAddress.get(key) & 0xFFFF_FFFFL), List.of()));
                all.addAll(byIdentity.getOrDefault(base | 0xFFFF_FFFFL, List.of()));
                addrs.put(key, merge(all));
            });
            return new PolicyTable(this, ids, addrs);
        }

        private void checkProfile(final int profile)
        {
            if (profile < 0 || profile * 2 >= flags.length)
            {
                throw new IllegalArgumentException("profile " + profile + " out of range 0.." + (flags.length / 2 - 1));
            }
        }

        private void checkRule(final int profile, final int direction, final int protocol, final int portLo,
            final int portHi, final int ruleId)
        {
            checkProfile(profile);
            if ((flags[profile * 2 + direction] & FLAG_ISOLATED) == 0)
            {
                throw new IllegalArgumentException("rule " + ruleId + " for profile " + profile + " "
                    + PolicyVerdict.directionName(direction) + ", which is not isolated");
            }
            if (protocol != ANY_PROTOCOL && protocolClass(protocol) == 0)
            {
                throw new IllegalArgumentException("rule " + ruleId + ": protocol " + protocol
                    + " is not TCP, UDP or SCTP");
            }
            if (portLo < 0 || portHi > 65_535 || portLo > portHi || ruleId < 0)
            {
                throw new IllegalArgumentException("rule " + ruleId + ": bad port range " + portLo + ".." + portHi);
            }
        }

        private static int[] classes(final int protocol)
        {
            return protocol == ANY_PROTOCOL ? new int[] { 0, 1, 2, 3 } : new int[] { protocolClass(protocol) };
        }

        private static int[] range(final int protocolClass, final int portLo, final int portHi, final int ruleId)
        {
            // The "other protocols" class is looked up with port 0; a port-less rule covers it whole.
            return protocolClass == 0 ? new int[] { 0, 65_535, ruleId } : new int[] { portLo, portHi, ruleId };
        }

        /** Disjoint sorted segments, each with the lowest rule covering it; adjacent equal segments joined. */
        static int[] merge(final List<int[]> ranges)
        {
            final TreeMap<Integer, List<int[]>> events = new TreeMap<>();
            for (final int[] r : ranges)
            {
                events.computeIfAbsent(r[0], k -> new ArrayList<>()).add(new int[] { +1, r[2] });
                events.computeIfAbsent(r[1] + 1, k -> new ArrayList<>()).add(new int[] { -1, r[2] });
            }
            final TreeMap<Integer, Integer> active = new TreeMap<>();
            final List<int[]> out = new ArrayList<>();
            Integer position = events.isEmpty() ? null : events.firstKey();
            while (position != null)
            {
                for (final int[] e : events.get(position))
                {
                    active.merge(e[1], e[0], (a, b) -> a + b == 0 ? null : a + b);
                }
                final Integer next = events.higherKey(position);
                if (!active.isEmpty() && next != null)
                {
                    final int rule = active.firstKey();
                    final int[] last = out.isEmpty() ? null : out.getLast();
                    if (last != null && last[2] == rule && last[1] + 1 == position)
                    {
                        last[1] = next - 1;
                    }
                    else
                    {
                        out.add(new int[] { position, next - 1, rule });
                    }
                }
                position = next;
            }
            final int[] flat = new int[out.size() * 3];
            for (int i = 0; i < out.size(); i++)
            {
                System.arraycopy(out.get(i), 0, flat, i * 3, 3);
            }
            return flat;
        }
    }
}
