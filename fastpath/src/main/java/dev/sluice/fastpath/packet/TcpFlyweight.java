package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/** TCP header (RFC 9293 section 3.1); see {@link L4Descriptor}. */
public final class TcpFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public TcpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpFlyweight sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpFlyweight destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public long sequence()
    {
        return buffer.getInt(offset + TCP_SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    public long acknowledgment()
    {
        return buffer.getInt(offset + TCP_ACK_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /** Header length in bytes (data offset * 4). */
    public int headerLength()
    {
        return ((buffer.getByte(offset + TCP_DATA_OFFSET_OFFSET) >> 4) & 0xF) << 2;
    }

    /** The eight flag bits (CWR ECE URG ACK PSH RST SYN FIN). */
    public int flags()
    {
        return buffer.getByte(offset + TCP_FLAGS_OFFSET) & 0xFF;
    }

    public int window()
    {
        return buffer.getShort(offset + TCP_WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + TCP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + TCP_CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }
}
