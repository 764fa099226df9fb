package dev.sluice.wire;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * SCTP's CRC32c checksum (RFC 9260 section 6.8 and appendix A) over the whole SCTP packet, with the checksum field
 * (bytes 8..11 of the common header) taken as zero. Stored in the packet in little-endian byte order, as Linux and
 * the RFC's reference code do.
 *
 * <p>Uses the JDK's intrinsified {@link CRC32C} over a reused scratch array: not thread safe, one instance per
 * worker, no allocation per packet. The pseudo-header plays no part, so address NAT leaves it unchanged; only a
 * port rewrite needs a recomputation.
 */
public final class SctpChecksum
{
    /** Offset of the checksum within the SCTP common header. */
    public static final int CHECKSUM_OFFSET = 8;

    private final CRC32C crc = new CRC32C();
    private final byte[] scratch;

    /** @param maxPacketLength the largest SCTP packet (common header + chunks) this instance will checksum. */
    public SctpChecksum(final int maxPacketLength)
    {
        if (maxPacketLength < 12 || maxPacketLength > 65535)
        {
            throw new IllegalArgumentException("maxPacketLength must be in 12..65535: " + maxPacketLength);
        }
        scratch = new byte[maxPacketLength];
    }

    /**
     * The CRC32c of {@code length} bytes of SCTP packet at {@code offset}, or -1 when the length is outside
     * 12..maxPacketLength.
     */
    public long compute(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 12 || length > scratch.length)
        {
            return -1;
        }
        buffer.getBytes(offset, scratch, 0, length);
        scratch[CHECKSUM_OFFSET] = 0;
        scratch[CHECKSUM_OFFSET + 1] = 0;
        scratch[CHECKSUM_OFFSET + 2] = 0;
        scratch[CHECKSUM_OFFSET + 3] = 0;
        crc.reset();
        crc.update(scratch, 0, length);
        return crc.getValue();
    }

    /** True when the stored checksum is right. */
    public boolean valid(final DirectBuffer buffer, final int offset, final int length)
    {
        final long value = compute(buffer, offset, length);
        return value >= 0 && (int)value == buffer.getInt(offset + CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** Recomputes and stores the checksum; returns false (and leaves the packet alone) on a bad length. */
    public boolean store(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final long value = compute(buffer, offset, length);
        if (value < 0)
        {
            return false;
        }
        buffer.putInt(offset + CHECKSUM_OFFSET, (int)value, ByteOrder.LITTLE_ENDIAN);
        return true;
    }
}
