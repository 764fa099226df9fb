package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncated and corrupt files: each throws {@link PcapFormatException} naming the offset and the problem; none
 * loops or allocates without bound.
 */
class PcapReaderErrorTest
{
    @TempDir
    Path dir;

    @Test
    void emptyFile() throws Exception
    {
        final Path file = dir.resolve("empty.pcap");
        Files.write(file, new byte[0]);
        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> new PcapReader(file));
        assertProblem(ex, 0, "empty file");
        assertTrue(ex.getMessage().startsWith(file.toString()), ex.getMessage());
    }

    @Test
    void badMagic()
    {
        final byte[] gif = "GIF89a and then some more bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertProblem(open(gif), 0, "bad magic 0x47494638");
    }

    @Test
    void truncatedMagicAndFileHeader()
    {
        assertProblem(open(new byte[] {(byte)0xD4, (byte)0xC3}), 0, "truncated magic number: 2 of 4 bytes");
        assertProblem(open(Arrays.copyOf(classicHeader(ByteOrder.LITTLE_ENDIAN, 65535), 14)), 0,
            "truncated file header: 14 of 24 bytes");
    }

    @Test
    void unsupportedVersion()
    {
        final byte[] header = classicHeader(ByteOrder.BIG_ENDIAN, 65535);
        header[5] = 3;
        assertProblem(open(header), 4, "unsupported major version 3");
    }

    @Test
    void cleanEndAfterHeaderAndAfterRecord() throws Exception
    {
        try (PcapReader reader = reader(classicHeader(ByteOrder.LITTLE_ENDIAN, 65535)))
        {
            assertFalse(reader.next());
        }
        try (PcapReader reader = reader(concat(classicHeader(ByteOrder.BIG_ENDIAN, 65535),
            classicRecord(ByteOrder.BIG_ENDIAN, 5, 5))))
        {
            assertTrue(reader.next());
            assertFalse(reader.next());
            assertFalse(reader.next());
        }
    }

    @Test
    void truncatedRecordHeader()
    {
        final byte[] file = concat(classicHeader(ByteOrder.LITTLE_ENDIAN, 65535),
            classicRecord(ByteOrder.LITTLE_ENDIAN, 10, 10), new byte[5]);
        assertProblem(readAll(file), 24 + 16 + 10, "truncated record header: 5 of 16 bytes");
    }

    @Test
    void truncatedRecord()
    {
        final byte[] file = Arrays.copyOf(concat(classicHeader(ByteOrder.LITTLE_ENDIAN, 65535),
            classicRecord(ByteOrder.LITTLE_ENDIAN, 100, 100)), 24 + 16 + 50);
        assertProblem(readAll(file), 24, "truncated record: captured length 100 but only 50 bytes of data follow");
    }

    @Test
    void recordLongerThanSnaplen()
    {
        final byte[] file = concat(classicHeader(ByteOrder.BIG_ENDIAN, 64),
            classicRecord(ByteOrder.BIG_ENDIAN, 64, 64), classicRecord(ByteOrder.BIG_ENDIAN, 65, 65));
        assertProblem(readAll(file), 24 + 16 + 64, "captured length 65 exceeds snaplen 64");
    }

    @Test
    void recordLongerThanTheMaximumEvenWithoutSnaplen()
    {
        final byte[] header = classicHeader(ByteOrder.LITTLE_ENDIAN, 0);
        final byte[] record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0).putInt(0).putInt(300_000).putInt(300_000).array();
        assertProblem(readAll(concat(header, record)), 24, "captured length 300000 exceeds the maximum 262144");
        final byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0).putInt(0).putInt(-1).putInt(10).array();
        assertProblem(readAll(concat(header, negative)), 24, "captured length 4294967295 exceeds the maximum");
    }

    @Test
    void pcapngBlockLengthNotAMultipleOfFour()
    {
        final PcapngBuilder builder = section();
        final int offset = builder.size();
        final byte[] file = builder.raw(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0x0BADCAFE).putInt(22).putLong(0).putInt(0).putInt(22).array()).toByteArray();
        assertProblem(readAll(file), offset, "block of type 0x0badcafe length 22 is not a multiple of 4");
    }

    @Test
    void pcapngTrailerMismatch()
    {
        final PcapngBuilder builder = section();
        final int offset = builder.size();
        final byte[] good = new PcapngBuilder().enhancedPacket(0, 0, new byte[8], 8).toByteArray();
        good[good.length - 4] = 0x7C;
        assertProblem(readAll(builder.raw(good).toByteArray()), offset,
            "enhanced packet block length 52 does not match its trailing length 124");

        final PcapngBuilder unknown = section();
        final byte[] block = new PcapngBuilder().block(0x77, new byte[8]).toByteArray();
        block[block.length - 4] = 4;
        assertProblem(readAll(unknown.raw(block).toByteArray()), offset,
            "block of type 0x00000077 length 20 does not match its trailing length 4");
    }

    @Test
    void pcapngBlockLengthBeyondTheFileOrTheMaximum()
    {
        final PcapngBuilder builder = section();
        final int offset = builder.size();
        final byte[] unknown = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0x0BADCAFE).putInt(0x7FFF_FFF0).putLong(0).array();
        assertProblem(readAll(section().raw(unknown).toByteArray()), offset,
            "truncated block of type 0x0badcafe: block length 2147483632 but the file ends");

        final byte[] epb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(6).putInt(0xFFFF_FFF0).putLong(0).array();
        assertProblem(readAll(section().raw(epb).toByteArray()), offset,
            "enhanced packet block length 4294967280 exceeds the maximum");

        final byte[] cut = Arrays.copyOf(new PcapngBuilder().enhancedPacket(0, 0, new byte[100], 100)
            .toByteArray(), 60);
        assertProblem(readAll(section().raw(cut).toByteArray()), offset,
            "truncated enhanced packet block: block length 144 but only 60 bytes remain");

        final byte[] tooShort = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putInt(8).array();
        assertProblem(readAll(section().raw(tooShort).toByteArray()), offset,
            "simple packet block length 8 is less than the minimum 16");

        assertProblem(readAll(section().raw(new byte[] {1, 0, 0}).toByteArray()), offset,
            "truncated block header: 3 of 8 bytes");
    }

    @Test
    void pcapngCapturedLengthOverrunsBlockOrSnaplen()
    {
        final PcapngBuilder builder = section();
        final int offset = builder.size();
        final byte[] epb = new PcapngBuilder().enhancedPacket(0, 0, new byte[8], 8).toByteArray();
        ByteBuffer.wrap(epb).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 40);
        assertProblem(readAll(builder.raw(epb).toByteArray()), offset,
            "enhanced packet block captured length 40 overruns block length 52");

        final PcapngBuilder snapped = new PcapngBuilder().section(ByteOrder.BIG_ENDIAN)
            .interfaceDescription(1, 16, null, null);
        final int snappedOffset = snapped.size();
        assertProblem(readAll(snapped.enhancedPacket(0, 0, new byte[17], 17).toByteArray()), snappedOffset,
            "captured length 17 exceeds snaplen 16");
    }

    @Test
    void pcapngUndeclaredInterfaces()
    {
        final PcapngBuilder builder = section();
        final int offset = builder.size();
        assertProblem(readAll(builder.enhancedPacket(1, 0, new byte[4], 4).toByteArray()), offset,
            "enhanced packet block names interface 1 but section 0 has 1 interfaces");

        // Interface ids are per section: a new section forgets the interfaces of the previous one.
        final PcapngBuilder two = section().section(ByteOrder.BIG_ENDIAN);
        final int spbOffset = two.size();
        assertProblem(readAll(two.simplePacket(4, new byte[4]).toByteArray()), spbOffset,
            "simple packet block before any interface description in section 1");
    }

    @Test
    void pcapngBadSectionHeaders()
    {
        final byte[] shb = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).toByteArray();
        final byte[] badMagic = shb.clone();
        badMagic[8] = 0x11;
        assertProblem(open(badMagic), 0, "bad section header byte-order magic 0x113c2b1a");
        final byte[] badVersion = shb.clone();
        badVersion[12] = 2;
        assertProblem(open(badVersion), 0, "unsupported pcapng major version 2");
        assertProblem(open(Arrays.copyOf(shb, 10)), 0, "truncated section header block: 10 of 28 bytes");

        final PcapngBuilder second = section();
        final int offset = second.size();
        assertProblem(readAll(second.raw(badMagic).toByteArray()), offset, "bad section header byte-order magic");
    }

    @Test
    void pcapngIdbOptionOverrunningTheBlock()
    {
        final PcapngBuilder builder = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN);
        final int offset = builder.size();
        final byte[] body = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short)1).putShort((short)0).putInt(0).putShort((short)9).putShort((short)200).putInt(0)
            .array();
        assertProblem(readAll(builder.block(1, body).toByteArray()), offset,
            "interface description option 9 of length 200 at block offset 16 overruns block length 28");
    }

    /** Every prefix of valid files: either a clean end on a block boundary or an error naming the offset. */
    @Test
    void everyTruncationEndsCleanlyOnABoundaryOrFailsWithAnOffset() throws Exception
    {
        final byte[] classic = concat(classicHeader(ByteOrder.BIG_ENDIAN, 65535),
            classicRecord(ByteOrder.BIG_ENDIAN, 30, 30), classicRecord(ByteOrder.BIG_ENDIAN, 0, 0),
            classicRecord(ByteOrder.BIG_ENDIAN, 7, 9));
        assertTruncations(classic, Map.of(24, 0, 24 + 46, 1, 24 + 46 + 16, 2, classic.length, 3));

        final Map<Integer, Integer> ends = new HashMap<>();
        final PcapngBuilder builder = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN);
        ends.put(builder.size(), 0);
        ends.put(builder.interfaceDescription(1, 0, null, null).size(), 0);
        ends.put(builder.enhancedPacket(0, 1, new byte[13], 13).size(), 1);
        ends.put(builder.block(0x99, new byte[5]).size(), 1);
        ends.put(builder.section(ByteOrder.BIG_ENDIAN).size(), 1);
        ends.put(builder.interfaceDescription(1, 0, 9, 1L).size(), 1);
        ends.put(builder.simplePacket(3, new byte[3]).size(), 2);
        assertTruncations(builder.toByteArray(), ends);
    }

    private static void assertTruncations(final byte[] file, final Map<Integer, Integer> recordsAtCleanEnds)
        throws Exception
    {
        for (int length = 0; length <= file.length; length++)
        {
            final byte[] prefix = Arrays.copyOf(file, length);
            int read = 0;
            try (PcapReader reader = reader(prefix))
            {
                while (reader.next())
                {
                    read++;
                }
                assertEquals(recordsAtCleanEnds.get(length), read, "clean end at length " + length);
            }
            catch (final PcapFormatException ex)
            {
                assertFalse(recordsAtCleanEnds.containsKey(length), "failed at a boundary: " + ex.getMessage());
                assertTrue(ex.fileOffset() >= 0 && ex.fileOffset() < length || length == 0,
                    "offset " + ex.fileOffset() + " within the " + length + " bytes: " + ex.getMessage());
            }
        }
    }

    private static PcapngBuilder section()
    {
        return new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).interfaceDescription(1, 0, null, null);
    }

    static byte[] classicHeader(final ByteOrder order, final int snapLength)
    {
        return ByteBuffer.allocate(24).order(order).putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4)
            .putInt(0).putInt(0).putInt(snapLength).putInt(1).array();
    }

    static byte[] classicRecord(final ByteOrder order, final int captured, final int original)
    {
        final ByteBuffer record = ByteBuffer.allocate(16 + captured).order(order)
            .putInt(1_700_000_000).putInt(999_999).putInt(captured).putInt(original);
        for (int i = 0; i < captured; i++)
        {
            record.put((byte)i);
        }
        return record.array();
    }

    static byte[] concat(final byte[]... parts)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static PcapReader reader(final byte[] file) throws IOException
    {
        return new PcapReader(new ByteArrayInputStream(file), "test.pcap");
    }

    private static PcapFormatException open(final byte[] file)
    {
        return assertThrows(PcapFormatException.class, () -> reader(file).close());
    }

    private static PcapFormatException readAll(final byte[] file)
    {
        try (PcapReader reader = reader(file))
        {
            while (reader.next())
            {
                reader.data();
            }
        }
        catch (final PcapFormatException ex)
        {
            return ex;
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
        return fail("no PcapFormatException for a corrupt file");
    }

    private static void assertProblem(final PcapFormatException ex, final long offset, final String problem)
    {
        assertEquals(offset, ex.fileOffset(), ex.getMessage());
        assertTrue(ex.getMessage().contains("at file offset " + offset + ": "), ex.getMessage());
        assertTrue(ex.getMessage().contains(problem), ex.getMessage());
    }
}
