package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading records allocates nothing: measured with the thread's allocated-bytes counter around the read loop of a
 * 10k-record file, after warm-up.
 */
class PcapReaderAllocationTest
{
    private static final int RECORDS = 10_000;

    @TempDir
    Path dir;

    @Test
    void readingTenThousandRecordsAllocatesLessThanOneBytePerRecord() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final Path file = dir.resolve("10k.pcap");
        final long expectedChecksum = write(file);

        for (int warmUp = 0; warmUp < 5; warmUp++)
        {
            try (PcapReader reader = new PcapReader(file))
            {
                assertEquals(expectedChecksum, readAll(reader));
            }
        }

        try (PcapReader reader = new PcapReader(file))
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            final long checksum = readAll(reader);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(expectedChecksum, checksum);
            // < 1 byte a record on average, plus a small constant for the measurement itself.
            assertTrue(allocated < RECORDS + 1024, "allocated " + allocated + " bytes reading " + RECORDS +
                " records");
        }
    }

    private static long write(final Path file) throws IOException
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[1600]);
        long checksum = 0;
        try (PcapWriter writer = new PcapWriter(file))
        {
            for (int i = 0; i < RECORDS; i++)
            {
                final int length = 14 + (i * 37) % 1500;
                for (int j = 0; j < length; j++)
                {
                    frame.putByte(j, (byte)(i + j));
                }
                final long timestampNs = 1_700_000_000_000_000_000L + i * 1_000L + (i % 7);
                writer.write(frame, 0, length, timestampNs);
                checksum = checksum * 31 + digest(frame, length) + timestampNs + length;
            }
        }
        return checksum;
    }

    private static long readAll(final PcapReader reader) throws IOException
    {
        long checksum = 0;
        while (reader.next())
        {
            checksum = checksum * 31 + digest(reader.data(), reader.capturedLength()) + reader.timestampNs() +
                reader.originalLength();
        }
        return checksum;
    }

    private static long digest(final DirectBuffer buffer, final int length)
    {
        long digest = length;
        for (int i = 0; i < length; i++)
        {
            digest = digest * 131 + buffer.getByte(i);
        }
        return digest;
    }
}
