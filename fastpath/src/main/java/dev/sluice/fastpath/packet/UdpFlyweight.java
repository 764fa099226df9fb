package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/** UDP header (RFC 768); see {@link L4Descriptor}. A checksum of 0 over IPv4 means "none". */
public final class UdpFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public UdpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpFlyweight sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpFlyweight destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /** The UDP length field (header + payload). */
    public int length()
    {
        return buffer.getShort(offset + UDP_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpFlyweight length(final int length)
    {
        buffer.putShort(offset + UDP_LENGTH_OFFSET, (short)length, BIG_ENDIAN);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + UDP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + UDP_CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }
}
