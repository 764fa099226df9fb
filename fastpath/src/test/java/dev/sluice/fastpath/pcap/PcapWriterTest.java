package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapWriterTest
{
    @TempDir
    Path dir;

    @Test
    void writesTheExactLittleEndianNanosecondLayout() throws Exception
    {
        final Path file = dir.resolve("exact.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[] {9, 9, 1, 2, 3, 9});
            writer.write(buffer, 2, 3, 1_000_000_002_000_000_005L);
        }
        final String expected =
            "4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000" +
            "02ca9a3b" + "05000000" + "03000000" + "03000000" + "010203";
        assertEquals(expected, HexFormat.of().formatHex(Files.readAllBytes(file)));
    }

    @Test
    void flushMakesRecordsVisibleBeforeClose() throws Exception
    {
        final Path file = dir.resolve("flush.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            writer.write(new UnsafeBuffer(new byte[10]), 0, 10, 5);
            assertEquals(0, Files.size(file), "header and record still buffered");
            writer.flush();
            assertEquals(24 + 16 + 10, Files.size(file));
            assertEquals(1, CapturedRecord.readAll(file).size());
        }
    }

    @Test
    void manyLargeFramesCrossTheBufferBoundaryIntact() throws Exception
    {
        final Path file = dir.resolve("large.pcap");
        final byte[] frame = PcapReaderPcapngTest.pattern(9_000, 3);
        try (PcapWriter writer = new PcapWriter(file))
        {
            for (int i = 0; i < 100; i++)
            {
                frame[0] = (byte)i;
                writer.write(new UnsafeBuffer(frame), 0, frame.length, i);
            }
        }
        int i = 0;
        for (final CapturedRecord record : CapturedRecord.readAll(file))
        {
            frame[0] = (byte)i;
            assertEquals(PcapReaderPcapngTest.hex(frame), record.hex());
            assertEquals(i++, record.timestampNs());
        }
        assertEquals(100, i);
    }

    @Test
    void rejectsBadArgumentsAndWritesAfterClose() throws Exception
    {
        final PcapWriter writer = new PcapWriter(dir.resolve("closed.pcap"));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4]);
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> writer.write(buffer, 0, 4, -1));
        assertTrue(negative.getMessage().contains("-1"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> writer.write(buffer, 0, 4, 4_294_967_296_000_000_000L));
        assertThrows(IllegalArgumentException.class, () -> writer.write(buffer, 0, 4, 3, 0));
        writer.close();
        writer.close();
        assertThrows(IOException.class, () -> writer.write(buffer, 0, 4, 0));
    }
}
