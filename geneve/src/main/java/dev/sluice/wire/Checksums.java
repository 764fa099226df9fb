package dev.sluice.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), over Agrona buffers, allocation free.
 *
 * <p>Sums are carried unfolded in a {@code long} ("partial sums") so that a pseudo-header sum, a header and a payload
 * can be added in any order and folded once. Adding 32-bit big-endian chunks and folding is the same as adding
 * 16-bit words, because 2<sup>16</sup> is 1 modulo 0xFFFF; that lets the loop read 8 bytes at a time.
 *
 * <p>Every {@code *Checksum} method returns the 16-bit value to store in the header, computed as if the checksum
 * field were zero (the field's current content is cancelled, so callers need not clear it first). UDP over IPv4
 * transmits a computed 0 as 0xFFFF ({@link #udpWireChecksum(int)}); 0 on the wire means "no checksum".
 */
public final class Checksums
{
    private Checksums()
    {
    }

    /**
     * Unfolded ones'-complement sum of {@code length} bytes at {@code offset}, big-endian 16-bit words, an odd
     * trailing byte padded with zero, added to {@code initial}.
     */
    public static long partialSum(final DirectBuffer buffer, final int offset, final int length, final long initial)
    {
        long sum = initial;
        int i = 0;
        final int end8 = length - 8;
        for (; i <= end8; i += 8)
        {
            final long v = buffer.getLong(offset + i, BIG_ENDIAN);
            sum += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        if (i + 4 <= length)
        {
            sum += buffer.getInt(offset + i, BIG_ENDIAN) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= length)
        {
            sum += buffer.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds a partial sum to 16 bits with end-around carry (not complemented). */
    public static int fold(final long partialSum)
    {
        long sum = partialSum;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    /** The checksum field value for a partial sum: the folded sum, complemented. */
    public static int finish(final long partialSum)
    {
        return ~fold(partialSum) & 0xFFFF;
    }

    /**
     * IPv4 header checksum (RFC 791) of the header at {@code l3Offset} of {@code headerLength} bytes (IHL * 4),
     * the checksum field (offset 10) taken as zero.
     */
    public static int ipv4HeaderChecksum(final DirectBuffer buffer, final int l3Offset, final int headerLength)
    {
        return checksumExcludingField(0, buffer, l3Offset, headerLength, l3Offset + 10);
    }

    /** True when the IPv4 header's stored checksum is correct. */
    public static boolean ipv4HeaderValid(final DirectBuffer buffer, final int l3Offset, final int headerLength)
    {
        return fold(partialSum(buffer, l3Offset, headerLength, 0)) == 0xFFFF;
    }

    /** Partial sum of the IPv4 pseudo-header (RFC 793 section 3.1 / RFC 768). */
    public static long ipv4PseudoHeaderSum(
        final int srcAddress, final int dstAddress, final int protocol, final int l4Length)
    {
        return (srcAddress & 0xFFFF_FFFFL) + (dstAddress & 0xFFFF_FFFFL) + protocol + l4Length;
    }

    /**
     * Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source and destination addresses read from the
     * buffer (16 bytes each), the upper-layer length and next header.
     */
    public static long ipv6PseudoHeaderSum(
        final DirectBuffer buffer,
        final int srcAddressOffset,
        final int dstAddressOffset,
        final int nextHeader,
        final int l4Length)
    {
        long sum = partialSum(buffer, srcAddressOffset, 16, 0);
        sum = partialSum(buffer, dstAddressOffset, 16, sum);
        return sum + (l4Length & 0xFFFF_FFFFL) + nextHeader;
    }

    /** Partial sum of the IPv6 pseudo-header with the addresses given as 64-bit halves. */
    public static long ipv6PseudoHeaderSum(
        final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int nextHeader, final int l4Length)
    {
        return halves(srcHi) + halves(srcLo) + halves(dstHi) + halves(dstLo) + (l4Length & 0xFFFF_FFFFL) + nextHeader;
    }

    /**
     * Checksum of a TCP/UDP/ICMPv6/ICMP segment: {@code pseudoHeaderSum} (0 for ICMPv4) plus {@code l4Length} bytes
     * at {@code l4Offset}, the 16-bit checksum field at {@code checksumOffset} (absolute, an even distance from
     * {@code l4Offset}, as in every Internet protocol header) taken as zero.
     */
    public static int l4Checksum(
        final long pseudoHeaderSum,
        final DirectBuffer buffer,
        final int l4Offset,
        final int l4Length,
        final int checksumOffset)
    {
        return checksumExcludingField(pseudoHeaderSum, buffer, l4Offset, l4Length, checksumOffset);
    }

    /** True when the segment's stored checksum is correct for the given pseudo-header sum. */
    public static boolean l4Valid(
        final long pseudoHeaderSum, final DirectBuffer buffer, final int l4Offset, final int l4Length)
    {
        return fold(partialSum(buffer, l4Offset, l4Length, pseudoHeaderSum)) == 0xFFFF;
    }

    /** UDP transmits a computed checksum of 0 as 0xFFFF (RFC 768); 0 means "none" on IPv4. */
    public static int udpWireChecksum(final int checksum)
    {
        return checksum == 0 ? 0xFFFF : checksum;
    }

    /**
     * RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changes from {@code oldWord}.
     *
     * <p>The result is exactly what a computation from scratch gives (never 0xFFFF while any covered word is
     * non-zero, RFC 1624 section 3), so a UDP checksum must go through {@link #udpWireChecksum(int)} before it is
     * stored. A UDP checksum of 0xFFFF (the wire form of a computed 0) is accepted as input; a UDP-over-IPv4
     * checksum of 0 means "none" and must not be updated at all. The one case the update cannot see is covered data
     * that becomes all zero (only possible without a pseudo-header, e.g. an ICMPv4 echo reply rewritten to
     * identifier 0 with sequence 0 and no data): eqn. 3 then gives 0x0000 where 0xFFFF is due.
     */
    public static int update16(final int checksum, final int oldWord, final int newWord)
    {
        final long sum = complementOf(checksum) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address, or two adjacent ports); see {@link #update16} for how
     * zero is represented.
     */
    public static int update32(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = complementOf(checksum) +
            (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF) +
            (newValue >>> 16 & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * RFC 1624 eqn. 3 for a 128-bit field (an IPv6 address as two 64-bit big-endian halves); see {@link #update16}
     * for how zero is represented.
     */
    public static int update128(
        final int checksum, final long oldHi, final long oldLo, final long newHi, final long newLo)
    {
        final long sum = complementOf(checksum) + halves(~oldHi) + halves(~oldLo) + halves(newHi) + halves(newLo);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * ~HC of eqn. 3, i.e. the sum C the stored checksum stands for. A stored 0x0000 stands for C = -0 (0xFFFF);
     * a UDP wire 0xFFFF is the same computed 0, so it must also give -0, not the +0 that its plain complement is.
     * With +0 there, eqn. 3 returns -0 (0xFFFF) when the other terms cancel (old word 0xFFFF, new 0x0000), which a
     * computation from scratch never produces for non-zero data.
     */
    private static int complementOf(final int checksum)
    {
        final int complement = ~checksum & 0xFFFF;
        return complement == 0 ? 0xFFFF : complement;
    }

    private static long halves(final long v)
    {
        return (v >>> 32) + (v & 0xFFFF_FFFFL);
    }

    private static int checksumExcludingField(
        final long initial, final DirectBuffer buffer, final int offset, final int length, final int fieldOffset)
    {
        // Adding the complement of the stored field cancels it (x + ~x is ones'-complement zero), so the caller
        // need not clear the field. The cancellation turns a sum of +0 into -0: when every other covered byte is
        // zero the result would be 0x0000 instead of ~(+0) = 0xFFFF. That needs no pseudo-header (initial 0) and
        // a result of 0, so only then (an ICMPv4 echo reply with identifier 0, sequence 0 and no data, or 1 in
        // 65536 ICMPv4 messages) are the other bytes looked at.
        final int stored = buffer.getShort(fieldOffset, BIG_ENDIAN) & 0xFFFF;
        final int checksum = finish(partialSum(buffer, offset, length, initial) + (~stored & 0xFFFF));
        if (checksum == 0 && initial == 0 && allZeroExcept(buffer, offset, length, fieldOffset))
        {
            return 0xFFFF;
        }
        return checksum;
    }

    private static boolean allZeroExcept(
        final DirectBuffer buffer, final int offset, final int length, final int fieldOffset)
    {
        for (int i = offset, end = offset + length; i < end; i++)
        {
            if (buffer.getByte(i) != 0 && i != fieldOffset && i != fieldOffset + 1)
            {
                return false;
            }
        }
        return true;
    }
}
