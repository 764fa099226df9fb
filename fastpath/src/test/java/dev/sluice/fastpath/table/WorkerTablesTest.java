package dev.sluice.fastpath.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.sluice.fastpath.policy.IpCache;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyTable;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.ServiceTableBuilder;
import dev.sluice.wire.Lpm128;

class WorkerTablesTest
{
    private static final int WORKERS = 3;
    private static final int GENERATIONS = 1000;

    /** A snapshot whose every part names its generation, so a reader can tell a half-built one. */
    static NodeTables tables(final long generation)
    {
        final int endpoints = (int)(generation % 4) + 1;
        final PolicyTable.Builder table = new PolicyTable.Builder(endpoints, 1);
        final List<String> names = new ArrayList<>();
        final int[] port = new int[endpoints];
        final long[] mac = new long[endpoints];
        for (int i = 0; i < endpoints; i++)
        {
            table.endpoint(i, 0);
            names.add("g" + generation + "/pod-" + i);
            port[i] = i;
            mac[i] = generation;
        }
        final PolicySnapshot policy = new PolicySnapshot(generation, new IpCache.Builder().build(),
            new Lpm128.Builder(PolicySnapshot.NO_ENDPOINT).build(), table.build(), names, List.of(), List.of());
        return new NodeTables(generation, policy, new ServiceTableBuilder(Maglev.DEFAULT_SIZE).build(), null,
            new LocalEndpoints(port, mac));
    }

    static String checkWhole(final NodeTables t)
    {
        final long g = t.generation();
        if (t.policy().generation() != g || t.endpoints().count() != (int)(g % 4) + 1
            || t.policy().endpointCount() != t.endpoints().count() || t.endpoints().mac(0) != g
            || !t.policy().endpointName(0).equals("g" + g + "/pod-0"))
        {
            return "snapshot " + g + " seen half built: " + t;
        }
        return null;
    }

    @Test
    void aWorkerSwapsOnlyAtItsBoundaryAndTakesTheNewestQueued()
    {
        final WorkerTables worker = new WorkerTables(0, 4);
        assertNull(worker.current());
        assertEquals(WorkerTables.NO_GENERATION, worker.installedGeneration());
        final NodeTables one = tables(1);
        final NodeTables two = tables(2);
        assertTrue(worker.offer(one));
        assertTrue(worker.offer(two));
        assertNull(worker.current(), "nothing changes before the boundary");
        assertEquals(0, worker.installedGeneration());

        assertEquals(1, worker.onDutyCycle());
        assertSame(two, worker.current(), "generation 1 was superseded in the queue and never read");
        assertSame(two, worker.installed());
        assertEquals(2, worker.installedGeneration());
        assertEquals(0, worker.onDutyCycle(), "an empty queue is no work");
        assertEquals(1, worker.swaps());
    }

    @Test
    void aFullQueueRefusesAndAnOlderGenerationIsNeverInstalled()
    {
        final WorkerTables worker = new WorkerTables(0, 2);
        assertTrue(worker.offer(tables(5)));
        assertTrue(worker.offer(tables(6)));
        assertFalse(worker.offer(tables(7)), "bounded: the control side must keep it and retry");
        worker.onDutyCycle();
        assertEquals(6, worker.installedGeneration());
        assertTrue(worker.offer(tables(3)));
        assertEquals(0, worker.onDutyCycle());
        assertEquals(6, worker.installedGeneration());
        assertEquals(1, worker.staleOffers());
    }

    @Test
    void spinningWorkersSeeOnlyIncreasingWholeGenerationsAndReachTheLast() throws Exception
    {
        final WorkerTables[] workers = new WorkerTables[WORKERS];
        final Thread[] threads = new Thread[WORKERS];
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> failure = new AtomicReference<>();
        final long[] seen = new long[WORKERS];
        for (int w = 0; w < WORKERS; w++)
        {
            final WorkerTables tables = workers[w] = new WorkerTables(w, 4);
            final int id = w;
            threads[w] = new Thread(() ->
            {
                long last = 0;
                long distinct = 0;
                while (!stop.get())
                {
                    if (tables.onDutyCycle() == 0)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    final NodeTables now = tables.current();
                    final String whole = checkWhole(now);
                    if (whole != null || now.generation() <= last)
                    {
                        failure.compareAndSet(null, "worker " + id + ": " + (whole != null ? whole
                            : "generation " + now.generation() + " after " + last));
                    }
                    last = now.generation();
                    distinct++;
                }
                seen[id] = distinct;
            }, "table-worker-" + w);
            threads[w].start();
        }
        try
        {
            long minSeen = 0;
            for (long g = 1; g <= GENERATIONS; g++)
            {
                final NodeTables next = tables(g);
                for (final WorkerTables worker : workers)
                {
                    while (!worker.offer(next))
                    {
                        Thread.onSpinWait();
                    }
                }
                final long min = min(workers);
                assertTrue(min >= minSeen, "installed generation went back from " + minSeen + " to " + min);
                minSeen = min;
            }
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (min(workers) < GENERATIONS)
            {
                final long min = min(workers);
                assertTrue(min >= minSeen, "installed generation went back from " + minSeen + " to " + min);
                minSeen = min;
                assertTrue(System.nanoTime() < deadline, "workers stuck at " + min);
                Thread.onSpinWait();
            }
        }
        finally
        {
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join(10_000);
            }
        }
        assertNull(failure.get(), failure::get);
        for (int w = 0; w < WORKERS; w++)
        {
            assertEquals(GENERATIONS, workers[w].installed().generation());
            assertTrue(seen[w] > 0 && seen[w] == workers[w].swaps(), "worker " + w + " swaps " + seen[w]);
        }
    }

    private static long min(final WorkerTables[] workers)
    {
        long min = Long.MAX_VALUE;
        for (final WorkerTables worker : workers)
        {
            min = Math.min(min, worker.installedGeneration());
        }
        return min;
    }
}
