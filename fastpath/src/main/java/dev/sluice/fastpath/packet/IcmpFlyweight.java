package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) share this 8-byte header layout; see {@link L4Descriptor}.
 * For errors the invoking packet follows the header; {@code ParseStage} parses its tuple.
 */
public final class IcmpFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public IcmpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int type()
    {
        return buffer.getByte(offset + ICMP_TYPE_OFFSET) & 0xFF;
    }

    public IcmpFlyweight type(final int type)
    {
        buffer.putByte(offset + ICMP_TYPE_OFFSET, (byte)type);
        return this;
    }

    public int code()
    {
        return buffer.getByte(offset + ICMP_CODE_OFFSET) & 0xFF;
    }

    public IcmpFlyweight code(final int code)
    {
        buffer.putByte(offset + ICMP_CODE_OFFSET, (byte)code);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + ICMP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + ICMP_CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    /** Echo identifier (echo request/reply only). */
    public int echoId()
    {
        return buffer.getShort(offset + ICMP_ECHO_ID_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpFlyweight echoId(final int id)
    {
        buffer.putShort(offset + ICMP_ECHO_ID_OFFSET, (short)id, BIG_ENDIAN);
        return this;
    }

    public int echoSequence()
    {
        return buffer.getShort(offset + ICMP_ECHO_SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Next-hop MTU of an ICMPv4 fragmentation-needed message (RFC 1191: low 16 bits of the rest-of-header). */
    public int nextHopMtu()
    {
        return buffer.getShort(offset + 6, BIG_ENDIAN) & 0xFFFF;
    }

    /** The MTU of an ICMPv6 packet-too-big message (32 bits). */
    public long packetTooBigMtu()
    {
        return buffer.getInt(offset + 4, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /** True for the ICMPv4 error types that carry an invoking packet (3, 4, 5, 11, 12). */
    public static boolean isIcmpV4Error(final int type)
    {
        return type == ICMP_DEST_UNREACHABLE || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
            type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETER_PROBLEM;
    }

    /** True for the ICMPv6 error types (1..4; all of 0..127 are errors, these carry an invoking packet). */
    public static boolean isIcmpV6Error(final int type)
    {
        return type >= ICMPV6_DEST_UNREACHABLE && type <= ICMPV6_PARAMETER_PROBLEM;
    }
}
