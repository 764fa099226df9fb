package dev.sluice.fastpath.conntrack;

import static dev.sluice.fastpath.conntrack.ConntrackTable.FULL;
import static dev.sluice.fastpath.conntrack.ConntrackTable.NOT_FOUND;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isNew;
import static dev.sluice.fastpath.conntrack.ConntrackTable.isReply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The table against a {@link HashMap} model over random operation sequences on a small table (so probe runs
 * collide, wrap and fill it), with an injected clock. After every operation: the sizes agree, every model entry is
 * found from both directions with its orientation and expiry, and every used slot holds a model entry (no
 * phantoms).
 */
class ConntrackModelPropertyTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int KEYS = 40;
    private static final int TRACK = 0;
    private static final int CREATE = 1;
    private static final int LOOKUP = 2;
    private static final int DELETE = 3;
    private static final int EXPIRE = 4;

    /** One step: what to do, to which tuple, in which direction, after how long. */
    record Op(int kind, int key, boolean reverse, long advanceNs, int budget)
    {
    }

    /** The model of one entry. */
    private static final class Entry
    {
        boolean reversed;
        long expiryNs;
        boolean assured;

        Entry(final boolean reversed, final long expiryNs)
        {
            this.reversed = reversed;
            this.expiryNs = expiryNs;
        }
    }

    @Provide
    Arbitrary<List<Op>> operations()
    {
        final Arbitrary<Integer> kind = Arbitraries.integers().between(0, 19)
            .map(k -> k < 8 ? TRACK : k < 10 ? CREATE : k < 14 ? LOOKUP : k < 17 ? DELETE : EXPIRE);
        return Combinators.combine(
            kind,
            Arbitraries.integers().between(0, KEYS - 1),
            Arbitraries.of(true, false),
            Arbitraries.longs().between(0, 12_000).map(ms -> ms * MS),
            Arbitraries.integers().between(0, 40))
            .as(Op::new)
            .list().ofMinSize(1).ofMaxSize(400);
    }

    // Half the tuples are IPv4, half IPv6; all UDP from port 1000 + key to port 53.
    private static long srcHi(final int key)
    {
        return key % 2 == 0 ? 0 : 0x2001_0002_0000_0000L;
    }

    private static long srcLo(final int key)
    {
        return key % 2 == 0 ? PacketVector.ipv4Mapped(0xC612_0001) : 1;
    }

    private static long dstHi(final int key)
    {
        return key % 2 == 0 ? 0 : 0x2001_0002_0000_0000L;
    }

    private static long dstLo(final int key)
    {
        return key % 2 == 0 ? PacketVector.ipv4Mapped(0xC612_0102) : 2;
    }

    private static long lookup(final ConntrackTable t, final int key, final boolean reverse)
    {
        return reverse ?
            t.lookup(IpProtocol.UDP, dstHi(key), dstLo(key), srcHi(key), srcLo(key), 53, 1000 + key) :
            t.lookup(IpProtocol.UDP, srcHi(key), srcLo(key), dstHi(key), dstLo(key), 1000 + key, 53);
    }

    @Property(tries = 300)
    void tableAgreesWithAHashMapModel(
        @ForAll("operations") final List<Op> ops,
        @ForAll final boolean earlyDrop,
        @ForAll final long hashSeed)
    {
        final ConntrackTimeouts timeouts = ConntrackTimeouts.DEFAULTS;
        final ConntrackConfig config = ConntrackConfig.of(32).withEarlyDrop(earlyDrop).withHashSeed(hashSeed);
        try (ConntrackTable t = new ConntrackTable(config))
        {
            final Map<Integer, Entry> model = new HashMap<>();
            long now = 1_000_000 * MS;
            for (final Op op : ops)
            {
                now += op.advanceNs();
                final int key = op.key();
                final boolean rev = op.reverse();
                final Entry entry = model.get(key);
                switch (op.kind())
                {
                    case TRACK, CREATE ->
                    {
                        final long h = op.kind() == TRACK ?
                            (rev ?
                                t.trackDatagram(IpProtocol.UDP, dstHi(key), dstLo(key), srcHi(key), srcLo(key), 53,
                                    1000 + key, 1, now) :
                                t.trackDatagram(IpProtocol.UDP, srcHi(key), srcLo(key), dstHi(key), dstLo(key),
                                    1000 + key, 53, 1, now)) :
                            (rev ?
                                t.create(IpProtocol.UDP, dstHi(key), dstLo(key), srcHi(key), srcLo(key), 53,
                                    1000 + key, now) :
                                t.create(IpProtocol.UDP, srcHi(key), srcLo(key), dstHi(key), dstLo(key), 1000 + key,
                                    53, now));
                        if (entry != null && entry.expiryNs > now)
                        {
                            assertFalse(isNew(h));
                            assertEquals(rev != entry.reversed, isReply(h));
                            if (op.kind() == TRACK)
                            {
                                entry.assured |= isReply(h);
                                entry.expiryNs = now + (entry.assured ? timeouts.udpAssuredNs() : timeouts.udpNs());
                            }
                        }
                        else if (entry != null)
                        {
                            assertTrue(isNew(h), "an expired entry is re-created in place");
                            assertFalse(isReply(h));
                            model.put(key, new Entry(rev, now + timeouts.udpNs()));
                        }
                        else if (model.size() < t.maxEntries())
                        {
                            assertTrue(isNew(h));
                            assertFalse(isReply(h));
                            model.put(key, new Entry(rev, now + timeouts.udpNs()));
                        }
                        else if (h == FULL)
                        {
                            assertEquals(model.size(), t.size());
                        }
                        else
                        {
                            assertTrue(earlyDrop, "a full table without early drop refuses");
                            assertTrue(isNew(h));
                            // Exactly one model entry was taken over, and it was expired or unassured.
                            final List<Integer> evicted = new ArrayList<>();
                            for (final Map.Entry<Integer, Entry> e : model.entrySet())
                            {
                                if (lookup(t, e.getKey(), false) == NOT_FOUND)
                                {
                                    evicted.add(e.getKey());
                                }
                            }
                            assertEquals(1, evicted.size(), "evicted " + evicted);
                            final Entry victim = model.remove(evicted.get(0));
                            assertTrue(victim.expiryNs <= now || !victim.assured, "an assured live flow was evicted");
                            model.put(key, new Entry(rev, now + timeouts.udpNs()));
                        }
                    }
                    case LOOKUP ->
                    {
                        final long h = lookup(t, key, rev);
                        assertEquals(entry != null, h >= 0);
                    }
                    case DELETE ->
                    {
                        final long h = lookup(t, key, rev);
                        if (entry == null)
                        {
                            assertEquals(NOT_FOUND, h);
                        }
                        else
                        {
                            assertTrue(t.delete(h));
                            model.remove(key);
                        }
                    }
                    case EXPIRE ->
                    {
                        final int removed = t.expire(now, op.budget());
                        assertTrue(removed <= op.budget());
                        int gone = 0;
                        for (final var it = model.entrySet().iterator(); it.hasNext(); )
                        {
                            final Map.Entry<Integer, Entry> e = it.next();
                            if (lookup(t, e.getKey(), false) == NOT_FOUND)
                            {
                                assertTrue(e.getValue().expiryNs <= now, "expire removed a live entry");
                                it.remove();
                                gone++;
                            }
                        }
                        assertEquals(removed, gone);
                    }
                    default -> throw new IllegalStateException("op " + op);
                }
                assertAgrees(t, model);
            }
        }
    }

    private static void assertAgrees(final ConntrackTable t, final Map<Integer, Entry> model)
    {
        assertEquals(model.size(), t.size());
        assertEquals(model.size(), t.counter(ConntrackTable.COUNTER_OCCUPANCY));
        for (final Map.Entry<Integer, Entry> e : model.entrySet())
        {
            final long forward = lookup(t, e.getKey(), false);
            final long reverse = lookup(t, e.getKey(), true);
            assertTrue(forward >= 0, "model entry " + e.getKey() + " not found");
            assertEquals(ConntrackTable.slot(forward), ConntrackTable.slot(reverse));
            assertEquals(e.getValue().reversed, isReply(forward));
            assertNotEquals(isReply(forward), isReply(reverse));
            assertEquals(e.getValue().expiryNs, t.expiryNs(forward));
            assertEquals(e.getValue().assured, t.isAssured(forward));
        }
        int used = 0;
        for (int slot = 0; slot < t.capacity(); slot++)
        {
            final long h = t.handleAtSlot(slot);
            if (h >= 0)
            {
                used++;
                final int key = t.protocol(h) == IpProtocol.UDP ?
                    (t.srcPort(h) == 53 ? t.dstPort(h) : t.srcPort(h)) - 1000 : -1;
                assertTrue(model.containsKey(key), "phantom entry in slot " + slot);
            }
        }
        assertEquals(model.size(), used);
    }
}
