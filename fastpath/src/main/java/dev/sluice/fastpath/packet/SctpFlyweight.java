package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * SCTP common header (RFC 9260 section 3.1). The checksum is CRC32c over the whole packet, stored little-endian;
 * compute it with {@link dev.sluice.wire.SctpChecksum}.
 */
public final class SctpFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public SctpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public SctpFlyweight sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public SctpFlyweight destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public long verificationTag()
    {
        return buffer.getInt(offset + SCTP_VERIFICATION_TAG_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /** The stored CRC32c as the unsigned value {@link java.util.zip.CRC32C#getValue()} would give. */
    public long checksum()
    {
        return buffer.getInt(offset + SCTP_CHECKSUM_OFFSET, LITTLE_ENDIAN) & 0xFFFF_FFFFL;
    }
}
