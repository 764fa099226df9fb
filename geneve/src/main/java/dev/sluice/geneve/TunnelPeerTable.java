package dev.sluice.geneve;

import dev.sluice.wire.Addresses;
import dev.sluice.wire.Lpm128;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Immutable table of tunnel peers (the other nodes of the mesh), built from the cluster's Nodes. Peer {@code i} is
 * {@code nodes.get(i)}. Lookups are allocation free:
 * <ul>
 *   <li>{@link #peerForIpv4(int)} / {@link #peerForIpv6(long, long)}: inner (pod) destination address to the peer
 *       whose pod CIDR matches it longest, or {@link #NO_PEER};</li>
 *   <li>{@link #peerByUnderlayIpv4(int)} / {@link #peerByUnderlayIpv6(long, long)}: outer source address (a node's
 *       InternalIP) to the peer, or {@link #NO_PEER} (decap validation).</li>
 * </ul>
 * Longest prefix match is an {@link Lpm128} over IPv4-mapped and IPv6 pod CIDRs: one open-addressed hash table
 * per distinct prefix length, probed longest first; clusters use one or two pod-CIDR sizes per family, so that is
 * one or two probes.
 *
 * <p>Construction throws {@link IllegalArgumentException} naming the offending value for a malformed address,
 * CIDR or MAC, a CIDR with host bits set, pod CIDRs of two nodes that overlap, and duplicate node names or
 * addresses.
 */
public final class TunnelPeerTable
{
    /** Lookup result when no peer matches. */
    public static final int NO_PEER = -1;

    private static final long IPV4_MAPPED = 0x0000_FFFF_0000_0000L;

    /**
     * One Node as the control plane sees it.
     *
     * @param name       node name.
     * @param internalIp the node's InternalIP on the underlay, IPv4 or IPv6 literal.
     * @param podCidrs   the node's pod CIDRs (spec.podCIDRs), IPv4 and/or IPv6, canonical (no host bits).
     * @param nextHopMac underlay next-hop MAC towards this node, {@code aa:bb:cc:dd:ee:ff}.
     */
    public record Node(String name, String internalIp, List<String> podCidrs, String nextHopMac)
    {
        public Node
        {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(internalIp, "internalIp of " + name);
            podCidrs = List.copyOf(Objects.requireNonNull(podCidrs, "podCidrs of " + name));
            Objects.requireNonNull(nextHopMac, "nextHopMac of " + name);
        }
    }

    private final String[] names;
    private final boolean[] ipv6Underlay;
    private final int[] underlayIpv4;
    private final long[] underlayIpv6Hi;
    private final long[] underlayIpv6Lo;
    private final long[] nextHopMacs;

    private final AddressMap underlayV4;
    private final AddressMap underlayV6;
    private final Lpm128 podCidrs;

    /** Builds the table; see the class comment for what is rejected. */
    public TunnelPeerTable(final List<Node> nodes)
    {
        final int n = nodes.size();
        names = new String[n];
        ipv6Underlay = new boolean[n];
        underlayIpv4 = new int[n];
        underlayIpv6Hi = new long[n];
        underlayIpv6Lo = new long[n];
        nextHopMacs = new long[n];

        final List<Cidr> cidrs = new ArrayList<>();
        int v4Nodes = 0;
        for (int i = 0; i < n; i++)
        {
            final Node node = nodes.get(i);
            for (int j = 0; j < i; j++)
            {
                if (names[j].equals(node.name()))
                {
                    throw new IllegalArgumentException("duplicate node name: " + node.name());
                }
            }
            names[i] = node.name();
            ipv6Underlay[i] = Addresses.isIpv6(node.internalIp());
            if (ipv6Underlay[i])
            {
                underlayIpv6Hi[i] = Addresses.parseIpv6Hi(node.internalIp());
                underlayIpv6Lo[i] = Addresses.parseIpv6Lo(node.internalIp());
            }
            else
            {
                underlayIpv4[i] = Addresses.parseIpv4(node.internalIp());
                v4Nodes++;
            }
            nextHopMacs[i] = Addresses.parseMac(node.nextHopMac());
            for (final String text : node.podCidrs())
            {
                cidrs.add(Cidr.parse(text, i));
            }
        }

        underlayV4 = new AddressMap(v4Nodes);
        underlayV6 = new AddressMap(n - v4Nodes);
        for (int i = 0; i < n; i++)
        {
            final AddressMap map = ipv6Underlay[i] ? underlayV6 : underlayV4;
            final long hi = ipv6Underlay[i] ? underlayIpv6Hi[i] : 0;
            final long lo = ipv6Underlay[i] ? underlayIpv6Lo[i] : underlayIpv4[i] & 0xFFFF_FFFFL;
            final int existing = map.get(hi, lo);
            if (existing != NO_PEER)
            {
                throw new IllegalArgumentException("duplicate node address " + nodes.get(i).internalIp() +
                    " of nodes " + names[existing] + " and " + names[i]);
            }
            map.put(hi, lo, i);
        }

        for (int a = 0; a < cidrs.size(); a++)
        {
            for (int b = a + 1; b < cidrs.size(); b++)
            {
                final Cidr x = cidrs.get(a);
                final Cidr y = cidrs.get(b);
                if (x.peer != y.peer && x.overlaps(y))
                {
                    throw new IllegalArgumentException("pod CIDR " + y.text + " of node " + names[y.peer] +
                        " overlaps " + x.text + " of node " + names[x.peer]);
                }
            }
        }

        final Lpm128.Builder lpm = new Lpm128.Builder(NO_PEER);
        for (final Cidr c : cidrs)
        {
            // IPv4 pod CIDRs go in IPv4-mapped: a /n is a /(96 + n) of ::ffff:0:0/96.
            lpm.add(c.hi, c.ipv6 ? c.lo : IPV4_MAPPED | c.lo, c.ipv6 ? c.length : 96 + c.length, c.peer);
        }
        podCidrs = lpm.build();
    }

    /** Number of peers. */
    public int size()
    {
        return names.length;
    }

    /** Node name of a peer. */
    public String nodeName(final int peer)
    {
        return names[peer];
    }

    /** True when the peer's underlay address is IPv6. */
    public boolean ipv6Underlay(final int peer)
    {
        return ipv6Underlay[peer];
    }

    /** IPv4 underlay address of a peer (0 for an IPv6 peer). */
    public int underlayIpv4(final int peer)
    {
        return underlayIpv4[peer];
    }

    /** High half of the IPv6 underlay address of a peer (0 for an IPv4 peer). */
    public long underlayIpv6Hi(final int peer)
    {
        return underlayIpv6Hi[peer];
    }

    /** Low half of the IPv6 underlay address of a peer (0 for an IPv4 peer). */
    public long underlayIpv6Lo(final int peer)
    {
        return underlayIpv6Lo[peer];
    }

    /** Next-hop MAC towards a peer, in the low 48 bits. */
    public long nextHopMac(final int peer)
    {
        return nextHopMacs[peer];
    }

    /** Peer whose pod CIDR matches the IPv4 address longest, or {@link #NO_PEER}. */
    public int peerForIpv4(final int address)
    {
        return podCidrs.lookup(0, IPV4_MAPPED | (address & 0xFFFF_FFFFL));
    }

    /** Peer whose pod CIDR matches the IPv6 address (two halves) longest, or {@link #NO_PEER}. */
    public int peerForIpv6(final long hi, final long lo)
    {
        return podCidrs.lookup(hi, lo);
    }

    /** Peer whose InternalIP is this IPv4 address, or {@link #NO_PEER}. */
    public int peerByUnderlayIpv4(final int address)
    {
        return underlayV4.get(0, address & 0xFFFF_FFFFL);
    }

    /** Peer whose InternalIP is this IPv6 address, or {@link #NO_PEER}. */
    public int peerByUnderlayIpv6(final long hi, final long lo)
    {
        return underlayV6.get(hi, lo);
    }

    static long maskHi(final int length)
    {
        return Lpm128.maskHi(length);
    }

    static long maskLo(final int length)
    {
        return Lpm128.maskLo(length);
    }

    /** A parsed pod CIDR; IPv4 addresses sit in the low 32 bits of {@code lo}. */
    private record Cidr(String text, boolean ipv6, long hi, long lo, int length, int peer)
    {
        static Cidr parse(final String text, final int peer)
        {
            final int slash = text == null ? -1 : text.indexOf('/');
            if (slash < 0)
            {
                throw new IllegalArgumentException("bad CIDR (no prefix length): " + text);
            }
            final String address = text.substring(0, slash);
            final int length;
            try
            {
                length = Integer.parseInt(text.substring(slash + 1));
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("bad CIDR prefix length: " + text, e);
            }
            final boolean ipv6 = Addresses.isIpv6(address);
            if (length < 0 || length > (ipv6 ? 128 : 32))
            {
                throw new IllegalArgumentException("bad CIDR prefix length: " + text);
            }
            final long hi;
            final long lo;
            final boolean hostBits;
            try
            {
                if (ipv6)
                {
                    hi = Addresses.parseIpv6Hi(address);
                    lo = Addresses.parseIpv6Lo(address);
                    hostBits = (hi & ~maskHi(length)) != 0 || (lo & ~maskLo(length)) != 0;
                }
                else
                {
                    final int v4 = Addresses.parseIpv4(address);
                    final int mask = length == 0 ? 0 : -1 << (32 - length);
                    hi = 0;
                    lo = v4 & 0xFFFF_FFFFL;
                    hostBits = (v4 & ~mask) != 0;
                }
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException("bad CIDR address: " + text, e);
            }
            if (hostBits)
            {
                throw new IllegalArgumentException("CIDR has host bits set: " + text);
            }
            return new Cidr(text, ipv6, hi, lo, length, peer);
        }

        boolean overlaps(final Cidr other)
        {
            if (ipv6 != other.ipv6)
            {
                return false;
            }
            final int common = Math.min(length, other.length);
            if (ipv6)
            {
                return ((hi ^ other.hi) & maskHi(common)) == 0 && ((lo ^ other.lo) & maskLo(common)) == 0;
            }
            final long mask = common == 0 ? 0 : (-1L << (32 - common)) & 0xFFFF_FFFFL;
            return ((lo ^ other.lo) & mask) == 0;
        }
    }

    /** Open-addressed (linear probing) map from a 128-bit key to a peer index; load factor at most 1/2. */
    private static final class AddressMap
    {
        private final long[] keyHi;
        private final long[] keyLo;
        private final int[] values;
        private final int mask;

        AddressMap(final int expected)
        {
            final int capacity = Math.max(4, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1);
            keyHi = new long[capacity];
            keyLo = new long[capacity];
            values = new int[capacity];
            Arrays.fill(values, NO_PEER);
            mask = capacity - 1;
        }

        void put(final long hi, final long lo, final int value)
        {
            int i = hash(hi, lo) & mask;
            while (values[i] != NO_PEER)
            {
                if (keyHi[i] == hi && keyLo[i] == lo)
                {
                    values[i] = value;
                    return;
                }
                i = (i + 1) & mask;
            }
            keyHi[i] = hi;
            keyLo[i] = lo;
            values[i] = value;
        }

        int get(final long hi, final long lo)
        {
            int i = hash(hi, lo) & mask;
            int value;
            // Terminates: the table is never more than half full, so an empty slot is always reached.
            while ((value = values[i]) != NO_PEER)
            {
                if (keyHi[i] == hi && keyLo[i] == lo)
                {
                    return value;
                }
                i = (i + 1) & mask;
            }
            return NO_PEER;
        }

        private static int hash(final long hi, final long lo)
        {
            long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ lo;
            h *= 0xC2B2_AE3D_27D4_EB4FL;
            return (int)(h ^ (h >>> 29) ^ (h >>> 47));
        }
    }
}
