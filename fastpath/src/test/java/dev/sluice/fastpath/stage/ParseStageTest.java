package dev.sluice.fastpath.stage;

import static dev.sluice.fastpath.stage.PacketVector.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parse stage against an independent encoder: every frame here is built by scapy, and the metadata the stage
 * fills is compared with what scapy was told to build.
 */
class ParseStageTest
{
    private static final String ETH = "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')";
    private static final List<String> EXPRESSIONS = new ArrayList<>();
    private static List<byte[]> frames;

    private static int frame(final String expression)
    {
        EXPRESSIONS.add(expression);
        return EXPRESSIONS.size() - 1;
    }

    // One scapy process builds every frame of the class (scapy's import costs a second or two).
    private static final int V4_TCP = frame(ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2')/TCP(sport=40000, dport=80, flags='S')");
    private static final int V4_TCP_OPTIONS = frame(ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2', options=[IPOption_RR(routers=['198.18.9.9'])], flags='DF')" +
        "/TCP(sport=1234, dport=443, flags='PA', options=[('MSS', 1460), ('NOP', None), ('WScale', 7)])/Raw(b'hello')");
    private static final int V4_UDP_PADDED = frame(ETH +
        "/IP(src='198.18.0.1', dst='198.19.0.7')/UDP(sport=5353, dport=53)/Raw(b'x')"); // padded to 60 by nobody: short
    private static final int V4_SCTP = frame(ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2')/SCTP(sport=3868, dport=3869)/SCTPChunkInit()");
    private static final int VLAN_V4_UDP = frame(ETH +
        "/Dot1Q(vlan=42)/IP(src='198.18.0.3', dst='198.18.0.4')/UDP(sport=1, dport=2)");
    private static final int V4_ICMP_ECHO = frame(ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2')/ICMP(type=8, id=0x1234, seq=7)");
    private static final int V4_ICMP_UNREACH_TCP = frame(ETH +
        "/IP(src='198.18.1.2', dst='198.18.0.1')/ICMP(type=3, code=3)" +
        "/IPerror(src='198.18.0.1', dst='198.18.1.2')/TCPerror(sport=40000, dport=80)");
    private static final int V4_ICMP_FRAG_NEEDED_UDP = frame(ETH +
        "/IP(src='198.18.1.2', dst='198.18.0.1')/ICMP(type=3, code=4, nexthopmtu=1450)" +
        "/IPerror(src='198.18.0.1', dst='198.18.1.2')/UDPerror(sport=5000, dport=6000)");
    private static final int V4_ICMP_TTL_ECHO = frame(ETH +
        "/IP(src='198.18.1.2', dst='198.18.0.1')/ICMP(type=11)" +
        "/IPerror(src='198.18.0.1', dst='198.18.1.9')/ICMPerror(type=8, id=99)");
    private static final int V4_FIRST_FRAGMENT = frame("fragment(" + ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2', id=7)/UDP(sport=7, dport=9)/Raw(b'A'*100), fragsize=48)[0]");
    private static final int V4_LATER_FRAGMENT = frame("fragment(" + ETH +
        "/IP(src='198.18.0.1', dst='198.18.1.2', id=7)/UDP(sport=7, dport=9)/Raw(b'A'*100), fragsize=48)[1]");
    private static final int V6_UDP = frame(ETH +
        "/IPv6(src='2001:2::1', dst='2001:2:0:1::2')/UDP(sport=546, dport=547)");
    private static final int V6_EXT_CHAIN_TCP = frame(ETH +
        "/IPv6(src='2001:2::1', dst='2001:2::2')/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()" +
        "/IPv6ExtHdrRouting(addresses=['2001:2::3'])/IPv6ExtHdrDestOpt()/TCP(sport=5555, dport=6666, flags='SA')");
    private static final int V6_FIRST_FRAGMENT = frame("fragment6(" + ETH +
        "/IPv6(src='2001:2::1', dst='2001:2::2')/IPv6ExtHdrFragment(id=5)/UDP(sport=11, dport=12)/Raw(b'B'*200), 120)[0]");
    private static final int V6_LATER_FRAGMENT = frame("fragment6(" + ETH +
        "/IPv6(src='2001:2::1', dst='2001:2::2')/IPv6ExtHdrFragment(id=5)/UDP(sport=11, dport=12)/Raw(b'B'*200), 120)[1]");
    private static final int V6_ECHO = frame(ETH +
        "/IPv6(src='2001:2::1', dst='2001:2::2')/ICMPv6EchoRequest(id=0xbeef, seq=1)");
    private static final int V6_PTB_UDP = frame(ETH +
        "/IPv6(src='2001:2::2', dst='2001:2::1')/ICMPv6PacketTooBig(mtu=1280)" +
        "/IPv6(src='2001:2::1', dst='2001:2::2')/UDP(sport=4000, dport=4001)/Raw(b'C'*64)");
    private static final int V6_NS = frame(ETH +
        "/IPv6(src='2001:2::1', dst='ff02::1:ff00:2')/ICMPv6ND_NS(tgt='2001:2::2')");
    private static final int V6_NO_NEXT = frame(ETH + "/IPv6(src='2001:2::1', dst='2001:2::2', nh=59)");
    private static final int ARP_REQUEST = frame(ETH.replace("02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff") +
        "/ARP(op=1, psrc='198.18.0.1', pdst='198.18.0.2', hwsrc='02:00:00:00:00:01')");
    private static final int V4_GRE = frame(ETH + "/IP(src='198.18.0.1', dst='198.18.1.2', proto=47)/Raw(b'\\x00'*8)");

    @BeforeAll
    static void buildFrames()
    {
        frames = ExternalTools.scapyFrames(EXPRESSIONS);
    }

    private static FrameBuffer parse(final int which)
    {
        return FrameBuffer.parsed(frames.get(which));
    }

    private static long v4(final String address) throws Exception
    {
        return ipv4Mapped(ByteBuffer.wrap(InetAddress.getByName(address).getAddress()).getInt());
    }

    private static long[] v6(final String address) throws Exception
    {
        final ByteBuffer b = ByteBuffer.wrap(InetAddress.getByName(address).getAddress());
        return new long[] { b.getLong(), b.getLong() };
    }

    private static void assertAlive(final FrameBuffer fb)
    {
        assertNull(fb.reason(0), () -> "dropped: " + fb.reason(0));
    }

    @Test
    void ipv4TcpSynFillsTupleFlagsAndOffsets() throws Exception
    {
        final FrameBuffer fb = parse(V4_TCP);
        final PacketVector v = fb.vector;
        assertAlive(fb);
        assertTrue(v.hasFlag(0, FLAG_IPV4) && v.hasFlag(0, FLAG_PORTS));
        assertFalse(v.hasFlag(0, FLAG_VLAN) || v.hasFlag(0, FLAG_FRAGMENT) || v.hasFlag(0, FLAG_IPV4_OPTIONS));
        assertEquals(0x0800, v.etherType[0]);
        assertEquals(14, v.l3Offset[0]);
        assertEquals(34, v.l4Offset[0]);
        assertEquals(54, v.payloadOffset[0]);
        assertEquals(40, v.l3Length[0]);
        assertEquals(IpProtocol.TCP, v.protocol[0]);
        assertEquals(0, v.srcHi[0]);
        assertEquals(v4("198.18.0.1"), v.srcLo[0]);
        assertEquals(v4("198.18.1.2"), v.dstLo[0]);
        assertEquals(40000, v.srcPort[0]);
        assertEquals(80, v.dstPort[0]);
        assertEquals(0x02, v.tcpFlags[0]);
        assertEquals(1, fb.parse.counters().getAcquire(ParseStage.COUNTER_PACKETS));
        assertEquals(0, fb.parse.counters().getAcquire(ParseStage.COUNTER_DROPPED));
    }

    @Test
    void ipv4OptionsAndTcpOptionsMoveTheOffsets()
    {
        final FrameBuffer fb = parse(V4_TCP_OPTIONS);
        final PacketVector v = fb.vector;
        assertAlive(fb);
        assertTrue(v.hasFlag(0, FLAG_IPV4_OPTIONS) && v.hasFlag(0, FLAG_DONT_FRAGMENT));
        assertEquals(14 + 28, v.l4Offset[0]); // RR option with one slot: 7 bytes + padding to 8
        assertEquals(14 + 28 + 28, v.payloadOffset[0]); // MSS 4, NOP 1, WScale 3: 20 + 8
        assertEquals("hello", new String(frames.get(V4_TCP_OPTIONS), v.payloadOffset[0], 5));
        assertEquals(0x18, v.tcpFlags[0]);
        assertEquals(443, v.dstPort[0]);
    }

    @Test
    void ethernetPaddingBeyondTheIpTotalLengthIsIgnored()
    {
        final byte[] padded = Arrays.copyOf(frames.get(V4_UDP_PADDED), 60);
        final FrameBuffer fb = FrameBuffer.parsed(padded);
        assertAlive(fb);
        assertEquals(29, fb.vector.l3Length[0]);
        assertEquals(53, fb.vector.dstPort[0]);
    }

    @Test
    void sctpPortsAreParsed()
    {
        final FrameBuffer fb = parse(V4_SCTP);
        assertAlive(fb);
        assertEquals(IpProtocol.SCTP, fb.vector.protocol[0]);
        assertEquals(3868, fb.vector.srcPort[0]);
        assertEquals(3869, fb.vector.dstPort[0]);
        assertEquals(14 + 20 + 12, fb.vector.payloadOffset[0]);
    }

    @Test
    void oneVlanTagIsSkippedAndItsIdKept()
    {
        final FrameBuffer fb = parse(VLAN_V4_UDP);
        assertAlive(fb);
        assertTrue(fb.vector.hasFlag(0, FLAG_VLAN));
        assertEquals(42, fb.vector.vlanId[0]);
        assertEquals(18, fb.vector.l3Offset[0]);
        assertEquals(2, fb.vector.dstPort[0]);
    }

    @Test
    void icmpEchoIdIsTheFlowPort()
    {
        final FrameBuffer fb = parse(V4_ICMP_ECHO);
        final PacketVector v = fb.vector;
        assertAlive(fb);
        assertTrue(v.hasFlag(0, FLAG_ICMP_ECHO) && v.hasFlag(0, FLAG_PORTS));
        assertEquals(0x1234, v.srcPort[0]);
        assertEquals(0x1234, v.dstPort[0]);
        assertEquals(8 << 8, v.icmpTypeCode[0]);
    }

    @Test
    void icmpErrorsCarryTheInvokingTuple() throws Exception
    {
        final FrameBuffer unreachable = parse(V4_ICMP_UNREACH_TCP);
        PacketVector v = unreachable.vector;
        assertAlive(unreachable);
        assertTrue(v.hasFlag(0, FLAG_ICMP_ERROR) && v.hasFlag(0, FLAG_INNER_PORTS));
        assertFalse(v.hasFlag(0, FLAG_PORTS));
        assertEquals(3 << 8 | 3, v.icmpTypeCode[0]);
        assertEquals(IpProtocol.TCP, v.innerProtocol[0]);
        assertEquals(v4("198.18.0.1"), v.innerSrcLo[0]);
        assertEquals(v4("198.18.1.2"), v.innerDstLo[0]);
        assertEquals(40000, v.innerSrcPort[0]);
        assertEquals(80, v.innerDstPort[0]);
        assertEquals(14 + 20 + 8, v.innerL3Offset[0]);

        final FrameBuffer fragNeeded = parse(V4_ICMP_FRAG_NEEDED_UDP);
        v = fragNeeded.vector;
        assertAlive(fragNeeded);
        assertEquals(3 << 8 | 4, v.icmpTypeCode[0]);
        assertEquals(IpProtocol.UDP, v.innerProtocol[0]);
        assertEquals(6000, v.innerDstPort[0]);

        final FrameBuffer ttl = parse(V4_ICMP_TTL_ECHO);
        v = ttl.vector;
        assertAlive(ttl);
        assertEquals(IpProtocol.ICMP, v.innerProtocol[0]);
        assertEquals(99, v.innerSrcPort[0]);
        assertEquals(99, v.innerDstPort[0]);
    }

    @Test
    void ipv4FragmentsFirstHasPortsLaterHasNone()
    {
        final FrameBuffer first = parse(V4_FIRST_FRAGMENT);
        assertAlive(first);
        assertTrue(first.vector.hasFlag(0, FLAG_FIRST_FRAGMENT) && first.vector.hasFlag(0, FLAG_PORTS));
        assertEquals(9, first.vector.dstPort[0]);

        final FrameBuffer later = parse(V4_LATER_FRAGMENT);
        assertAlive(later);
        assertTrue(later.vector.hasFlag(0, FLAG_FRAGMENT));
        assertFalse(later.vector.hasFlag(0, FLAG_PORTS));
        assertEquals(IpProtocol.UDP, later.vector.protocol[0]);
    }

    @Test
    void ipv6UdpUsesFull128BitAddresses() throws Exception
    {
        final FrameBuffer fb = parse(V6_UDP);
        final PacketVector v = fb.vector;
        assertAlive(fb);
        assertTrue(v.hasFlag(0, FLAG_IPV6) && v.hasFlag(0, FLAG_PORTS));
        assertFalse(v.hasFlag(0, FLAG_IPV6_EXTENSIONS));
        assertEquals(v6("2001:2::1")[0], v.srcHi[0]);
        assertEquals(v6("2001:2::1")[1], v.srcLo[0]);
        assertEquals(v6("2001:2:0:1::2")[0], v.dstHi[0]);
        assertEquals(v6("2001:2:0:1::2")[1], v.dstLo[0]);
        assertEquals(54, v.l4Offset[0]);
        assertEquals(547, v.dstPort[0]);
    }

    @Test
    void ipv6ExtensionChainIsWalkedToTheTransportHeader()
    {
        final FrameBuffer fb = parse(V6_EXT_CHAIN_TCP);
        final PacketVector v = fb.vector;
        assertAlive(fb);
        assertTrue(v.hasFlag(0, FLAG_IPV6_EXTENSIONS));
        assertEquals(IpProtocol.TCP, v.protocol[0]);
        // hop-by-hop 8 + dest opts 8 + routing (8 + 16) + dest opts 8
        assertEquals(54 + 8 + 8 + 24 + 8, v.l4Offset[0]);
        assertEquals(5555, v.srcPort[0]);
        assertEquals(0x12, v.tcpFlags[0]);
    }

    @Test
    void ipv6FragmentsFirstHasPortsLaterHasNone()
    {
        final FrameBuffer first = parse(V6_FIRST_FRAGMENT);
        assertAlive(first);
        assertTrue(first.vector.hasFlag(0, FLAG_FIRST_FRAGMENT) && first.vector.hasFlag(0, FLAG_PORTS));
        assertEquals(12, first.vector.dstPort[0]);
        assertEquals(54 + 8, first.vector.l4Offset[0]);

        final FrameBuffer later = parse(V6_LATER_FRAGMENT);
        assertAlive(later);
        assertTrue(later.vector.hasFlag(0, FLAG_FRAGMENT));
        assertFalse(later.vector.hasFlag(0, FLAG_PORTS));
        assertEquals(IpProtocol.UDP, later.vector.protocol[0]);
    }

    @Test
    void icmpv6EchoAndPacketTooBig() throws Exception
    {
        final FrameBuffer echo = parse(V6_ECHO);
        assertAlive(echo);
        assertTrue(echo.vector.hasFlag(0, FLAG_ICMP_ECHO));
        assertEquals(0xbeef, echo.vector.srcPort[0]);
        assertEquals(128 << 8, echo.vector.icmpTypeCode[0]);

        final FrameBuffer ptb = parse(V6_PTB_UDP);
        final PacketVector v = ptb.vector;
        assertAlive(ptb);
        assertTrue(v.hasFlag(0, FLAG_ICMP_ERROR) && v.hasFlag(0, FLAG_INNER_PORTS));
        assertEquals(2 << 8, v.icmpTypeCode[0]);
        assertEquals(IpProtocol.UDP, v.innerProtocol[0]);
        assertEquals(v6("2001:2::1")[1], v.innerSrcLo[0]);
        assertEquals(4000, v.innerSrcPort[0]);
        assertEquals(4001, v.innerDstPort[0]);
    }

    @Test
    void neighbourSolicitationAndNoNextHeaderPassWithoutPorts()
    {
        final FrameBuffer ns = parse(V6_NS);
        assertAlive(ns);
        assertEquals(135 << 8, ns.vector.icmpTypeCode[0]);
        assertFalse(ns.vector.hasFlag(0, FLAG_PORTS) || ns.vector.hasFlag(0, FLAG_ICMP_ERROR));

        final FrameBuffer none = parse(V6_NO_NEXT);
        assertAlive(none);
        assertEquals(IpProtocol.IPV6_NO_NEXT_HEADER, none.vector.protocol[0]);
        assertFalse(none.vector.hasFlag(0, FLAG_PORTS));
    }

    @Test
    void arpKeepsSenderAndTargetAddresses() throws Exception
    {
        final FrameBuffer fb = parse(ARP_REQUEST);
        assertAlive(fb);
        assertTrue(fb.vector.hasFlag(0, FLAG_ARP));
        assertEquals(1, fb.vector.protocol[0]);
        assertEquals(v4("198.18.0.1"), fb.vector.srcLo[0]);
        assertEquals(v4("198.18.0.2"), fb.vector.dstLo[0]);
    }

    @Test
    void unknownTransportPassesWithoutPorts()
    {
        final FrameBuffer fb = parse(V4_GRE);
        assertAlive(fb);
        assertEquals(47, fb.vector.protocol[0]);
        assertFalse(fb.vector.hasFlag(0, FLAG_PORTS));
    }

    @Test
    void everyFrameOfAVectorIsParsedIndependently()
    {
        final FrameBuffer fb = FrameBuffer.parsed(frames);
        for (int i = 0; i < frames.size(); i++)
        {
            final int index = i;
            assertEquals(0, fb.vector.dropReason[i], () -> EXPRESSIONS.get(index) + " dropped: " + fb.reason(index));
        }
        assertEquals(frames.size(), fb.parse.counters().getAcquire(ParseStage.COUNTER_PACKETS));
        assertEquals(FrameBuffer.parsed(frames.get(V6_EXT_CHAIN_TCP)).vector.l4Offset[0],
            fb.vector.l4Offset[V6_EXT_CHAIN_TCP]);
    }

    @Test
    void truncatingAValidFrameAtEveryLengthNeverThrowsAndDropsWithAReason()
    {
        for (final byte[] frame : frames)
        {
            for (int cut = 0; cut < frame.length; cut++)
            {
                final FrameBuffer fb = FrameBuffer.parsed(Arrays.copyOf(frame, cut));
                final DropReason reason = fb.reason(0);
                if (reason != null)
                {
                    assertEquals(1, fb.drops.getAcquire(reason.code()));
                }
            }
        }
    }
}
