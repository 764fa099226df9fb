package dev.sluice.fastpath.conntrack;

import static dev.sluice.fastpath.conntrack.ConntrackTable.FULL;
import static dev.sluice.fastpath.conntrack.ConntrackTable.INVALID;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isNew;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isReply;
import static dev.sluice.fastpath.conntrack.ConntrackTable.slot;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_ACK;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_FIN;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_PSH;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_RST;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.stage.PacketVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP state machine of {@link ConntrackTable#trackTcp}: every transition, and the timeout each state gets. */
class ConntrackTcpTest
{
    private static final long CLIENT = PacketVector.ipv4Mapped(0xC612_0001); // 198.18.0.1
    private static final long SERVER = PacketVector.ipv4Mapped(0xC613_0002); // 198.19.0.2
    private static final int CLIENT_PORT = 40000;
    private static final int SERVER_PORT = 80;
    private static final long SEC = TimeUnit.SECONDS.toNanos(1);
    private static final ConntrackTimeouts T = ConntrackTimeouts.DEFAULTS;

    private final ConntrackTable table = new ConntrackTable(ConntrackConfig.of(64));
    private long now = 1_000 * SEC;

    @AfterEach
    void close()
    {
        table.close();
    }

    private long fromClient(final int flags)
    {
        return table.trackTcp(0, CLIENT, 0, SERVER, CLIENT_PORT, SERVER_PORT, flags, 60, now);
    }

    private long fromServer(final int flags)
    {
        return table.trackTcp(0, SERVER, 0, CLIENT, SERVER_PORT, CLIENT_PORT, flags, 60, now);
    }

    private void assertState(final long handle, final int state, final long timeoutNs)
    {
        assertEquals(TcpState.name(state), TcpState.name(table.tcpState(handle)));
        assertEquals(now + timeoutNs, table.expiryNs(handle));
    }

    /** Drives the handshake and returns the established handle. */
    private long establish()
    {
        fromClient(TCP_SYN);
        fromServer(TCP_SYN | TCP_ACK);
        return fromClient(TCP_ACK);
    }

    @Test
    void synCreatesSynSentInTheOriginalDirection()
    {
        final long h = fromClient(TCP_SYN);
        assertTrue(isNew(h));
        assertFalse(isReply(h));
        assertState(h, TcpState.SYN_SENT, T.tcpSynNs());
        assertEquals(CLIENT, table.srcLo(h));
        assertEquals(SERVER, table.dstLo(h));
        assertEquals(CLIENT_PORT, table.srcPort(h));
        assertEquals(SERVER_PORT, table.dstPort(h));
        assertEquals(now, table.createdNs(h));
        assertFalse(table.isAssured(h));
        assertEquals(1, table.size());
    }

    @Test
    void synRetransmissionStaysSynSentAndRefreshes()
    {
        final long first = fromClient(TCP_SYN);
        now += 3 * SEC;
        final long again = fromClient(TCP_SYN);
        assertFalse(isNew(again));
        assertEquals(slot(first), slot(again));
        assertState(again, TcpState.SYN_SENT, T.tcpSynNs());
        assertEquals(2, table.packets(again, false));
    }

    @Test
    void synAckFromTheServerMovesToSynRecv()
    {
        fromClient(TCP_SYN);
        now += SEC;
        final long h = fromServer(TCP_SYN | TCP_ACK);
        assertTrue(isReply(h));
        assertFalse(isNew(h));
        assertState(h, TcpState.SYN_RECV, T.tcpSynNs());
        assertEquals(1, table.packets(h, true));
    }

    @Test
    void simultaneousOpenSynFromTheOtherSideMovesToSynRecv()
    {
        fromClient(TCP_SYN);
        final long h = fromServer(TCP_SYN);
        assertState(h, TcpState.SYN_RECV, T.tcpSynNs());
    }

    @Test
    void finalAckOfTheHandshakeEstablishesAndAssures()
    {
        final long h = establish();
        assertFalse(isReply(h));
        assertState(h, TcpState.ESTABLISHED, T.tcpEstablishedNs());
        assertTrue(table.isAssured(h));
        assertEquals(1, table.size());
    }

    @Test
    void ackFromTheServerInSynRecvDoesNotEstablish()
    {
        fromClient(TCP_SYN);
        fromServer(TCP_SYN | TCP_ACK);
        final long h = fromServer(TCP_ACK);
        assertState(h, TcpState.SYN_RECV, T.tcpSynNs());
    }

    @Test
    void dataBothWaysKeepsEstablishedAndCountsPerDirection()
    {
        establish();
        now += 10 * SEC;
        fromClient(TCP_ACK | TCP_PSH);
        final long h = fromServer(TCP_ACK | TCP_PSH);
        assertState(h, TcpState.ESTABLISHED, T.tcpEstablishedNs());
        assertEquals(3, table.packets(h, false));
        assertEquals(2, table.packets(h, true));
        assertEquals(180, table.bytes(h, false));
        assertEquals(120, table.bytes(h, true));
        assertEquals(now, table.lastSeenNs(h));
    }

    @Test
    void strayAckLessSynInEstablishedLeavesTheState()
    {
        establish();
        final long h = fromClient(TCP_SYN);
        assertFalse(isNew(h));
        assertState(h, TcpState.ESTABLISHED, T.tcpEstablishedNs());
    }

    @Test
    void finFromEitherSideMovesToFinWait()
    {
        establish();
        final long h = fromServer(TCP_FIN | TCP_ACK);
        assertState(h, TcpState.FIN_WAIT, T.tcpFinNs());
        assertTrue((table.flags(h) & ConntrackDescriptor.FLAG_FIN_REPLY) != 0);
        // The FIN's ACK and a FIN retransmission from the same side leave it in FIN_WAIT.
        assertState(fromClient(TCP_ACK), TcpState.FIN_WAIT, T.tcpFinNs());
        assertState(fromServer(TCP_FIN | TCP_ACK), TcpState.FIN_WAIT, T.tcpFinNs());
    }

    @Test
    void secondFinMovesToLastAckAndTheFinalAckToTimeWait()
    {
        establish();
        fromClient(TCP_FIN | TCP_ACK);
        fromServer(TCP_ACK);
        final long lastAck = fromServer(TCP_FIN | TCP_ACK);
        assertState(lastAck, TcpState.LAST_ACK, T.tcpFinNs());
        // An ACK from the side that sent the second FIN is not the final ACK.
        assertState(fromServer(TCP_ACK), TcpState.LAST_ACK, T.tcpFinNs());
        now += SEC;
        final long timeWait = fromClient(TCP_ACK);
        assertState(timeWait, TcpState.TIME_WAIT, T.tcpTimeWaitNs());
    }

    @Test
    void closeStartedByTheServerEndsWithTheServersAck()
    {
        establish();
        fromServer(TCP_FIN | TCP_ACK);
        fromClient(TCP_FIN | TCP_ACK);
        assertState(fromClient(TCP_ACK), TcpState.LAST_ACK, T.tcpFinNs());
        assertState(fromServer(TCP_ACK), TcpState.TIME_WAIT, T.tcpTimeWaitNs());
    }

    @Test
    void rstClosesFromAnyStateAndDirection()
    {
        fromClient(TCP_SYN);
        assertState(fromServer(TCP_RST | TCP_ACK), TcpState.CLOSED, T.tcpClosedNs());
        table.clear();
        establish();
        assertState(fromClient(TCP_RST), TcpState.CLOSED, T.tcpClosedNs());
        table.clear();
        establish();
        fromClient(TCP_FIN | TCP_ACK);
        assertState(fromServer(TCP_RST), TcpState.CLOSED, T.tcpClosedNs());
    }

    @Test
    void newSynOverTimeWaitOrClosedStartsAFreshConnectionInPlace()
    {
        final long established = establish();
        table.nat(established, 0, SERVER + 1, 8080, 7, 9);
        fromClient(TCP_RST);
        now += SEC;
        final long fresh = fromServer(TCP_SYN);
        assertTrue(isNew(fresh));
        assertFalse(isReply(fresh), "the new connection's initiator is its original direction");
        assertEquals(slot(established), slot(fresh));
        assertState(fresh, TcpState.SYN_SENT, T.tcpSynNs());
        assertEquals(SERVER, table.srcLo(fresh));
        assertEquals(now, table.createdNs(fresh));
        assertFalse(table.isNat(fresh), "nothing of the old connection survives");
        assertEquals(0, table.packets(fresh, true));
        assertEquals(1, table.size());
    }

    @Test
    void packetsAfterTimeWaitKeepTimeWait()
    {
        establish();
        fromClient(TCP_FIN | TCP_ACK);
        fromServer(TCP_FIN | TCP_ACK);
        fromClient(TCP_ACK);
        assertState(fromServer(TCP_FIN | TCP_ACK), TcpState.TIME_WAIT, T.tcpTimeWaitNs());
    }

    @Test
    void midStreamPacketIsPickedUpAsUnassuredEstablishedByDefault()
    {
        final long h = fromClient(TCP_ACK | TCP_PSH);
        assertTrue(isNew(h));
        assertState(h, TcpState.ESTABLISHED, T.tcpUnassuredNs());
        assertFalse(table.isAssured(h));
        assertTrue((table.flags(h) & ConntrackDescriptor.FLAG_PICKED_UP) != 0);
        // The other side answers: a real connection, full established timeout.
        final long answered = fromServer(TCP_ACK);
        assertTrue(table.isAssured(answered));
        assertState(answered, TcpState.ESTABLISHED, T.tcpEstablishedNs());
    }

    @Test
    void pickedUpSynAckTakesTheSenderAsTheResponder()
    {
        final long h = fromServer(TCP_SYN | TCP_ACK);
        assertTrue(isNew(h));
        assertTrue(isReply(h));
        assertEquals(CLIENT, table.srcLo(h));
        assertState(h, TcpState.SYN_RECV, T.tcpSynNs());
        assertState(fromClient(TCP_ACK), TcpState.ESTABLISHED, T.tcpEstablishedNs());
    }

    @Test
    void pickedUpFinStartsInFinWait()
    {
        final long h = fromClient(TCP_FIN | TCP_ACK);
        assertState(h, TcpState.FIN_WAIT, T.tcpFinNs());
        assertState(fromServer(TCP_FIN | TCP_ACK), TcpState.LAST_ACK, T.tcpFinNs());
    }

    @Test
    void withoutLoosePickupOnlyASynCreates()
    {
        try (ConntrackTable strict = new ConntrackTable(ConntrackConfig.of(64).withTcpLoosePickup(false)))
        {
            assertEquals(INVALID, strict.trackTcp(0, CLIENT, 0, SERVER, 1, 2, TCP_ACK, 60, now));
            assertEquals(INVALID, strict.trackTcp(0, CLIENT, 0, SERVER, 1, 2, TCP_SYN | TCP_ACK, 60, now));
            assertEquals(INVALID, strict.trackTcp(0, CLIENT, 0, SERVER, 1, 2, TCP_FIN, 60, now));
            assertEquals(0, strict.size());
            assertEquals(3, strict.counter(ConntrackTable.COUNTER_INVALID));
            assertTrue(isNew(strict.trackTcp(0, CLIENT, 0, SERVER, 1, 2, TCP_SYN, 60, now)));
        }
    }

    @Test
    void rstWithoutAnEntryIsInvalidAndCreatesNothing()
    {
        assertEquals(INVALID, fromClient(TCP_RST));
        assertEquals(INVALID, fromClient(TCP_RST | TCP_ACK));
        assertEquals(0, table.size());
    }

    @Test
    void anExpiredEntryIsNotResurrectedByALateSegment()
    {
        final long h = fromClient(TCP_SYN);
        now += T.tcpSynNs();
        // Loose pickup: the late ACK starts a new (picked-up) flow in the same slot.
        final long late = fromClient(TCP_ACK);
        assertTrue(isNew(late));
        assertEquals(slot(h), slot(late));
        assertState(late, TcpState.ESTABLISHED, T.tcpUnassuredNs());
        assertEquals(1, table.counter(ConntrackTable.COUNTER_EXPIRATIONS));
        // A late RST finds nothing alive and creates nothing.
        now += T.tcpUnassuredNs();
        assertEquals(INVALID, fromServer(TCP_RST));
    }

    @Test
    void everyStateTimesOutAfterItsOwnTimeout()
    {
        final ConntrackTimeouts custom = new ConntrackTimeouts(1 * SEC, 2 * SEC, 3 * SEC, 4 * SEC, 5 * SEC, 6 * SEC,
            7 * SEC, 8 * SEC, 9 * SEC);
        try (ConntrackTable t = new ConntrackTable(ConntrackConfig.of(64).withTimeouts(custom)))
        {
            final long[] expected = new long[8];
            int port = 1000;
            expected[TcpState.SYN_SENT] = driveTo(t, port++, new int[]{ TCP_SYN });
            expected[TcpState.SYN_RECV] = driveTo(t, port++, new int[]{ TCP_SYN, -(TCP_SYN | TCP_ACK) });
            expected[TcpState.ESTABLISHED] = driveTo(t, port++, new int[]{ TCP_SYN, -(TCP_SYN | TCP_ACK), TCP_ACK });
            expected[TcpState.FIN_WAIT] = driveTo(t, port++,
                new int[]{ TCP_SYN, -(TCP_SYN | TCP_ACK), TCP_ACK, TCP_FIN | TCP_ACK });
            expected[TcpState.LAST_ACK] = driveTo(t, port++,
                new int[]{ TCP_SYN, -(TCP_SYN | TCP_ACK), TCP_ACK, TCP_FIN | TCP_ACK, -(TCP_FIN | TCP_ACK) });
            expected[TcpState.TIME_WAIT] = driveTo(t, port++,
                new int[]{ TCP_SYN, -(TCP_SYN | TCP_ACK), TCP_ACK, TCP_FIN | TCP_ACK, -(TCP_FIN | TCP_ACK), TCP_ACK });
            expected[TcpState.CLOSED] = driveTo(t, port++, new int[]{ TCP_SYN, TCP_RST });
            final long unassured = driveTo(t, port, new int[]{ TCP_ACK });
            assertEquals(1 * SEC, expected[TcpState.SYN_SENT] - now);
            assertEquals(1 * SEC, expected[TcpState.SYN_RECV] - now);
            assertEquals(2 * SEC, expected[TcpState.ESTABLISHED] - now);
            assertEquals(4 * SEC, expected[TcpState.FIN_WAIT] - now);
            assertEquals(4 * SEC, expected[TcpState.LAST_ACK] - now);
            assertEquals(5 * SEC, expected[TcpState.TIME_WAIT] - now);
            assertEquals(6 * SEC, expected[TcpState.CLOSED] - now);
            assertEquals(3 * SEC, unassured - now);

            // Each entry survives until just before its expiry and is removed at it.
            assertEquals(0, t.expire(now + SEC - 1, t.capacity()));
            assertEquals(2, t.expire(now + SEC, t.capacity()));
            assertEquals(1, t.expire(now + 2 * SEC, t.capacity()));
            assertEquals(1, t.expire(now + 3 * SEC, t.capacity()));
            assertEquals(2, t.expire(now + 4 * SEC, t.capacity()));
            assertEquals(1, t.expire(now + 5 * SEC, t.capacity()));
            assertEquals(1, t.expire(now + 6 * SEC, t.capacity()));
            assertEquals(0, t.size());
        }
    }

    /** Plays segments (negative = from the server) on a fresh flow from client port {@code port}; returns expiry. */
    private long driveTo(final ConntrackTable t, final int port, final int[] segments)
    {
        long h = FULL;
        for (final int segment : segments)
        {
            h = segment > 0 ?
                t.trackTcp(0, CLIENT, 0, SERVER, port, SERVER_PORT, segment, 60, now) :
                t.trackTcp(0, SERVER, 0, CLIENT, SERVER_PORT, port, -segment, 60, now);
        }
        return t.expiryNs(h);
    }
}
