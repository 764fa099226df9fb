package dev.sluice.geneve;

import static dev.sluice.geneve.GeneveDescriptor.FLAGS_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.FLAG_CRITICAL;
import static dev.sluice.geneve.GeneveDescriptor.FLAG_OAM;
import static dev.sluice.geneve.GeneveDescriptor.HEADER_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.MAX_OPTIONS_LENGTH;
import static dev.sluice.geneve.GeneveDescriptor.MAX_VNI;
import static dev.sluice.geneve.GeneveDescriptor.OPTIONS_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.PROTOCOL_TYPE_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.VERSION_OPT_LEN_OFFSET;
import static dev.sluice.geneve.GeneveDescriptor.VNI_OFFSET;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over a Geneve base header (layout in {@link GeneveDescriptor}). Getters do no bounds checks beyond the
 * buffer's own: the caller has checked that {@link GeneveDescriptor#HEADER_LENGTH} bytes are present. Setters
 * write reserved bits as zero; they need the flyweight to have been wrapped over a {@link MutableDirectBuffer}.
 */
public final class GeneveFlyweight
{
    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /** Wraps a read-only view; setters must not be called until re-wrapped over a mutable buffer. */
    public GeneveFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /** Wraps a writable view. */
    public GeneveFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Offset of the header in the buffer. */
    public int offset()
    {
        return offset;
    }

    /** Ver, the 2 high bits of the first byte. */
    public int version()
    {
        return (buffer.getByte(offset + VERSION_OPT_LEN_OFFSET) & 0xFF) >>> 6;
    }

    /** Sets Ver (0..3), keeping Opt Len. */
    public GeneveFlyweight version(final int version)
    {
        final int index = offset + VERSION_OPT_LEN_OFFSET;
        final int b = mutableBuffer.getByte(index) & 0x3F;
        mutableBuffer.putByte(index, (byte)(b | (version & 0x3) << 6));
        return this;
    }

    /** Length of the options area in bytes (Opt Len * 4, so 0..252). */
    public int optionsLengthBytes()
    {
        return (buffer.getByte(offset + VERSION_OPT_LEN_OFFSET) & 0x3F) << 2;
    }

    /**
     * Sets Opt Len from a byte count, keeping Ver.
     *
     * @throws IllegalArgumentException if {@code lengthBytes} is not a multiple of 4 in 0..252 (a template-building
     *                                  error, never a per-packet path).
     */
    public GeneveFlyweight optionsLengthBytes(final int lengthBytes)
    {
        if (lengthBytes < 0 || lengthBytes > MAX_OPTIONS_LENGTH || (lengthBytes & 3) != 0)
        {
            throw new IllegalArgumentException("options length must be a multiple of 4 in 0..252: " + lengthBytes);
        }
        final int index = offset + VERSION_OPT_LEN_OFFSET;
        final int b = mutableBuffer.getByte(index) & 0xC0;
        mutableBuffer.putByte(index, (byte)(b | lengthBytes >>> 2));
        return this;
    }

    /** Base header plus options: where the payload starts, relative to {@link #offset()}. */
    public int headerLength()
    {
        return HEADER_LENGTH + optionsLengthBytes();
    }

    /** Offset of the first option in the buffer. */
    public int optionsOffset()
    {
        return offset + OPTIONS_OFFSET;
    }

    /** The O bit: a control (OAM) packet. */
    public boolean oam()
    {
        return (buffer.getByte(offset + FLAGS_OFFSET) & FLAG_OAM) != 0;
    }

    /** Sets O, keeping C and zeroing the 6 reserved bits. */
    public GeneveFlyweight oam(final boolean oam)
    {
        final int index = offset + FLAGS_OFFSET;
        final int c = mutableBuffer.getByte(index) & FLAG_CRITICAL;
        mutableBuffer.putByte(index, (byte)(c | (oam ? FLAG_OAM : 0)));
        return this;
    }

    /** The C bit: critical options are present. */
    public boolean critical()
    {
        return (buffer.getByte(offset + FLAGS_OFFSET) & FLAG_CRITICAL) != 0;
    }

    /** Sets C, keeping O and zeroing the 6 reserved bits. */
    public GeneveFlyweight critical(final boolean critical)
    {
        final int index = offset + FLAGS_OFFSET;
        final int o = mutableBuffer.getByte(index) & FLAG_OAM;
        mutableBuffer.putByte(index, (byte)(o | (critical ? FLAG_CRITICAL : 0)));
        return this;
    }

    /** Protocol Type of the payload (an EtherType; 0x6558 = Ethernet). */
    public int protocolType()
    {
        return buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Sets the Protocol Type. */
    public GeneveFlyweight protocolType(final int protocolType)
    {
        mutableBuffer.putShort(offset + PROTOCOL_TYPE_OFFSET, (short)protocolType, BIG_ENDIAN);
        return this;
    }

    /** The 24-bit VNI (the trailing reserved byte is ignored). */
    public int vni()
    {
        return buffer.getInt(offset + VNI_OFFSET, BIG_ENDIAN) >>> 8;
    }

    /** Sets the 24-bit VNI and zeroes the trailing reserved byte. */
    public GeneveFlyweight vni(final int vni)
    {
        mutableBuffer.putInt(offset + VNI_OFFSET, (vni & MAX_VNI) << 8, BIG_ENDIAN);
        return this;
    }
}
