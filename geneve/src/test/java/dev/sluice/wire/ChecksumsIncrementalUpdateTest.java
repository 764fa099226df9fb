package dev.sluice.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * NAT-style rewrites of addresses and ports with the checksums patched incrementally ({@link Checksums#update16},
 * {@link Checksums#update32}, {@link Checksums#update128}) must give exactly what a from-scratch computation by
 * {@link NaiveInternetSum} gives, including the 0x0000/0xFFFF representation, and the packets must verify.
 */
class ChecksumsIncrementalUpdateTest
{
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMPV6 = 58;
    private static final int HOP_BY_HOP = 0;

    private static final int REWRITE_SRC_ADDRESS = 1;
    private static final int REWRITE_DST_ADDRESS = 2;
    private static final int REWRITE_SRC_PORT = 4;
    private static final int REWRITE_DST_PORT = 8;

    @Provide
    Arbitrary<Integer> ipv4Protocols()
    {
        return Arbitraries.of(TCP, UDP);
    }

    @Provide
    Arbitrary<Integer> ipv6Protocols()
    {
        return Arbitraries.of(TCP, UDP, ICMPV6);
    }

    @Property(tries = 3000)
    void ipv4NatRewriteMatchesFullRecomputation(
        @ForAll("ipv4Protocols") final int protocol,
        @ForAll final int src,
        @ForAll final int dst,
        @ForAll final short srcPort,
        @ForAll final short dstPort,
        @ForAll @Size(max = 300) final byte[] payload,
        @ForAll @IntRange(max = 10) final int optionWords,
        @ForAll @IntRange(max = 7) final int base,
        @ForAll final int newSrc,
        @ForAll final int newDst,
        @ForAll final short newSrcPort,
        @ForAll final short newDstPort,
        @ForAll @IntRange(max = 15) final int rewrite,
        @ForAll final boolean zeroBefore,
        @ForAll final boolean zeroAfter,
        @ForAll final boolean udpWithoutChecksum)
    {
        final Packet p = Packet.ipv4(protocol, src, dst, srcPort & 0xFFFF, dstPort & 0xFFFF, payload, optionWords, base);
        final boolean hasL4Checksum = !(protocol == UDP && udpWithoutChecksum);
        if (zeroBefore)
        {
            p.forceZeroL4Checksum();
        }
        p.storeFreshChecksums(hasL4Checksum);
        assertTrue(Checksums.ipv4HeaderValid(p.buffer, p.l3, p.l3Length));
        if (hasL4Checksum)
        {
            assertTrue(Checksums.l4Valid(p.ipv4PseudoHeaderSum(), p.buffer, p.l4, p.l4Length));
        }

        int headerSum = p.buffer.getShort(p.l3 + 10, BIG_ENDIAN) & 0xFFFF;
        int l4Sum = p.buffer.getShort(p.checksumOffset, BIG_ENDIAN) & 0xFFFF;
        if ((rewrite & REWRITE_SRC_ADDRESS) != 0)
        {
            headerSum = Checksums.update32(headerSum, src, newSrc);
            l4Sum = hasL4Checksum ? Checksums.update32(l4Sum, src, newSrc) : l4Sum;
            p.buffer.putInt(p.l3 + 12, newSrc, BIG_ENDIAN);
        }
        if ((rewrite & REWRITE_DST_ADDRESS) != 0)
        {
            headerSum = Checksums.update32(headerSum, dst, newDst);
            l4Sum = hasL4Checksum ? Checksums.update32(l4Sum, dst, newDst) : l4Sum;
            p.buffer.putInt(p.l3 + 16, newDst, BIG_ENDIAN);
        }
        final int l4SumBeforePorts = l4Sum;
        l4Sum = p.rewritePorts(l4Sum, rewrite, newSrcPort & 0xFFFF, newDstPort & 0xFFFF, zeroAfter);
        if (!hasL4Checksum)
        {
            l4Sum = l4SumBeforePorts;
        }
        p.buffer.putShort(p.l3 + 10, (short)headerSum, BIG_ENDIAN);

        assertEquals(p.referenceIpv4HeaderChecksum(), headerSum, "IPv4 header checksum");
        assertTrue(Checksums.ipv4HeaderValid(p.buffer, p.l3, p.l3Length));
        assertEquals(p.referenceIpv4HeaderChecksum(), Checksums.ipv4HeaderChecksum(p.buffer, p.l3, p.l3Length));
        if (!hasL4Checksum)
        {
            assertEquals(0, l4Sum, "UDP over IPv4 without a checksum keeps 0");
            return;
        }
        p.assertL4(l4Sum, p.ipv4PseudoHeaderSum(), p.anyL4Update(rewrite, zeroAfter));
    }

    @Property(tries = 3000)
    void ipv6NatRewriteMatchesFullRecomputation(
        @ForAll("ipv6Protocols") final int protocol,
        @ForAll final long srcHi,
        @ForAll final long srcLo,
        @ForAll final long dstHi,
        @ForAll final long dstLo,
        @ForAll final short srcPort,
        @ForAll final short dstPort,
        @ForAll @Size(max = 300) final byte[] payload,
        @ForAll final boolean hopByHop,
        @ForAll @IntRange(max = 7) final int base,
        @ForAll final long newSrcHi,
        @ForAll final long newSrcLo,
        @ForAll final long newDstHi,
        @ForAll final long newDstLo,
        @ForAll final short newSrcPort,
        @ForAll final short newDstPort,
        @ForAll @IntRange(max = 15) final int rewrite,
        @ForAll final boolean zeroBefore,
        @ForAll final boolean zeroAfter)
    {
        final Packet p = Packet.ipv6(
            protocol, srcHi, srcLo, dstHi, dstLo, srcPort & 0xFFFF, dstPort & 0xFFFF, payload, hopByHop, base);
        if (zeroBefore)
        {
            p.forceZeroL4Checksum();
        }
        p.storeFreshChecksums(true);
        assertTrue(Checksums.l4Valid(p.ipv6PseudoHeaderSum(), p.buffer, p.l4, p.l4Length));

        int l4Sum = p.buffer.getShort(p.checksumOffset, BIG_ENDIAN) & 0xFFFF;
        if ((rewrite & REWRITE_SRC_ADDRESS) != 0)
        {
            l4Sum = Checksums.update128(l4Sum, srcHi, srcLo, newSrcHi, newSrcLo);
            p.buffer.putLong(p.l3 + 8, newSrcHi, BIG_ENDIAN);
            p.buffer.putLong(p.l3 + 16, newSrcLo, BIG_ENDIAN);
        }
        if ((rewrite & REWRITE_DST_ADDRESS) != 0)
        {
            l4Sum = Checksums.update128(l4Sum, dstHi, dstLo, newDstHi, newDstLo);
            p.buffer.putLong(p.l3 + 24, newDstHi, BIG_ENDIAN);
            p.buffer.putLong(p.l3 + 32, newDstLo, BIG_ENDIAN);
        }
        l4Sum = p.rewritePorts(l4Sum, rewrite, newSrcPort & 0xFFFF, newDstPort & 0xFFFF, zeroAfter);

        final long fromBuffer = p.ipv6PseudoHeaderSum();
        final long fromHalves = Checksums.ipv6PseudoHeaderSum(
            p.buffer.getLong(p.l3 + 8, BIG_ENDIAN), p.buffer.getLong(p.l3 + 16, BIG_ENDIAN),
            p.buffer.getLong(p.l3 + 24, BIG_ENDIAN), p.buffer.getLong(p.l3 + 32, BIG_ENDIAN),
            protocol, p.l4Length);
        assertEquals(Checksums.fold(fromBuffer), Checksums.fold(fromHalves), "pseudo-header sums");
        p.assertL4(l4Sum, fromHalves, p.anyL4Update(rewrite, zeroAfter));
    }

    @Example
    void udpOverIpv4ComputedZeroIsSentAsAllOnesAndSurvivesRewritesToZeroWords()
    {
        // A UDP checksum that computes to 0 travels as 0xFFFF; rewriting 255.255.255.255 -> 0.0.0.0 and port
        // 0xFFFF -> 0 (every term of eqn. 3 but the checksum is then zero) must still give the from-scratch value.
        final Packet p = Packet.ipv4(UDP, -1, 0xC612_0001, 0xFFFF, 53, new byte[]{ 1, 2, 3, 4, 5 }, 0, 0);
        p.forceZeroL4Checksum();
        p.storeFreshChecksums(true);
        assertEquals(0xFFFF, p.buffer.getShort(p.checksumOffset, BIG_ENDIAN) & 0xFFFF, "computed 0 sent as 0xFFFF");
        assertTrue(Checksums.l4Valid(p.ipv4PseudoHeaderSum(), p.buffer, p.l4, p.l4Length));

        int l4Sum = Checksums.update32(0xFFFF, -1, 0);
        p.buffer.putInt(p.l3 + 12, 0, BIG_ENDIAN);
        assertEquals(p.referenceL4Checksum(), l4Sum, "after address rewrite");
        l4Sum = Checksums.update16(l4Sum, 0xFFFF, 0);
        p.buffer.putShort(p.l4, (short)0, BIG_ENDIAN);
        assertEquals(p.referenceL4Checksum(), l4Sum, "after port rewrite");
        p.buffer.putShort(p.checksumOffset, (short)Checksums.udpWireChecksum(l4Sum), BIG_ENDIAN);
        assertTrue(Checksums.l4Valid(p.ipv4PseudoHeaderSum(), p.buffer, p.l4, p.l4Length));
    }

    @Example
    void updateNeverYieldsNegativeZeroForUnchangedOrCancellingWords()
    {
        // RFC 1624 section 3: for data with a non-zero word the checksum is never -0 (0xFFFF); +0 is correct.
        // (Erratum 4782's example: HC 0x0000, m = m' = 0x5555 must stay 0x0000.)
        assertEquals(0x0000, Checksums.update16(0x0000, 0x5555, 0x5555));
        assertEquals(0x0000, Checksums.update16(0xFFFF, 0xFFFF, 0x0000));
        assertEquals(0x0000, Checksums.update16(0xFFFF, 0x1234, 0x1234));
        assertEquals(0x0000, Checksums.update32(0xFFFF, -1, 0));
        assertEquals(0x0000, Checksums.update128(0xFFFF, -1L, -1L, 0L, 0L));
        assertEquals(0x0000, Checksums.update32(0x0000, 0, 0));
        assertEquals(0x0000, Checksums.update128(0x0000, 0L, 0L, 0L, 0L));
    }

    @Example
    void rfc1624Section4WorkedExample()
    {
        // RFC 1624 section 4: HC = 0xDD2F, a 16-bit field changes from 0x5555 to 0x3285; the new HC is 0x0000.
        assertEquals(0x0000, Checksums.update16(0xDD2F, 0x5555, 0x3285));
    }

    @Example
    void icmpv4ChecksumOfAllZeroMessageIsAllOnes()
    {
        // ICMP echo reply (type 0, code 0), identifier 0, sequence 0, no data: every covered word is zero, so the
        // sum is +0 and the checksum field must be ~(+0) = 0xFFFF (RFC 1624 section 3), whatever the field holds.
        for (final int stored : new int[]{ 0x0000, 0xFFFF, 0x1234 })
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
            buffer.putShort(2, (short)stored, BIG_ENDIAN);
            assertEquals(0xFFFF, Checksums.l4Checksum(0, buffer, 0, 8, 2), "stored " + stored);
            buffer.putShort(2, (short)0xFFFF, BIG_ENDIAN);
            assertTrue(Checksums.l4Valid(0, buffer, 0, 8));
        }
    }

    /** A packet built in a buffer at {@code l3}, with the reference checksums computed by NaiveInternetSum. */
    private static final class Packet
    {
        final UnsafeBuffer buffer;
        final boolean ipv6;
        final int protocol;
        final int l3;
        final int l3Length;
        final int l4;
        final int l4Length;
        final int checksumOffset;
        final int srcPortOffset;
        final int dstPortOffset;

        private Packet(
            final UnsafeBuffer buffer,
            final boolean ipv6,
            final int protocol,
            final int l3,
            final int l3Length,
            final int l4Length)
        {
            this.buffer = buffer;
            this.ipv6 = ipv6;
            this.protocol = protocol;
            this.l3 = l3;
            this.l3Length = l3Length;
            this.l4 = l3 + l3Length;
            this.l4Length = l4Length;
            this.checksumOffset = l4 + (protocol == TCP ? 16 : protocol == UDP ? 6 : 2);
            this.srcPortOffset = l4 + (protocol == ICMPV6 ? 4 : 0);
            this.dstPortOffset = protocol == ICMPV6 ? -1 : l4 + 2;
        }

        static int l4HeaderLength(final int protocol)
        {
            return protocol == TCP ? 20 : 8;
        }

        static Packet ipv4(
            final int protocol,
            final int src,
            final int dst,
            final int srcPort,
            final int dstPort,
            final byte[] payload,
            final int optionWords,
            final int base)
        {
            final int ihl = 20 + 4 * optionWords;
            final int l4Length = l4HeaderLength(protocol) + Math.max(2, payload.length);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[base + ihl + l4Length + 3]);
            buffer.putByte(base, (byte)(0x40 | ihl / 4));
            buffer.putShort(base + 2, (short)(ihl + l4Length), BIG_ENDIAN);
            buffer.putShort(base + 4, (short)(src ^ dst), BIG_ENDIAN);
            buffer.putByte(base + 8, (byte)64);
            buffer.putByte(base + 9, (byte)protocol);
            buffer.putInt(base + 12, src, BIG_ENDIAN);
            buffer.putInt(base + 16, dst, BIG_ENDIAN);
            for (int i = 20; i < ihl; i++)
            {
                buffer.putByte(base + i, (byte)(i * 37 + src));
            }
            final Packet p = new Packet(buffer, false, protocol, base, ihl, l4Length);
            p.fillL4(srcPort, dstPort, payload, src ^ dst);
            return p;
        }

        static Packet ipv6(
            final int protocol,
            final long srcHi,
            final long srcLo,
            final long dstHi,
            final long dstLo,
            final int srcPort,
            final int dstPort,
            final byte[] payload,
            final boolean hopByHop,
            final int base)
        {
            final int l3Length = 40 + (hopByHop ? 8 : 0);
            final int l4Length = l4HeaderLength(protocol) + Math.max(2, payload.length);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[base + l3Length + l4Length + 3]);
            buffer.putInt(base, 0x6000_0000 | (int)(srcLo & 0xFFFFF), BIG_ENDIAN);
            buffer.putShort(base + 4, (short)(l3Length - 40 + l4Length), BIG_ENDIAN);
            buffer.putByte(base + 6, (byte)(hopByHop ? HOP_BY_HOP : protocol));
            buffer.putByte(base + 7, (byte)64);
            buffer.putLong(base + 8, srcHi, BIG_ENDIAN);
            buffer.putLong(base + 16, srcLo, BIG_ENDIAN);
            buffer.putLong(base + 24, dstHi, BIG_ENDIAN);
            buffer.putLong(base + 32, dstLo, BIG_ENDIAN);
            if (hopByHop)
            {
                // next header, length 0 (8 bytes), one PadN option of 4 bytes
                buffer.putByte(base + 40, (byte)protocol);
                buffer.putByte(base + 42, (byte)1);
                buffer.putByte(base + 43, (byte)4);
            }
            final Packet p = new Packet(buffer, true, protocol, base, l3Length, l4Length);
            p.fillL4(srcPort, dstPort, payload, (int)(srcHi ^ dstLo));
            return p;
        }

        private void fillL4(final int srcPort, final int dstPort, final byte[] payload, final int salt)
        {
            final int header = l4HeaderLength(protocol);
            if (protocol == ICMPV6)
            {
                buffer.putByte(l4, (byte)128);
                buffer.putShort(l4 + 4, (short)srcPort, BIG_ENDIAN);
                buffer.putShort(l4 + 6, (short)salt, BIG_ENDIAN);
            }
            else
            {
                buffer.putShort(l4, (short)srcPort, BIG_ENDIAN);
                buffer.putShort(l4 + 2, (short)dstPort, BIG_ENDIAN);
                if (protocol == TCP)
                {
                    buffer.putInt(l4 + 4, salt, BIG_ENDIAN);
                    buffer.putInt(l4 + 8, ~salt, BIG_ENDIAN);
                    buffer.putByte(l4 + 12, (byte)0x50);
                    buffer.putByte(l4 + 13, (byte)0x18);
                    buffer.putShort(l4 + 14, (short)0xFFFF, BIG_ENDIAN);
                }
                else
                {
                    buffer.putShort(l4 + 4, (short)l4Length, BIG_ENDIAN);
                }
            }
            buffer.putBytes(l4 + header, payload);
            // a byte past the segment that must not be summed
            buffer.putByte(l4 + l4Length, (byte)0x5A);
        }

        /** Sets the first payload word so that the L4 checksum computes to 0 (see RFC 1624 section 3). */
        void forceZeroL4Checksum()
        {
            final int word = l4 + l4HeaderLength(protocol);
            buffer.putShort(word, (short)0, BIG_ENDIAN);
            buffer.putShort(word, (short)referenceL4Checksum(), BIG_ENDIAN);
            assertEquals(0, referenceL4Checksum());
        }

        void storeFreshChecksums(final boolean hasL4Checksum)
        {
            if (!ipv6)
            {
                buffer.putShort(l3 + 10, (short)referenceIpv4HeaderChecksum(), BIG_ENDIAN);
            }
            final int l4Sum = !hasL4Checksum ? 0 :
                protocol == UDP ? Checksums.udpWireChecksum(referenceL4Checksum()) : referenceL4Checksum();
            buffer.putShort(checksumOffset, (short)l4Sum, BIG_ENDIAN);
        }

        /**
         * Rewrites the ports selected by {@code rewrite} (both at once through update32, one through update16);
         * with {@code zeroAfter} the new source port is chosen so that the new checksum computes to 0.
         */
        int rewritePorts(
            final int l4Sum, final int rewrite, final int newSrc, final int newDst, final boolean zeroAfter)
        {
            final boolean src = (rewrite & REWRITE_SRC_PORT) != 0 || zeroAfter;
            final boolean dst = (rewrite & REWRITE_DST_PORT) != 0 && dstPortOffset >= 0;
            final int oldSrc = buffer.getShort(srcPortOffset, BIG_ENDIAN) & 0xFFFF;
            final int oldDst = dst ? buffer.getShort(dstPortOffset, BIG_ENDIAN) & 0xFFFF : 0;
            int srcValue = newSrc;
            if (zeroAfter)
            {
                // With the new destination in place and the source zeroed, the from-scratch checksum is the
                // source value whose addition makes the sum -0, i.e. the final checksum +0.
                if (dst)
                {
                    buffer.putShort(dstPortOffset, (short)newDst, BIG_ENDIAN);
                }
                buffer.putShort(srcPortOffset, (short)0, BIG_ENDIAN);
                srcValue = referenceL4Checksum();
                buffer.putShort(srcPortOffset, (short)oldSrc, BIG_ENDIAN);
                if (dst)
                {
                    buffer.putShort(dstPortOffset, (short)oldDst, BIG_ENDIAN);
                }
            }
            if (src && dst)
            {
                final int oldPorts = oldSrc << 16 | oldDst;
                final int newPorts = srcValue << 16 | newDst;
                buffer.putInt(l4, newPorts, BIG_ENDIAN);
                return Checksums.update32(l4Sum, oldPorts, newPorts);
            }
            int sum = l4Sum;
            if (dst)
            {
                sum = Checksums.update16(sum, oldDst, newDst);
                buffer.putShort(dstPortOffset, (short)newDst, BIG_ENDIAN);
            }
            if (src)
            {
                sum = Checksums.update16(sum, oldSrc, srcValue);
                buffer.putShort(srcPortOffset, (short)srcValue, BIG_ENDIAN);
            }
            if (zeroAfter)
            {
                assertEquals(0, referenceL4Checksum(), "zeroAfter set-up");
            }
            return sum;
        }

        long ipv4PseudoHeaderSum()
        {
            return Checksums.ipv4PseudoHeaderSum(
                buffer.getInt(l3 + 12, BIG_ENDIAN), buffer.getInt(l3 + 16, BIG_ENDIAN), protocol, l4Length);
        }

        long ipv6PseudoHeaderSum()
        {
            return Checksums.ipv6PseudoHeaderSum(buffer, l3 + 8, l3 + 24, protocol, l4Length);
        }

        int referenceIpv4HeaderChecksum()
        {
            final byte[] header = new byte[l3Length];
            buffer.getBytes(l3, header);
            header[10] = 0;
            header[11] = 0;
            return NaiveInternetSum.checksum(header);
        }

        /** From scratch: pseudo-header and segment with the checksum field zero, raw (UDP's 0 not mapped). */
        int referenceL4Checksum()
        {
            final byte[] pseudo;
            if (ipv6)
            {
                pseudo = new byte[40];
                buffer.getBytes(l3 + 8, pseudo, 0, 32);
                new UnsafeBuffer(pseudo).putInt(32, l4Length, BIG_ENDIAN);
                pseudo[39] = (byte)protocol;
            }
            else
            {
                pseudo = new byte[12];
                buffer.getBytes(l3 + 12, pseudo, 0, 8);
                pseudo[9] = (byte)protocol;
                new UnsafeBuffer(pseudo).putShort(10, (short)l4Length, BIG_ENDIAN);
            }
            final byte[] segment = new byte[l4Length];
            buffer.getBytes(l4, segment);
            segment[checksumOffset - l4] = 0;
            segment[checksumOffset - l4 + 1] = 0;
            return NaiveInternetSum.checksum(pseudo, segment);
        }

        boolean anyL4Update(final int rewrite, final boolean zeroAfter)
        {
            return zeroAfter || (rewrite & (REWRITE_SRC_ADDRESS | REWRITE_DST_ADDRESS | REWRITE_SRC_PORT)) != 0 ||
                ((rewrite & REWRITE_DST_PORT) != 0 && dstPortOffset >= 0);
        }

        /**
         * {@code l4Sum} is what the updates returned (or the stored wire value when nothing was updated): after an
         * update it must equal the from-scratch value exactly, representation of zero included.
         */
        void assertL4(final int l4Sum, final long pseudoHeaderSum, final boolean updated)
        {
            final int expected = referenceL4Checksum();
            if (updated)
            {
                assertEquals(expected, l4Sum, "incremental L4 checksum vs from scratch");
            }
            final int wire = protocol == UDP ? Checksums.udpWireChecksum(l4Sum) : l4Sum;
            assertEquals(protocol == UDP ? Checksums.udpWireChecksum(expected) : expected, wire, "on the wire");
            assertEquals(expected, Checksums.l4Checksum(pseudoHeaderSum, buffer, l4, l4Length, checksumOffset),
                "l4Checksum vs from scratch");
            buffer.putShort(checksumOffset, (short)wire, BIG_ENDIAN);
            assertTrue(Checksums.l4Valid(pseudoHeaderSum, buffer, l4, l4Length), "l4Valid");
            assertEquals(expected, Checksums.l4Checksum(pseudoHeaderSum, buffer, l4, l4Length, checksumOffset),
                "l4Checksum with the field filled in");
        }
    }
}
