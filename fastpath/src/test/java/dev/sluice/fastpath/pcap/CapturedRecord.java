package dev.sluice.fastpath.pcap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A record read by {@link PcapReader}, copied out so tests can compare whole files.
 */
record CapturedRecord(
    String hex, int originalLength, long timestampNs, boolean hasTimestamp, int linkType, int snapLength,
    int interfaceIndex, int sectionIndex)
{
    static List<CapturedRecord> readAll(final Path file) throws IOException
    {
        try (PcapReader reader = new PcapReader(file))
        {
            return readAll(reader);
        }
    }

    static List<CapturedRecord> readAll(final PcapReader reader) throws IOException
    {
        final List<CapturedRecord> records = new ArrayList<>();
        while (reader.next())
        {
            final byte[] bytes = new byte[reader.capturedLength()];
            reader.data().getBytes(0, bytes);
            records.add(new CapturedRecord(
                HexFormat.of().formatHex(bytes), reader.originalLength(), reader.timestampNs(), reader.hasTimestamp(),
                reader.linkType(), reader.snapLength(), reader.interfaceIndex(), reader.sectionIndex()));
        }
        return records;
    }
}
