package dev.sluice.fastpath.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * ClientIP affinity entries: remembered per (service port, client), refreshed by use, expired after the timeout,
 * removed without breaking other entries' probe chains.
 */
class AffinityTableTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void remembersRefreshesAndExpires()
    {
        final AffinityTable t = new AffinityTable(64);
        assertEquals(AffinityTable.MISS, t.get(3, 0, 0xFFFF_C612_0001L, 0));
        assertTrue(t.put(3, 0, 0xFFFF_C612_0001L, 17, 0, 10 * SECOND));
        assertEquals(17, t.get(3, 0, 0xFFFF_C612_0001L, 9 * SECOND));
        assertEquals(AffinityTable.MISS, t.get(4, 0, 0xFFFF_C612_0001L, 9 * SECOND), "other service port");
        assertEquals(AffinityTable.MISS, t.get(3, 1, 0xFFFF_C612_0001L, 9 * SECOND), "other client");
        assertEquals(17, t.get(3, 0, 0xFFFF_C612_0001L, 18 * SECOND), "the use at 9 s refreshed it");
        assertEquals(AffinityTable.MISS, t.get(3, 0, 0xFFFF_C612_0001L, 29 * SECOND), "idle 11 s > 10 s");
        assertEquals(0, t.size());
        assertTrue(t.put(3, 0, 0xFFFF_C612_0001L, 5, 30 * SECOND, SECOND));
        assertTrue(t.put(3, 0, 0xFFFF_C612_0001L, 6, 30 * SECOND, SECOND));
        assertEquals(1, t.size(), "a second put replaces");
        assertEquals(6, t.get(3, 0, 0xFFFF_C612_0001L, 30 * SECOND));
    }

    @Test
    void aFullTableRefusesNewClientsButKeepsOldOnes()
    {
        final AffinityTable t = new AffinityTable(16);
        for (int k = 0; k < 12; k++)
        {
            assertTrue(t.put(1, 0, k, k, 0, SECOND));
        }
        assertFalse(t.put(1, 0, 99, 99, 0, SECOND));
        for (int k = 0; k < 12; k++)
        {
            assertEquals(k, t.get(1, 0, k, 0));
        }
        assertEquals(12, t.expire(2 * SECOND, 16));
        assertEquals(0, t.size());
        assertThrows(IllegalArgumentException.class, () -> new AffinityTable(100));
    }

    @Property(tries = 50)
    void behavesLikeAMapWithExpiry(@ForAll final long seed)
    {
        final SplittableRandom r = new SplittableRandom(seed);
        final AffinityTable t = new AffinityTable(256);
        final Map<Long, long[]> model = new HashMap<>(); // client -> {backend, usedNs, timeoutNs}
        long now = 0;
        for (int op = 0; op < 3000; op++)
        {
            now += r.nextInt(3) * SECOND / 4;
            final long client = r.nextInt(150);
            switch (r.nextInt(4))
            {
                case 0, 1 ->
                {
                    final long[] e = model.get(client);
                    final int expected = e == null || now - e[1] > e[2] ? AffinityTable.MISS : (int)e[0];
                    if (expected == AffinityTable.MISS)
                    {
                        model.remove(client);
                    }
                    else
                    {
                        e[1] = now;
                    }
                    assertEquals(expected, t.get(2, client * 7, client, now), "client " + client + " op " + op);
                }
                case 2 ->
                {
                    final int backend = r.nextInt(1000);
                    final long timeout = (1 + r.nextInt(5)) * SECOND;
                    if (model.size() < 192 || model.containsKey(client))
                    {
                        assertTrue(t.put(2, client * 7, client, backend, now, timeout));
                        model.put(client, new long[] {backend, now, timeout});
                    }
                }
                default ->
                {
                    // The sweep may remove entries the model still holds: they are expired there too.
                    t.expire(now, 1 + r.nextInt(64));
                }
            }
            assertTrue(t.size() <= model.size(), "the table never holds more than the model");
        }
        for (final Map.Entry<Long, long[]> e : model.entrySet())
        {
            final long[] v = e.getValue();
            final int expected = now - v[1] > v[2] ? AffinityTable.MISS : (int)v[0];
            assertEquals(expected, t.get(2, e.getKey() * 7, e.getKey(), now));
        }
    }
}
