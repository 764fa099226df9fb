package dev.sluice.fastpath.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * One worker's end of the table hand-off (STYLE.md "Publishing tables"): the control thread {@link #offer}s
 * immutable {@link NodeTables} snapshots through a bounded queue (the command proxy; control is its one producer);
 * the worker calls {@link #onDutyCycle()} at its duty-cycle boundary, between vectors, and nowhere else. That call
 * drains the queue, keeps only the newest snapshot (older ones queued behind it are never read), swaps it in and
 * publishes its generation with release. Stages read {@link #current()} on the worker thread with a plain load: the
 * worker is the one writer of that field.
 *
 * <p>Memory order: the queue's offer is a release and its poll an acquire, so every final and non-final field of a
 * snapshot built before {@link #offer} is visible to the worker that polls it. {@link #installedGeneration()} and
 * {@link #installed()} are read by other threads with acquire; the generation is published after the reference, so
 * a reader that sees generation N through {@link #installedGeneration()} and then reads {@link #installed()} gets a
 * snapshot of generation N or newer.
 *
 * <p>The duty-cycle boundary is the RCU grace period: once {@link #installedGeneration()} reports N, this worker
 * holds no reference to any older snapshot (it reads only {@link #current()}, and the queue only holds newer ones),
 * so the publisher may reclaim every generation below the smallest generation reported by all workers.
 *
 * <p>Nothing here allocates per call, takes a lock or throws on the worker's side.
 */
public final class WorkerTables
{
    /** The generation reported before the first swap. */
    public static final long NO_GENERATION = 0;
    /** Default capacity of the command queue. */
    public static final int DEFAULT_QUEUE_CAPACITY = 8;

    private static final VarHandle INSTALLED_GENERATION;
    private static final VarHandle INSTALLED;
    private static final VarHandle SWAPS;
    private static final VarHandle STALE;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            INSTALLED_GENERATION = lookup.findVarHandle(WorkerTables.class, "installedGeneration", long.class);
            INSTALLED = lookup.findVarHandle(WorkerTables.class, "installed", NodeTables.class);
            SWAPS = lookup.findVarHandle(WorkerTables.class, "swaps", long.class);
            STALE = lookup.findVarHandle(WorkerTables.class, "stale", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int workerId;
    private final int drainLimit;
    private final OneToOneConcurrentArrayQueue<NodeTables> commands;
    private NodeTables current;
    @SuppressWarnings("unused") // through INSTALLED
    private NodeTables installed;
    @SuppressWarnings("unused") // through INSTALLED_GENERATION
    private long installedGeneration;
    @SuppressWarnings("unused") // through SWAPS
    private long swaps;
    @SuppressWarnings("unused") // through STALE
    private long stale;

    /**
     * @param workerId      the worker's id (for names and errors).
     * @param queueCapacity capacity of the command queue, at least 2 (rounded up to a power of two).
     */
    public WorkerTables(final int workerId, final int queueCapacity)
    {
        if (queueCapacity < 2)
        {
            throw new IllegalArgumentException("worker " + workerId + ": table queue capacity must be at least 2: " +
                queueCapacity);
        }
        this.workerId = workerId;
        this.commands = new OneToOneConcurrentArrayQueue<>(queueCapacity);
        this.drainLimit = commands.capacity();
    }

    /**
     * @return the worker's id.
     */
    public int workerId()
    {
        return workerId;
    }

    /**
     * Offer a snapshot to the worker (control thread only: the queue has one producer). Never blocks.
     *
     * @param tables a fully built snapshot, its generation higher than any offered before.
     * @return {@code false} when the queue is full (the worker has not reached a boundary for a while); the caller
     *     keeps the snapshot and offers it (or a newer one) again later.
     */
    public boolean offer(final NodeTables tables)
    {
        return commands.offer(Objects.requireNonNull(tables, "tables"));
    }

    /**
     * The worker's duty-cycle boundary (worker thread only): take the newest offered snapshot, if any, swap it in
     * and publish its generation.
     *
     * @return 1 when tables were swapped, else 0 (work done, for the idle strategy).
     */
    public int onDutyCycle()
    {
        NodeTables newest = null;
        NodeTables next;
        int drained = 0;
        while (drained < drainLimit && (next = commands.poll()) != null)
        {
            drained++;
            newest = next;
        }
        if (newest == null)
        {
            return 0;
        }
        final NodeTables now = current;
        if (now != null && newest.generation() <= now.generation())
        {
            // cannot happen with one in-order producer; refuse rather than go back in time
            STALE.setRelease(this, stale + 1);
            return 0;
        }
        current = newest;
        INSTALLED.setRelease(this, newest);
        // after the reference: whoever sees generation N through acquire then reads a snapshot >= N
        INSTALLED_GENERATION.setRelease(this, newest.generation());
        SWAPS.setRelease(this, swaps + 1);
        return 1;
    }

    /**
     * @return the tables the worker runs (worker thread only; plain load), or {@code null} before the first swap.
     */
    public NodeTables current()
    {
        return current;
    }

    /**
     * @return the tables the worker has installed, read with acquire (any thread), or {@code null} before the first
     *     swap. For control-side queries and tools; the worker reads {@link #current()}.
     */
    public NodeTables installed()
    {
        return (NodeTables)INSTALLED.getAcquire(this);
    }

    /**
     * @return the generation the worker runs, read with acquire (any thread); {@link #NO_GENERATION} before the
     *     first swap.
     */
    public long installedGeneration()
    {
        return (long)INSTALLED_GENERATION.getAcquire(this);
    }

    /**
     * @return how many times the worker swapped tables (any thread).
     */
    public long swaps()
    {
        return (long)SWAPS.getAcquire(this);
    }

    /**
     * @return snapshots refused because they were not newer than the installed one (any thread); 0 unless the
     *     producer broke the ordering contract.
     */
    public long staleOffers()
    {
        return (long)STALE.getAcquire(this);
    }

    @Override
    public String toString()
    {
        return "WorkerTables{worker=" + workerId + ", generation=" + installedGeneration() + "}";
    }
}
