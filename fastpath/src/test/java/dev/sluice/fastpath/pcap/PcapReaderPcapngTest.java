package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Hand-built pcapng files exercising what real writers rarely produce: several sections in different byte orders,
 * several interfaces with decimal and binary timestamp resolutions and offsets, unknown blocks, Simple Packet
 * Blocks.
 */
class PcapReaderPcapngTest
{
    private static final int LINKTYPE_RAW = 101;

    @Test
    void readsTwoSectionsOfDifferentByteOrderWithSeveralInterfacesAndSkipsUnknownBlocks() throws Exception
    {
        final byte[] a = pattern(60, 1);
        final byte[] b = pattern(20, 2);
        final byte[] c = pattern(30, 3);
        final byte[] d = pattern(41, 4);
        final byte[] e = pattern(64, 5);
        final byte[] f = pattern(64, 6);
        final byte[] g = pattern(7, 7);

        final byte[] file = new PcapngBuilder()
            .section(ByteOrder.LITTLE_ENDIAN)
            .interfaceDescription(1, 0, 9, null)                     // if 0: 10^-9 s, no snaplen
            .interfaceDescription(LINKTYPE_RAW, 128, 0x80 | 20, 100L) // if 1: 2^-20 s, offset +100 s
            .interfaceDescription(1, 0, 12, null)                    // if 2: 10^-12 s
            .interfaceDescription(1, 0, 0x80 | 40, null)             // if 3: 2^-40 s
            .block(0x0BADCAFE, pattern(37, 9))                       // unknown: skipped by its length
            .enhancedPacket(0, 1_700_000_000_123_456_789L, a, 60)
            .enhancedPacket(1, (5L << 20) | (1L << 19) | 1, b, 20)
            .block(4, pattern(8, 10))                                // a name resolution block: skipped too
            .simplePacket(30, c)
            .enhancedPacket(2, 5_000_000_000_123L, d, 1000)
            .enhancedPacket(3, (3L << 40) | (1L << 39), g, 7)
            .section(ByteOrder.BIG_ENDIAN)
            .interfaceDescription(1, 64, null, null)                 // default 10^-6 s
            .enhancedPacket(0, 1_700_000_000_000_001L, e, 1500)
            .simplePacket(100, f)                                    // captured = min(100, snaplen 64)
            .toByteArray();

        try (PcapReader reader = new PcapReader(new ByteArrayInputStream(file), "hand-built"))
        {
            assertEquals(PcapReader.Format.PCAPNG, reader.format());
            final List<CapturedRecord> records = CapturedRecord.readAll(reader);
            assertEquals(List.of(
                new CapturedRecord(hex(a), 60, 1_700_000_000_123_456_789L, true, 1, 0, 0, 0),
                // 5.5 s + 2^-20 s (953.674 ns, truncated) + 100 s offset
                new CapturedRecord(hex(b), 20, 105_500_000_953L, true, LINKTYPE_RAW, 128, 1, 0),
                new CapturedRecord(hex(c), 30, 0, false, 1, 0, 0, 0),
                new CapturedRecord(hex(d), 1000, 5_000_000_000L, true, 1, 0, 2, 0),
                new CapturedRecord(hex(g), 7, 3_500_000_000L, true, 1, 0, 3, 0),
                new CapturedRecord(hex(e), 1500, 1_700_000_000_000_001_000L, true, 1, 64, 0, 1),
                new CapturedRecord(hex(f), 100, 0, false, 1, 64, 0, 1)),
                records);
            assertEquals(1, reader.interfaceCount());
            assertFalse(reader.next(), "stays at the end");
        }
    }

    @Test
    void copyToCopiesAtMostMaxLengthAndReportsBlockOffsets() throws Exception
    {
        final byte[] a = pattern(50, 11);
        final PcapngBuilder builder = new PcapngBuilder().section(ByteOrder.BIG_ENDIAN)
            .interfaceDescription(1, 0, null, null);
        final int epbOffset = builder.size();
        final byte[] file = builder.enhancedPacket(0, 1, a, 50).toByteArray();

        try (PcapReader reader = new PcapReader(new ByteArrayInputStream(file), "copy"))
        {
            assertEquals(-1, reader.recordFileOffset());
            assertTrue(reader.next());
            assertEquals(epbOffset, reader.recordFileOffset());
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            assertEquals(20, reader.copyTo(dst, 3, 20));
            final byte[] copied = new byte[23];
            dst.getBytes(0, copied);
            final byte[] expected = new byte[23];
            System.arraycopy(a, 0, expected, 3, 20);
            assertEquals(hex(expected), hex(copied));
            assertEquals(50, reader.copyTo(dst, 0, 64));
            assertEquals(50, reader.data().capacity());
            assertEquals(1000, reader.timestampNs());
            assertFalse(reader.next());
        }
    }

    static byte[] pattern(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i * 7);
        }
        return bytes;
    }

    static String hex(final byte[] bytes)
    {
        return HexFormat.of().formatHex(bytes);
    }
}
