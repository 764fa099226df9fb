package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;
import static dev.sluice.fastpath.stage.PacketVector.TUNNEL_PEER_NONE;
import static dev.sluice.fastpath.stage.PacketVector.ipv4Mapped;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.wire.Addresses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Geneve frames built by scapy (an independent encoder) through decap -> parse: the inner 5-tuple, identity, VNI
 * and sending peer come out; every malformed frame is dropped under its own reason and counted; frames from
 * other ports pass untouched.
 */
class DecapStageTest
{
    private static final int IDENTITY = 0x00C0FFEE;
    private static final String OPT = "sys.modules['scapy.contrib.geneve'].GeneveOptions";
    private static final String ID_OPT = OPT + "(classid=0xFFF0,type=0x01,data=(" + IDENTITY + ").to_bytes(4,'big'))";
    private static final String INNER_V4 = "Ether(src='02:00:00:00:01:05',dst='02:00:00:00:00:07')/" +
        "IP(src='198.18.1.5',dst='198.18.0.7')/TCP(sport=40000,dport=8080,flags='S')/Raw(b'hello')";
    private static final String INNER_V6 = "Ether(src='02:00:00:00:02:05',dst='02:00:00:00:00:07')/" +
        "IPv6(src='2001:2:0:c::5',dst='2001:2:0:a::7')/UDP(sport=5353,dport=53)/Raw(b'query')";
    private static final String ETH_FROM_B = "Ether(src='" + TunnelRig.B_MAC + "',dst='" + TunnelRig.LOCAL_MAC + "')";
    private static final String IP_FROM_B = "IP(src='" + TunnelRig.B_UNDERLAY + "',dst='" + TunnelRig.A_UNDERLAY + "')";
    private static final String IP6_FROM_C = "IPv6(src='" + TunnelRig.C_UNDERLAY + "',dst='" +
        TunnelRig.A_UNDERLAY_V6 + "')";

    private static final List<String> EXPRESSIONS = new ArrayList<>();
    private static final List<DropReason> EXPECTED = new ArrayList<>();
    private static List<byte[]> frames;

    private static int frame(final String expression, final DropReason expected)
    {
        EXPRESSIONS.add(expression);
        EXPECTED.add(expected);
        return EXPRESSIONS.size() - 1;
    }

    private static String geneve(final String args)
    {
        return "GENEVE(vni=" + TunnelRig.VNI + ",proto=0x6558" + (args.isEmpty() ? "" : "," + args) + ")";
    }

    private static String fromB(final String geneve, final String inner)
    {
        return ETH_FROM_B + "/" + IP_FROM_B + "/UDP(sport=51000,dport=6081)/" + geneve + "/" + inner;
    }

    private static final String WITH_ID = geneve("options=[" + ID_OPT + "]");
    private static final int V4_OK = frame(fromB(WITH_ID, INNER_V4), null);
    private static final int V6_OK = frame(ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081)/" + WITH_ID +
        "/" + INNER_V6, null);
    private static final int NO_OPTION = frame(fromB(geneve(""), INNER_V4), null);
    private static final int FIRST_DROP = EXPRESSIONS.size();

    static
    {
        frame(fromB(geneve("version=1"), INNER_V4), DropReason.TUNNEL_GENEVE_BAD_VERSION);
        frame(fromB(geneve("oam=1,options=[" + ID_OPT + "]"), INNER_V4), DropReason.TUNNEL_GENEVE_OAM);
        frame(fromB("GENEVE(vni=1,proto=0x0800)", "IP(src='198.18.1.5',dst='198.18.0.7')/ICMP()"),
            DropReason.TUNNEL_GENEVE_BAD_PROTOCOL);
        frame(fromB(geneve("critical=1,options=[" + ID_OPT + "]"), INNER_V4), DropReason.TUNNEL_GENEVE_CRITICAL_FLAG);
        frame(fromB(geneve("options=[" + OPT + "(classid=0x0101,type=0x85,data=b'\\x00'*4)]"), INNER_V4),
            DropReason.TUNNEL_GENEVE_UNKNOWN_CRITICAL_OPTION);
        frame(fromB(geneve("options=[" + OPT + "(classid=0xFFF0,type=1,data=b'\\x00'*8)]"), INNER_V4),
            DropReason.TUNNEL_GENEVE_BAD_OPTION);
        frame(ETH_FROM_B + "/IP(src='198.19.0.99',dst='198.19.0.1')/UDP(dport=6081)/" + WITH_ID + "/" + INNER_V4,
            DropReason.TUNNEL_UNKNOWN_PEER);
        frame(ETH_FROM_B + "/" + IP_FROM_B + "/UDP(sport=51000,dport=6082)/" + WITH_ID + "/" + INNER_V4,
            DropReason.TUNNEL_UDP_WRONG_PORT);
        frame(ETH_FROM_B + "/" + IP_FROM_B + "/UDP(sport=51000,dport=6081,chksum=0x1234)/" + WITH_ID + "/" +
            INNER_V4, DropReason.TUNNEL_UDP_BAD_CHECKSUM);
        frame(ETH_FROM_B + "/" + IP6_FROM_C + "/UDP(sport=52000,dport=6081,chksum=0)/" + WITH_ID + "/" + INNER_V6,
            DropReason.TUNNEL_UDP_BAD_CHECKSUM);
        frame(ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',chksum=0x1234)/UDP(dport=6081)/" + WITH_ID + "/" +
            INNER_V4, DropReason.TUNNEL_IPV4_BAD_CHECKSUM);
        frame(ETH_FROM_B + "/IP(src='198.19.0.2',dst='198.19.0.1',flags='MF')/UDP(dport=6081)/" + WITH_ID + "/" +
            INNER_V4, DropReason.TUNNEL_IPV4_FRAGMENT);
        frame(ETH_FROM_B + "/" + IP_FROM_B + "/TCP(dport=6081)", DropReason.TUNNEL_NOT_UDP);
        frame(ETH_FROM_B + "/ARP(psrc='198.19.0.2',pdst='198.19.0.1')", DropReason.TUNNEL_NOT_IP);
        frame(ETH_FROM_B + "/" + IP_FROM_B + "/UDP(sport=51000,dport=6081,len=8+8+8+10,chksum=0)/" + WITH_ID + "/" +
            INNER_V4, DropReason.TUNNEL_INNER_TOO_SHORT);
        frame(fromB(geneve("optionlen=40"), "Raw(b'\\x00'*16)"), DropReason.TUNNEL_GENEVE_TRUNCATED);
    }

    @BeforeAll
    static void buildFrames()
    {
        final List<String> all = new ArrayList<>(EXPRESSIONS);
        all.add(INNER_V4);
        frames = ExternalTools.scapyFrames(all);
    }

    private static byte[] innerV4()
    {
        return frames.get(frames.size() - 1);
    }

    @Test
    void decapThenParseYieldsTheInnerTupleIdentityVniAndPeer()
    {
        final TunnelRig rig = new TunnelRig(3).load(List.of(frames.get(V4_OK), frames.get(V6_OK),
            frames.get(NO_OPTION)), TunnelRig.UPLINK);
        final Pipeline pipeline = new Pipeline(List.of(rig.decap, rig.parse));
        pipeline.process(rig.vector);
        final PacketVector v = rig.vector;

        for (int i = 0; i < 3; i++)
        {
            final int p = i;
            assertNull(rig.reason(i), () -> "packet " + p + " dropped: " + rig.reason(p));
            assertEquals(TunnelRig.VNI, v.vni[i]);
        }
        assertArrayEquals(innerV4(), rig.bytes(0), "the vector now holds exactly the inner frame");
        assertTrue(v.hasFlag(0, FLAG_IPV4));
        assertEquals(ipv4Mapped(Addresses.parseIpv4("198.18.1.5")), v.srcLo[0]);
        assertEquals(ipv4Mapped(Addresses.parseIpv4("198.18.0.7")), v.dstLo[0]);
        assertEquals(IpProtocol.TCP, v.protocol[0]);
        assertEquals(40000, v.srcPort[0]);
        assertEquals(8080, v.dstPort[0]);
        assertEquals(14, v.l3Offset[0], "header offsets are relative to the inner frame");
        assertEquals(IDENTITY, v.sourceIdentity[0]);
        assertEquals(TunnelRig.B, v.ingressPeer[0]);
        assertEquals(TUNNEL_PEER_NONE, v.tunnelPeer[0], "decap never asks for encapsulation");

        assertTrue(v.hasFlag(1, FLAG_IPV6));
        assertEquals(Addresses.parseIpv6Hi("2001:2:0:c::5"), v.srcHi[1]);
        assertEquals(Addresses.parseIpv6Lo("2001:2:0:a::7"), v.dstLo[1]);
        assertEquals(IpProtocol.UDP, v.protocol[1]);
        assertEquals(5353, v.srcPort[1]);
        assertEquals(53, v.dstPort[1]);
        assertEquals(IDENTITY, v.sourceIdentity[1]);
        assertEquals(TunnelRig.C, v.ingressPeer[1]);

        assertEquals(PacketVector.IDENTITY_UNKNOWN, v.sourceIdentity[2], "no option: identity unknown");
        assertEquals(TunnelRig.B, v.ingressPeer[2]);

        assertEquals(3, rig.decap.counters().getAcquire(DecapStage.COUNTER_UPLINK_PACKETS));
        assertEquals(3, rig.decap.counters().getAcquire(DecapStage.COUNTER_DECAPSULATED));
        assertEquals(0, rig.decap.counters().getAcquire(DecapStage.COUNTER_DROPPED));
    }

    @Test
    void framesFromOtherPortsAreUntouched()
    {
        final byte[] outer = frames.get(V4_OK);
        final TunnelRig rig = new TunnelRig(2).load(List.of(outer, innerV4()), TunnelRig.POD_PORT);
        rig.decap.process(rig.vector);
        assertArrayEquals(outer, rig.bytes(0), "a Geneve frame from a pod port is not decapsulated");
        assertArrayEquals(innerV4(), rig.bytes(1));
        assertEquals(TUNNEL_PEER_NONE, rig.vector.ingressPeer[0]);
        assertEquals(0, rig.vector.dropReason[0] | rig.vector.dropReason[1]);
        assertEquals(0, rig.decap.counters().getAcquire(DecapStage.COUNTER_UPLINK_PACKETS));
    }

    @Test
    void everyMalformedFrameIsDroppedAndCountedUnderItsOwnReason()
    {
        final List<byte[]> bad = frames.subList(FIRST_DROP, EXPRESSIONS.size());
        final TunnelRig rig = new TunnelRig(bad.size()).load(bad, TunnelRig.UPLINK);
        final Pipeline pipeline = new Pipeline(List.of(rig.decap, rig.parse));
        pipeline.process(rig.vector);
        for (int i = 0; i < bad.size(); i++)
        {
            final int p = i;
            assertEquals(EXPECTED.get(FIRST_DROP + i), rig.reason(i), () -> "frame " + EXPRESSIONS.get(FIRST_DROP + p));
        }
        for (final DropReason reason : DropReason.values())
        {
            final long expected = EXPECTED.stream().filter(r -> r == reason).count();
            assertEquals(expected, rig.dropped(reason), reason.name());
        }
        assertEquals(bad.size(), rig.decap.counters().getAcquire(DecapStage.COUNTER_DROPPED));
        assertEquals(0, rig.parse.counters().getAcquire(dev.sluice.fastpath.stage.ParseStage.COUNTER_DROPPED));
        assertEquals(0, rig.vector.aliveCount());
    }

    @Test
    void aFrameOutsideTheBufferIsDroppedNotRead()
    {
        final TunnelRig rig = new TunnelRig(1);
        rig.vector.reset(rig.buffer);
        rig.vector.add(0, TunnelRig.FRAME_SIZE - 10, 100, TunnelRig.UPLINK, 0);
        rig.decap.process(rig.vector);
        assertEquals(DropReason.FRAME_TOO_LONG, rig.reason(0));
        assertEquals(1, rig.dropped(DropReason.FRAME_TOO_LONG));
    }
}
