package dev.sluice.geneve;

import static dev.sluice.geneve.GeneveDescriptor.MAX_OPTION_DATA_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_CLASS_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_HEADER_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_LENGTH_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_TYPE_CRITICAL;
import static dev.sluice.geneve.GeneveDescriptor.OPTION_TYPE_OFFSET;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over one Geneve option TLV (layout in {@link GeneveDescriptor}). The caller has checked that the
 * 4-byte option header is inside the options area; {@link GeneveOptionIterator} checks that the data is too.
 */
public final class GeneveOptionFlyweight
{
    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /** Wraps a read-only view. */
    public GeneveOptionFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /** Wraps a writable view. */
    public GeneveOptionFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Offset of the option header in the buffer. */
    public int offset()
    {
        return offset;
    }

    /** Option Class (16 bits). */
    public int optionClass()
    {
        return buffer.getShort(offset + OPTION_CLASS_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Sets the Option Class. */
    public GeneveOptionFlyweight optionClass(final int optionClass)
    {
        mutableBuffer.putShort(offset + OPTION_CLASS_OFFSET, (short)optionClass, BIG_ENDIAN);
        return this;
    }

    /** Type (8 bits, including the critical bit). */
    public int type()
    {
        return buffer.getByte(offset + OPTION_TYPE_OFFSET) & 0xFF;
    }

    /** Sets the Type (8 bits, including the critical bit). */
    public GeneveOptionFlyweight type(final int type)
    {
        mutableBuffer.putByte(offset + OPTION_TYPE_OFFSET, (byte)type);
        return this;
    }

    /** True when the high bit of Type is set: a receiver that does not understand the option must drop. */
    public boolean critical()
    {
        return (buffer.getByte(offset + OPTION_TYPE_OFFSET) & OPTION_TYPE_CRITICAL) != 0;
    }

    /** Option data length in bytes (Length * 4, 0..124); the 3 reserved bits are ignored. */
    public int dataLengthBytes()
    {
        return (buffer.getByte(offset + OPTION_LENGTH_OFFSET) & 0x1F) << 2;
    }

    /**
     * Sets Length from a byte count and zeroes the 3 reserved bits.
     *
     * @throws IllegalArgumentException if not a multiple of 4 in 0..124 (a template-building error).
     */
    public GeneveOptionFlyweight dataLengthBytes(final int lengthBytes)
    {
        if (lengthBytes < 0 || lengthBytes > MAX_OPTION_DATA_LENGTH || (lengthBytes & 3) != 0)
        {
            throw new IllegalArgumentException("option data length must be a multiple of 4 in 0..124: " +
                lengthBytes);
        }
        mutableBuffer.putByte(offset + OPTION_LENGTH_OFFSET, (byte)(lengthBytes >>> 2));
        return this;
    }

    /** Header plus data: the distance to the next option. */
    public int totalLength()
    {
        return OPTION_HEADER_LENGTH + dataLengthBytes();
    }

    /** Offset of the option data in the buffer. */
    public int dataOffset()
    {
        return offset + OPTION_HEADER_LENGTH;
    }
}
