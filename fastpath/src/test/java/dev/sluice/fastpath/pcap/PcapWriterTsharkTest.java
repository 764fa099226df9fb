package dev.sluice.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;

/**
 * Files written by {@link PcapWriter} as decoded by the real tshark, with frames encoded by scapy.
 */
class PcapWriterTsharkTest
{
    private static final int JUMBO_LENGTH = 70_000;

    @TempDir
    Path dir;

    @Test
    void tsharkDecodesFramesLengthsAndNanosecondTimestamps() throws Exception
    {
        ExternalTools.requireCommand("tshark", "tshark");
        final List<byte[]> scapy = ExternalTools.scapyFrames(List.of(
            "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.19.0.7')" +
                "/UDP(sport=40000, dport=6081)/Raw(b'a'*10)",
            "Ether(src='02:00:00:00:00:03', dst='02:00:00:00:00:04')/IPv6(src='2001:2::1', dst='2001:2::2')" +
                "/TCP(sport=1234, dport=80, flags='S')",
            "Ether(src='02:00:00:00:00:05', dst='02:00:00:00:00:06')/IP(src='198.18.1.2', dst='198.18.1.3')" +
                "/UDP(sport=5353, dport=53)/Raw(b'q'*1400)"));
        // A frame longer than the snaplen: the first scapy frame followed by zero padding (an Ethernet trailer).
        final byte[] jumbo = Arrays.copyOf(scapy.get(0), JUMBO_LENGTH);
        final List<byte[]> frames = List.of(scapy.get(0), scapy.get(1), scapy.get(2), jumbo);
        final long[] timestampsNs = {
            1_700_000_000_123_456_789L, 1_700_000_000_123_456_790L, 0L, 4_294_967_295_999_999_999L};

        final Path file = dir.resolve("written.pcap");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[JUMBO_LENGTH + 64]);
        final int offset = 13;
        try (PcapWriter writer = new PcapWriter(file))
        {
            for (int i = 0; i < frames.size(); i++)
            {
                buffer.putBytes(offset, frames.get(i));
                writer.write(buffer, offset, frames.get(i).length, timestampsNs[i]);
            }
        }

        final List<String[]> rows = ExternalTools.tsharkFields(file,
            "frame.len", "frame.cap_len", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "udp.dstport",
            "tcp.dstport", "tcp.flags.syn");
        assertEquals(4, rows.size());
        final String[][] expected = {
            {"52", "52", "198.18.0.1", "198.19.0.7", "", "6081", "", ""},
            {"74", "74", "", "", "2001:2::1", "", "80", "1"},
            {"1442", "1442", "198.18.1.2", "198.18.1.3", "", "53", "", ""},
            {"70000", "65535", "198.18.0.1", "198.19.0.7", "", "6081", "", ""},
        };
        for (int i = 0; i < rows.size(); i++)
        {
            final String[] row = rows.get(i);
            assertEquals(frames.get(i).length, Integer.parseInt(row[0]), "frame " + i);
            assertEquals(expected[i][0], row[0], "frame.len of frame " + i);
            assertEquals(expected[i][1], row[1], "frame.cap_len of frame " + i);
            assertEquals(timestampsNs[i], TestTimes.epochNs(row[2]), "frame.time_epoch of frame " + i + ": " + row[2]);
            assertEquals(expected[i][2], row[3], "ip.src of frame " + i);
            assertEquals(expected[i][3], row[4], "ip.dst of frame " + i);
            assertEquals(expected[i][4], row[5], "ipv6.src of frame " + i);
            assertEquals(expected[i][5], row[6], "udp.dstport of frame " + i);
            assertEquals(expected[i][6], row[7], "tcp.dstport of frame " + i);
            assertEquals(expected[i][7], row[8].replace("True", "1"), "tcp.flags.syn of frame " + i);
        }

        // The captured bytes of the truncated frame are its first 65535 bytes.
        final List<String[]> data = ExternalTools.tsharkFields(file, "frame.cap_len");
        assertEquals("65535", data.get(3)[0]);
        final List<CapturedRecord> readBack = CapturedRecord.readAll(file);
        assertEquals(JUMBO_LENGTH, readBack.get(3).originalLength());
        assertArrayEquals(Arrays.copyOf(jumbo, PcapWriter.SNAP_LENGTH),
            java.util.HexFormat.of().parseHex(readBack.get(3).hex()));
    }

    @Test
    void capinfosReportsNanosecondEthernetFileWithSnaplen65535() throws Exception
    {
        ExternalTools.requireCommand("capinfos", "wireshark-common");
        final byte[] frame = ExternalTools.scapyFrame(
            "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='198.18.0.1', dst='198.18.0.2')/UDP()");
        final Path file = dir.resolve("header.pcap");
        try (PcapWriter writer = new PcapWriter(Files.newOutputStream(file)))
        {
            writer.write(new UnsafeBuffer(frame), 0, frame.length, 1_600_000_000_000_000_001L);
        }

        final ExternalTools.Result result = ExternalTools.run(List.of("capinfos", "-t", "-E", "-l", "-c",
            file.toString()), null);
        assertEquals(0, result.exitCode(), result.stderr());
        final String out = result.stdout();
        assertTrue(out.matches("(?s).*File type:\\s+Wireshark/tcpdump/\\.\\.\\. - nanosecond pcap.*"), out);
        assertTrue(out.matches("(?s).*File encapsulation:\\s+Ethernet.*"), out);
        assertTrue(out.matches("(?s).*Packet size limit:\\s+file hdr: 65535 bytes.*"), out);
        assertTrue(out.matches("(?s).*Number of packets:\\s+1\\b.*"), out);
    }
}
