package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes {@link PcapReader} (classic pcap in both byte orders and resolutions, pcapng with sections, interfaces,
 * Enhanced, Simple and unknown blocks) over arbitrary files.
 *
 * <p>Invariants: the constructor and {@link PcapReader#next()} either succeed or throw {@link PcapFormatException}
 * whose message names the source and a file offset inside the file — never another exception; a record's
 * {@link PcapReader#data()} holds exactly its captured length, at most {@link PcapDescriptor#MAX_RECORD_LENGTH} and
 * at most the snaplen that applies; record offsets grow and no more records come out than the file has room for;
 * no hostile length field makes the reader allocate: the thread allocates less than 1 MiB + 16 bytes per input byte
 * while reading (the reader's buffer is allocated once, at construction); and every record that is valid for a
 * classic pcap file round-trips through {@link PcapWriter} and back unchanged (bytes, original length, timestamp).
 * Seeds ({@code PcapReaderFuzzTestInputs/readAnyFile/}, written by {@code fastpath/src/test/scapy/pcap_fuzz_seeds.py})
 * are captures written by scapy and converted by editcap (pcapng, nanosecond pcap), a big-endian file, and cut ones.
 */
@Tag("fuzz")
class PcapReaderFuzzTest
{
    private static final String SOURCE = "fuzz.pcap";
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private record Record(byte[] data, int originalLength, long timestampNs)
    {
    }

    @FuzzTest(maxDuration = "3m")
    void readAnyFile(final byte[] file) throws IOException
    {
        final List<Record> roundTrip = new ArrayList<>();
        PcapReader reader = null;
        int records = 0;
        try
        {
            reader = new PcapReader(new ByteArrayInputStream(file), SOURCE);
            final long afterOpen = THREADS.getCurrentThreadAllocatedBytes();
            long previousOffset = -1;
            while (reader.next())
            {
                records++;
                assertTrue(records <= file.length / 12, "more records than the file has room for: " + records);
                final int captured = reader.capturedLength();
                assertTrue(captured >= 0 && captured <= PcapDescriptor.MAX_RECORD_LENGTH, "captured " + captured);
                assertEquals(captured, reader.data().capacity(), "data() view length");
                assertTrue(reader.snapLength() == 0 || captured <= reader.snapLength(),
                    "captured " + captured + " over snaplen " + reader.snapLength());
                assertTrue(reader.recordFileOffset() > previousOffset && reader.recordFileOffset() < file.length,
                    "record offset " + reader.recordFileOffset());
                previousOffset = reader.recordFileOffset();
                final long timestampNs = reader.timestampNs();
                if (reader.originalLength() >= captured && captured <= PcapWriter.SNAP_LENGTH &&
                    timestampNs >= 0 && timestampNs / 1_000_000_000L < (1L << 32) && roundTrip.size() < 64)
                {
                    final byte[] bytes = new byte[captured];
                    reader.data().getBytes(0, bytes);
                    roundTrip.add(new Record(bytes, reader.originalLength(), timestampNs));
                }
            }
            final long allocated = THREADS.getCurrentThreadAllocatedBytes() - afterOpen;
            final long budget = (1 << 20) + 16L * file.length + roundTrip.stream().mapToLong(r -> r.data.length + 64)
                .sum();
            assertTrue(allocated < budget, "reading allocated " + allocated + " bytes for a " + file.length +
                "-byte file");
        }
        catch (final PcapFormatException ex)
        {
            final String message = ex.getMessage();
            assertTrue(message.startsWith(SOURCE + ": at file offset "), message);
            assertTrue(ex.fileOffset() >= 0 && ex.fileOffset() <= file.length,
                "error offset " + ex.fileOffset() + " outside the " + file.length + "-byte file: " + message);
            assertFalse(message.endsWith(": "), "no problem named: " + message);
        }
        finally
        {
            if (reader != null)
            {
                reader.close();
            }
        }
        checkRoundTrip(roundTrip);
    }

    private static void checkRoundTrip(final List<Record> records) throws IOException
    {
        if (records.isEmpty())
        {
            return;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out))
        {
            for (final Record r : records)
            {
                writer.write(new org.agrona.concurrent.UnsafeBuffer(r.data), 0, r.data.length, r.originalLength,
                    r.timestampNs);
            }
        }
        try (PcapReader reader = new PcapReader(new ByteArrayInputStream(out.toByteArray()), "round-trip"))
        {
            for (final Record r : records)
            {
                if (!reader.next())
                {
                    fail("a written record is missing");
                }
                final byte[] bytes = new byte[reader.capturedLength()];
                reader.data().getBytes(0, bytes);
                assertArrayEquals(r.data, bytes, "bytes");
                assertEquals(r.originalLength, reader.originalLength(), "original length");
                assertEquals(r.timestampNs, reader.timestampNs(), "timestamp");
            }
            assertFalse(reader.next(), "an extra record");
        }
    }
}
