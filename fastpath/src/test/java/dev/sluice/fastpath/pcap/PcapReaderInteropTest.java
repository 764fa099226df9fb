package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;

/**
 * {@link PcapReader} over files written by independent writers: scapy's classic pcap writer (microsecond and
 * nanosecond, little and big endian) and pcapng writer, and Wireshark's pcapng writer (tshark, editcap).
 */
class PcapReaderInteropTest
{
    private static final String[] MICRO_TIMES = {
        "1700000000.000001", "1700000001.999999", "1700000002.0625", "1"};
    /** scapy's pcapng writer goes through a float: binary fractions survive that exactly. */
    private static final String[] PCAPNG_TIMES = {"1700000000.5", "1700000001.25", "1700000002.0625", "1"};
    private static final String[] NANO_TIMES = {
        "1700000000.123456789", "1700000000.123456790", "1700000001.000000001", "4000000000.987654321"};

    @TempDir
    Path dir;

    @Test
    void readsScapyClassicMicrosecondLittleEndian() throws Exception
    {
        assertScapyFile("wrpcap(path, pkts)", MICRO_TIMES, PcapReader.Format.PCAP_MICROSECONDS);
    }

    @Test
    void readsScapyClassicMicrosecondBigEndian() throws Exception
    {
        assertScapyFile("wrpcap(path, pkts, endianness='>')", MICRO_TIMES, PcapReader.Format.PCAP_MICROSECONDS);
    }

    @Test
    void readsScapyClassicNanosecondLittleEndian() throws Exception
    {
        assertScapyFile("wrpcap(path, pkts, nano=True)", NANO_TIMES, PcapReader.Format.PCAP_NANOSECONDS);
    }

    @Test
    void readsScapyClassicNanosecondBigEndian() throws Exception
    {
        assertScapyFile("wrpcap(path, pkts, nano=True, endianness='>')", NANO_TIMES,
            PcapReader.Format.PCAP_NANOSECONDS);
    }

    @Test
    void readsScapyPcapngWithCommentOptionsAfterThePacketData() throws Exception
    {
        assertScapyFile("wrpcapng(path, pkts)", PCAPNG_TIMES, PcapReader.Format.PCAPNG);
    }

    @Test
    void readsPcapngConvertedByTsharkAndEditcapFromOurNanosecondFile() throws Exception
    {
        ExternalTools.requireCommand("tshark", "tshark");
        ExternalTools.requireCommand("editcap", "wireshark-common");
        final List<byte[]> frames = ExternalTools.scapyFrames(List.of(
            "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2')" +
                "/UDP(sport=1, dport=2)/Raw(b'x'*3)",
            "Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')/IPv6(src='2001:2::2', dst='2001:2::1')" +
                "/TCP(sport=443, dport=50000, flags='SA')",
            "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2')" +
                "/ICMP()/Raw(b'p'*999)"));
        final long[] timestampsNs = {1_700_000_000_000_000_001L, 1_700_000_000_999_999_999L, 1_700_000_123_456_789_012L};
        final Path pcap = dir.resolve("ours.pcap");
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            for (int i = 0; i < frames.size(); i++)
            {
                writer.write(new UnsafeBuffer(frames.get(i)), 0, frames.get(i).length, timestampsNs[i]);
            }
        }

        final Path byTshark = dir.resolve("tshark.pcapng");
        ExternalTools.tshark("-r", pcap.toString(), "-F", "pcapng", "-w", byTshark.toString());
        final Path byEditcap = dir.resolve("editcap.pcapng");
        final ExternalTools.Result editcap = ExternalTools.run(
            List.of("editcap", "-F", "pcapng", pcap.toString(), byEditcap.toString()), null);
        assertEquals(0, editcap.exitCode(), editcap.stderr());

        for (final Path file : List.of(pcap, byTshark, byEditcap))
        {
            try (PcapReader reader = new PcapReader(file))
            {
                assertEquals(file == pcap ? PcapReader.Format.PCAP_NANOSECONDS : PcapReader.Format.PCAPNG,
                    reader.format(), file.toString());
                final List<CapturedRecord> records = CapturedRecord.readAll(reader);
                assertEquals(frames.size(), records.size(), file.toString());
                for (int i = 0; i < frames.size(); i++)
                {
                    final CapturedRecord record = records.get(i);
                    assertEquals(hex(frames.get(i)), record.hex(), file + " frame " + i);
                    assertEquals(frames.get(i).length, record.originalLength(), file + " frame " + i);
                    assertEquals(timestampsNs[i], record.timestampNs(), file + " frame " + i);
                    assertEquals(PcapDescriptor.LINKTYPE_ETHERNET, record.linkType(), file + " frame " + i);
                    assertEquals(PcapWriter.SNAP_LENGTH, record.snapLength(), file + " frame " + i);
                }
            }
        }
    }

    @Test
    void readsFromAnInputStreamLikeFromAFile() throws Exception
    {
        final Path file = writeScapyFile("wrpcapng(path, pkts)", PCAPNG_TIMES);
        final List<CapturedRecord> fromFile = CapturedRecord.readAll(file);
        try (InputStream in = Files.newInputStream(file); PcapReader reader = new PcapReader(in, "stream"))
        {
            assertEquals(fromFile, CapturedRecord.readAll(reader));
        }
    }

    private void assertScapyFile(final String writeCall, final String[] times, final PcapReader.Format format)
        throws Exception
    {
        final Path file = dir.resolve("scapy.cap");
        final List<String> frames = runScapyWriter(file, writeCall, times);
        try (PcapReader reader = new PcapReader(file))
        {
            assertEquals(format, reader.format());
            final List<CapturedRecord> records = CapturedRecord.readAll(reader);
            assertEquals(frames.size(), records.size());
            for (int i = 0; i < frames.size(); i++)
            {
                final CapturedRecord record = records.get(i);
                assertEquals(frames.get(i), record.hex(), "frame " + i);
                assertEquals(frames.get(i).length() / 2, record.originalLength(), "frame " + i);
                assertEquals(TestTimes.epochNs(times[i]), record.timestampNs(), "frame " + i);
                assertEquals(true, record.hasTimestamp(), "frame " + i);
                assertEquals(PcapDescriptor.LINKTYPE_ETHERNET, record.linkType(), "frame " + i);
                assertEquals(0, record.interfaceIndex(), "frame " + i);
            }
        }
    }

    private Path writeScapyFile(final String writeCall, final String[] times)
    {
        final Path file = dir.resolve("scapy-" + Math.abs(writeCall.hashCode()) + ".cap");
        runScapyWriter(file, writeCall, times);
        return file;
    }

    /** Builds frames in scapy, stamps them, writes them with {@code writeCall}; returns their bytes as hex. */
    private static List<String> runScapyWriter(final Path file, final String writeCall, final String[] times)
    {
        final StringBuilder script = new StringBuilder()
            .append("import logging\n")
            .append("logging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n")
            .append("from scapy.all import *\n")
            .append("path = ").append(pythonString(file.toString())).append("\n")
            .append("pkts = [\n")
            .append("  Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.9')")
            .append("/UDP(sport=4000, dport=6081)/Raw(b'g'*17),\n")
            .append("  Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')/IPv6(src='2001:2::9', dst='2001:2::1')")
            .append("/TCP(sport=80, dport=33000, flags='PA')/Raw(b'h'*1300),\n")
            .append("  Ether()/ARP(psrc='198.18.0.1', pdst='198.18.0.2'),\n")
            .append("  Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.9')")
            .append("/UDP(sport=4000, dport=6081)/Raw(bytes(range(256))*7),\n")
            .append("]\n")
            .append("times = [").append(String.join(", ", quoted(times))).append("]\n")
            .append("for i, (p, t) in enumerate(zip(pkts, times)):\n")
            .append("    p.time = EDecimal(t)\n")
            .append("    p.comment = ('packet %d' % i).encode()\n")
            .append(writeCall).append("\n")
            .append("for p in pkts:\n")
            .append("    print(bytes(p).hex())\n");
        final List<String> frames = new ArrayList<>();
        for (final String line : ExternalTools.scapyScript(script.toString()).split("\n"))
        {
            if (!line.isBlank())
            {
                frames.add(line.trim());
            }
        }
        assertEquals(times.length, frames.size());
        return frames;
    }

    private static List<String> quoted(final String[] values)
    {
        final List<String> quoted = new ArrayList<>();
        for (final String value : values)
        {
            quoted.add(pythonString(value));
        }
        return quoted;
    }

    private static String pythonString(final String value)
    {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String hex(final byte[] bytes)
    {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
