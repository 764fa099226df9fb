package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.service.TestPackets.bytes;
import static dev.sluice.fastpath.service.TestPackets.checksumProblems;
import static dev.sluice.fastpath.service.TestPackets.frame;
import static dev.sluice.fastpath.service.TestPackets.parsed;
import static dev.sluice.fastpath.service.TestPackets.tuple;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.TestPackets.Tuple;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.wire.Checksums;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * NAT properties over random packets (IPv4 and IPv6; TCP, UDP with and without a checksum, SCTP, ICMP echo; random
 * addresses, ports and payloads), every one built with correct checksums and parsed by the real parse stage:
 * DNAT then reverse NAT of the reply gives exactly the original tuple, checksums stay valid (checked by full
 * recomputation) and ICMP errors about a DNAT'ed packet come back quoting exactly what the client sent.
 */
class NatRewriterProperties
{
    private static final int[] PROTOCOLS = {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP, IpProtocol.ICMP};

    private final NatRewriter nat = new NatRewriter(2000);
    private final RejectBuilder reject = new RejectBuilder(TestPackets.FRAME_SIZE - TestPackets.HEADROOM);

    record Case(Tuple client, long backendHi, long backendLo, int backendPort, byte[] payload, boolean udpZero)
    {
        Tuple backendTuple()
        {
            final int port = echo() ? client.dstPort() : backendPort;
            return new Tuple(client.protocol(), client.srcHi(), client.srcLo(), client.srcPort(), backendHi,
                backendLo, port);
        }

        boolean echo()
        {
            return client.protocol() == IpProtocol.ICMP || client.protocol() == IpProtocol.ICMPV6;
        }
    }

    static Case randomCase(final long seed)
    {
        final SplittableRandom r = new SplittableRandom(seed);
        final boolean ipv4 = r.nextBoolean();
        int protocol = PROTOCOLS[r.nextInt(PROTOCOLS.length)];
        if (protocol == IpProtocol.ICMP && !ipv4)
        {
            protocol = IpProtocol.ICMPV6;
        }
        final long[] client = address(r, ipv4);
        final long[] frontend = address(r, ipv4);
        final long[] backend = address(r, ipv4);
        final int clientPort = 1 + r.nextInt(65535);
        final boolean echo = protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6;
        final int frontendPort = echo ? clientPort : 1 + r.nextInt(65535);
        final int backendPort = r.nextInt(4) == 0 ? frontendPort : 1 + r.nextInt(65535);
        final byte[] payload = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(300)];
        for (int k = 0; k < payload.length; k++)
        {
            payload[k] = (byte)r.nextInt(256);
        }
        final Tuple t = new Tuple(protocol, client[0], client[1], clientPort, frontend[0], frontend[1], frontendPort);
        return new Case(t, backend[0], backend[1], backendPort, payload, r.nextInt(3) == 0);
    }

    private static long[] address(final SplittableRandom r, final boolean ipv4)
    {
        if (ipv4)
        {
            return new long[] {0, PacketVector.ipv4Mapped(r.nextInt())};
        }
        // Random, but never mistaken for an IPv4-mapped address; sometimes sharing most bits with another.
        return new long[] {0x2001_0002_0000_0000L | (r.nextLong() & 0xFFFF_FFFFL), r.nextInt(3) == 0 ? r.nextInt(8) :
            r.nextLong()};
    }

    @Property(tries = 1000)
    void dnatThenReverseNatOfTheReplyRestoresTheOriginalTuple(@ForAll final long seed)
    {
        final Case c = randomCase(seed);
        final Tuple original = c.client();
        final byte[] sent = frame(original, c.payload(), 0x18, 1000, c.udpZero());
        final PacketVector out = parsed(List.of(sent));
        assertEquals(0, out.dropReason[0], "parse");
        assertEquals(original, tuple(out, 0));

        assertEquals(NatRewriter.OK, nat.dnat(out, 0, c.backendHi(), c.backendLo(), c.backendPort()));
        assertEquals(c.backendTuple(), tuple(out, 0), "columns after DNAT");
        assertEquals("", checksumProblems(out, 0), "checksums after DNAT");
        // The wire agrees with the columns: parsing the rewritten bytes gives the same tuple.
        final PacketVector reparsed = parsed(List.of(bytes(out, 0)));
        assertEquals(c.backendTuple(), tuple(reparsed, 0));
        if (c.udpZero() && original.ipv4() && original.protocol() == IpProtocol.UDP)
        {
            assertEquals(0, out.buffer().getShort(out.offset[0] + 14 + 20 + 6), "no UDP checksum stays none");
        }

        // The backend's reply, built from scratch, reverse-NATed back to the frontend.
        final Tuple reply = c.backendTuple().reversed();
        final PacketVector back = parsed(List.of(frame(reply, c.payload(), 0x18, 2000, c.udpZero())));
        assertEquals(NatRewriter.OK, nat.snat(back, 0, original.dstHi(), original.dstLo(), original.dstPort()));
        assertEquals(original.reversed(), tuple(back, 0), "reply columns after reverse NAT");
        assertEquals(original.reversed(), tuple(parsed(List.of(bytes(back, 0))), 0), "reply on the wire");
        assertEquals("", checksumProblems(back, 0), "checksums after reverse NAT");
    }

    /**
     * A benchmark generator sends IPv4 UDP with checksum 0 ("none", RFC 768) and arbitrary payload: DNAT to a
     * backend and reverse NAT of the same bytes change only addresses, ports and the IPv4 header checksum; the UDP
     * checksum stays 0 (an incremental update of 0 would invent a wrong checksum) and every payload byte is kept.
     */
    @Property(tries = 500)
    void udpWithoutChecksumKeepsZeroChecksumAndPayloadThroughDnatAndReverseNat(@ForAll final long seed)
    {
        final SplittableRandom r = new SplittableRandom(seed);
        final byte[] payload = new byte[18 + r.nextInt(1400)];
        for (int k = 0; k < payload.length; k++)
        {
            payload[k] = (byte)r.nextInt(256);
        }
        final Tuple client = new Tuple(IpProtocol.UDP, 0, PacketVector.ipv4Mapped(r.nextInt()), 1 + r.nextInt(65535),
            0, PacketVector.ipv4Mapped(r.nextInt()), 1 + r.nextInt(65535));
        final long backend = PacketVector.ipv4Mapped(r.nextInt());
        final int backendPort = 1 + r.nextInt(65535);
        final byte[] sent = frame(client, payload, 0, 0, true);
        final int udp = 14 + 20;
        assertEquals(0, sent[udp + 6] | sent[udp + 7], "the frame under test has no UDP checksum");

        final PacketVector v = parsed(List.of(sent));
        assertEquals(0, v.dropReason[0], "parse accepts a zero UDP checksum");
        assertEquals(NatRewriter.OK, nat.dnat(v, 0, 0, backend, backendPort));
        final byte[] dnated = bytes(v, 0);
        assertEquals(0, dnated[udp + 6] | dnated[udp + 7], "UDP checksum after DNAT");
        assertArrayEquals(Arrays.copyOfRange(sent, udp + 8, sent.length),
            Arrays.copyOfRange(dnated, udp + 8, dnated.length), "payload after DNAT");
        assertEquals((int)backend, ByteBuffer.wrap(dnated).getInt(14 + 16), "destination address");
        assertEquals(backendPort, ByteBuffer.wrap(dnated).getShort(udp + 2) & 0xFFFF, "destination port");
        assertEquals("", checksumProblems(v, 0), "IPv4 header checksum after DNAT");

        assertEquals(NatRewriter.OK, nat.dnat(v, 0, 0, client.dstLo(), client.dstPort()));
        assertArrayEquals(sent, bytes(v, 0), "the inverse rewrite restores every byte");
    }

    @Property(tries = 1000)
    void dnatThenTheInverseDnatGivesBackTheSameBytes(@ForAll final long seed)
    {
        final Case c = randomCase(seed);
        final byte[] sent = frame(c.client(), c.payload(), 0x02, 77, c.udpZero());
        final PacketVector v = parsed(List.of(sent));
        assertEquals(NatRewriter.OK, nat.dnat(v, 0, c.backendHi(), c.backendLo(), c.backendPort()));
        assertEquals(NatRewriter.OK, nat.dnat(v, 0, c.client().dstHi(), c.client().dstLo(), c.client().dstPort()));
        assertArrayEquals(sent, bytes(v, 0), "incremental updates equal a full recomputation, so bytes round-trip");
    }

    @Property(tries = 500)
    void icmpErrorFromTheBackendIsReverseNatedToQuoteWhatTheClientSent(@ForAll final long seed)
    {
        final Case c = randomCase(seed);
        final Tuple original = c.client();
        final byte[] sent = frame(original, c.payload(), 0x18, 1000, c.udpZero());
        final PacketVector v = parsed(List.of(sent));
        assertEquals(NatRewriter.OK, nat.dnat(v, 0, c.backendHi(), c.backendLo(), c.backendPort()));
        // The backend answers with a port unreachable quoting the packet it got (built by the reject builder).
        assertEquals(RejectBuilder.OK, reject.icmpPortUnreachable(v, 0));
        final PacketVector error = parsed(List.of(bytes(v, 0)));
        assertEquals(0, error.dropReason[0]);
        assertTrue(error.hasFlag(0, PacketVector.FLAG_ICMP_ERROR));
        assertEquals(c.backendHi(), error.srcHi[0]);
        assertEquals(c.backendLo(), error.srcLo[0]);

        assertEquals(NatRewriter.OK, nat.reverseNatIcmpError(error, 0, original.dstHi(), original.dstLo(),
            original.dstPort()));
        assertEquals("", checksumProblems(error, 0), "outer checksums");
        assertEquals(original.dstHi(), error.srcHi[0], "the error now comes from the frontend");
        assertEquals(original.dstLo(), error.srcLo[0]);
        assertEquals(original.dstLo(), error.innerDstLo[0]);
        assertEquals(original.dstPort(), error.innerDstPort[0]);

        // The quoted packet is now byte for byte the start of what the client sent (inner checksums included).
        final int ipHeader = original.ipv4() ? 20 : 40;
        final int quoteAt = error.offset[0] + 14 + ipHeader + 8;
        final int quoteLength = error.length[0] - (14 + ipHeader + 8);
        final byte[] quoted = new byte[quoteLength];
        error.buffer().getBytes(quoteAt, quoted);
        assertArrayEquals(Arrays.copyOfRange(sent, 14, 14 + quoteLength), quoted);
        if (original.ipv4())
        {
            assertTrue(Checksums.ipv4HeaderValid(error.buffer(), quoteAt, 20), "inner IPv4 header checksum");
        }
        final PacketVector reparsed = parsed(List.of(bytes(error, 0)));
        assertEquals(original.dstLo(), reparsed.innerDstLo[0]);
        assertEquals(original.dstHi(), reparsed.innerDstHi[0]);
    }

    @Property(tries = 300)
    void icmpErrorAboutAReplyIsDnatedToTheBackend(@ForAll final long seed)
    {
        final Case c = randomCase(seed);
        // What the client saw: a reply from the frontend. It answers with a port unreachable quoting that reply.
        final Tuple seenReply = c.client().reversed();
        final PacketVector v = parsed(List.of(frame(seenReply, c.payload(), 0x18, 5, c.udpZero())));
        assertEquals(RejectBuilder.OK, reject.icmpPortUnreachable(v, 0));
        final PacketVector error = parsed(List.of(bytes(v, 0)));
        final Tuple backendSide = c.backendTuple();
        assertEquals(NatRewriter.OK, nat.dnatIcmpError(error, 0, backendSide.dstHi(), backendSide.dstLo(),
            backendSide.dstPort()));
        assertEquals("", checksumProblems(error, 0));
        final PacketVector reparsed = parsed(List.of(bytes(error, 0)));
        assertEquals(backendSide.dstLo(), reparsed.innerSrcLo[0]);
        assertEquals(backendSide.dstHi(), reparsed.innerSrcHi[0]);
        assertEquals(backendSide.dstLo(), reparsed.dstLo[0], "the error goes to the backend");
        if (!c.echo())
        {
            assertEquals(backendSide.dstPort(), reparsed.innerSrcPort[0]);
        }
    }
}
