package dev.sluice.fastpath.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every malformed input ends in a counted drop with its own reason. Frames are built by scapy with the offending
 * field forced (scapy writes what it is told), or cut to length.
 */
class ParseStageMalformedTest
{
    private static final String ETH = "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')";
    private static final String IP4 = "IP(src='198.18.0.1', dst='198.18.1.2')";
    private static final String IP6 = "IPv6(src='2001:2::1', dst='2001:2::2')";

    private record Case(String expression, int cut, DropReason expected)
    {
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static void drop(final DropReason expected, final String expression)
    {
        CASES.add(new Case(expression, -1, expected));
    }

    private static void cut(final DropReason expected, final int length, final String expression)
    {
        CASES.add(new Case(expression, length, expected));
    }

    static
    {
        cut(DropReason.ETH_TRUNCATED, 13, ETH + "/" + IP4);
        cut(DropReason.ETH_TRUNCATED, 16, ETH + "/Dot1Q(vlan=5)/" + IP4);
        drop(DropReason.VLAN_STACKED, ETH + "/Dot1Q(vlan=5)/Dot1Q(vlan=6)/" + IP4 + "/UDP()");
        drop(DropReason.VLAN_STACKED, "Ether(type=0x88a8)/Dot1Q(vlan=6)/" + IP4 + "/UDP()");
        drop(DropReason.ETHERTYPE_UNSUPPORTED, "Ether(type=0x88cc)/Raw(b'\\x00' * 46)");
        cut(DropReason.ARP_MALFORMED, 14 + 20, ETH + "/ARP(psrc='198.18.0.1', pdst='198.18.0.2')");
        drop(DropReason.ARP_MALFORMED, ETH + "/ARP(hwlen=8, psrc='198.18.0.1', pdst='198.18.0.2')");
        cut(DropReason.IPV4_TRUNCATED, 14 + 19, ETH + "/" + IP4 + "/UDP()");
        drop(DropReason.IP_VERSION_MISMATCH, ETH + "/IP(version=6, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        drop(DropReason.IP_VERSION_MISMATCH, "Ether(type=0x86dd)/" + IP4 + "/Raw(b'\\x00' * 40)");
        drop(DropReason.IPV4_BAD_IHL, ETH + "/IP(ihl=4, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        cut(DropReason.IPV4_BAD_IHL, 14 + 24, ETH + "/IP(ihl=15, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        drop(DropReason.IPV4_BAD_TOTAL_LENGTH, ETH + "/IP(len=19, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        drop(DropReason.IPV4_BAD_TOTAL_LENGTH, ETH + "/IP(len=1000, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        drop(DropReason.IPV4_BAD_CHECKSUM, ETH + "/IP(chksum=0x1234, src='198.18.0.1', dst='198.18.1.2')/UDP()");
        cut(DropReason.IPV6_TRUNCATED, 14 + 39, ETH + "/" + IP6 + "/UDP()");
        drop(DropReason.IPV6_BAD_PAYLOAD_LENGTH, ETH + "/IPv6(plen=100, src='2001:2::1', dst='2001:2::2')/UDP()");
        drop(DropReason.IPV6_EXT_TRUNCATED, ETH + "/" + IP6 + "/IPv6ExtHdrHopByHop(len=1, autopad=0)");
        drop(DropReason.IPV6_EXT_TRUNCATED, ETH + "/IPv6(src='2001:2::1', dst='2001:2::2', nh=44)/Raw(b'\\x11\\x00')");
        drop(DropReason.IPV6_EXT_CHAIN_TOO_LONG, ETH + "/" + IP6 + "/IPv6ExtHdrDestOpt()" .repeat(9) + "/UDP()");
        drop(DropReason.IPV6_EXT_BAD_ORDER, ETH + "/" + IP6 + "/IPv6ExtHdrDestOpt()/IPv6ExtHdrHopByHop()/UDP()");
        drop(DropReason.FRAGMENT_MALFORMED, ETH +
            "/IP(frag=8189, src='198.18.0.1', dst='198.18.1.2', proto=17)/Raw(b'\\x00' * 100)");
        drop(DropReason.FRAGMENT_MALFORMED, ETH + "/" + IP6 +
            "/IPv6ExtHdrFragment(offset=8189, nh=17)/Raw(b'\\x00' * 100)");
        drop(DropReason.TCP_TRUNCATED, ETH + "/IP(flags='MF', src='198.18.0.1', dst='198.18.1.2', proto=6)" +
            "/Raw(b'\\x00' * 8)");
        drop(DropReason.TCP_BAD_DATA_OFFSET, ETH + "/" + IP4 + "/TCP(dataofs=4)");
        drop(DropReason.TCP_BAD_DATA_OFFSET, ETH + "/" + IP4 + "/TCP(dataofs=15)");
        drop(DropReason.TCP_BAD_DATA_OFFSET, ETH + "/" + IP6 + "/TCP(dataofs=6)");
        drop(DropReason.UDP_TRUNCATED, ETH + "/IP(src='198.18.0.1', dst='198.18.1.2', proto=17)/Raw(b'\\x00' * 4)");
        drop(DropReason.UDP_BAD_LENGTH, ETH + "/" + IP4 + "/UDP(len=7)");
        drop(DropReason.UDP_BAD_LENGTH, ETH + "/" + IP6 + "/UDP(len=200)/Raw(b'x')");
        drop(DropReason.SCTP_TRUNCATED, ETH + "/IP(src='198.18.0.1', dst='198.18.1.2', proto=132)/Raw(b'\\x00' * 11)");
        drop(DropReason.ICMP_TRUNCATED, ETH + "/IP(src='198.18.0.1', dst='198.18.1.2', proto=1)/Raw(b'\\x08\\x00\\x00')");
        drop(DropReason.ICMP_TRUNCATED, ETH + "/IPv6(src='2001:2::1', dst='2001:2::2', nh=58)/Raw(b'\\x80\\x00')");
        drop(DropReason.ICMP_INNER_MALFORMED, ETH + "/" + IP4 + "/ICMP(type=3, code=1)/Raw(b'\\x45' + b'\\x00' * 9)");
        drop(DropReason.ICMP_INNER_MALFORMED, ETH + "/" + IP4 + "/ICMP(type=11)" +
            "/IPerror(src='198.18.0.1', dst='198.18.1.2', proto=6)/Raw(b'\\x00\\x50')");
        drop(DropReason.ICMP_INNER_MALFORMED, ETH + "/" + IP6 + "/ICMPv6DestUnreach()/Raw(b'\\x60' + b'\\x00' * 20)");
    }

    private static List<byte[]> frames;

    @BeforeAll
    static void build()
    {
        frames = ExternalTools.scapyFrames(CASES.stream().map(Case::expression).toList());
    }

    @Test
    void eachMalformedFrameIsDroppedWithItsReasonAndCounted()
    {
        final List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++)
        {
            final int cut = CASES.get(i).cut();
            inputs.add(cut < 0 ? frames.get(i) : Arrays.copyOf(frames.get(i), cut));
        }
        final FrameBuffer fb = FrameBuffer.parsed(inputs);
        final int[] expectedCounts = new int[DropReason.MAX_CODES];
        for (int i = 0; i < CASES.size(); i++)
        {
            final Case c = CASES.get(i);
            assertEquals(c.expected(), fb.reason(i), c.expression() + (c.cut() < 0 ? "" : " cut to " + c.cut()));
            expectedCounts[c.expected().code()]++;
        }
        for (final DropReason reason : DropReason.values())
        {
            assertEquals(expectedCounts[reason.code()], fb.drops.getAcquire(reason.code()), reason.name());
        }
        assertEquals(CASES.size(), fb.parse.counters().getAcquire(ParseStage.COUNTER_DROPPED));
    }

    @Test
    void framesOutsideTheirBufferOrLongerThanThePortAllowsAreDropped()
    {
        final FrameBuffer fb = new FrameBuffer(2);
        final int maxFrame = FrameBuffer.FRAME_SIZE - FrameBuffer.HEADROOM;
        fb.vector.reset(fb.buffer);
        fb.vector.add(0, FrameBuffer.HEADROOM, 0, 0, 0);
        fb.vector.add(0, FrameBuffer.HEADROOM, maxFrame + 1, 0, 1);
        fb.vector.add(1, fb.buffer.capacity() - 20, 60, 0, 2); // runs off the end of the buffer
        fb.vector.add(1, -4, 60, 0, 3);
        fb.vector.add(1, Integer.MAX_VALUE - 10, 60, 0, 4);
        fb.parse.process(fb.vector);
        assertEquals(DropReason.FRAME_EMPTY, fb.reason(0));
        for (int i = 1; i < 5; i++)
        {
            assertEquals(DropReason.FRAME_TOO_LONG, fb.reason(i), "packet " + i);
        }
        assertEquals(4, fb.drops.getAcquire(DropReason.FRAME_TOO_LONG.code()));
    }

    @Test
    void droppedPacketsAreSkippedByALaterRun()
    {
        final FrameBuffer fb = FrameBuffer.parsed(new byte[0]);
        fb.parse.process(fb.vector);
        assertEquals(1, fb.drops.getAcquire(DropReason.FRAME_EMPTY.code()), "a dropped packet is not counted twice");
    }
}
