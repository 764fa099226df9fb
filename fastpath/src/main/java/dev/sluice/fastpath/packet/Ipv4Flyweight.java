package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.Ipv4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.wire.Checksums;
import org.agrona.MutableDirectBuffer;

/**
 * IPv4 header (see {@link Ipv4Descriptor}). Address setters keep the header checksum right incrementally
 * (RFC 1624); transport checksums are the caller's (it knows the L4 offset).
 */
public final class Ipv4Flyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public Ipv4Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
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
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) >> 4) & 0xF;
    }

    /** Header length in bytes (IHL * 4). */
    public int headerLength()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF) << 2;
    }

    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int flagsAndFragmentOffset()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public boolean dontFragment()
    {
        return (flagsAndFragmentOffset() & FLAG_DF) != 0;
    }

    public boolean moreFragments()
    {
        return (flagsAndFragmentOffset() & FLAG_MF) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset()
    {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) << 3;
    }

    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int source()
    {
        return buffer.getInt(offset + SOURCE_OFFSET, BIG_ENDIAN);
    }

    public int destination()
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, BIG_ENDIAN);
    }

    /** True when the stored header checksum is right. */
    public boolean checksumValid()
    {
        return Checksums.ipv4HeaderValid(buffer, offset, headerLength());
    }

    /** Recomputes and stores the header checksum. */
    public Ipv4Flyweight updateChecksum()
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)Checksums.ipv4HeaderChecksum(buffer, offset, headerLength()),
            BIG_ENDIAN);
        return this;
    }

    /** Rewrites the source address, patching the header checksum incrementally. */
    public Ipv4Flyweight source(final int address)
    {
        rewrite32(SOURCE_OFFSET, address);
        return this;
    }

    /** Rewrites the destination address, patching the header checksum incrementally. */
    public Ipv4Flyweight destination(final int address)
    {
        rewrite32(DESTINATION_OFFSET, address);
        return this;
    }

    /** Decrements the TTL, patching the checksum; returns the new TTL. */
    public int decrementTtl()
    {
        final int oldWord = buffer.getShort(offset + TTL_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int newWord = oldWord - 0x0100;
        buffer.putShort(offset + TTL_OFFSET, (short)newWord, BIG_ENDIAN);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)Checksums.update16(checksum(), oldWord, newWord), BIG_ENDIAN);
        return (newWord >> 8) & 0xFF;
    }

    private void rewrite32(final int field, final int value)
    {
        final int old = buffer.getInt(offset + field, BIG_ENDIAN);
        buffer.putInt(offset + field, value, BIG_ENDIAN);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)Checksums.update32(checksum(), old, value), BIG_ENDIAN);
    }
}
