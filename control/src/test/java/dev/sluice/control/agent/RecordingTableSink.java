package dev.sluice.control.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.sluice.control.model.ClusterState;

/**
 * A test sink with {@code workers} simulated workers: each install is recorded and counted installed by every
 * worker at once (or held back while {@link #hold(boolean)} is on, to check readiness waits for the workers).
 */
public final class RecordingTableSink implements TableSink
{
    private final List<Installed> installs = new CopyOnWriteArrayList<>();
    private volatile long offered;
    private volatile long installed;
    private volatile boolean holding;

    /**
     * One install.
     *
     * @param state      the snapshot.
     * @param generation its generation.
     */
    public record Installed(ClusterState state, long generation)
    {
    }

    @Override
    public void install(final ClusterState state, final long generation)
    {
        if (generation != offered + 1)
        {
            throw new AssertionError("generation " + generation + " offered after " + offered);
        }
        installs.add(new Installed(state, generation));
        offered = generation;
        if (!holding)
        {
            installed = generation;
        }
    }

    @Override
    public long installedGeneration()
    {
        return installed;
    }

    /**
     * @param hold whether the workers stop taking new generations (false: they catch up at once).
     */
    public void hold(final boolean hold)
    {
        holding = hold;
        if (!hold)
        {
            installed = offered;
        }
    }

    /**
     * @return every install so far.
     */
    public List<Installed> installs()
    {
        return List.copyOf(installs);
    }

    /**
     * @return the last installed snapshot, or {@code null}.
     */
    public ClusterState last()
    {
        return installs.isEmpty() ? null : installs.getLast().state();
    }

    /**
     * Poll until the last installed snapshot satisfies {@code condition}.
     *
     * @param what      what is awaited (for the failure message).
     * @param condition the condition.
     * @param timeout   the deadline.
     * @return that snapshot.
     * @throws InterruptedException when interrupted.
     */
    public ClusterState await(final String what, final Predicate<ClusterState> condition, final Duration timeout)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final ClusterState state = last();
            if (state != null && condition.test(state))
            {
                return state;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last generation "
                    + offered + ", last state pods " + (state == null ? "none" : state.pods().keySet()
                    + " policies " + state.policies().keySet()));
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }
}
