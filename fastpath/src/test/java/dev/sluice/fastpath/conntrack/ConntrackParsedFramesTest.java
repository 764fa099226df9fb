package dev.sluice.fastpath.conntrack;

import static dev.sluice.fastpath.conntrack.ConntrackTable.isNew;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isReply;
import static dev.sluice.fastpath.conntrack.ConntrackTable.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.ExternalTools;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Conversations built by scapy, parsed by the real {@link ParseStage}, tracked from the {@link PacketVector}
 * columns: the ICMP errors (IPv4 and IPv6) that scapy embeds are matched to their flows with the right direction.
 */
class ConntrackParsedFramesTest
{
    private static final String ETH = "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')";
    private static final int FRAME_SIZE = 2048;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMPV6_ECHO_REQUEST = 128;

    /** Tracks packet {@code i} as a conntrack stage would, by protocol. */
    private static long track(final ConntrackTable t, final PacketVector v, final int i, final long nowNs)
    {
        if (v.hasFlag(i, PacketVector.FLAG_ICMP_ERROR))
        {
            return t.lookupRelated(v.innerProtocol[i], v.innerSrcHi[i], v.innerSrcLo[i], v.innerDstHi[i],
                v.innerDstLo[i], v.innerSrcPort[i], v.innerDstPort[i], nowNs);
        }
        if (v.hasFlag(i, PacketVector.FLAG_ICMP_ECHO))
        {
            final int type = v.icmpTypeCode[i] >>> 8;
            return t.trackIcmpEcho(v.protocol[i], v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i],
                type == ICMP_ECHO_REQUEST || type == ICMPV6_ECHO_REQUEST, v.l3Length[i], nowNs);
        }
        if (v.protocol[i] == IpProtocol.TCP)
        {
            return t.trackTcp(v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i], v.dstPort[i],
                v.tcpFlags[i], v.l3Length[i], nowNs);
        }
        return t.trackDatagram(v.protocol[i], v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i],
            v.dstPort[i], v.l3Length[i], nowNs);
    }

    @Test
    void icmpErrorsFromScapyMatchTheirFlowsInBothDirections()
    {
        final List<String> frames = new ArrayList<>();
        // IPv4 UDP: a query, its answer, a router's error about the query, the client's error about the answer.
        frames.add(ETH + "/IP(src='198.18.0.1', dst='198.18.1.2')/UDP(sport=5000, dport=53)/Raw(b'q')");
        frames.add(ETH + "/IP(src='198.18.1.2', dst='198.18.0.1')/UDP(sport=53, dport=5000)/Raw(b'a')");
        frames.add(ETH + "/IP(src='198.18.9.9', dst='198.18.0.1')/ICMP(type=3, code=4, nexthopmtu=1400)" +
            "/IPerror(src='198.18.0.1', dst='198.18.1.2')/UDPerror(sport=5000, dport=53)");
        frames.add(ETH + "/IP(src='198.18.0.1', dst='198.18.1.2')/ICMP(type=3, code=3)" +
            "/IPerror(src='198.18.1.2', dst='198.18.0.1')/UDPerror(sport=53, dport=5000)");
        // IPv6 TCP handshake, a Packet Too Big about the client's segment, an unreachable about the server's.
        frames.add(ETH + "/IPv6(src='2001:2::1', dst='2001:2::2')/TCP(sport=40000, dport=443, flags='S')");
        frames.add(ETH + "/IPv6(src='2001:2::2', dst='2001:2::1')/TCP(sport=443, dport=40000, flags='SA')");
        frames.add(ETH + "/IPv6(src='2001:2::1', dst='2001:2::2')/TCP(sport=40000, dport=443, flags='A')");
        frames.add(ETH + "/IPv6(src='2001:2::ff', dst='2001:2::1')/ICMPv6PacketTooBig(mtu=1280)" +
            "/IPv6(src='2001:2::1', dst='2001:2::2')/TCP(sport=40000, dport=443, flags='A')");
        frames.add(ETH + "/IPv6(src='2001:2::1', dst='2001:2::2')/ICMPv6DestUnreach(code=4)" +
            "/IPv6(src='2001:2::2', dst='2001:2::1')/TCP(sport=443, dport=40000, flags='A')");
        // IPv6 echo, its reply, and a Time Exceeded about the request.
        frames.add(ETH + "/IPv6(src='2001:2::1', dst='2001:2::2')/ICMPv6EchoRequest(id=0x4242, seq=1)");
        frames.add(ETH + "/IPv6(src='2001:2::2', dst='2001:2::1')/ICMPv6EchoReply(id=0x4242, seq=1)");
        frames.add(ETH + "/IPv6(src='2001:2::ff', dst='2001:2::1')/ICMPv6TimeExceeded()" +
            "/IPv6(src='2001:2::1', dst='2001:2::2')/ICMPv6EchoRequest(id=0x4242, seq=1)");
        // An error about a flow nobody tracks.
        frames.add(ETH + "/IP(src='198.18.9.9', dst='198.18.0.1')/ICMP(type=3, code=1)" +
            "/IPerror(src='198.18.0.1', dst='198.18.7.7')/UDPerror(sport=5000, dport=53)");
        final List<byte[]> bytes = ExternalTools.scapyFrames(frames);

        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.size() * FRAME_SIZE));
        final PacketVector v = new PacketVector(PacketVector.MAX_CAPACITY);
        v.reset(buffer);
        for (int i = 0; i < bytes.size(); i++)
        {
            buffer.putBytes(i * FRAME_SIZE, bytes.get(i));
            v.add(i, i * FRAME_SIZE, bytes.get(i).length, 0, i);
        }
        new ParseStage(FRAME_SIZE, new Counters(DropReason.MAX_CODES)).process(v);
        assertEquals(bytes.size(), v.aliveCount());

        try (ConntrackTable t = new ConntrackTable(ConntrackConfig.of(64)))
        {
            final long now = 1_000_000_000L;
            final long[] h = new long[bytes.size()];
            for (int i = 0; i < bytes.size(); i++)
            {
                h[i] = track(t, v, i, now);
            }
            // IPv4 UDP.
            assertTrue(isNew(h[0]));
            assertTrue(isReply(h[1]));
            assertEquals(slot(h[0]), slot(h[2]));
            assertTrue(isReply(h[2]), "router error about the query goes back to the client: reply direction");
            assertEquals(slot(h[0]), slot(h[3]));
            assertFalse(isReply(h[3]), "client error about the answer goes to the server: original direction");
            // IPv6 TCP.
            assertTrue(isNew(h[4]));
            assertEquals(TcpState.ESTABLISHED, t.tcpState(h[6]));
            assertEquals(slot(h[4]), slot(h[7]));
            assertTrue(isReply(h[7]));
            assertEquals(slot(h[4]), slot(h[8]));
            assertFalse(isReply(h[8]));
            assertEquals(TcpState.ESTABLISHED, t.tcpState(h[8]), "errors leave the state alone");
            // IPv6 echo.
            assertTrue(isNew(h[9]));
            assertTrue(isReply(h[10]));
            assertEquals(slot(h[9]), slot(h[11]));
            assertTrue(isReply(h[11]));
            // Unknown flow.
            assertEquals(ConntrackTable.NOT_FOUND, h[12]);
            assertEquals(3, t.size());
        }
    }
}
