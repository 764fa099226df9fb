package dev.sluice.geneve;

import static dev.sluice.geneve.GeneveDescriptor.IDENTITY_UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.sluice.testkit.ExternalTools;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Frames built by scapy's GENEVE layer (an independent implementation) through our decap: every accepted shape
 * yields the right inner frame, VNI and identity, every malformed one its own drop code.
 */
class GeneveDecapScapyInteropTest
{
    private static final int IDENTITY = 0x00C0FFEE;
    private static final int VNI = 0x123456;
    private static final String INNER_V4 = "Ether(src='02:00:00:00:01:05',dst='02:00:00:00:00:07')/" +
        "IP(src='198.18.1.5',dst='198.18.0.7')/TCP(sport=40000,dport=8080,flags='S')/Raw(b'hello')";
    private static final String INNER_V6 = "Ether(src='02:00:00:00:02:05',dst='02:00:00:00:00:07')/" +
        "IPv6(src='2001:2:0:c::5',dst='2001:2:0:a::7')/UDP(sport=5353,dport=53)/Raw(b'query')";
    /** The test kit imports only GENEVE from scapy.contrib.geneve; reach its option class through the module. */
    private static final String OPT = "sys.modules['scapy.contrib.geneve'].GeneveOptions";
    private static final String ID_OPT =
        OPT + "(classid=0xFFF0,type=0x01,data=(" + IDENTITY + ").to_bytes(4,'big'))";
    private static final String ETH_FROM_B = "Ether(src='" + TestMesh.B_MAC + "',dst='" + TestMesh.LOCAL_MAC + "')";
    private static final String IP_FROM_B = "IP(src='" + TestMesh.B_UNDERLAY + "',dst='" + TestMesh.A_UNDERLAY + "')";
    private static final String IP6_FROM_C = "IPv6(src='" + TestMesh.C_UNDERLAY + "',dst='" + TestMesh.A_UNDERLAY_V6 +
        "')";

    private record Case(String name, String frame, String inner, int outcome, int identity, int peer)
    {
    }

    private static String geneve(final String args)
    {
        return "GENEVE(vni=" + VNI + ",proto=0x6558" + (args.isEmpty() ? "" : "," + args) + ")";
    }

    private static String v4(final String udp, final String geneve, final String inner)
    {
        return ETH_FROM_B + "/" + IP_FROM_B + "/UDP(sport=51000,dport=6081" + udp + ")/" + geneve + "/" + inner;
    }

    private static Case ok(final String name, final String frame, final String inner, final int identity,
        final int peer)
    {
        return new Case(name, frame, inner, GeneveOutcome.OK, identity, peer);
    }

    private static Case drop(final String name, final String frame, final int outcome)
    {
        return new Case(name, frame, null, outcome, 0, 0);
    }

    private static List<Case> cases()
    {
        final String withId = geneve("options=[" + ID_OPT + "]");
        final List<Case> cases = new ArrayList<>();
        cases.add(ok("IPv4 underlay, identity option, scapy's UDP checksum",
            v4("", withId, INNER_V4), INNER_V4, IDENTITY, TestMesh.B));
        cases.add(ok("IPv4 underlay, UDP checksum 0 accepted",
            v4(",chksum=0", withId, INNER_V4), INNER_V4, IDENTITY, TestMesh.B));
        cases.add(ok("no option: identity unknown (ipcache fallback)",
            v4("", geneve(""), INNER_V4), INNER_V4, IDENTITY_UNKNOWN, TestMesh.B));
        cases.add(ok("unknown non-critical options around ours are skipped",
            v4("", geneve("options=[" + OPT + "(classid=0x0101,type=0x05,data=b'\\x01'*8)," + ID_OPT +
                "," + OPT + "(classid=0xFFF0,type=0x02,data=b'')]"), INNER_V4), INNER_V4, IDENTITY, TestMesh.B));
        cases.add(ok("one 802.1Q tag",
            ETH_FROM_B + "/Dot1Q(vlan=100)/" + IP_FROM_B + "/UDP(sport=51000,dport=6081)/" + withId + "/" + INNER_V4,
            INNER_V4, IDENTITY, TestMesh.B));
        cases.add(ok("Ethernet padding after the IP packet is ignored",
            "bytes(" + v4("", withId, INNER_V4) + ") + b'\\x00' * 12", INNER_V4, IDENTITY, TestMesh.B));
        cases.add(ok("IPv6 underlay, mandatory UDP checksum verified, inner IPv6",
            ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081)/" + withId + "/" + INNER_V6,
            INNER_V6, IDENTITY, TestMesh.C));
        cases.add(drop("IPv6 underlay, UDP checksum zero",
            ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081,chksum=0)/" + withId + "/" + INNER_V6,
            GeneveOutcome.UDP_BAD_CHECKSUM));
        cases.add(drop("IPv6 underlay, UDP checksum wrong",
            ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081,chksum=0x1234)/" + withId + "/" + INNER_V6,
            GeneveOutcome.UDP_BAD_CHECKSUM));
        cases.add(drop("IPv4 underlay, UDP checksum wrong", v4(",chksum=0x1234", withId, INNER_V4),
            GeneveOutcome.UDP_BAD_CHECKSUM));
        cases.add(drop("IPv4 header checksum wrong",
            ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',chksum=0x1234)/UDP(dport=6081)/" + withId + "/" +
                INNER_V4, GeneveOutcome.IPV4_BAD_CHECKSUM));
        cases.add(drop("O bit: control packet", v4("", geneve("oam=1,options=[" + ID_OPT + "]"), INNER_V4),
            GeneveOutcome.GENEVE_OAM));
        cases.add(drop("C bit set", v4("", geneve("critical=1,options=[" + ID_OPT + "]"), INNER_V4),
            GeneveOutcome.GENEVE_CRITICAL_FLAG));
        cases.add(drop("unknown critical option without the C bit",
            v4("", geneve("options=[" + ID_OPT + "," + OPT + "(classid=0x0101,type=0x85,data=b'\\x00'*4)]"),
                INNER_V4), GeneveOutcome.GENEVE_UNKNOWN_CRITICAL_OPTION));
        cases.add(drop("protocol type IPv4 instead of Ethernet",
            v4("", "GENEVE(vni=" + VNI + ",proto=0x0800)", "IP(src='198.18.1.5',dst='198.18.0.7')/ICMP()"),
            GeneveOutcome.GENEVE_BAD_PROTOCOL));
        cases.add(drop("version 1", v4("", geneve("version=1"), INNER_V4), GeneveOutcome.GENEVE_BAD_VERSION));
        cases.add(drop("option length runs past the options area",
            v4("", geneve("optionlen=2,options=[" + OPT + "(classid=0xFFF0,type=1,length=3,data=b'\\x00'*4)]"),
                INNER_V4), GeneveOutcome.GENEVE_BAD_OPTION));
        cases.add(drop("identity option with 8 bytes of data",
            v4("", geneve("options=[" + OPT + "(classid=0xFFF0,type=1,data=b'\\x00'*8)]"), INNER_V4),
            GeneveOutcome.GENEVE_BAD_OPTION));
        cases.add(drop("Opt Len beyond the UDP payload",
            v4("", geneve("optionlen=40"), "Raw(b'\\x00'*16)"), GeneveOutcome.GENEVE_TRUNCATED));
        cases.add(drop("UDP length beyond the IP payload", v4(",len=400", withId, INNER_V4),
            GeneveOutcome.UDP_BAD_LENGTH));
        cases.add(drop("UDP length below 8", v4(",len=7", withId, INNER_V4), GeneveOutcome.UDP_BAD_LENGTH));
        cases.add(drop("UDP length cuts the inner frame below an Ethernet header",
            v4(",len=8+8+8+10,chksum=0", withId, INNER_V4), GeneveOutcome.INNER_TOO_SHORT));
        cases.add(drop("other UDP port", v4(",dport=6082", withId, INNER_V4).replace("dport=6081,", ""),
            GeneveOutcome.UDP_WRONG_PORT));
        cases.add(drop("source is not a tunnel peer",
            ETH_FROM_B + "/IP(src='198.19.0.99',dst='198.19.0.1')/UDP(dport=6081)/" + withId + "/" + INNER_V4,
            GeneveOutcome.UNKNOWN_PEER));
        cases.add(drop("IPv4 fragment (MF)",
            ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',flags='MF')/UDP(dport=6081)/" + withId + "/" +
                INNER_V4, GeneveOutcome.IPV4_FRAGMENT));
        cases.add(drop("IPv4 fragment (offset)",
            ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',frag=10)/Raw(b'\\x00'*40)",
            GeneveOutcome.IPV4_FRAGMENT));
        cases.add(drop("TCP, not UDP", ETH_FROM_B + "/" + IP_FROM_B + "/TCP(dport=6081)", GeneveOutcome.NOT_UDP));
        cases.add(drop("IPv6 extension header before UDP",
            ETH_FROM_B + "/" + IP6_FROM_C + "/IPv6ExtHdrDestOpt()/UDP(dport=6081)/" + withId + "/" + INNER_V6,
            GeneveOutcome.NOT_UDP));
        cases.add(drop("ARP", ETH_FROM_B + "/ARP(psrc='198.19.0.2',pdst='198.19.0.1')", GeneveOutcome.NOT_IP));
        cases.add(drop("IPv4 total length beyond the frame",
            ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',len=1400)/UDP(dport=6081)/" + withId + "/" +
                INNER_V4, GeneveOutcome.IPV4_BAD_LENGTH));
        cases.add(drop("IPv4 IHL below 5",
            ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',ihl=4)/UDP(dport=6081)/" + withId + "/" + INNER_V4,
            GeneveOutcome.IPV4_BAD_HEADER));
        cases.add(drop("IPv6 payload length beyond the frame",
            ETH_FROM_B + "/IPv6(src='2001:2:0:ff::3',dst='2001:2:0:ff::1',plen=1400)/UDP(dport=6081)/" + withId +
                "/" + INNER_V6, GeneveOutcome.IPV6_BAD_LENGTH));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> scapyFramesGiveTheExpectedOutcomeAndMetadata()
    {
        final List<Case> cases = cases();
        final List<String> expressions = new ArrayList<>();
        for (final Case c : cases)
        {
            expressions.add(c.frame());
            expressions.add(c.inner() == null ? "b'\\x00'" : c.inner());
        }
        final List<byte[]> frames = ExternalTools.scapyFrames(expressions);
        final GeneveDecap decap = new GeneveDecap(TestMesh.table());
        return cases.stream().map(c ->
        {
            final int i = cases.indexOf(c);
            return dynamicTest(c.name(), () -> check(decap, c, frames.get(2 * i), frames.get(2 * i + 1)));
        });
    }

    private static void check(final GeneveDecap decap, final Case c, final byte[] frame, final byte[] inner)
    {
        // A frame sits in the middle of a larger buffer, as in the UMEM; bytes after it must not be read.
        final int at = 256;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[at + frame.length + 256]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        buffer.putBytes(at, frame);
        final int outcome = decap.decap(buffer, at, frame.length);
        assertEquals(GeneveOutcome.name(c.outcome()), GeneveOutcome.name(outcome), c.name());
        if (c.outcome() == GeneveOutcome.OK)
        {
            final byte[] got = new byte[decap.innerLength()];
            buffer.getBytes(decap.innerOffset(), got);
            assertArrayEquals(inner, got, "inner frame");
            assertEquals(VNI, decap.vni());
            assertEquals(c.identity(), decap.sourceIdentity());
            assertEquals(c.peer(), decap.peer());
        }
    }

    @Test
    void everyTruncationOfAValidFrameIsDroppedWithTheReasonOfItsLayer()
    {
        final List<byte[]> frames = ExternalTools.scapyFrames(List.of(
            v4("", geneve("options=[" + ID_OPT + "]"), INNER_V4),
            ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081)/" + geneve("options=[" + ID_OPT + "]") +
                "/" + INNER_V6,
            ETH_FROM_B + "/Dot1Q(vlan=7)/" + IP_FROM_B + "/UDP(dport=6081)/" + geneve("") + "/" + INNER_V4));
        final GeneveDecap decap = new GeneveDecap(TestMesh.table());
        final int[] l3Offsets = {14, 14, 18};
        final int[] ipHeaderLengths = {20, 40, 20};
        for (int f = 0; f < frames.size(); f++)
        {
            final byte[] frame = frames.get(f);
            final UnsafeBuffer buffer = new UnsafeBuffer(frame);
            assertEquals(GeneveOutcome.OK, decap.decap(buffer, 0, frame.length), "untruncated frame " + f);
            for (int length = 0; length < frame.length; length++)
            {
                final int outcome = decap.decap(new UnsafeBuffer(frame, 0, length), 0, length);
                final int expected;
                if (length < l3Offsets[f])
                {
                    expected = GeneveOutcome.FRAME_TOO_SHORT;
                }
                else if (length < l3Offsets[f] + ipHeaderLengths[f])
                {
                    expected = f == 1 ? GeneveOutcome.IPV6_BAD_HEADER : GeneveOutcome.IPV4_BAD_HEADER;
                }
                else
                {
                    expected = f == 1 ? GeneveOutcome.IPV6_BAD_LENGTH : GeneveOutcome.IPV4_BAD_LENGTH;
                }
                assertEquals(GeneveOutcome.name(expected), GeneveOutcome.name(outcome),
                    "frame " + f + " truncated to " + length);
            }
        }
    }

    @Test
    void decapWithoutChecksumVerificationAcceptsWhatOnlyChecksumsReject()
    {
        final List<byte[]> frames = ExternalTools.scapyFrames(List.of(
            v4(",chksum=0x1234", geneve(""), INNER_V4),
            ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(dport=6081,chksum=0)/" + geneve("") + "/" + INNER_V6));
        final GeneveDecap verifying = new GeneveDecap(TestMesh.table());
        final GeneveDecap trusting = new GeneveDecap(TestMesh.table(), GeneveDescriptor.DEFAULT_UDP_PORT, false);
        for (final byte[] frame : frames)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(frame);
            assertEquals(GeneveOutcome.UDP_BAD_CHECKSUM, verifying.decap(buffer, 0, frame.length));
            assertEquals(GeneveOutcome.OK, trusting.decap(buffer, 0, frame.length));
            assertTrue(trusting.innerLength() > 14);
        }
    }

    @Test
    void decapOnAConfiguredPortRejectsTheDefaultOne()
    {
        final byte[] frame = ExternalTools.scapyFrame(v4("", geneve(""), INNER_V4));
        final GeneveDecap decap = new GeneveDecap(TestMesh.table(), 16081, true);
        assertEquals(GeneveOutcome.UDP_WRONG_PORT, decap.decap(new UnsafeBuffer(frame), 0, frame.length));
        assertFalse(GeneveOutcome.name(GeneveOutcome.UDP_WRONG_PORT).isEmpty());
    }
}
