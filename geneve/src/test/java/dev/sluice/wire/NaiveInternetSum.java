package dev.sluice.wire;

/**
 * A deliberately simple Internet checksum (RFC 1071) used as the oracle in tests: one 16-bit big-endian word at a
 * time, the end-around carry applied after every addition, an odd trailing byte padded with a zero byte.
 * Shares no code with {@link Checksums}.
 */
final class NaiveInternetSum
{
    private NaiveInternetSum()
    {
    }

    /** Ones'-complement sum (0..0xFFFF) of {@code initial} (already 16-bit) and the bytes. */
    static int sum(final int initial, final byte[] data, final int offset, final int length)
    {
        int sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = data[offset + i] & 0xFF;
            final int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum = add(sum, hi << 8 | lo);
        }
        return sum;
    }

    /** Ones'-complement addition of two 16-bit values. */
    static int add(final int a, final int b)
    {
        int s = a + b;
        if (s > 0xFFFF)
        {
            s -= 0xFFFF;
        }
        return s;
    }

    /** The checksum field value over the concatenated parts (each part must have an even length except the last). */
    static int checksum(final byte[]... parts)
    {
        int sum = 0;
        for (final byte[] part : parts)
        {
            sum = sum(sum, part, 0, part.length);
        }
        return ~sum & 0xFFFF;
    }
}
