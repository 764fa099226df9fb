package dev.sluice.fastpath.tunnel;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.wire.Checksums;
import org.agrona.MutableDirectBuffer;

/**
 * Rewrites a frame that is too big for the tunnel, in place, into the ICMP error that tells its sender the path MTU
 * (so that PMTU discovery works across the overlay). The new frame is never longer than the old one; the buffer is
 * touched only inside the old frame. Allocation free.
 *
 * <p>IPv4 (RFC 792 / RFC 1191 section 4), "fragmentation needed and DF set":
 * <pre>
 *   L2 header of the original, source and destination MAC swapped (an 802.1Q tag kept)
 *   IPv4: 0x45, TOS 0xC0 (internetwork control, as Linux sends ICMP errors), total length, id 0, no flags,
 *         TTL 64, protocol 1, header checksum, source = the pods' gateway, destination = the original source
 *   ICMP: type 3, code 4, checksum, unused 16 bits = 0, next-hop MTU (16 bits)
 *   the original IP header (with options) and the first 8 bytes of its payload
 * </pre>
 * IPv6 (RFC 4443 section 3.2), "packet too big":
 * <pre>
 *   L2 header as above
 *   IPv6: version 6, traffic class 0, flow label 0, payload length, next header 58, hop limit 64,
 *         source = the pods' gateway, destination = the original source
 *   ICMPv6: type 2, code 0, checksum (with the RFC 8200 section 8.1 pseudo-header), MTU (32 bits)
 *   as much of the original packet as fits in a 1280-byte IPv6 packet (and in the old frame)
 * </pre>
 */
final class PacketTooBig
{
    static final int IPV4_HEADER_LENGTH = 20;
    static final int IPV6_HEADER_LENGTH = 40;
    static final int ICMP_HEADER_LENGTH = 8;
    static final int IPV6_MIN_MTU = 1280;
    static final int ICMP_TYPE_DEST_UNREACHABLE = 3;
    static final int ICMP_CODE_FRAG_NEEDED = 4;
    static final int ICMPV6_TYPE_PACKET_TOO_BIG = 2;
    private static final int PROTOCOL_ICMP = 1;
    private static final int PROTOCOL_ICMPV6 = 58;
    private static final int TOS_INTERNETWORK_CONTROL = 0xC0;
    private static final int TTL = 64;

    private PacketTooBig()
    {
    }

    /**
     * @param buffer   the frame's buffer.
     * @param base     offset of the frame (its Ethernet header).
     * @param l3       offset of the IPv4 header from {@code base}.
     * @param ipLength the original IPv4 total length.
     * @param source   ICMP source address (the gateway).
     * @param mtu      next-hop MTU to report.
     * @return the new frame length.
     */
    static int ipv4FragmentationNeeded(
        final MutableDirectBuffer buffer,
        final int base,
        final int l3,
        final int ipLength,
        final int source,
        final int mtu)
    {
        swapMacs(buffer, base);
        final int at = base + l3;
        final int ihl = (buffer.getByte(at) & 0xF) << 2;
        final int destination = buffer.getInt(at + 12, BIG_ENDIAN);
        final int quote = Math.min(ihl + 8, ipLength);
        final int icmp = at + IPV4_HEADER_LENGTH;
        moveForward(buffer, at, icmp + ICMP_HEADER_LENGTH, quote);

        final int totalLength = IPV4_HEADER_LENGTH + ICMP_HEADER_LENGTH + quote;
        buffer.putLong(at, 0x4500_0000_0000_0000L | (long)TOS_INTERNETWORK_CONTROL << 48 | (long)totalLength << 32,
            BIG_ENDIAN);
        buffer.putInt(at + 8, TTL << 24 | PROTOCOL_ICMP << 16, BIG_ENDIAN);
        buffer.putInt(at + 12, source, BIG_ENDIAN);
        buffer.putInt(at + 16, destination, BIG_ENDIAN);
        buffer.putShort(at + 10, (short)Checksums.ipv4HeaderChecksum(buffer, at, IPV4_HEADER_LENGTH), BIG_ENDIAN);

        buffer.putInt(icmp, ICMP_TYPE_DEST_UNREACHABLE << 24 | ICMP_CODE_FRAG_NEEDED << 16, BIG_ENDIAN);
        buffer.putInt(icmp + 4, mtu & 0xFFFF, BIG_ENDIAN);
        buffer.putShort(icmp + 2, (short)Checksums.l4Checksum(0, buffer, icmp, ICMP_HEADER_LENGTH + quote, icmp + 2),
            BIG_ENDIAN);
        return l3 + totalLength;
    }

    /**
     * @param buffer   the frame's buffer.
     * @param base     offset of the frame.
     * @param l3       offset of the IPv6 header from {@code base}.
     * @param ipLength the original IPv6 packet length (40 + payload length).
     * @param sourceHi high half of the ICMPv6 source (the gateway).
     * @param sourceLo low half of the ICMPv6 source.
     * @param mtu      MTU to report.
     * @return the new frame length.
     */
    static int ipv6PacketTooBig(
        final MutableDirectBuffer buffer,
        final int base,
        final int l3,
        final int ipLength,
        final long sourceHi,
        final long sourceLo,
        final int mtu)
    {
        swapMacs(buffer, base);
        final int at = base + l3;
        final long destinationHi = buffer.getLong(at + 8, BIG_ENDIAN);
        final long destinationLo = buffer.getLong(at + 16, BIG_ENDIAN);
        // Fit in the IPv6 minimum MTU, and never grow past the old frame (whose IP part is ipLength bytes).
        final int quote = Math.min(IPV6_MIN_MTU - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH,
            ipLength - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH);
        final int icmp = at + IPV6_HEADER_LENGTH;
        moveForward(buffer, at, icmp + ICMP_HEADER_LENGTH, quote);

        final int payloadLength = ICMP_HEADER_LENGTH + quote;
        buffer.putInt(at, 0x6000_0000, BIG_ENDIAN);
        buffer.putInt(at + 4, payloadLength << 16 | PROTOCOL_ICMPV6 << 8 | TTL, BIG_ENDIAN);
        buffer.putLong(at + 8, sourceHi, BIG_ENDIAN);
        buffer.putLong(at + 16, sourceLo, BIG_ENDIAN);
        buffer.putLong(at + 24, destinationHi, BIG_ENDIAN);
        buffer.putLong(at + 32, destinationLo, BIG_ENDIAN);

        buffer.putInt(icmp, ICMPV6_TYPE_PACKET_TOO_BIG << 24, BIG_ENDIAN);
        buffer.putInt(icmp + 4, mtu, BIG_ENDIAN);
        final long pseudo = Checksums.ipv6PseudoHeaderSum(sourceHi, sourceLo, destinationHi, destinationLo,
            PROTOCOL_ICMPV6, payloadLength);
        buffer.putShort(icmp + 2, (short)Checksums.l4Checksum(pseudo, buffer, icmp, payloadLength, icmp + 2),
            BIG_ENDIAN);
        return l3 + IPV6_HEADER_LENGTH + payloadLength;
    }

    private static void swapMacs(final MutableDirectBuffer buffer, final int base)
    {
        final int dstHi = buffer.getInt(base);
        final short dstLo = buffer.getShort(base + 4);
        buffer.putInt(base, buffer.getInt(base + 6));
        buffer.putShort(base + 4, buffer.getShort(base + 10));
        buffer.putInt(base + 6, dstHi);
        buffer.putShort(base + 10, dstLo);
    }

    /** Copies {@code length} bytes from {@code from} to {@code to > from} (overlapping), last byte first. */
    private static void moveForward(final MutableDirectBuffer buffer, final int from, final int to, final int length)
    {
        int i = length;
        while (i >= 8)
        {
            i -= 8;
            buffer.putLong(to + i, buffer.getLong(from + i));
        }
        while (i > 0)
        {
            i--;
            buffer.putByte(to + i, buffer.getByte(from + i));
        }
    }
}
