package dev.sluice.fastpath.pcap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds pcapng files block by block for tests, independently of {@link PcapReader}: every block is laid out here
 * from the draft's section 4 text, in the byte order of the current section.
 */
final class PcapngBuilder
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    /** Section Header Block in {@code sectionOrder} with a shb_userappl option; later blocks use that order. */
    PcapngBuilder section(final ByteOrder sectionOrder)
    {
        order = sectionOrder;
        final byte[] appl = "sluice test".getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer body = body(16 + option(appl.length) + 4);
        body.putInt(0x1A2B3C4D).putShort((short)1).putShort((short)0).putLong(-1L);
        putOption(body, 4, appl);
        body.putInt(0);
        return block(0x0A0D0D0A, body);
    }

    /** Interface Description Block; {@code tsresol} or {@code tsOffsetSeconds} null = option absent. */
    PcapngBuilder interfaceDescription(
        final int linkType, final int snapLength, final Integer tsresol, final Long tsOffsetSeconds)
    {
        final ByteBuffer body = body(
            8 + (tsresol == null ? 0 : option(1)) + (tsOffsetSeconds == null ? 0 : option(8)) + 4);
        body.putShort((short)linkType).putShort((short)0).putInt(snapLength);
        if (tsresol != null)
        {
            putOption(body, 9, new byte[] {(byte)(int)tsresol});
        }
        if (tsOffsetSeconds != null)
        {
            putOption(body, 14, ByteBuffer.allocate(8).order(order).putLong(tsOffsetSeconds).array());
        }
        body.putInt(0);
        return block(1, body);
    }

    /** Enhanced Packet Block with an opt_comment after the padded data. */
    PcapngBuilder enhancedPacket(final int interfaceId, final long ticks, final byte[] data, final int originalLength)
    {
        final byte[] comment = "epb".getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer body = body(20 + align4(data.length) + option(comment.length) + 4);
        body.putInt(interfaceId).putInt((int)(ticks >>> 32)).putInt((int)ticks).putInt(data.length)
            .putInt(originalLength).put(data);
        body.position(20 + align4(data.length));
        putOption(body, 1, comment);
        body.putInt(0);
        return block(6, body);
    }

    /** Simple Packet Block carrying {@code data} (the captured part of a packet of {@code originalLength}). */
    PcapngBuilder simplePacket(final int originalLength, final byte[] data)
    {
        final ByteBuffer body = body(4 + align4(data.length));
        body.putInt(originalLength).put(data);
        return block(3, body);
    }

    /** Any block: {@code type}, the body padded to 32 bits, correct lengths. */
    PcapngBuilder block(final int type, final byte[] bodyBytes)
    {
        final ByteBuffer body = body(align4(bodyBytes.length));
        body.put(bodyBytes);
        return block(type, body);
    }

    /** Raw bytes as they are, for corrupt files. */
    PcapngBuilder raw(final byte[] bytes)
    {
        out.writeBytes(bytes);
        return this;
    }

    int size()
    {
        return out.size();
    }

    ByteOrder order()
    {
        return order;
    }

    byte[] toByteArray()
    {
        return out.toByteArray();
    }

    private ByteBuffer body(final int capacity)
    {
        return ByteBuffer.allocate(capacity).order(order);
    }

    private PcapngBuilder block(final int type, final ByteBuffer body)
    {
        final int total = 12 + body.capacity();
        final ByteBuffer block = ByteBuffer.allocate(total).order(order);
        block.putInt(type).putInt(total).put(body.array()).putInt(total);
        out.writeBytes(block.array());
        return this;
    }

    private static void putOption(final ByteBuffer body, final int code, final byte[] value)
    {
        body.putShort((short)code).putShort((short)value.length).put(value);
        body.position(body.position() + align4(value.length) - value.length);
    }

    private static int option(final int valueLength)
    {
        return 4 + align4(valueLength);
    }

    static int align4(final int length)
    {
        return (length + 3) & ~3;
    }
}
