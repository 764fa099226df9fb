package dev.sluice.fastpath.service;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.List;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.wire.Checksums;
import dev.sluice.wire.SctpChecksum;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test helper: builds Ethernet frames with correct checksums in Java, parses them into a vector, and checks every
 * checksum of a packet by full recomputation.
 */
final class TestPackets
{
    static final int FRAME_SIZE = 2048;
    static final int HEADROOM = 128;

    private static final SctpChecksum SCTP = new SctpChecksum(2000);

    private TestPackets()
    {
    }

    /** A flow tuple: addresses as IPv4-mapped or IPv6 halves. */
    record Tuple(int protocol, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort)
    {
        boolean ipv4()
        {
            return PacketVector.isIpv4Mapped(srcHi, srcLo);
        }

        Tuple reversed()
        {
            return new Tuple(protocol, dstHi, dstLo, dstPort, srcHi, srcLo, srcPort);
        }
    }

    static long v4(final int a, final int b, final int c, final int d)
    {
        return PacketVector.ipv4Mapped(a << 24 | b << 16 | c << 8 | d);
    }

    /**
     * A frame for the tuple. TCP gets the given flags and seq; ICMP echo uses srcPort as the id (dstPort must equal
     * it). udpZeroChecksum leaves an IPv4 UDP checksum at 0 (none).
     */
    static byte[] frame(final Tuple t, final byte[] payload, final int tcpFlags, final int seq,
        final boolean udpZeroChecksum)
    {
        final boolean ipv4 = t.ipv4();
        final int l4Header = switch (t.protocol())
        {
            case IpProtocol.TCP -> 20;
            case IpProtocol.UDP, IpProtocol.ICMP, IpProtocol.ICMPV6 -> 8;
            case IpProtocol.SCTP -> 12;
            default -> throw new IllegalArgumentException("protocol " + t.protocol());
        };
        final int l4Length = l4Header + payload.length;
        final int ipHeader = ipv4 ? 20 : 40;
        final byte[] bytes = new byte[14 + ipHeader + l4Length];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        b.putLong(0, 0x0200_0000_0001_0200L, BIG_ENDIAN); // dst 02:00:00:00:00:01, src 02:00:...
        b.putInt(8, 0x0000_0002, BIG_ENDIAN);
        b.putShort(12, (short)(ipv4 ? 0x0800 : 0x86DD), BIG_ENDIAN);
        final int l3 = 14;
        final int l4 = l3 + ipHeader;
        if (ipv4)
        {
            b.putByte(l3, (byte)0x45);
            b.putShort(l3 + 2, (short)(ipHeader + l4Length), BIG_ENDIAN);
            b.putShort(l3 + 4, (short)0x1234, BIG_ENDIAN);
            b.putShort(l3 + 6, (short)0x4000, BIG_ENDIAN);
            b.putByte(l3 + 8, (byte)64);
            b.putByte(l3 + 9, (byte)t.protocol());
            b.putInt(l3 + 12, (int)t.srcLo(), BIG_ENDIAN);
            b.putInt(l3 + 16, (int)t.dstLo(), BIG_ENDIAN);
            b.putShort(l3 + 10, (short)Checksums.ipv4HeaderChecksum(b, l3, 20), BIG_ENDIAN);
        }
        else
        {
            b.putInt(l3, 6 << 28, BIG_ENDIAN);
            b.putShort(l3 + 4, (short)l4Length, BIG_ENDIAN);
            b.putByte(l3 + 6, (byte)t.protocol());
            b.putByte(l3 + 7, (byte)64);
            b.putLong(l3 + 8, t.srcHi(), BIG_ENDIAN);
            b.putLong(l3 + 16, t.srcLo(), BIG_ENDIAN);
            b.putLong(l3 + 24, t.dstHi(), BIG_ENDIAN);
            b.putLong(l3 + 32, t.dstLo(), BIG_ENDIAN);
        }
        b.putBytes(l4 + l4Header, payload);
        final long pseudo = ipv4 ?
            Checksums.ipv4PseudoHeaderSum((int)t.srcLo(), (int)t.dstLo(), t.protocol(), l4Length) :
            Checksums.ipv6PseudoHeaderSum(t.srcHi(), t.srcLo(), t.dstHi(), t.dstLo(), t.protocol(), l4Length);
        switch (t.protocol())
        {
            case IpProtocol.TCP ->
            {
                b.putShort(l4, (short)t.srcPort(), BIG_ENDIAN);
                b.putShort(l4 + 2, (short)t.dstPort(), BIG_ENDIAN);
                b.putInt(l4 + 4, seq, BIG_ENDIAN);
                b.putInt(l4 + 8, (tcpFlags & 0x10) != 0 ? 0x0BAD_CAFE : 0, BIG_ENDIAN);
                b.putByte(l4 + 12, (byte)0x50);
                b.putByte(l4 + 13, (byte)tcpFlags);
                b.putShort(l4 + 14, (short)64240, BIG_ENDIAN);
                b.putShort(l4 + 16, (short)Checksums.l4Checksum(pseudo, b, l4, l4Length, l4 + 16), BIG_ENDIAN);
            }
            case IpProtocol.UDP ->
            {
                b.putShort(l4, (short)t.srcPort(), BIG_ENDIAN);
                b.putShort(l4 + 2, (short)t.dstPort(), BIG_ENDIAN);
                b.putShort(l4 + 4, (short)l4Length, BIG_ENDIAN);
                if (!(ipv4 && udpZeroChecksum))
                {
                    b.putShort(l4 + 6, (short)Checksums.udpWireChecksum(
                        Checksums.l4Checksum(pseudo, b, l4, l4Length, l4 + 6)), BIG_ENDIAN);
                }
            }
            case IpProtocol.SCTP ->
            {
                b.putShort(l4, (short)t.srcPort(), BIG_ENDIAN);
                b.putShort(l4 + 2, (short)t.dstPort(), BIG_ENDIAN);
                b.putInt(l4 + 4, 0x1122_3344, BIG_ENDIAN);
                SCTP.store(b, l4, l4Length);
            }
            default ->
            {
                b.putByte(l4, (byte)(ipv4 ? 8 : 128));
                b.putShort(l4 + 4, (short)t.srcPort(), BIG_ENDIAN);
                b.putShort(l4 + 6, (short)7, BIG_ENDIAN);
                b.putShort(l4 + 2, (short)Checksums.l4Checksum(ipv4 ? 0 : pseudo, b, l4, l4Length, l4 + 2),
                    BIG_ENDIAN);
            }
        }
        return bytes;
    }

    /** A vector over an off-heap buffer with one frame per slot, parsed. */
    static PacketVector parsed(final List<byte[]> frames)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, frames.size()) *
            FRAME_SIZE));
        final PacketVector v = new PacketVector(PacketVector.MAX_CAPACITY);
        load(v, buffer, frames);
        return v;
    }

    static void load(final PacketVector v, final UnsafeBuffer buffer, final List<byte[]> frames)
    {
        v.reset(buffer);
        for (int i = 0; i < frames.size(); i++)
        {
            final int offset = i * FRAME_SIZE + HEADROOM;
            buffer.putBytes(offset, frames.get(i));
            v.add(i, offset, frames.get(i).length, 0, i);
        }
        new ParseStage(FRAME_SIZE - HEADROOM, new Counters(DropReason.MAX_CODES)).process(v);
    }

    static byte[] bytes(final PacketVector v, final int i)
    {
        final byte[] out = new byte[v.length[i]];
        v.buffer().getBytes(v.offset[i], out);
        return out;
    }

    static Tuple tuple(final PacketVector v, final int i)
    {
        return new Tuple(v.protocol[i], v.srcHi[i], v.srcLo[i], v.srcPort[i], v.dstHi[i], v.dstLo[i], v.dstPort[i]);
    }

    /** Every checksum of packet i, by full recomputation: IPv4 header, TCP/UDP/ICMP(v6), SCTP CRC32c. */
    static String checksumProblems(final PacketVector v, final int i)
    {
        final DirectBuffer b = v.buffer();
        final int base = v.offset[i];
        final int l3 = base + v.l3Offset[i];
        final int l4 = base + v.l4Offset[i];
        final int l4Length = v.l3Length[i] - (v.l4Offset[i] - v.l3Offset[i]);
        final boolean ipv4 = v.hasFlag(i, PacketVector.FLAG_IPV4);
        final StringBuilder problems = new StringBuilder();
        if (ipv4 && !Checksums.ipv4HeaderValid(b, l3, (b.getByte(l3) & 0xF) * 4))
        {
            problems.append("ipv4 header; ");
        }
        final int protocol = v.protocol[i];
        final long pseudo = ipv4 ?
            Checksums.ipv4PseudoHeaderSum(b.getInt(l3 + 12, BIG_ENDIAN), b.getInt(l3 + 16, BIG_ENDIAN), protocol,
                l4Length) :
            Checksums.ipv6PseudoHeaderSum(b, l3 + 8, l3 + 24, protocol, l4Length);
        switch (protocol)
        {
            case IpProtocol.TCP ->
            {
                if (!Checksums.l4Valid(pseudo, b, l4, l4Length))
                {
                    problems.append("tcp; ");
                }
            }
            case IpProtocol.UDP ->
            {
                final int stored = b.getShort(l4 + 6, BIG_ENDIAN) & 0xFFFF;
                if (!(ipv4 && stored == 0) && !Checksums.l4Valid(pseudo, b, l4, l4Length))
                {
                    problems.append("udp; ");
                }
            }
            case IpProtocol.SCTP ->
            {
                if (!SCTP.valid(b, l4, l4Length))
                {
                    problems.append("sctp; ");
                }
            }
            case IpProtocol.ICMP ->
            {
                if (!Checksums.l4Valid(0, b, l4, l4Length))
                {
                    problems.append("icmp; ");
                }
            }
            case IpProtocol.ICMPV6 ->
            {
                if (!Checksums.l4Valid(pseudo, b, l4, l4Length))
                {
                    problems.append("icmpv6; ");
                }
            }
            default ->
            {
            }
        }
        return problems.toString();
    }
}
