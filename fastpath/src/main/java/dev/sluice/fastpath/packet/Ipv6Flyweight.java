package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.Ipv6Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * IPv6 fixed header (see {@link Ipv6Descriptor}); addresses as two big-endian 64-bit halves. The extension header
 * chain is walked by {@code ParseStage}, which knows the frame length.
 */
public final class Ipv6Flyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public Ipv6Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int offset()
    {
        return offset;
    }

    public int version()
    {
        return (buffer.getByte(offset) >> 4) & 0xF;
    }

    public int payloadLength()
    {
        return buffer.getShort(offset + PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int nextHeader()
    {
        return buffer.getByte(offset + NEXT_HEADER_OFFSET) & 0xFF;
    }

    public int hopLimit()
    {
        return buffer.getByte(offset + HOP_LIMIT_OFFSET) & 0xFF;
    }

    public Ipv6Flyweight hopLimit(final int hopLimit)
    {
        buffer.putByte(offset + HOP_LIMIT_OFFSET, (byte)hopLimit);
        return this;
    }

    public long sourceHi()
    {
        return buffer.getLong(offset + SOURCE_OFFSET, BIG_ENDIAN);
    }

    public long sourceLo()
    {
        return buffer.getLong(offset + SOURCE_OFFSET + 8, BIG_ENDIAN);
    }

    public long destinationHi()
    {
        return buffer.getLong(offset + DESTINATION_OFFSET, BIG_ENDIAN);
    }

    public long destinationLo()
    {
        return buffer.getLong(offset + DESTINATION_OFFSET + 8, BIG_ENDIAN);
    }

    /** Writes the source address (no header checksum in IPv6; the L4 checksum is the caller's). */
    public Ipv6Flyweight source(final long hi, final long lo)
    {
        buffer.putLong(offset + SOURCE_OFFSET, hi, BIG_ENDIAN);
        buffer.putLong(offset + SOURCE_OFFSET + 8, lo, BIG_ENDIAN);
        return this;
    }

    public Ipv6Flyweight destination(final long hi, final long lo)
    {
        buffer.putLong(offset + DESTINATION_OFFSET, hi, BIG_ENDIAN);
        buffer.putLong(offset + DESTINATION_OFFSET + 8, lo, BIG_ENDIAN);
        return this;
    }
}
