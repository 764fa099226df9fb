package dev.sluice.geneve;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.wire.Checksums;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The precomputed outer headers towards one tunnel peer, copied by {@link GeneveEncap} in front of every inner
 * frame sent to that peer. Immutable once built; build one per peer with {@link Builder} (for example from a
 * {@link TunnelPeerTable} entry with {@link Builder#peer}) and rebuild it when the next-hop MAC changes.
 *
 * <p>Layout, IPv4 underlay (58 bytes with the identity option, 50 without):
 * <pre>
 *   0 Ethernet: dst = next-hop MAC, src = local MAC, type 0x0800        (14)
 *  14 IPv4: 0x45, TOS 0, total length*, id*, DF, TTL, UDP, checksum*,
 *           src = local address, dst = peer address                   (20)
 *  34 UDP: src port*, dst port (6081), length*, checksum 0 (none)      (8)
 *  42 Geneve: ver 0, Opt Len, O=0, C=0, 0x6558, VNI                    (8)
 *  50 option: class 0xFFF0, type 0x01, len 1, identity*                (8, optional)
 * </pre>
 * IPv6 underlay (78 / 70 bytes): Ethernet type 0x86DD, IPv6 (version 6, traffic class and flow label 0, payload
 * length*, next header UDP, hop limit, addresses; 40 bytes at 14), UDP at 54 with a computed checksum*, Geneve at
 * 62. Fields marked * are patched per packet; the template keeps them zero. The checksum bases are the sums of
 * the template with those fields zero, so the encap only adds the varying words (RFC 1624).
 */
public final class OuterHeaderTemplate
{
    static final int ETH_HEADER_LENGTH = 14;
    static final int IPV4_HEADER_LENGTH = 20;
    static final int IPV6_HEADER_LENGTH = 40;
    static final int UDP_HEADER_LENGTH = 8;

    final UnsafeBuffer bytes;
    final int length;
    final boolean ipv6;
    final int udpOffset;
    final int identityOffset;
    final int ipv4ChecksumBase;
    final long udpChecksumBase;
    final int sourcePortLow;
    final long sourcePortCount;
    final int vni;
    private final long[] words;
    private final int tailInt;
    private final short tailShort;
    private final byte tailByte;

    private OuterHeaderTemplate(final Builder b)
    {
        ipv6 = b.ipv6;
        final int ipLength = ipv6 ? IPV6_HEADER_LENGTH : IPV4_HEADER_LENGTH;
        udpOffset = ETH_HEADER_LENGTH + ipLength;
        final int geneveOffset = udpOffset + UDP_HEADER_LENGTH;
        final int optionsLength = b.identityOption ? GeneveDescriptor.IDENTITY_OPTION_LENGTH : 0;
        length = geneveOffset + GeneveDescriptor.HEADER_LENGTH + optionsLength;
        identityOffset = b.identityOption ?
            geneveOffset + GeneveDescriptor.HEADER_LENGTH + GeneveDescriptor.OPTION_HEADER_LENGTH : -1;
        bytes = new UnsafeBuffer(new byte[length]);
        sourcePortLow = b.sourcePortLow;
        sourcePortCount = b.sourcePortHigh - b.sourcePortLow + 1L;
        vni = b.vni;

        putMac(0, b.nextHopMac);
        putMac(6, b.localMac);
        bytes.putShort(12, (short)(ipv6 ? 0x86DD : 0x0800), BIG_ENDIAN);
        final int l3 = ETH_HEADER_LENGTH;
        if (ipv6)
        {
            bytes.putInt(l3, 0x6000_0000, BIG_ENDIAN);
            bytes.putByte(l3 + 6, (byte)17);
            bytes.putByte(l3 + 7, (byte)b.ttl);
            bytes.putLong(l3 + 8, b.localIpv6Hi, BIG_ENDIAN);
            bytes.putLong(l3 + 16, b.localIpv6Lo, BIG_ENDIAN);
            bytes.putLong(l3 + 24, b.peerIpv6Hi, BIG_ENDIAN);
            bytes.putLong(l3 + 32, b.peerIpv6Lo, BIG_ENDIAN);
        }
        else
        {
            bytes.putByte(l3, (byte)0x45);
            bytes.putShort(l3 + 6, (short)0x4000, BIG_ENDIAN);
            bytes.putByte(l3 + 8, (byte)b.ttl);
            bytes.putByte(l3 + 9, (byte)17);
            bytes.putInt(l3 + 12, b.localIpv4, BIG_ENDIAN);
            bytes.putInt(l3 + 16, b.peerIpv4, BIG_ENDIAN);
        }
        bytes.putShort(udpOffset + 2, (short)b.udpPort, BIG_ENDIAN);

        final GeneveFlyweight geneve = new GeneveFlyweight().wrap(bytes, geneveOffset);
        geneve.version(GeneveDescriptor.VERSION).optionsLengthBytes(optionsLength).oam(false).critical(false)
            .protocolType(GeneveDescriptor.PROTOCOL_TYPE_ETHERNET).vni(b.vni);
        if (b.identityOption)
        {
            new GeneveOptionFlyweight().wrap(bytes, geneveOffset + GeneveDescriptor.HEADER_LENGTH)
                .optionClass(GeneveDescriptor.SLUICE_OPTION_CLASS)
                .type(GeneveDescriptor.IDENTITY_OPTION_TYPE)
                .dataLengthBytes(GeneveDescriptor.IDENTITY_OPTION_DATA_LENGTH);
        }

        ipv4ChecksumBase = ipv6 ? 0 : Checksums.ipv4HeaderChecksum(bytes, l3, IPV4_HEADER_LENGTH);
        if (!ipv6)
        {
            bytes.putShort(l3 + 10, (short)ipv4ChecksumBase, BIG_ENDIAN);
        }
        // IPv6: pseudo-header (addresses, next header; the length is added per packet) plus the template's UDP
        // header, Geneve header and option with every varying field zero.
        udpChecksumBase = ipv6 ?
            Checksums.partialSum(bytes, udpOffset, length - udpOffset,
                Checksums.ipv6PseudoHeaderSum(bytes, l3 + 8, l3 + 24, 17, 0)) : 0;

        // The copy is done in native-order words: a handful of 8-byte stores beat a copyMemory call at this size.
        words = new long[length >>> 3];
        for (int w = 0; w < words.length; w++)
        {
            words[w] = bytes.getLong(w << 3);
        }
        int tail = words.length << 3;
        tailInt = (length & 4) != 0 ? bytes.getInt(tail) : 0;
        tail += length & 4;
        tailShort = (length & 2) != 0 ? bytes.getShort(tail) : 0;
        tail += length & 2;
        tailByte = (length & 1) != 0 ? bytes.getByte(tail) : 0;
    }

    /** Writes the template bytes at {@code index} (bounds are the caller's: it has checked the headroom). */
    void copyTo(final MutableDirectBuffer buffer, final int index)
    {
        final long[] words = this.words;
        for (int w = 0; w < words.length; w++)
        {
            buffer.putLong(index + (w << 3), words[w]);
        }
        int tail = index + (words.length << 3);
        if ((length & 4) != 0)
        {
            buffer.putInt(tail, tailInt);
            tail += 4;
        }
        if ((length & 2) != 0)
        {
            buffer.putShort(tail, tailShort);
            tail += 2;
        }
        if ((length & 1) != 0)
        {
            buffer.putByte(tail, tailByte);
        }
    }

    /** Length of the outer headers this template prepends (the headroom an inner frame needs). */
    public int length()
    {
        return length;
    }

    /** True for an IPv6 underlay. */
    public boolean ipv6Underlay()
    {
        return ipv6;
    }

    /** True when the template carries Sluice's identity option. */
    public boolean hasIdentityOption()
    {
        return identityOffset >= 0;
    }

    /** The VNI written into every packet. */
    public int vni()
    {
        return vni;
    }

    /** The template bytes (varying fields zero, IPv4 header checksum of the zero-length header). */
    public DirectBuffer bytes()
    {
        return bytes;
    }

    /**
     * UDP source port for a flow: the flow hash, mixed, mapped onto the configured range by multiply-shift (no
     * division), so that every port of the range is used and flows spread over ECMP paths and receive queues.
     */
    public int sourcePort(final int flowHash)
    {
        int h = flowHash;
        h ^= h >>> 16;
        h *= 0x85EB_CA6B;
        h ^= h >>> 13;
        return sourcePortLow + (int)(((h & 0xFFFF_FFFFL) * sourcePortCount) >>> 32);
    }

    private void putMac(final int index, final long mac)
    {
        bytes.putInt(index, (int)(mac >>> 16), BIG_ENDIAN);
        bytes.putShort(index + 4, (short)mac, BIG_ENDIAN);
    }

    /**
     * Builds a template. Required: local MAC, a next-hop MAC and a destination (or {@link #peer}), and the local
     * address of the destination's family. Defaults: UDP port 6081, source ports 49152..65535 (RFC 8926 section
     * 3.3 recommends the ephemeral range), TTL/hop limit 64, VNI 0, with the identity option.
     */
    public static final class Builder
    {
        private long localMac = -1;
        private long nextHopMac = -1;
        private boolean localIpv4Set;
        private int localIpv4;
        private boolean localIpv6Set;
        private long localIpv6Hi;
        private long localIpv6Lo;
        private Boolean peerIpv6;
        private boolean ipv6;
        private int peerIpv4;
        private long peerIpv6Hi;
        private long peerIpv6Lo;
        private int udpPort = GeneveDescriptor.DEFAULT_UDP_PORT;
        private int sourcePortLow = 49152;
        private int sourcePortHigh = 65535;
        private int ttl = 64;
        private int vni;
        private boolean identityOption = true;

        /** Our MAC on the uplink (low 48 bits). */
        public Builder localMac(final long mac)
        {
            this.localMac = mac & 0xFFFF_FFFF_FFFFL;
            return this;
        }

        /** The underlay next hop's MAC (low 48 bits). */
        public Builder nextHopMac(final long mac)
        {
            this.nextHopMac = mac & 0xFFFF_FFFF_FFFFL;
            return this;
        }

        /** Our IPv4 underlay address (needed for IPv4 peers). */
        public Builder localIpv4(final int address)
        {
            this.localIpv4 = address;
            this.localIpv4Set = true;
            return this;
        }

        /** Our IPv6 underlay address (needed for IPv6 peers). */
        public Builder localIpv6(final long hi, final long lo)
        {
            this.localIpv6Hi = hi;
            this.localIpv6Lo = lo;
            this.localIpv6Set = true;
            return this;
        }

        /** IPv4 destination (the peer's InternalIP). */
        public Builder peerIpv4(final int address)
        {
            this.peerIpv6 = Boolean.FALSE;
            this.peerIpv4 = address;
            return this;
        }

        /** IPv6 destination (the peer's InternalIP). */
        public Builder peerIpv6(final long hi, final long lo)
        {
            this.peerIpv6 = Boolean.TRUE;
            this.peerIpv6Hi = hi;
            this.peerIpv6Lo = lo;
            return this;
        }

        /** Destination address and next-hop MAC from a peer table entry. */
        public Builder peer(final TunnelPeerTable table, final int peer)
        {
            nextHopMac(table.nextHopMac(peer));
            return table.ipv6Underlay(peer) ?
                peerIpv6(table.underlayIpv6Hi(peer), table.underlayIpv6Lo(peer)) : peerIpv4(table.underlayIpv4(peer));
        }

        /** UDP destination port (default 6081). */
        public Builder udpPort(final int port)
        {
            this.udpPort = port;
            return this;
        }

        /** Inclusive UDP source port range the flow hash is spread over (default 49152..65535). */
        public Builder sourcePortRange(final int low, final int high)
        {
            this.sourcePortLow = low;
            this.sourcePortHigh = high;
            return this;
        }

        /** IPv4 TTL / IPv6 hop limit (default 64). */
        public Builder ttl(final int ttl)
        {
            this.ttl = ttl;
            return this;
        }

        /** 24-bit VNI (default 0). */
        public Builder vni(final int vni)
        {
            this.vni = vni;
            return this;
        }

        /** Whether to carry Sluice's identity option (default true). */
        public Builder identityOption(final boolean identityOption)
        {
            this.identityOption = identityOption;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the missing or out-of-range value.
         */
        public OuterHeaderTemplate build()
        {
            if (localMac < 0)
            {
                throw new IllegalArgumentException("local MAC not set");
            }
            if (nextHopMac < 0)
            {
                throw new IllegalArgumentException("next-hop MAC not set");
            }
            if (peerIpv6 == null)
            {
                throw new IllegalArgumentException("peer address not set");
            }
            ipv6 = peerIpv6;
            if (ipv6 ? !localIpv6Set : !localIpv4Set)
            {
                throw new IllegalArgumentException("local " + (ipv6 ? "IPv6" : "IPv4") +
                    " address not set for a peer of that family");
            }
            if (udpPort < 1 || udpPort > 0xFFFF)
            {
                throw new IllegalArgumentException("bad UDP port: " + udpPort);
            }
            if (sourcePortLow < 1 || sourcePortHigh > 0xFFFF || sourcePortLow > sourcePortHigh)
            {
                throw new IllegalArgumentException("bad source port range: " + sourcePortLow + ".." + sourcePortHigh);
            }
            if (ttl < 1 || ttl > 255)
            {
                throw new IllegalArgumentException("bad TTL: " + ttl);
            }
            if (vni < 0 || vni > GeneveDescriptor.MAX_VNI)
            {
                throw new IllegalArgumentException("bad VNI: " + vni);
            }
            return new OuterHeaderTemplate(this);
        }
    }
}
