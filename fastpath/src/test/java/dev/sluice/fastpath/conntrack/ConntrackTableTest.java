package dev.sluice.fastpath.conntrack;

import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_CREATES;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_CREATE_FAILURES_FULL;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_DELETIONS;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_EARLY_DROPS;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_EXPIRATIONS;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_HITS;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_LOOKUPS;
import static dev.sluice.fastpath.conntrack.ConntrackTable.COUNTER_OCCUPANCY;
import static dev.sluice.fastpath.conntrack.ConntrackTable.FULL;
import static dev.sluice.fastpath.conntrack.ConntrackTable.INVALID;
import static dev.sluice.fastpath.conntrack.ConntrackTable.NOT_FOUND;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isNew;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isReply;
import static dev.sluice.fastpath.conntrack.ConntrackTable.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConntrackTableTest
{
    private static final long SEC = TimeUnit.SECONDS.toNanos(1);
    private static final ConntrackTimeouts T = ConntrackTimeouts.DEFAULTS;
    private static final long A = PacketVector.ipv4Mapped(0xC612_0001); // 198.18.0.1
    private static final long B = PacketVector.ipv4Mapped(0xC612_0102); // 198.18.1.2
    private static final long ROUTER = PacketVector.ipv4Mapped(0xC612_0909); // 198.18.9.9
    private static final long V6_HI = 0x2001_0002_0000_0000L; // 2001:2::/48
    private static final long V6_A = 0x1L;
    private static final long V6_B = 0x2L;

    private final List<ConntrackTable> tables = new ArrayList<>();
    private long now = 5_000 * SEC;

    private ConntrackTable table(final ConntrackConfig config)
    {
        final ConntrackTable table = new ConntrackTable(config);
        tables.add(table);
        return table;
    }

    @AfterEach
    void close()
    {
        tables.forEach(ConntrackTable::close);
    }

    @Test
    void bothDirectionsFindTheOneEntry()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long created = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 100, now);
        final long forward = t.lookup(IpProtocol.UDP, 0, A, 0, B, 5000, 53);
        final long reverse = t.lookup(IpProtocol.UDP, 0, B, 0, A, 53, 5000);
        assertEquals(slot(created), slot(forward));
        assertEquals(slot(created), slot(reverse));
        assertFalse(isReply(forward));
        assertTrue(isReply(reverse));
        assertEquals(1, t.size());
        // Same endpoints, other protocol, swapped ports only, or other port: different flows.
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.TCP, 0, A, 0, B, 5000, 53));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, A, 0, B, 53, 5000));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, A, 0, B, 5001, 53));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, B, 0, A, 5000, 53));
    }

    @Test
    void ipv6TuplesUseAllHundredAndTwentyEightBits()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        t.trackDatagram(IpProtocol.UDP, V6_HI, V6_A, V6_HI, V6_B, 1, 2, 10, now);
        assertTrue(t.lookup(IpProtocol.UDP, V6_HI, V6_B, V6_HI, V6_A, 2, 1) >= 0);
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, V6_HI + 1, V6_A, V6_HI, V6_B, 1, 2));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, V6_HI, V6_A, V6_HI + 1, V6_B, 1, 2));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, V6_A, 0, V6_B, 1, 2));
    }

    @Test
    void udpIsShortLivedUntilAnsweredThenAssured()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long h = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 80, now);
        assertTrue(isNew(h));
        assertEquals(now + T.udpNs(), t.expiryNs(h));
        now += SEC;
        assertEquals(now + T.udpNs(), t.expiryNs(t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 80, now)));
        assertFalse(t.isAssured(h));
        now += SEC;
        final long reply = t.trackDatagram(IpProtocol.UDP, 0, B, 0, A, 53, 5000, 200, now);
        assertTrue(isReply(reply));
        assertFalse(isNew(reply));
        assertTrue(t.isAssured(reply));
        assertEquals(now + T.udpAssuredNs(), t.expiryNs(reply));
        // Assured stays assured: the next original-direction packet also gets the long timeout.
        now += SEC;
        assertEquals(now + T.udpAssuredNs(), t.expiryNs(t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 1,
            now)));
        assertEquals(3, t.packets(h, false));
        assertEquals(161, t.bytes(h, false));
        assertEquals(1, t.packets(h, true));
        assertEquals(200, t.bytes(h, true));
        assertEquals(TcpState.NONE, t.tcpState(h));
    }

    @Test
    void udpEntryExpiresAfterItsTimeoutAndAReturningPacketStartsAFreshFlow()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long h = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 80, now);
        t.nat(h, 0, B + 7, 53, 3, 4);
        now += T.udpNs();
        final long again = t.trackDatagram(IpProtocol.UDP, 0, B, 0, A, 53, 5000, 80, now);
        assertTrue(isNew(again), "an expired entry is absent for the packet path");
        assertFalse(isReply(again), "the fresh flow starts with this packet's direction");
        assertEquals(B, t.srcLo(again));
        assertFalse(t.isNat(again));
        assertEquals(1, t.size());
    }

    @Test
    void sctpAndOtherProtocolsTrackLikeUdp()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long sctp = t.trackDatagram(IpProtocol.SCTP, 0, A, 0, B, 3868, 3868, 100, now);
        assertEquals(now + T.udpNs(), t.expiryNs(sctp));
        final long gre = t.trackDatagram(47, 0, A, 0, B, 0, 0, 100, now);
        assertNotEquals(slot(sctp), slot(gre));
        assertTrue(isReply(t.trackDatagram(47, 0, B, 0, A, 0, 0, 100, now)));
        assertEquals(2, t.size());
    }

    @Test
    void icmpEchoRequestCreatesAndTheReplyMatches()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        assertEquals(INVALID, t.trackIcmpEcho(IpProtocol.ICMP, 0, B, 0, A, 0x1234, false, 84, now),
            "an unsolicited echo reply creates nothing");
        final long request = t.trackIcmpEcho(IpProtocol.ICMP, 0, A, 0, B, 0x1234, true, 84, now);
        assertTrue(isNew(request));
        assertEquals(now + T.icmpEchoNs(), t.expiryNs(request));
        assertEquals(0x1234, t.srcPort(request));
        assertEquals(0x1234, t.dstPort(request));
        now += SEC;
        final long reply = t.trackIcmpEcho(IpProtocol.ICMP, 0, B, 0, A, 0x1234, false, 84, now);
        assertTrue(isReply(reply));
        assertEquals(slot(request), slot(reply));
        assertEquals(now + T.icmpEchoNs(), t.expiryNs(reply));
        // Another echo id is another flow; ICMPv6 is a separate protocol.
        assertEquals(INVALID, t.trackIcmpEcho(IpProtocol.ICMP, 0, B, 0, A, 0x1235, false, 84, now));
        final long v6 = t.trackIcmpEcho(IpProtocol.ICMPV6, V6_HI, V6_A, V6_HI, V6_B, 0x1234, true, 104, now);
        assertTrue(isReply(t.trackIcmpEcho(IpProtocol.ICMPV6, V6_HI, V6_B, V6_HI, V6_A, 0x1234, false, 104, now)));
        assertNotEquals(slot(request), slot(v6));
        assertEquals(2, t.counter(ConntrackTable.COUNTER_INVALID));
    }

    @Test
    void icmpErrorAboutAnOriginalDirectionPacketTravelsInTheReplyDirection()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long flow = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 80, now);
        final long expiry = t.expiryNs(flow);
        // A router tells A that A's datagram to B could not be delivered: the embedded packet is A -> B as sent.
        final long related = t.lookupRelated(IpProtocol.UDP, 0, A, 0, B, 5000, 53, now + SEC);
        assertEquals(slot(flow), slot(related));
        assertTrue(isReply(related), "the error goes back to the originator: reply direction (reverse NAT applies)");
        assertFalse(isNew(related));
        assertEquals(expiry, t.expiryNs(flow), "RELATED: no refresh");
        assertEquals(1, t.packets(flow, false));
        assertEquals(0, t.packets(flow, true));
        assertFalse(t.isAssured(flow));
    }

    @Test
    void icmpErrorAboutAReplyDirectionPacketTravelsInTheOriginalDirection()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long flow = t.trackTcp(0, A, 0, B, 40000, 80, TcpState.TCP_SYN, 60, now);
        t.trackTcp(0, B, 0, A, 80, 40000, TcpState.TCP_SYN | TcpState.TCP_ACK, 60, now);
        // A rejects B's SYN+ACK: the embedded packet is B -> A as B sent it.
        final long related = t.lookupRelated(IpProtocol.TCP, 0, B, 0, A, 80, 40000, now);
        assertEquals(slot(flow), slot(related));
        assertFalse(isReply(related));
        assertEquals(TcpState.SYN_RECV, t.tcpState(flow), "RELATED: no state change");
    }

    @Test
    void icmpv6ErrorsMatchTcpAndEchoFlowsInBothDirections()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long tcp = t.trackTcp(V6_HI, V6_A, V6_HI, V6_B, 40000, 443, TcpState.TCP_SYN, 80, now);
        final long echo = t.trackIcmpEcho(IpProtocol.ICMPV6, V6_HI, V6_A, V6_HI, V6_B, 77, true, 104, now);

        final long tooBig = t.lookupRelated(IpProtocol.TCP, V6_HI, V6_A, V6_HI, V6_B, 40000, 443, now);
        assertEquals(slot(tcp), slot(tooBig));
        assertTrue(isReply(tooBig));
        final long aboutReply = t.lookupRelated(IpProtocol.TCP, V6_HI, V6_B, V6_HI, V6_A, 443, 40000, now);
        assertEquals(slot(tcp), slot(aboutReply));
        assertFalse(isReply(aboutReply));

        final long hopLimit = t.lookupRelated(IpProtocol.ICMPV6, V6_HI, V6_A, V6_HI, V6_B, 77, 77, now);
        assertEquals(slot(echo), slot(hopLimit));
        assertTrue(isReply(hopLimit));
    }

    @Test
    void icmpErrorForAnUnknownOrExpiredFlowIsNotFound()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 5000, 53, 80, now);
        assertEquals(NOT_FOUND, t.lookupRelated(IpProtocol.UDP, 0, A, 0, ROUTER, 5000, 53, now));
        assertEquals(NOT_FOUND, t.lookupRelated(IpProtocol.TCP, 0, A, 0, B, 5000, 53, now));
        assertEquals(NOT_FOUND, t.lookupRelated(IpProtocol.UDP, 0, A, 0, B, 5000, 53, now + T.udpNs()));
    }

    @Test
    void natVerdictAndLoggedFieldsRoundTripAndLeaveTheKeyAlone()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long h = t.trackTcp(V6_HI, V6_A, V6_HI, V6_B, 40000, 8443, TcpState.TCP_SYN, 80, now);
        assertFalse(t.isNat(h));
        t.nat(h, V6_HI | 0xFFFF, 0x10, 443, 0xFFFE, 123_456);
        t.verdict(h, 17, -1);
        t.markLogged(h);
        final long reverse = t.lookup(IpProtocol.TCP, V6_HI, V6_B, V6_HI, V6_A, 8443, 40000);
        assertTrue(t.isNat(reverse));
        assertEquals(V6_HI | 0xFFFF, t.natAddressHi(reverse));
        assertEquals(0x10, t.natAddressLo(reverse));
        assertEquals(443, t.natPort(reverse));
        assertEquals(0xFFFE, t.revNatId(reverse));
        assertEquals(123_456, t.backendId(reverse));
        assertEquals(17, t.egressRuleId(reverse));
        assertEquals(-1, t.ingressRuleId(reverse));
        assertTrue(t.isLogged(reverse));
        assertEquals(TcpState.SYN_SENT, t.tcpState(reverse));
        assertEquals(8443, t.dstPort(reverse));
        assertEquals(40000, t.srcPort(reverse));
        assertEquals(65535, t.srcPort(t.create(IpProtocol.UDP, 0, A, 0, B, 65535, 65535, now)));
    }

    /** Tuples (UDP A:port -> B:53) whose home slot is {@code home}, found by search. */
    private static List<Integer> portsWithHome(final ConntrackTable t, final int home, final int count)
    {
        final List<Integer> ports = new ArrayList<>();
        for (int port = 1; port < 65536 && ports.size() < count; port++)
        {
            if (t.homeSlot(IpProtocol.UDP, 0, A, 0, B, port, 53) == home)
            {
                ports.add(port);
            }
        }
        assertEquals(count, ports.size(), "not enough colliding tuples");
        return ports;
    }

    @Test
    void deletionKeepsEveryOtherEntryOfACollidingProbeRunFindable()
    {
        final ConntrackTable t = table(ConntrackConfig.of(256));
        // Runs that wrap past the last slot, with interleaved homes: a shift must never move an entry before its
        // home, and must move every entry it can.
        final int capacity = t.capacity();
        final List<Integer> ports = new ArrayList<>();
        ports.addAll(portsWithHome(t, capacity - 3, 12));
        ports.addAll(portsWithHome(t, capacity - 1, 6));
        ports.addAll(portsWithHome(t, 2, 6));
        ports.addAll(portsWithHome(t, 4, 4));
        final Random random = new Random(42);
        for (int round = 0; round < 20; round++)
        {
            Collections.shuffle(ports, random);
            for (final int port : ports)
            {
                assertTrue(isNew(t.create(IpProtocol.UDP, 0, A, 0, B, port, 53, now)));
            }
            final List<Integer> live = new ArrayList<>(ports);
            Collections.shuffle(live, random);
            final List<Integer> gone = new ArrayList<>();
            while (!live.isEmpty())
            {
                final int victim = live.remove(live.size() - 1);
                // Alternate between deleting by forward and by reverse lookup.
                final long h = gone.size() % 2 == 0 ? t.lookup(IpProtocol.UDP, 0, A, 0, B, victim, 53) :
                    t.lookup(IpProtocol.UDP, 0, B, 0, A, 53, victim);
                assertTrue(t.delete(h));
                gone.add(victim);
                for (final int port : live)
                {
                    final long found = t.lookup(IpProtocol.UDP, 0, A, 0, B, port, 53);
                    assertTrue(found >= 0, "port " + port + " lost after deleting " + victim);
                    assertEquals(port, t.srcPort(found));
                }
                for (final int port : gone)
                {
                    assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, A, 0, B, port, 53));
                }
                assertEquals(live.size(), t.size());
            }
        }
        assertEquals(0, t.counter(COUNTER_OCCUPANCY));
        for (int slot = 0; slot < capacity; slot++)
        {
            assertEquals(NOT_FOUND, t.handleAtSlot(slot));
        }
    }

    @Test
    void hashSeedMovesHomeSlotsButNotTheSymmetry()
    {
        final ConntrackTable a = table(ConntrackConfig.of(1024));
        final ConntrackTable b = table(ConntrackConfig.of(1024).withHashSeed(0x5EED));
        int moved = 0;
        for (int port = 1; port <= 100; port++)
        {
            final int home = a.homeSlot(IpProtocol.TCP, 0, A, 0, B, port, 80);
            assertEquals(home, a.homeSlot(IpProtocol.TCP, 0, B, 0, A, 80, port));
            assertEquals(b.homeSlot(IpProtocol.TCP, 0, A, 0, B, port, 80),
                b.homeSlot(IpProtocol.TCP, 0, B, 0, A, 80, port));
            moved += home != b.homeSlot(IpProtocol.TCP, 0, A, 0, B, port, 80) ? 1 : 0;
        }
        assertTrue(moved > 90, "seed changes placement: " + moved);
    }

    @Test
    void expiryRespectsItsSlotBudgetAndResumesWhereItStopped()
    {
        final ConntrackTable t = table(ConntrackConfig.of(1024));
        for (int port = 1; port <= 600; port++)
        {
            t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, port, 53, 10, now);
        }
        // One flow created later must survive every sweep.
        t.trackDatagram(IpProtocol.UDP, 0, B, 0, A, 53, 7777, 10, now + T.udpNs() - 1);
        final long later = now + T.udpNs();
        assertEquals(0, t.expire(later - 1, t.capacity() * 2), "nothing is due yet");

        int removed = 0;
        int calls = 0;
        while (t.size() > 1)
        {
            final int sizeBefore = t.size();
            final int n = t.expire(later, 64);
            // At most budget examinations, and an examination of a used slot is needed per removal.
            assertTrue(n <= 64, "removed " + n);
            assertEquals(sizeBefore - n, t.size());
            removed += n;
            calls++;
            assertTrue(calls <= 2 * t.capacity() / 64 + 1, "sweep does not progress");
        }
        assertEquals(600, removed);
        assertTrue(calls >= 600 / 64, "budget was exceeded: " + calls + " calls");
        assertEquals(600, t.counter(COUNTER_EXPIRATIONS));
        assertTrue(t.lookup(IpProtocol.UDP, 0, A, 0, B, 7777, 53) >= 0);
        assertEquals(0, t.expire(later, 0));
    }

    @Test
    void expiryBudgetCountsSlotsNotRemovals()
    {
        final ConntrackTable t = table(ConntrackConfig.of(1024));
        for (int port = 1; port <= 100; port++)
        {
            t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, port, 53, 10, now);
        }
        final long later = now + T.udpNs();
        // A removal re-examines its slot (a later entry may have shifted into it), so a whole sweep takes
        // capacity + removals examinations: ceil((1024 + 100) / 16) = 71 calls of 16.
        int total = 0;
        for (int call = 0; call < 71; call++)
        {
            final int n = t.expire(later, 16);
            assertTrue(n <= 16);
            total += n;
        }
        assertEquals(100, total);
        assertEquals(0, t.size());
    }

    @Test
    void fullTableRefusesNewFlowsAndKeepsEstablishedOnes()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64).withEarlyDrop(false));
        for (int port = 1; port <= t.maxEntries(); port++)
        {
            t.trackTcp(0, A, 0, B, port, 80, TcpState.TCP_SYN, 60, now);
            t.trackTcp(0, B, 0, A, 80, port, TcpState.TCP_SYN | TcpState.TCP_ACK, 60, now);
            assertEquals(TcpState.ESTABLISHED, t.tcpState(t.trackTcp(0, A, 0, B, port, 80, TcpState.TCP_ACK, 60,
                now)));
        }
        assertEquals(48, t.size());
        assertEquals(FULL, t.trackTcp(0, A, 0, B, 1000, 80, TcpState.TCP_SYN, 60, now));
        assertEquals(FULL, t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 1000, 53, 60, now));
        assertEquals(FULL, t.trackIcmpEcho(IpProtocol.ICMP, 0, A, 0, B, 1, true, 60, now));
        assertEquals(FULL, t.create(IpProtocol.UDP, 0, A, 0, B, 1000, 53, now));
        assertEquals(4, t.counter(COUNTER_CREATE_FAILURES_FULL));
        assertEquals(48, t.size());
        for (int port = 1; port <= t.maxEntries(); port++)
        {
            final long h = t.trackTcp(0, B, 0, A, 80, port, TcpState.TCP_ACK, 60, now);
            assertFalse(isNew(h));
            assertEquals(TcpState.ESTABLISHED, t.tcpState(h));
        }
        // Room again after one flow goes: the next new flow fits.
        t.delete(t.lookup(IpProtocol.TCP, 0, A, 0, B, 7, 80));
        assertTrue(isNew(t.trackTcp(0, A, 0, B, 1000, 80, TcpState.TCP_SYN, 60, now)));
        assertEquals(1, t.counter(COUNTER_DELETIONS));
    }

    @Test
    void earlyDropTakesAnExpiredOrUnassuredEntryOnTheProbeRunButNeverAnAssuredOne()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final int home = 10;
        final List<Integer> ports = portsWithHome(t, home, 60);
        // Fill to maxEntries with assured flows whose homes are the same slot: one long run.
        final int max = t.maxEntries();
        for (int i = 0; i < max; i++)
        {
            t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, ports.get(i), 53, 10, now);
            t.trackDatagram(IpProtocol.UDP, 0, B, 0, A, 53, ports.get(i), 10, now);
        }
        // All assured: a new flow is refused.
        assertEquals(FULL, t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, ports.get(max), 53, 10, now));
        assertEquals(1, t.counter(COUNTER_CREATE_FAILURES_FULL));

        // Make one entry unassured (re-created one-way) and another expired, further along the run.
        final int unassuredPort = ports.get(30);
        t.delete(t.lookup(IpProtocol.UDP, 0, A, 0, B, unassuredPort, 53));
        t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, unassuredPort, 53, 10, now);
        assertEquals(max, t.size());

        final long newcomer = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, ports.get(max), 53, 10, now);
        assertTrue(isNew(newcomer));
        assertEquals(NOT_FOUND, t.lookup(IpProtocol.UDP, 0, A, 0, B, unassuredPort, 53), "the unassured one went");
        assertEquals(1, t.counter(COUNTER_EARLY_DROPS));
        assertEquals(max, t.size());
        for (int i = 0; i <= max; i++)
        {
            if (ports.get(i) != unassuredPort)
            {
                assertTrue(t.lookup(IpProtocol.UDP, 0, A, 0, B, ports.get(i), 53) >= 0, "lost " + ports.get(i));
            }
        }

        // The newcomer is unassured itself: the next newcomer replaces it, not an assured flow.
        final long third = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, ports.get(max + 1), 53, 10, now);
        assertEquals(slot(newcomer), slot(third));
        assertEquals(2, t.counter(COUNTER_EARLY_DROPS));

        // Expired entries go first: after the assured flows' timeout every entry is expired; the first on the run
        // is taken.
        final long afterAll = now + T.udpAssuredNs();
        final long fourth = t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, ports.get(max + 2), 53, 10, afterAll);
        assertTrue(isNew(fourth));
        assertEquals(home, slot(fourth));
        assertEquals(2, t.counter(COUNTER_EARLY_DROPS));
        assertEquals(max, t.size());
    }

    @Test
    void countersTrackLookupsHitsCreatesAndOccupancy()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 1, 2, 10, now);
        t.trackDatagram(IpProtocol.UDP, 0, B, 0, A, 2, 1, 10, now);
        t.trackDatagram(IpProtocol.UDP, 0, A, 0, B, 3, 4, 10, now);
        t.lookup(IpProtocol.UDP, 0, A, 0, B, 9, 9);
        assertEquals(4, t.counter(COUNTER_LOOKUPS));
        assertEquals(1, t.counter(COUNTER_HITS));
        assertEquals(2, t.counter(COUNTER_CREATES));
        assertEquals(2, t.counter(COUNTER_OCCUPANCY));
        assertEquals(1, t.expire(now + T.udpNs(), 64));
        assertEquals(1, t.counter(COUNTER_OCCUPANCY));
        t.clear();
        assertEquals(0, t.counter(COUNTER_OCCUPANCY));
        assertEquals(0, t.size());
    }

    @Test
    void createReturnsTheLiveEntryAndRecreatesAnExpiredOne()
    {
        final ConntrackTable t = table(ConntrackConfig.of(64));
        final long h = t.create(IpProtocol.TCP, 0, A, 0, B, 1, 2, now);
        assertTrue(isNew(h));
        assertEquals(TcpState.SYN_SENT, t.tcpState(h));
        final long again = t.create(IpProtocol.TCP, 0, B, 0, A, 2, 1, now + 1);
        assertFalse(isNew(again));
        assertTrue(isReply(again));
        final long expired = t.create(IpProtocol.TCP, 0, B, 0, A, 2, 1, now + T.tcpSynNs());
        assertTrue(isNew(expired));
        assertFalse(isReply(expired));
        assertEquals(B, t.srcLo(expired));
        assertEquals(1, t.size());
        assertEquals(now + 2 * T.icmpEchoNs(),
            t.expiryNs(t.create(IpProtocol.ICMP, 0, A, 0, B, 1, 1, now + T.icmpEchoNs())));
    }

    @Test
    void homeSlotOverloadsBehaveExactlyLikeThePlainCallsOnTheSameSequence()
    {
        // Two tables, the same random sequence of packets: one through the plain calls, one through the overloads
        // that take a precomputed home slot (as the stages call them). Every handle and every entry must agree.
        final ConntrackTable plain = table(ConntrackConfig.of(256));
        final ConntrackTable homed = table(ConntrackConfig.of(256));
        final Random random = new Random(7);
        long t = now;
        for (int n = 0; n < 5_000; n++)
        {
            t += random.nextInt(3) * SEC;
            final long a = PacketVector.ipv4Mapped(0xC612_0000 | random.nextInt(8));
            final long b = PacketVector.ipv4Mapped(0xC613_0000 | random.nextInt(8));
            final boolean forward = random.nextBoolean();
            final long src = forward ? a : b;
            final long dst = forward ? b : a;
            final int sport = forward ? 1000 + random.nextInt(4) : 80;
            final int dport = forward ? 80 : 1000 + random.nextInt(4);
            final int op = random.nextInt(5);
            final int protocol = op == 1 ? IpProtocol.UDP : IpProtocol.TCP;
            final int home = homed.homeSlot(protocol, 0, src, 0, dst, sport, dport);
            assertEquals(plain.homeSlot(protocol, 0, src, 0, dst, sport, dport), home);
            final long expected;
            final long actual;
            switch (op)
            {
                case 0 ->
                {
                    final int flags = new int[] { TcpState.TCP_SYN, TcpState.TCP_SYN | TcpState.TCP_ACK,
                        TcpState.TCP_ACK, TcpState.TCP_FIN | TcpState.TCP_ACK, TcpState.TCP_RST }[random.nextInt(5)];
                    expected = plain.trackTcp(0, src, 0, dst, sport, dport, flags, 40, t);
                    actual = homed.trackTcp(home, 0, src, 0, dst, sport, dport, flags, 40, t);
                }
                case 1 ->
                {
                    expected = plain.trackDatagram(protocol, 0, src, 0, dst, sport, dport, 40, t);
                    actual = homed.trackDatagram(home, protocol, 0, src, 0, dst, sport, dport, 40, t);
                }
                case 2 ->
                {
                    expected = plain.lookup(protocol, 0, src, 0, dst, sport, dport);
                    actual = homed.lookup(home, protocol, 0, src, 0, dst, sport, dport);
                }
                case 3 ->
                {
                    expected = plain.create(protocol, 0, src, 0, dst, sport, dport, t);
                    actual = homed.create(home, protocol, 0, src, 0, dst, sport, dport, t);
                }
                default ->
                {
                    expected = plain.lookupRelated(protocol, 0, src, 0, dst, sport, dport, t);
                    actual = homed.lookupRelated(home, protocol, 0, src, 0, dst, sport, dport, t);
                }
            }
            assertEquals(expected, actual, "operation " + op + " at step " + n);
            if (actual >= 0)
            {
                assertEquals(plain.tcpState(expected), homed.tcpState(actual));
                assertEquals(plain.expiryNs(expected), homed.expiryNs(actual));
                assertEquals(plain.flags(expected), homed.flags(actual));
                assertEquals(plain.packets(expected, isReply(expected)), homed.packets(actual, isReply(actual)));
                // Touching changes nothing and reads the entry's own slot.
                homed.touchSlot(slot(actual));
                assertEquals(plain.expiryNs(expected), homed.expiryNs(actual));
            }
            if (random.nextInt(50) == 0)
            {
                assertEquals(plain.expire(t, 64), homed.expire(t, 64));
            }
        }
        assertEquals(plain.size(), homed.size());
        assertTrue(plain.size() > 0);
    }

    @Test
    void configurationErrorsNameTheOffendingValue()
    {
        assertEquals("conntrack capacity must be a power of two in 8..8388608: 100",
            assertThrows(IllegalArgumentException.class, () -> ConntrackConfig.of(100)).getMessage());
        assertEquals("conntrack maxEntries must be in 1..56 for capacity 64: 57",
            assertThrows(IllegalArgumentException.class, () -> ConntrackConfig.of(64).withMaxEntries(57))
                .getMessage());
        assertEquals("udpNs must be positive: 0", assertThrows(IllegalArgumentException.class,
            () -> new ConntrackTimeouts(1, 1, 1, 1, 1, 1, 0, 1, 1)).getMessage());
        assertEquals(1 << 21, ConntrackConfig.forEntries(1_000_000).capacity());
        assertEquals(1_572_864, ConntrackConfig.forEntries(1_000_000).maxEntries());
    }
}
