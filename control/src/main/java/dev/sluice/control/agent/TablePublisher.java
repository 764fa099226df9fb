package dev.sluice.control.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import dev.sluice.control.model.ClusterState;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.TableOnlyWorkerAgent;
import dev.sluice.fastpath.table.WorkerTables;

/**
 * The {@link TableSink} of a node with workers: compiles each snapshot into {@link NodeTables} on the control
 * thread (never on a worker), offers it to every worker through its {@link WorkerTables} queue (the command
 * proxy, control its one producer) and reports the generation every worker runs.
 * <ul>
 *   <li><b>Delivery without waiting.</b> A worker whose queue is full (it has not reached a duty-cycle boundary for
 *       {@link WorkerTables#DEFAULT_QUEUE_CAPACITY} generations) gets the snapshot later: the newest undelivered
 *       one is kept per worker and offered again on every {@link #install} and {@link #doWork()}; older
 *       undelivered ones are superseded and never sent.</li>
 *   <li><b>Installed generation</b> = the smallest {@link WorkerTables#installedGeneration()} over the workers,
 *       each read with acquire; monotonic because each worker's is.</li>
 *   <li><b>Reclaim (RCU).</b> The publisher keeps every generation it offered until all workers report a newer
 *       one: then no worker can still read it (a worker reads only its current tables, and swaps only at its
 *       boundary, the grace period). "Reclaim" here means: drop the publisher's strong reference (the worker and
 *       its queue dropped theirs at the swap) and hand the snapshot to the {@link Reclaimer}; the garbage collector
 *       frees the heap. No part of {@link NodeTables} owns off-heap memory today; one that does (a table in a
 *       mapped or native segment) is closed in the reclaimer, and a part shared between generations (the reused
 *       Maglev tables of unchanged backend sets) must then be reference counted first.</li>
 *   <li><b>A failed compile</b> (the {@link NodeTablesSource} throws) installs nothing: the last good tables stay
 *       in force in every worker; the failure is logged, counted ({@link #compileFailures()}) and reported to the
 *       {@link Listener}. The generation is skipped; the next snapshot gets the next one.</li>
 * </ul>
 * {@link #install}, {@link #doWork()} and {@link #close()} run on the control thread; the getters on any thread.
 */
public final class TablePublisher implements TableSink
{
    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");

    /**
     * Told about each compile, on the control thread, after the tables were offered to the workers.
     */
    public interface Listener
    {
        /** Hears nothing. */
        Listener NONE = new Listener()
        {
        };

        /**
         * @param state  the snapshot.
         * @param tables its compiled tables, now offered to every worker.
         */
        default void onCompiled(final ClusterState state, final NodeTables tables)
        {
        }

        /**
         * @param generation the generation that was not installed.
         * @param error      why.
         */
        default void onCompileFailed(final long generation, final RuntimeException error)
        {
        }
    }

    /**
     * Called with each generation once no worker can read it any more (control thread).
     */
    @FunctionalInterface
    public interface Reclaimer
    {
        /** Drops the reference and nothing else (the GC frees it). */
        Reclaimer GC = tables ->
        {
        };

        /**
         * @param tables a generation no worker reads.
         */
        void reclaim(NodeTables tables);
    }

    private final String nodeName;
    private final WorkerTables[] workers;
    private final NodeTablesSource source;
    private final Reclaimer reclaimer;
    private final NodeTables[] undelivered;
    private final ArrayDeque<NodeTables> live = new ArrayDeque<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AtomicLong compileFailures = new AtomicLong();
    private final AtomicLong compiled = new AtomicLong();
    private final AtomicLong refusedOffers = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    private final AtomicLong lastCompileNs = new AtomicLong();
    private volatile Listener listener = Listener.NONE;
    private volatile java.util.function.IntSupplier housekeeping = () -> 0;
    private volatile NodeTables lastGood;
    private volatile RuntimeException lastFailure;
    private boolean closed;

    /**
     * @param nodeName  the node (for logs).
     * @param workers   the workers' table receivers, at least one.
     * @param source    the compile step.
     * @param reclaimer what happens to a generation no worker reads any more.
     */
    public TablePublisher(final String nodeName, final List<WorkerTables> workers, final NodeTablesSource source,
        final Reclaimer reclaimer)
    {
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        if (workers.isEmpty())
        {
            throw new IllegalArgumentException("a table publisher needs at least one worker");
        }
        this.workers = workers.toArray(WorkerTables[]::new);
        this.source = Objects.requireNonNull(source, "source");
        this.reclaimer = Objects.requireNonNull(reclaimer, "reclaimer");
        this.undelivered = new NodeTables[this.workers.length];
    }

    /**
     * A publisher with {@code config.workers()} table-only workers ({@link TableOnlyWorkerAgent}), each on its own
     * thread with a backoff idle strategy (spin, yield, then park up to {@code maxParkNs}); started here and
     * stopped by {@link #close()}. The agent uses these until AF_XDP workers run the pipeline (attaching pod ports
     * comes with the CNI).
     *
     * @param config    the agent configuration (node, worker count).
     * @param ports     the local pods' ports.
     * @param maxParkNs the longest an idle worker parks: the worst added delay before it sees new tables.
     * @return the running publisher.
     */
    public static TablePublisher withTableOnlyWorkers(final AgentConfig config, final EndpointPorts ports,
        final long maxParkNs)
    {
        final List<WorkerTables> tables = new ArrayList<>();
        for (int w = 0; w < config.workers(); w++)
        {
            tables.add(new WorkerTables(w, WorkerTables.DEFAULT_QUEUE_CAPACITY));
        }
        final TablePublisher publisher = new TablePublisher(config.nodeName(), tables,
            NodeTablesSource.compiler(config.nodeName(), ports), Reclaimer.GC);
        for (final WorkerTables worker : tables)
        {
            final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, maxParkNs);
            final AgentRunner runner = new AgentRunner(idle,
                error -> LOG.log(System.Logger.Level.ERROR, "table worker " + worker.workerId() + " error", error),
                null, new TableOnlyWorkerAgent(worker));
            publisher.runners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        return publisher;
    }

    /**
     * @param listener told about each compile (set before the control thread starts, or from it).
     * @return this publisher.
     */
    public TablePublisher listener(final Listener listener)
    {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    @Override
    public void install(final ClusterState state, final long generation)
    {
        final long startNs = System.nanoTime();
        final NodeTables tables;
        try
        {
            tables = source.compile(state, generation);
            if (tables.generation() != generation)
            {
                throw new IllegalStateException("compiled generation " + tables.generation() + " for " + generation);
            }
        }
        catch (final RuntimeException ex)
        {
            compileFailures.incrementAndGet();
            lastFailure = ex;
            final NodeTables good = lastGood;
            LOG.log(System.Logger.Level.ERROR, "node " + nodeName + ": compiling generation " + generation
                + " failed; generation " + (good == null ? "none" : good.generation()) + " stays in force", ex);
            listener.onCompileFailed(generation, ex);
            return;
        }
        lastCompileNs.set(System.nanoTime() - startNs);
        compiled.incrementAndGet();
        lastGood = tables;
        live.addLast(tables);
        for (int w = 0; w < workers.length; w++)
        {
            undelivered[w] = tables;
        }
        deliver();
        listener.onCompiled(state, tables);
        reclaim();
    }

    /**
     * Control thread, every duty cycle: offer undelivered tables again and reclaim what no worker reads.
     *
     * @return work done.
     */
    @Override
    public int doWork()
    {
        return deliver() + reclaim() + housekeeping.getAsInt();
    }

    /**
     * @param task run on the control thread every duty cycle after delivery (e.g. the dataplane following the
     *             kernel's neighbour table); returns work done.
     * @return this publisher.
     */
    public TablePublisher housekeeping(final java.util.function.IntSupplier task)
    {
        this.housekeeping = Objects.requireNonNull(task, "task");
        return this;
    }

    @Override
    public long installedGeneration()
    {
        long min = Long.MAX_VALUE;
        for (final WorkerTables worker : workers)
        {
            min = Math.min(min, worker.installedGeneration());
        }
        return min;
    }

    /**
     * @return the workers' table receivers (for status and tools).
     */
    public List<WorkerTables> workers()
    {
        return List.of(workers);
    }

    /**
     * @return the last tables compiled and offered (installed everywhere once {@link #installedGeneration()}
     *     reaches their generation), or {@code null}.
     */
    public NodeTables lastCompiled()
    {
        return lastGood;
    }

    /**
     * @return the last compile failure, or {@code null}.
     */
    public RuntimeException lastFailure()
    {
        return lastFailure;
    }

    /**
     * @return compiles that threw (their generations were not installed).
     */
    public long compileFailures()
    {
        return compileFailures.get();
    }

    /**
     * @return generations compiled and offered.
     */
    public long compiledCount()
    {
        return compiled.get();
    }

    /**
     * @return offers refused by a full worker queue (retried later).
     */
    public long refusedOffers()
    {
        return refusedOffers.get();
    }

    /**
     * @return generations reclaimed.
     */
    public long reclaimedCount()
    {
        return reclaimed.get();
    }

    /**
     * @return how long the last successful compile took, in ns.
     */
    public long lastCompileNs()
    {
        return lastCompileNs.get();
    }

    /**
     * @return generations offered and not yet reclaimed (at least the one in force, once there is one).
     */
    public int liveGenerations()
    {
        return live.size();
    }

    /**
     * Stop the table-only workers this publisher started (if any). Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
    }

    private int deliver()
    {
        int work = 0;
        for (int w = 0; w < workers.length; w++)
        {
            final NodeTables tables = undelivered[w];
            if (tables != null)
            {
                if (workers[w].offer(tables))
                {
                    undelivered[w] = null;
                    work++;
                }
                else
                {
                    refusedOffers.incrementAndGet();
                }
            }
        }
        return work;
    }

    private int reclaim()
    {
        final long installed = installedGeneration();
        int work = 0;
        NodeTables oldest;
        while ((oldest = live.peekFirst()) != null && oldest.generation() < installed)
        {
            live.pollFirst();
            reclaimer.reclaim(oldest);
            reclaimed.incrementAndGet();
            work++;
        }
        return work;
    }
}
