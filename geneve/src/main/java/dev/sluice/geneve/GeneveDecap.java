package dev.sluice.geneve;

import static dev.sluice.geneve.GeneveDescriptor.FLAG_CRITICAL;
import static dev.sluice.geneve.GeneveDescriptor.FLAG_OAM;
import static dev.sluice.geneve.GeneveDescriptor.HEADER_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.IDENTITY_OPTION_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.IDENTITY_OPTION_TYPE;
import static dev.sluice.geneve.GeneveDescriptor.IDENTITY_UNKNOWN;
import static dev.sluice.geneve.GeneveDescriptor.MAX_VNI;
import static dev.sluice.geneve.GeneveDescriptor.OPTIONS_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_HEADER_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_TYPE_CRITICAL;
import static dev.sluice.geneve.GeneveDescriptor.PROTOCOL_TYPE_ETHERNET;
import static dev.sluice.geneve.GeneveDescriptor.SLUICE_OPTION_CLASS;
import static dev.sluice.geneve.GeneveDescriptor.VERSION;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.wire.Checksums;
import org.agrona.DirectBuffer;

/**
 * Validates and strips the outer headers of a Geneve frame received from the underlay. One instance per worker,
 * reused for every packet; {@link #decap} allocates nothing, takes no lock and throws nothing: it returns a
 * {@link GeneveOutcome} code, and on {@link GeneveOutcome#OK} the getters describe the inner frame. Getters are
 * meaningful only after a call that returned OK.
 *
 * <p>Accepted outer frame (anything else is a drop with its own code, checked in this order):
 * <ol>
 *   <li>Ethernet II, optionally one 802.1Q tag;</li>
 *   <li>IPv4 (version 4, IHL &gt;= 5 with options skipped, header checksum, total length within the frame, not a
 *       fragment) or IPv6 (version 6, non-zero payload length within the frame, next header UDP directly: extension
 *       headers are not accepted on the underlay); Ethernet padding after the IP packet is ignored;</li>
 *   <li>UDP to the configured destination port, UDP length &gt;= 8 and within the IP payload (bytes after the UDP
 *       length are ignored, as the kernel does);</li>
 *   <li>outer source address is a known tunnel peer ({@link TunnelPeerTable#peerByUnderlayIpv4} / IPv6);</li>
 *   <li>UDP checksum, see below;</li>
 *   <li>Geneve version 0, Opt Len within the UDP payload, O bit clear (control packets are counted, never
 *       delivered), protocol type 0x6558, C bit clear (Sluice understands no critical option, so C set means this
 *       receiver would have to drop anyway), every option well formed and none both unknown and critical;</li>
 *   <li>an inner frame of at least an Ethernet header.</li>
 * </ol>
 *
 * <p><b>Checksums.</b> Frames reach an AF_XDP socket unverified (no {@code CHECKSUM_UNNECESSARY} from the NIC), so
 * when {@code verifyChecksums} is true (the default) the decap verifies them itself: the outer IPv4 header checksum,
 * a non-zero UDP checksum over IPv4 (zero means "none" and is accepted, RFC 768), and the mandatory UDP checksum
 * over IPv6 (zero is dropped, like the kernel's {@code udp6zerocsumrx off} default). The UDP checksum also covers
 * the identity option that policy relies on. Inner L4 checksums are left to the receiving pod's stack. With
 * {@code verifyChecksums} false nothing is verified (for a NIC/XDP program that has already done it).
 *
 * <p>Cost ({@code dev.sluice.perf.jmh.GeneveBenchmark.decap}, vector 64, 64-byte inner frames, identity option,
 * checksums verified), measured on a shared 2-vCPU VM under load 5-8, so upper bounds: best-of-300 batches
 * 21-26 ns/packet over IPv4 (17 ns with {@code -Dagrona.disable.bounds.checks=true}), 38-43 ns over IPv6 (the UDP
 * checksum over the payload); JMH averages on that machine were 44 ns (IPv4) and 89 ns (IPv6) with error bars as
 * large as the scores. The goal is 15 ns over IPv4; re-measure on a quiet machine.
 */
public final class GeneveDecap
{
    private static final int ETH_HEADER_LENGTH = 14;
    private static final int VLAN_TAG_LENGTH = 4;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int IPV4_MIN_HEADER_LENGTH = 20;
    private static final int IPV6_HEADER_LENGTH = 40;
    private static final int UDP_HEADER_LENGTH = 8;
    private static final int IPPROTO_UDP = 17;

    private final TunnelPeerTable peers;
    private final int udpPort;
    private final boolean verifyChecksums;
    private static final int IDENTITY_OPTION_CLASS_TYPE = SLUICE_OPTION_CLASS << 16 | IDENTITY_OPTION_TYPE << 8;

    private int innerOffset;
    private int innerLength;
    private int vni;
    private int sourceIdentity;
    private int peer;
    private boolean ipv6Underlay;
    private int outerSourceIpv4;
    private long outerSourceIpv6Hi;
    private long outerSourceIpv6Lo;

    /** Decap for the default port 6081, verifying checksums. */
    public GeneveDecap(final TunnelPeerTable peers)
    {
        this(peers, GeneveDescriptor.DEFAULT_UDP_PORT, true);
    }

    /**
     * @param peers           the known tunnel peers (outer source addresses accepted).
     * @param udpPort         the Geneve UDP destination port.
     * @param verifyChecksums verify the outer IPv4 header and UDP checksums (see the class comment).
     */
    public GeneveDecap(final TunnelPeerTable peers, final int udpPort, final boolean verifyChecksums)
    {
        if (udpPort < 1 || udpPort > 0xFFFF)
        {
            throw new IllegalArgumentException("bad UDP port: " + udpPort);
        }
        this.peers = peers;
        this.udpPort = udpPort;
        this.verifyChecksums = verifyChecksums;
    }

    /**
     * Validates the outer frame of {@code length} bytes at {@code offset} and locates the inner frame.
     *
     * @return {@link GeneveOutcome#OK} or a drop code.
     */
    public int decap(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        if (length < ETH_HEADER_LENGTH)
        {
            return GeneveOutcome.FRAME_TOO_SHORT;
        }
        int etherType = buffer.getShort(offset + 12, BIG_ENDIAN) & 0xFFFF;
        int l3 = offset + ETH_HEADER_LENGTH;
        if (etherType == ETHERTYPE_VLAN)
        {
            if (length < ETH_HEADER_LENGTH + VLAN_TAG_LENGTH)
            {
                return GeneveOutcome.FRAME_TOO_SHORT;
            }
            etherType = buffer.getShort(offset + 16, BIG_ENDIAN) & 0xFFFF;
            l3 += VLAN_TAG_LENGTH;
        }

        final int l4;
        final int l4Limit;
        final long pseudoHeaderSum;
        final int peerIndex;
        if (etherType == ETHERTYPE_IPV4)
        {
            if (end - l3 < IPV4_MIN_HEADER_LENGTH)
            {
                return GeneveOutcome.IPV4_BAD_HEADER;
            }
            final int versionIhl = buffer.getByte(l3) & 0xFF;
            final int headerLength = (versionIhl & 0xF) << 2;
            if ((versionIhl >>> 4) != 4 || headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > end - l3)
            {
                return GeneveOutcome.IPV4_BAD_HEADER;
            }
            if (verifyChecksums && !ipv4HeaderValid(buffer, l3, headerLength))
            {
                return GeneveOutcome.IPV4_BAD_CHECKSUM;
            }
            final int totalLength = buffer.getShort(l3 + 2, BIG_ENDIAN) & 0xFFFF;
            if (totalLength < headerLength || totalLength > end - l3)
            {
                return GeneveOutcome.IPV4_BAD_LENGTH;
            }
            if ((buffer.getShort(l3 + 6, BIG_ENDIAN) & 0x3FFF) != 0)
            {
                return GeneveOutcome.IPV4_FRAGMENT;
            }
            if ((buffer.getByte(l3 + 9) & 0xFF) != IPPROTO_UDP)
            {
                return GeneveOutcome.NOT_UDP;
            }
            l4 = l3 + headerLength;
            l4Limit = l3 + totalLength;
            final int source = buffer.getInt(l3 + 12, BIG_ENDIAN);
            if (l4Limit - l4 < UDP_HEADER_LENGTH)
            {
                return GeneveOutcome.UDP_BAD_LENGTH;
            }
            if ((buffer.getShort(l4 + 2, BIG_ENDIAN) & 0xFFFF) != udpPort)
            {
                return GeneveOutcome.UDP_WRONG_PORT;
            }
            peerIndex = peers.peerByUnderlayIpv4(source);
            if (peerIndex == TunnelPeerTable.NO_PEER)
            {
                return GeneveOutcome.UNKNOWN_PEER;
            }
            ipv6Underlay = false;
            outerSourceIpv4 = source;
            outerSourceIpv6Hi = 0;
            outerSourceIpv6Lo = 0;
            pseudoHeaderSum = (source & 0xFFFF_FFFFL) + (buffer.getInt(l3 + 16, BIG_ENDIAN) & 0xFFFF_FFFFL) +
                IPPROTO_UDP;
        }
        else if (etherType == ETHERTYPE_IPV6)
        {
            if (end - l3 < IPV6_HEADER_LENGTH || (buffer.getByte(l3) & 0xF0) != 0x60)
            {
                return GeneveOutcome.IPV6_BAD_HEADER;
            }
            final int payloadLength = buffer.getShort(l3 + 4, BIG_ENDIAN) & 0xFFFF;
            if (payloadLength == 0 || payloadLength > end - l3 - IPV6_HEADER_LENGTH)
            {
                return GeneveOutcome.IPV6_BAD_LENGTH;
            }
            if ((buffer.getByte(l3 + 6) & 0xFF) != IPPROTO_UDP)
            {
                return GeneveOutcome.NOT_UDP;
            }
            l4 = l3 + IPV6_HEADER_LENGTH;
            l4Limit = l4 + payloadLength;
            if (payloadLength < UDP_HEADER_LENGTH)
            {
                return GeneveOutcome.UDP_BAD_LENGTH;
            }
            if ((buffer.getShort(l4 + 2, BIG_ENDIAN) & 0xFFFF) != udpPort)
            {
                return GeneveOutcome.UDP_WRONG_PORT;
            }
            final long hi = buffer.getLong(l3 + 8, BIG_ENDIAN);
            final long lo = buffer.getLong(l3 + 16, BIG_ENDIAN);
            peerIndex = peers.peerByUnderlayIpv6(hi, lo);
            if (peerIndex == TunnelPeerTable.NO_PEER)
            {
                return GeneveOutcome.UNKNOWN_PEER;
            }
            ipv6Underlay = true;
            outerSourceIpv4 = 0;
            outerSourceIpv6Hi = hi;
            outerSourceIpv6Lo = lo;
            pseudoHeaderSum = Checksums.ipv6PseudoHeaderSum(hi, lo,
                buffer.getLong(l3 + 24, BIG_ENDIAN), buffer.getLong(l3 + 32, BIG_ENDIAN), IPPROTO_UDP, 0);
        }
        else
        {
            return GeneveOutcome.NOT_IP;
        }

        final int udpLength = buffer.getShort(l4 + 4, BIG_ENDIAN) & 0xFFFF;
        if (udpLength < UDP_HEADER_LENGTH || udpLength > l4Limit - l4)
        {
            return GeneveOutcome.UDP_BAD_LENGTH;
        }
        if (verifyChecksums)
        {
            final int checksum = buffer.getShort(l4 + 6, BIG_ENDIAN) & 0xFFFF;
            if (checksum == 0 ? ipv6Underlay :
                !Checksums.l4Valid(pseudoHeaderSum + udpLength, buffer, l4, udpLength))
            {
                return GeneveOutcome.UDP_BAD_CHECKSUM;
            }
        }

        final int genevePayload = udpLength - UDP_HEADER_LENGTH;
        final int geneveOffset = l4 + UDP_HEADER_LENGTH;
        if (genevePayload < HEADER_LENGTH)
        {
            return GeneveOutcome.GENEVE_TRUNCATED;
        }
        // The whole base header in one read; the field positions are those of GeneveDescriptor / GeneveFlyweight.
        final long header = buffer.getLong(geneveOffset, BIG_ENDIAN);
        if ((int)(header >>> 62) != VERSION)
        {
            return GeneveOutcome.GENEVE_BAD_VERSION;
        }
        final int optionsLength = (int)(header >>> 56 & 0x3F) << 2;
        if (HEADER_LENGTH + optionsLength > genevePayload)
        {
            return GeneveOutcome.GENEVE_TRUNCATED;
        }
        final int flags = (int)(header >>> 48) & 0xFF;
        if ((flags & FLAG_OAM) != 0)
        {
            return GeneveOutcome.GENEVE_OAM;
        }
        if ((int)(header >>> 32 & 0xFFFF) != PROTOCOL_TYPE_ETHERNET)
        {
            return GeneveOutcome.GENEVE_BAD_PROTOCOL;
        }
        if ((flags & FLAG_CRITICAL) != 0)
        {
            return GeneveOutcome.GENEVE_CRITICAL_FLAG;
        }

        int identity = IDENTITY_UNKNOWN;
        if (optionsLength != 0)
        {
            // Same bounded walk as GeneveOptionIterator, kept in locals: at most 63 steps, never past the area.
            boolean identitySeen = false;
            int cursor = geneveOffset + OPTIONS_OFFSET;
            final int optionsEnd = cursor + optionsLength;
            while (cursor < optionsEnd)
            {
                // The area and every option are multiples of 4 bytes, so a whole option header is present.
                final int optionHeader = buffer.getInt(cursor, BIG_ENDIAN);
                final int total = OPTION_HEADER_LENGTH + ((optionHeader & 0x1F) << 2);
                if (total > optionsEnd - cursor)
                {
                    return GeneveOutcome.GENEVE_BAD_OPTION;
                }
                if ((optionHeader & 0xFFFF_FF00) == IDENTITY_OPTION_CLASS_TYPE)
                {
                    // A second identity, or one of the wrong size, is ambiguous: fail closed.
                    if (identitySeen || total != IDENTITY_OPTION_LENGTH)
                    {
                        return GeneveOutcome.GENEVE_BAD_OPTION;
                    }
                    identitySeen = true;
                    identity = buffer.getInt(cursor + OPTION_HEADER_LENGTH, BIG_ENDIAN);
                }
                else if ((optionHeader & OPTION_TYPE_CRITICAL << 8) != 0)
                {
                    return GeneveOutcome.GENEVE_UNKNOWN_CRITICAL_OPTION;
                }
                cursor += total;
            }
        }

        final int inner = geneveOffset + HEADER_LENGTH + optionsLength;
        final int innerEnd = l4 + udpLength;
        if (innerEnd - inner < ETH_HEADER_LENGTH)
        {
            return GeneveOutcome.INNER_TOO_SHORT;
        }
        this.innerOffset = inner;
        this.innerLength = innerEnd - inner;
        this.vni = (int)(header >>> 8) & MAX_VNI;
        this.sourceIdentity = identity;
        this.peer = peerIndex;
        return GeneveOutcome.OK;
    }

    private static boolean ipv4HeaderValid(final DirectBuffer buffer, final int l3, final int headerLength)
    {
        if (headerLength != IPV4_MIN_HEADER_LENGTH)
        {
            return Checksums.ipv4HeaderValid(buffer, l3, headerLength);
        }
        // The usual 20-byte header as straight-line code: the generic loop's setup costs more than the sum here.
        final long a = buffer.getLong(l3, BIG_ENDIAN);
        final long b = buffer.getLong(l3 + 8, BIG_ENDIAN);
        final long sum = (a >>> 32) + (a & 0xFFFF_FFFFL) + (b >>> 32) + (b & 0xFFFF_FFFFL) +
            (buffer.getInt(l3 + 16, BIG_ENDIAN) & 0xFFFF_FFFFL);
        return Checksums.fold(sum) == 0xFFFF;
    }

    /** Offset of the inner Ethernet frame in the buffer. */
    public int innerOffset()
    {
        return innerOffset;
    }

    /** Length of the inner Ethernet frame. */
    public int innerLength()
    {
        return innerLength;
    }

    /** The 24-bit VNI. */
    public int vni()
    {
        return vni;
    }

    /** Source pod's security identity from Sluice's option, or {@link GeneveDescriptor#IDENTITY_UNKNOWN}. */
    public int sourceIdentity()
    {
        return sourceIdentity;
    }

    /** Index of the sending peer in the {@link TunnelPeerTable}. */
    public int peer()
    {
        return peer;
    }

    /** True when the outer packet was IPv6. */
    public boolean ipv6Underlay()
    {
        return ipv6Underlay;
    }

    /** Outer IPv4 source address (when not {@link #ipv6Underlay()}). */
    public int outerSourceIpv4()
    {
        return outerSourceIpv4;
    }

    /** High half of the outer IPv6 source address (when {@link #ipv6Underlay()}). */
    public long outerSourceIpv6Hi()
    {
        return outerSourceIpv6Hi;
    }

    /** Low half of the outer IPv6 source address (when {@link #ipv6Underlay()}). */
    public long outerSourceIpv6Lo()
    {
        return outerSourceIpv6Lo;
    }
}
