package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.model.PodRef;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.WorkerTables;

class TablePublisherTest
{
    private static final String NODE = "node-1";

    static ClusterState exampleState() throws Exception
    {
        return new ClusterStateLoader().load(
            Path.of(TablePublisherTest.class.getResource("/examples/three-namespaces.yaml").toURI()));
    }

    /**
     * @return whether the tables let {@code from} reach local pod {@code to} on TCP {@code port} (ingress side).
     */
    static boolean ingressAllowed(final NodeTables tables, final String from, final String to, final int port)
        throws Exception
    {
        final long[] src = PolicyCompiler.key(InetAddress.getByName(from));
        final long[] dst = PolicyCompiler.key(InetAddress.getByName(to));
        final PolicySnapshot policy = tables.policy();
        final int endpoint = policy.endpointOf(dst[0], dst[1]);
        assertTrue(endpoint >= 0, to + " is no local endpoint");
        return PolicyVerdict.allows(policy.checkIngress(endpoint, policy.identityOf(src[0], src[1]), src[0], src[1],
            IpProtocol.TCP, port));
    }

    private static List<WorkerTables> workers(final int count)
    {
        final List<WorkerTables> workers = new ArrayList<>();
        for (int w = 0; w < count; w++)
        {
            workers.add(new WorkerTables(w, WorkerTables.DEFAULT_QUEUE_CAPACITY));
        }
        return workers;
    }

    @Test
    void anInstallIsCompiledForTheNodeAndCountsOnlyOnceEveryWorkerSwapped() throws Exception
    {
        final List<WorkerTables> workers = workers(2);
        final EndpointPorts ports = new EndpointPorts()
        {
            @Override
            public int portOf(final PodRef pod)
            {
                return pod.namespace().equals("x") ? 7 : LocalEndpoints.NO_PORT;
            }

            @Override
            public long macOf(final PodRef pod)
            {
                return pod.namespace().equals("x") ? 0x02_00_00_00_00_07L : 0;
            }
        };
        final TablePublisher publisher = new TablePublisher(NODE, workers, NodeTablesSource.compiler(NODE, ports),
            TablePublisher.Reclaimer.GC);
        publisher.install(exampleState(), 1);
        assertEquals(0, publisher.installedGeneration(), "no worker has reached its boundary");
        workers.get(0).onDutyCycle();
        assertEquals(0, publisher.installedGeneration(), "one worker is not every worker");
        workers.get(1).onDutyCycle();
        assertEquals(1, publisher.installedGeneration());

        final NodeTables tables = workers.get(1).installed();
        assertSame(publisher.lastCompiled(), tables);
        assertSame(tables, workers.get(0).installed(), "one immutable snapshot shared by the workers");
        assertEquals(3, tables.endpoints().count(), "x/a, y/a, z/a run on node-1");
        final int xa = tables.policy().endpointOf(0, 0x0000_FFFF_C612_0101L);
        assertEquals("x/a", tables.policy().endpointName(xa));
        assertEquals(7, tables.endpoints().port(xa));
        assertEquals(0x02_00_00_00_00_07L, tables.endpoints().mac(xa));
        assertTrue(tables.services().frontendCount() > 0, "the ClusterIP of x/web");
        assertTrue(ingressAllowed(tables, "198.18.2.1", "198.18.1.1", 80), "y/a -> x/a:80 (x/allow-y-to-a)");
        assertTrue(!ingressAllowed(tables, "198.18.3.1", "198.18.1.1", 80), "z/a -> x/a:80 (x/deny-all)");
    }

    @Test
    void aWorkerThatIsBehindGetsTheNewestTablesLaterAndOldGenerationsAreReclaimedOnlyWhenNobodyReadsThem()
        throws Exception
    {
        final List<WorkerTables> workers = workers(2);
        final List<Long> reclaimed = new ArrayList<>();
        final TablePublisher publisher = new TablePublisher(NODE, workers,
            NodeTablesSource.compiler(NODE, EndpointPorts.NONE), tables ->
            {
                for (final WorkerTables worker : workers)
                {
                    assertTrue(worker.installedGeneration() > tables.generation(), "worker " + worker.workerId()
                        + " may still read " + tables.generation());
                }
                reclaimed.add(tables.generation());
            });
        final ClusterState state = exampleState();
        for (long g = 1; g <= 20; g++)
        {
            publisher.install(state, g); // never waits, though no worker takes anything
        }
        assertTrue(publisher.refusedOffers() > 0);
        assertEquals(20, publisher.liveGenerations());
        workers.get(0).onDutyCycle();
        assertEquals(WorkerTables.DEFAULT_QUEUE_CAPACITY, workers.get(0).installedGeneration());
        assertEquals(0, publisher.installedGeneration());

        publisher.doWork(); // worker 0 has room again: generation 20 goes in
        workers.get(0).onDutyCycle();
        assertEquals(20, workers.get(0).installedGeneration());
        workers.get(1).onDutyCycle();
        assertEquals(8, publisher.installedGeneration());
        publisher.doWork();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), reclaimed);
        workers.get(1).onDutyCycle();
        assertEquals(20, publisher.installedGeneration());
        publisher.doWork();
        assertEquals(19, reclaimed.size());
        assertEquals(1, publisher.liveGenerations(), "only the generation in force is kept");
    }

    @Test
    void aFailedCompileKeepsTheLastGoodTablesInForceAndIsReported() throws Exception
    {
        final List<WorkerTables> workers = workers(1);
        final NodeTablesSource real = NodeTablesSource.compiler(NODE, EndpointPorts.NONE);
        final List<String> failures = new CopyOnWriteArrayList<>();
        final TablePublisher publisher = new TablePublisher(NODE, workers, (state, generation) ->
        {
            if (generation == 2)
            {
                throw new IllegalArgumentException("broken snapshot " + generation);
            }
            return real.compile(state, generation);
        }, TablePublisher.Reclaimer.GC).listener(new TablePublisher.Listener()
        {
            @Override
            public void onCompileFailed(final long generation, final RuntimeException error)
            {
                failures.add(generation + ": " + error.getMessage());
            }
        });
        final ClusterState state = exampleState();
        publisher.install(state, 1);
        workers.getFirst().onDutyCycle();
        final NodeTables good = workers.getFirst().current();

        publisher.install(state, 2);
        workers.getFirst().onDutyCycle();
        assertSame(good, workers.getFirst().current());
        assertEquals(1, publisher.installedGeneration());
        assertEquals(1, publisher.compileFailures());
        assertEquals(List.of("2: broken snapshot 2"), failures);
        assertEquals("broken snapshot 2", publisher.lastFailure().getMessage());

        publisher.install(state, 3);
        workers.getFirst().onDutyCycle();
        assertEquals(3, publisher.installedGeneration());
    }

    @Test
    void spinningWorkersSeeOnlyIncreasingWholeGenerationsWhileControlInstallsAThousand() throws Exception
    {
        final int workerCount = 4;
        final long generations = 1000;
        final List<WorkerTables> workers = workers(workerCount);
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final long[] reclaimedUpTo = { 0 };
        final TablePublisher publisher = new TablePublisher(NODE, workers,
            NodeTablesSource.compiler(NODE, EndpointPorts.NONE), tables ->
            {
                for (final WorkerTables worker : workers)
                {
                    if (worker.installedGeneration() <= tables.generation())
                    {
                        failure.compareAndSet(null, "reclaimed " + tables.generation() + " while worker "
                            + worker.workerId() + " runs " + worker.installedGeneration());
                    }
                }
                if (tables.generation() <= reclaimedUpTo[0])
                {
                    failure.compareAndSet(null, "reclaimed " + tables.generation() + " twice or out of order");
                }
                reclaimedUpTo[0] = tables.generation();
            });
        final Thread[] threads = new Thread[workerCount];
        for (int w = 0; w < workerCount; w++)
        {
            final WorkerTables tables = workers.get(w);
            threads[w] = new Thread(() ->
            {
                long last = 0;
                while (!stop.get())
                {
                    if (tables.onDutyCycle() == 0)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    final NodeTables now = tables.current();
                    if (now.generation() <= last || now.policy().generation() != now.generation()
                        || now.endpoints().count() != 3 || now.policy().endpointCount() != 3
                        || !"x/a".equals(now.policy().endpointName(0)))
                    {
                        failure.compareAndSet(null, "worker " + tables.workerId() + " saw generation "
                            + now.generation() + " after " + last + ": " + now);
                    }
                    last = now.generation();
                }
            }, "table-worker-" + w);
            threads[w].start();
        }
        final ClusterState state = exampleState();
        try
        {
            long installed = 0;
            for (long g = 1; g <= generations; g++)
            {
                publisher.install(state, g);
                publisher.doWork();
                final long now = publisher.installedGeneration();
                assertTrue(now >= installed, "installed generation went back from " + installed + " to " + now);
                installed = now;
            }
            final long deadline = System.nanoTime() + 20_000_000_000L;
            while (installed < generations)
            {
                publisher.doWork();
                final long now = publisher.installedGeneration();
                assertTrue(now >= installed, "installed generation went back from " + installed + " to " + now);
                installed = now;
                assertTrue(System.nanoTime() < deadline, "workers stuck at " + installed);
                Thread.onSpinWait();
            }
            publisher.doWork();
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
        assertEquals(generations, publisher.installedGeneration());
        assertEquals(generations - 1, reclaimedUpTo[0]);
        assertEquals(1, publisher.liveGenerations());
        for (final WorkerTables worker : workers)
        {
            assertEquals(generations, worker.installed().generation());
        }
    }
}
