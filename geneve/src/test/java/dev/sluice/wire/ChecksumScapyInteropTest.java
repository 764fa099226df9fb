package dev.sluice.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.testkit.ExternalTools;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Our checksums against an independent encoder: scapy builds packets and fills in every checksum (IPv4 header,
 * TCP, UDP, ICMP, ICMPv6, SCTP CRC32c); {@link Checksums} and {@link SctpChecksum} must compute the same values from
 * the bytes, with scapy's stored field still in place (so the field cancellation is exercised too).
 */
class ChecksumScapyInteropTest
{
    private static final int[] PAYLOAD_SIZES = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 1001, 1400 };
    private static final String V4 = "IP(src='198.18.0.1',dst='198.19.255.254',ttl=9,id=%d)";
    private static final String V4_OPTIONS = "IP(src='198.18.7.9',dst='198.19.0.3',id=%d,options=[" +
        "IPOption(b'\\x94\\x04\\x00\\x00'),IPOption_NOP(),IPOption(b'\\x07\\x07\\x04\\xc6\\x12\\x00\\x01')])";
    private static final String V6 = "IPv6(src='2001:2::1',dst='2001:2:0:ffff::fe',fl=%d)";

    @Test
    void checksumsEqualScapys()
    {
        final List<String> expressions = new ArrayList<>();
        for (final int size : PAYLOAD_SIZES)
        {
            final String raw = "Raw(bytes((i * 7 + " + size + ") % 256 for i in range(" + size + ")))";
            expressions.add(V4_OPTIONS.formatted(size) + "/TCP(sport=40000,dport=443,flags='PA',seq=" + size * 977 +
                ",ack=5,window=1024)/" + raw);
            expressions.add(V4.formatted(size) + "/TCP(sport=1,dport=65535,flags='S',options=[('MSS',1460)," +
                "('NOP',None),('WScale',7)])/" + raw);
            expressions.add(V4.formatted(size) + "/UDP(sport=53,dport=" + (1000 + size) + ")/" + raw);
            expressions.add(V4_OPTIONS.formatted(size) + "/UDP(sport=65535,dport=0)/" + raw);
            expressions.add(V4.formatted(size) + "/ICMP(type=8,id=" + size + ",seq=3)/" + raw);
            expressions.add(V4_OPTIONS.formatted(size) + "/ICMP(type=0,id=0,seq=" + size + ")/" + raw);
            expressions.add(V6.formatted(size) + "/TCP(sport=443,dport=50000,flags='A',seq=" + size + ")/" + raw);
            expressions.add(V6.formatted(size) + "/UDP(sport=4789,dport=6081)/" + raw);
            expressions.add(V6.formatted(size) + "/ICMPv6EchoRequest(id=" + size + ",seq=9,data=" + raw + ".load)");
            expressions.add(V6.formatted(size) + "/ICMPv6EchoReply(id=7,seq=" + size + ",data=" + raw + ".load)");
            expressions.add(V6.formatted(size) + "/IPv6ExtHdrHopByHop(options=[RouterAlert()])/UDP(sport=9,dport=" +
                (2000 + size) + ")/" + raw);
            expressions.add(V6.formatted(size) + "/IPv6ExtHdrHopByHop()/TCP(sport=80,dport=8080)/" + raw);
        }

        final Map<String, Integer> checked = new TreeMap<>();
        for (final byte[] frame : ExternalTools.scapyFrames(expressions))
        {
            for (final UnsafeBuffer buffer : copies(frame, 5))
            {
                checkFrame(buffer, 5, frame.length, checked);
            }
        }
        assertEquals(Map.of("icmp", 64, "icmpv6", 64, "ipv4-header", 192, "tcp", 128, "udp", 128), checked);
    }

    @Test
    void sctpChecksumEqualsScapysCrc32c()
    {
        final List<String> expressions = new ArrayList<>();
        for (final int size : PAYLOAD_SIZES)
        {
            final String data = "bytes((i * 13 + " + size + ") % 256 for i in range(" + size + "))";
            expressions.add(V4.formatted(size) + "/SCTP(sport=5000,dport=5001,tag=0)/SCTPChunkInit(init_tag=" +
                (0x1234 + size) + ",a_rwnd=65535,n_out_streams=10,n_in_streams=10,init_tsn=" + size + ")");
            expressions.add(V4_OPTIONS.formatted(size) + "/SCTP(sport=38412,dport=38412,tag=0xabcdef)/" +
                "SCTPChunkData(tsn=" + size + ",stream_id=1,stream_seq=2,proto_id=60,data=" + data + ")");
            expressions.add(V6.formatted(size) + "/SCTP(sport=36412,dport=2905,tag=" + (size + 1) + ")/" +
                "SCTPChunkData(tsn=1,beginning=1,ending=1,data=" + data + ")");
        }

        final SctpChecksum sctp = new SctpChecksum(2048);
        int checked = 0;
        for (final byte[] frame : ExternalTools.scapyFrames(expressions))
        {
            for (final UnsafeBuffer buffer : copies(frame, 3))
            {
                final int l4 = 3 + ((frame[0] >> 4) == 4 ? (frame[0] & 0xF) * 4 : 40);
                final int length = 3 + frame.length - l4;
                assertEquals(132, ((frame[0] >> 4) == 4 ? frame[9] : frame[6]) & 0xFF, "SCTP");
                final int stored = buffer.getInt(l4 + SctpChecksum.CHECKSUM_OFFSET, LITTLE_ENDIAN);

                assertTrue(sctp.valid(buffer, l4, length), "scapy's SCTP checksum is valid");
                assertEquals(stored & 0xFFFF_FFFFL, sctp.compute(buffer, l4, length));

                final int lastByte = l4 + length - 1;
                buffer.putByte(lastByte, (byte)(buffer.getByte(lastByte) ^ 0x10));
                assertFalse(sctp.valid(buffer, l4, length), "a flipped bit is caught");
                assertTrue(sctp.store(buffer, l4, length));
                assertTrue(sctp.valid(buffer, l4, length), "store() makes it valid again");
                assertTrue(stored != buffer.getInt(l4 + SctpChecksum.CHECKSUM_OFFSET, LITTLE_ENDIAN));

                buffer.putByte(l4 + SctpChecksum.CHECKSUM_OFFSET + 3, (byte)~buffer.getByte(
                    l4 + SctpChecksum.CHECKSUM_OFFSET + 3));
                assertFalse(sctp.valid(buffer, l4, length), "a damaged checksum field is caught");
                assertFalse(sctp.valid(buffer, l4, 11), "too short");
                assertEquals(-1, sctp.compute(buffer, l4, 2049), "longer than the scratch array");
                checked++;
            }
        }
        assertEquals(PAYLOAD_SIZES.length * 3 * 2, checked);
    }

    private static void checkFrame(
        final UnsafeBuffer buffer, final int l3, final int length, final Map<String, Integer> checked)
    {
        final int version = (buffer.getByte(l3) & 0xF0) >> 4;
        final int protocol;
        final int l4;
        final int l4Length;
        final long pseudoHeaderSum;
        if (version == 4)
        {
            final int ihl = (buffer.getByte(l3) & 0xF) * 4;
            assertEquals(length, buffer.getShort(l3 + 2, BIG_ENDIAN) & 0xFFFF);
            assertEquals(buffer.getShort(l3 + 10, BIG_ENDIAN) & 0xFFFF, Checksums.ipv4HeaderChecksum(buffer, l3, ihl));
            assertTrue(Checksums.ipv4HeaderValid(buffer, l3, ihl));
            checked.merge("ipv4-header", 1, Integer::sum);
            protocol = buffer.getByte(l3 + 9) & 0xFF;
            l4 = l3 + ihl;
            l4Length = length - ihl;
            pseudoHeaderSum = protocol == 1 ? 0 : Checksums.ipv4PseudoHeaderSum(
                buffer.getInt(l3 + 12, BIG_ENDIAN), buffer.getInt(l3 + 16, BIG_ENDIAN), protocol, l4Length);
        }
        else
        {
            assertEquals(6, version);
            int nextHeader = buffer.getByte(l3 + 6) & 0xFF;
            int offset = l3 + 40;
            while (nextHeader == 0)
            {
                nextHeader = buffer.getByte(offset) & 0xFF;
                offset += ((buffer.getByte(offset + 1) & 0xFF) + 1) * 8;
            }
            protocol = nextHeader;
            l4 = offset;
            l4Length = l3 + length - offset;
            pseudoHeaderSum = Checksums.ipv6PseudoHeaderSum(buffer, l3 + 8, l3 + 24, protocol, l4Length);
            assertEquals(Checksums.fold(pseudoHeaderSum), Checksums.fold(Checksums.ipv6PseudoHeaderSum(
                buffer.getLong(l3 + 8, BIG_ENDIAN), buffer.getLong(l3 + 16, BIG_ENDIAN),
                buffer.getLong(l3 + 24, BIG_ENDIAN), buffer.getLong(l3 + 32, BIG_ENDIAN), protocol, l4Length)));
        }
        final String name;
        final int checksumOffset;
        switch (protocol)
        {
            case 6 -> { name = "tcp"; checksumOffset = l4 + 16; }
            case 17 -> { name = "udp"; checksumOffset = l4 + 6; }
            case 1 -> { name = "icmp"; checksumOffset = l4 + 2; }
            case 58 -> { name = "icmpv6"; checksumOffset = l4 + 2; }
            default -> throw new AssertionError("unexpected protocol " + protocol);
        }
        final int stored = buffer.getShort(checksumOffset, BIG_ENDIAN) & 0xFFFF;
        final int computed = Checksums.l4Checksum(pseudoHeaderSum, buffer, l4, l4Length, checksumOffset);
        assertEquals(stored, protocol == 17 ? Checksums.udpWireChecksum(computed) : computed, name);
        assertTrue(Checksums.l4Valid(pseudoHeaderSum, buffer, l4, l4Length), name + " valid");

        // any change to the covered bytes is caught
        final int last = l4 + l4Length - 1;
        buffer.putByte(last, (byte)(buffer.getByte(last) ^ 0x01));
        assertFalse(Checksums.l4Valid(pseudoHeaderSum, buffer, l4, l4Length), name + " after a bit flip");
        buffer.putByte(last, (byte)(buffer.getByte(last) ^ 0x01));
        checked.merge(name, 1, Integer::sum);
    }

    /** The frame at {@code offset} in a heap buffer and in an off-heap buffer. */
    private static List<UnsafeBuffer> copies(final byte[] frame, final int offset)
    {
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[frame.length + offset + 8]);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(frame.length + offset + 8));
        heap.putBytes(offset, frame);
        direct.putBytes(offset, frame);
        return List.of(heap, direct);
    }
}
