package dev.sluice.fastpath.stage;

import static dev.sluice.fastpath.packet.EthernetDescriptor.ETHERTYPE_ARP;
import static dev.sluice.fastpath.packet.EthernetDescriptor.ETHERTYPE_IPV4;
import static dev.sluice.fastpath.packet.EthernetDescriptor.ETHERTYPE_IPV6;
import static dev.sluice.fastpath.packet.EthernetDescriptor.HEADER_LENGTH;
import static dev.sluice.fastpath.packet.EthernetDescriptor.VLAN_HEADER_LENGTH;
import static dev.sluice.fastpath.stage.PacketVector.*;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.packet.Ipv4Descriptor;
import dev.sluice.fastpath.packet.Ipv6Descriptor;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link ParseStage} with arbitrary bytes placed the ways a producer can place them: in UMEM-like slots of an
 * off-heap buffer, at odd offsets, ending exactly at the buffer's end, with a declared length longer or shorter than
 * the bytes given, several frames in one vector, some already dropped. For every input the stage must not throw,
 * must not write the frame buffer, and every packet must satisfy the vector's contract (see {@link #checkPacket}).
 * By default the last frame ends at the last byte of the buffer, so a read past its end trips Agrona's bounds check
 * and fails the input instead of silently reading the next frame.
 *
 * <p>Input format (the seed files in {@code ParseStageFuzzTestInputs/<method>/} use it; they are written by
 * {@code fastpath/src/test/scapy/parse_fuzz_seeds.py}):
 * <pre>
 *   byte 0: control  bit 0 IN_SLOT         the last frame sits in its slot (else it ends at the buffer's end)
 *                    bit 1 OVER_DECLARED   the last frame's declared length is its bytes + 16 * extra + 1
 *                    bit 2 UNDER_DECLARED  the last frame's declared length is its bytes - extra (may be <= 0)
 *                    bit 3 PRE_DROPPED     the first frame is already dropped by an earlier stage
 *                    bits 4-6              frames - 1 (1..8 frames in the vector)
 *                    bit 7 ODD_OFFSET      frames start one byte later in their slot
 *   byte 1: extra
 *   rest:   the frames; each but the last is preceded by its 16-bit big-endian length
 * </pre>
 * Regression mode (the {@code fuzz-regression} surefire execution) replays the stored inputs;
 * {@code JAZZER_FUZZ=1 mvn -pl fastpath -am verify -Dtest=ParseStageFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * fuzzes for {@link #FUZZ_DURATION} and stores findings beside the seeds.
 */
@Tag("fuzz")
class ParseStageFuzzTest
{
    static final String FUZZ_DURATION = "5m";

    static final int IN_SLOT = 0x01;
    static final int OVER_DECLARED = 0x02;
    static final int UNDER_DECLARED = 0x04;
    static final int PRE_DROPPED = 0x08;
    static final int ODD_OFFSET = 0x80;

    /** A code of a later stage (96-255), which the parse stage must leave alone. */
    private static final int EARLIER_DROP_CODE = 200;
    private static final int MAX_FRAMES = 8;
    private static final int SLOT_SIZE = 4096;
    private static final int HEADROOM = 256;
    private static final int MAX_FRAME_LENGTH = SLOT_SIZE - HEADROOM;
    private static final int CAPACITY = MAX_FRAMES * SLOT_SIZE;
    private static final byte FILL = (byte)0xA5;

    private static final UnsafeBuffer BUFFER =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(CAPACITY, 64));
    private static final byte[] BEFORE = new byte[CAPACITY];
    private static final byte[] AFTER = new byte[CAPACITY];
    private static final Counters DROPS = new Counters(DropReason.MAX_CODES);
    private static final ParseStage STAGE = new ParseStage(MAX_FRAME_LENGTH, DROPS);
    private static final PacketVector VECTOR = new PacketVector(MAX_FRAMES);
    private static final long[] DROPS_BEFORE = new long[DropReason.MAX_CODES];
    private static final int[] DROPPED_BY_CODE = new int[DropReason.MAX_CODES];

    @FuzzTest(maxDuration = FUZZ_DURATION)
    void parseNeverThrowsAndKeepsInvariants(final byte[] data)
    {
        final PacketVector v = load(data);
        for (int code = 0; code < DropReason.MAX_CODES; code++)
        {
            DROPS_BEFORE[code] = DROPS.getAcquire(code);
        }
        final long packetsBefore = STAGE.counters().getAcquire(ParseStage.COUNTER_PACKETS);
        final long droppedBefore = STAGE.counters().getAcquire(ParseStage.COUNTER_DROPPED);
        final boolean preDropped = v.size() > 0 && v.dropReason[0] != 0;

        STAGE.process(v);

        BUFFER.getBytes(0, AFTER);
        if (!Arrays.equals(BEFORE, AFTER))
        {
            fail("parse wrote the frame buffer");
        }
        Arrays.fill(DROPPED_BY_CODE, 0);
        int dropped = 0;
        for (int i = 0; i < v.size(); i++)
        {
            if (i == 0 && preDropped)
            {
                assertEquals(EARLIER_DROP_CODE, v.dropReason[i], "an earlier stage's drop was overwritten");
                continue;
            }
            final int code = v.dropReason[i];
            if (code != 0)
            {
                final DropReason reason = DropReason.ofCode(code);
                assertNotNull(reason, "unknown drop code " + code);
                assertTrue(code < 64, "parse used a code outside 1-63: " + reason);
                DROPPED_BY_CODE[code]++;
                dropped++;
            }
            else
            {
                checkPacket(v, i);
            }
        }
        long countedDrops = 0;
        for (int code = 0; code < DropReason.MAX_CODES; code++)
        {
            final long delta = DROPS.getAcquire(code) - DROPS_BEFORE[code];
            assertEquals(DROPPED_BY_CODE[code], delta, "drop counter of code " + code);
            countedDrops += delta;
        }
        assertEquals(dropped, countedDrops, "drop counters' total");
        assertEquals(v.size(), STAGE.counters().getAcquire(ParseStage.COUNTER_PACKETS) - packetsBefore);
        assertEquals(dropped, STAGE.counters().getAcquire(ParseStage.COUNTER_DROPPED) - droppedBefore);
    }

    /**
     * The seeds reach deep: every valid seed (single frame, control 0) parses alive, every {@code broken-} seed is
     * dropped. Without this, a corpus that the stage rejects at the Ethernet header would pass as well.
     */
    @Test
    void seedCorpusParsesAsNamed() throws IOException, URISyntaxException
    {
        final Path directory = Path.of(ParseStageFuzzTest.class
            .getResource("ParseStageFuzzTestInputs/parseNeverThrowsAndKeepsInvariants").toURI());
        final List<Path> seeds;
        try (Stream<Path> files = Files.list(directory))
        {
            seeds = files.sorted().toList();
        }
        int valid = 0;
        int broken = 0;
        for (final Path seed : seeds)
        {
            final String name = seed.getFileName().toString();
            final byte[] data = Files.readAllBytes(seed);
            parseNeverThrowsAndKeepsInvariants(data);
            if (data[0] != 0)
            {
                continue;
            }
            if (name.startsWith("broken-"))
            {
                assertNotEquals(0, VECTOR.dropReason[0], name + " should be dropped");
                broken++;
            }
            else
            {
                assertEquals(0, VECTOR.dropReason[0], () -> name + " dropped: " +
                    DropReason.ofCode(VECTOR.dropReason[0]));
                valid++;
            }
        }
        assertTrue(valid >= 10 && broken >= 5, "seed corpus too small: " + valid + " valid, " + broken + " broken");
    }

    /** Lays the input out in the buffer and the vector; poisons the metadata columns so stale values show. */
    private static PacketVector load(final byte[] data)
    {
        BUFFER.setMemory(0, CAPACITY, FILL);
        final PacketVector v = VECTOR.reset(BUFFER);
        poison(v);
        final int control = data.length > 0 ? data[0] & 0xFF : 0;
        final int extra = data.length > 1 ? data[1] & 0xFF : 0;
        final int frames = 1 + ((control >> 4) & 7);
        int cursor = Math.min(2, data.length);
        for (int f = 0; f < frames && (f == 0 || cursor < data.length); f++)
        {
            final boolean last = f == frames - 1 || cursor + 2 > data.length;
            int bytes = data.length - cursor;
            if (!last)
            {
                bytes = Math.min(uint16(data, cursor), data.length - cursor - 2);
                cursor += 2;
            }
            // Bytes past the slot are not copied; a declared length that covers them reads the next slot.
            final int copied = Math.min(bytes, SLOT_SIZE - HEADROOM - 1);
            int offset = f * SLOT_SIZE + HEADROOM + ((control & ODD_OFFSET) != 0 ? 1 : 0);
            if (last && (control & IN_SLOT) == 0)
            {
                offset = CAPACITY - copied;
            }
            BUFFER.putBytes(offset, data, cursor, copied);
            int declared = bytes;
            if (last && (control & OVER_DECLARED) != 0)
            {
                declared += 16 * extra + 1;
            }
            if (last && (control & UNDER_DECLARED) != 0)
            {
                declared -= extra;
            }
            v.add(f, offset, declared, f, f);
            cursor += bytes;
            if (last)
            {
                break;
            }
        }
        if ((control & PRE_DROPPED) != 0)
        {
            v.dropReason[0] = EARLIER_DROP_CODE;
        }
        BUFFER.getBytes(0, BEFORE);
        return v;
    }

    private static int uint16(final byte[] data, final int at)
    {
        return (data[at] & 0xFF) << 8 | (data[at + 1] & 0xFF);
    }

    private static void poison(final PacketVector v)
    {
        for (int i = 0; i < v.capacity; i++)
        {
            v.flags[i] = -1;
            v.etherType[i] = -1;
            v.vlanId[i] = -1;
            v.l3Offset[i] = -1;
            v.l3Length[i] = -1;
            v.l4Offset[i] = -1;
            v.payloadOffset[i] = -1;
            v.protocol[i] = -1;
            v.srcHi[i] = -1;
            v.srcLo[i] = -1;
            v.dstHi[i] = -1;
            v.dstLo[i] = -1;
            v.srcPort[i] = -1;
            v.dstPort[i] = -1;
            v.tcpFlags[i] = -1;
            v.icmpTypeCode[i] = -1;
            v.innerL3Offset[i] = -1;
            v.innerProtocol[i] = -1;
            v.innerSrcHi[i] = -1;
            v.innerSrcLo[i] = -1;
            v.innerDstHi[i] = -1;
            v.innerDstLo[i] = -1;
            v.innerSrcPort[i] = -1;
            v.innerDstPort[i] = -1;
        }
    }

    /** The contract of a live packet after parse (offsets relative to the frame start). */
    private static void checkPacket(final PacketVector v, final int i)
    {
        final int base = v.offset[i];
        final int len = v.length[i];
        final int flags = v.flags[i];
        final String at = "packet " + i + " (offset " + base + ", length " + len + ", flags 0x" +
            Integer.toHexString(flags) + "): ";
        assertTrue(len > 0 && len <= MAX_FRAME_LENGTH && base >= 0 && base <= CAPACITY - len, at + "frame");

        final boolean arp = (flags & FLAG_ARP) != 0;
        final boolean ipv4 = (flags & FLAG_IPV4) != 0;
        final boolean ipv6 = (flags & FLAG_IPV6) != 0;
        assertEquals(1, (arp ? 1 : 0) + (ipv4 ? 1 : 0) + (ipv6 ? 1 : 0), at + "exactly one of ARP/IPv4/IPv6");
        assertEquals(arp ? ETHERTYPE_ARP : ipv4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, v.etherType[i], at + "etherType");

        final boolean vlan = (flags & FLAG_VLAN) != 0;
        final int l3 = v.l3Offset[i];
        assertEquals(vlan ? VLAN_HEADER_LENGTH : HEADER_LENGTH, l3, at + "l3Offset");
        assertTrue(vlan ? v.vlanId[i] >= 0 && v.vlanId[i] <= 0xFFF : v.vlanId[i] == 0, at + "vlanId");
        final int l3Length = v.l3Length[i];
        final int l3End = l3 + l3Length;
        assertTrue(l3Length > 0 && l3End <= len, at + "l3Length " + l3Length);

        final boolean ports = (flags & FLAG_PORTS) != 0;
        final boolean echo = (flags & FLAG_ICMP_ECHO) != 0;
        final boolean error = (flags & FLAG_ICMP_ERROR) != 0;
        final boolean innerPorts = (flags & FLAG_INNER_PORTS) != 0;
        final int protocol = v.protocol[i];
        if (!ports)
        {
            assertEquals(0, v.srcPort[i], at + "srcPort without FLAG_PORTS");
            assertEquals(0, v.dstPort[i], at + "dstPort without FLAG_PORTS");
        }
        if (protocol != IpProtocol.TCP || !ports)
        {
            assertEquals(0, v.tcpFlags[i], at + "tcpFlags");
        }
        assertTrue(!innerPorts || error, at + "inner ports without ICMP error");
        assertTrue(!echo || ports, at + "echo without ports");
        assertTrue(!(echo && error), at + "echo and error");

        if (arp)
        {
            assertEquals(0, flags & ~(FLAG_ARP | FLAG_VLAN), at + "ARP flags");
            assertEquals(28, l3Length, at + "ARP length");
            assertEquals(0, v.l4Offset[i], at + "ARP l4Offset");
            assertEquals(0, v.payloadOffset[i], at + "ARP payloadOffset");
            assertMapped(v.srcHi[i], v.srcLo[i], BUFFER.getInt(base + l3 + 14, BIG_ENDIAN), at + "ARP sender");
            assertMapped(v.dstHi[i], v.dstLo[i], BUFFER.getInt(base + l3 + 24, BIG_ENDIAN), at + "ARP target");
            return;
        }

        final boolean laterFragment = (flags & FLAG_FRAGMENT) != 0;
        assertTrue(!(laterFragment && (flags & FLAG_FIRST_FRAGMENT) != 0), at + "first and later fragment");
        assertTrue(!(laterFragment && (ports || echo || error)), at + "later fragment with transport data");
        final int l4 = v.l4Offset[i];
        final int payload = v.payloadOffset[i];
        if (ipv4)
        {
            assertEquals(0, flags & FLAG_IPV6_EXTENSIONS, at + "IPv6 extensions on IPv4");
            final int ihl = (BUFFER.getByte(base + l3) & 0xF) << 2;
            assertTrue(l3Length >= Ipv4Descriptor.MIN_HEADER_LENGTH, at + "IPv4 l3Length");
            assertEquals(l3 + ihl, l4, at + "IPv4 l4Offset");
            assertEquals(ihl > Ipv4Descriptor.MIN_HEADER_LENGTH, (flags & FLAG_IPV4_OPTIONS) != 0, at + "options");
            assertEquals(BUFFER.getByte(base + l3 + Ipv4Descriptor.PROTOCOL_OFFSET) & 0xFF, protocol,
                at + "IPv4 protocol");
            assertMapped(v.srcHi[i], v.srcLo[i], BUFFER.getInt(base + l3 + Ipv4Descriptor.SOURCE_OFFSET, BIG_ENDIAN),
                at + "IPv4 source");
            assertMapped(v.dstHi[i], v.dstLo[i],
                BUFFER.getInt(base + l3 + Ipv4Descriptor.DESTINATION_OFFSET, BIG_ENDIAN), at + "IPv4 destination");
        }
        else
        {
            assertEquals(0, flags & FLAG_IPV4_OPTIONS, at + "IPv4 options on IPv6");
            assertTrue((flags & FLAG_DONT_FRAGMENT) != 0, at + "IPv6 is never fragmented by routers");
            assertTrue(l3Length >= Ipv6Descriptor.HEADER_LENGTH, at + "IPv6 l3Length");
            assertTrue(l4 >= l3 + Ipv6Descriptor.HEADER_LENGTH, at + "IPv6 l4Offset " + l4);
            assertEquals(l4 > l3 + Ipv6Descriptor.HEADER_LENGTH, (flags & FLAG_IPV6_EXTENSIONS) != 0,
                at + "extensions flag");
            assertEquals(BUFFER.getLong(base + l3 + Ipv6Descriptor.SOURCE_OFFSET, BIG_ENDIAN), v.srcHi[i],
                at + "IPv6 source");
            assertEquals(BUFFER.getLong(base + l3 + Ipv6Descriptor.SOURCE_OFFSET + 8, BIG_ENDIAN), v.srcLo[i],
                at + "IPv6 source");
            assertEquals(BUFFER.getLong(base + l3 + Ipv6Descriptor.DESTINATION_OFFSET, BIG_ENDIAN), v.dstHi[i],
                at + "IPv6 destination");
            assertEquals(BUFFER.getLong(base + l3 + Ipv6Descriptor.DESTINATION_OFFSET + 8, BIG_ENDIAN), v.dstLo[i],
                at + "IPv6 destination");
        }
        assertTrue(l4 <= l3End, at + "l4Offset " + l4 + " past the IP packet end " + l3End);
        assertTrue(payload == 0 || (payload > l4 && payload <= l3End), at + "payloadOffset " + payload);
        if (ports && !echo)
        {
            assertTrue(protocol == IpProtocol.TCP || protocol == IpProtocol.UDP || protocol == IpProtocol.SCTP,
                at + "ports for protocol " + protocol);
            assertTrue(payload > l4, at + "payloadOffset with ports");
            assertEquals(BUFFER.getShort(base + l4, BIG_ENDIAN) & 0xFFFF, v.srcPort[i], at + "srcPort");
            assertEquals(BUFFER.getShort(base + l4 + 2, BIG_ENDIAN) & 0xFFFF, v.dstPort[i], at + "dstPort");
        }
        final int icmp = ipv4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
        if (echo || error)
        {
            assertEquals(icmp, protocol, at + "echo/error protocol");
            assertEquals(l4 + 8, payload, at + "ICMP payloadOffset");
        }
        if (echo)
        {
            assertEquals(v.srcPort[i], v.dstPort[i], at + "echo id in both port columns");
        }
        if (protocol != IpProtocol.ICMP && protocol != IpProtocol.ICMPV6)
        {
            assertEquals(0, v.icmpTypeCode[i], at + "icmpTypeCode for protocol " + protocol);
        }
        if (error)
        {
            final int inner = v.innerL3Offset[i];
            assertEquals(l4 + 8, inner, at + "innerL3Offset");
            assertTrue(inner < l3End, at + "innerL3Offset past the packet");
            if (ipv4)
            {
                assertMapped(v.innerSrcHi[i], v.innerSrcLo[i],
                    BUFFER.getInt(base + inner + Ipv4Descriptor.SOURCE_OFFSET, BIG_ENDIAN), at + "inner source");
                assertMapped(v.innerDstHi[i], v.innerDstLo[i],
                    BUFFER.getInt(base + inner + Ipv4Descriptor.DESTINATION_OFFSET, BIG_ENDIAN),
                    at + "inner destination");
            }
            if (!innerPorts)
            {
                assertEquals(0, v.innerSrcPort[i], at + "innerSrcPort without FLAG_INNER_PORTS");
                assertEquals(0, v.innerDstPort[i], at + "innerDstPort without FLAG_INNER_PORTS");
            }
        }
    }

    private static void assertMapped(final long hi, final long lo, final int ipv4, final String what)
    {
        assertTrue(isIpv4Mapped(hi, lo), what + " not IPv4-mapped: " + Long.toHexString(hi) + ":" +
            Long.toHexString(lo));
        assertEquals(ipv4Mapped(ipv4), lo, what);
    }
}
