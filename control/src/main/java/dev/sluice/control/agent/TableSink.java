package dev.sluice.control.agent;

import dev.sluice.control.model.ClusterState;

/**
 * Where the control loop publishes each snapshot: the fast-path workers' tables. The contract is the RCU hand-off
 * of STYLE.md "Publishing tables":
 * <ul>
 *   <li>{@link #install} is called on the control thread only, with generations 1, 2, 3, ... in order. It compiles
 *       (or has compiled) the immutable tables of generation {@code N} and offers them to every worker through its
 *       command proxy; it must not wait for the workers.</li>
 *   <li>Each worker swaps tables at its duty-cycle boundary and publishes the generation it runs with release;
 *       {@link #installedGeneration()} is the smallest of those (read with acquire), i.e. the newest generation
 *       that every worker has installed.</li>
 *   <li>A generation older than {@link #installedGeneration()} is no longer read by any worker and may be
 *       reclaimed by the sink.</li>
 * </ul>
 */
public interface TableSink extends AutoCloseable
{
    /**
     * Offer a snapshot to every worker.
     *
     * @param state      the immutable snapshot.
     * @param generation its generation, one more than the previous call's.
     */
    void install(ClusterState state, long generation);

    /**
     * @return the newest generation installed by every worker, 0 before the first install completed.
     */
    long installedGeneration();

    /**
     * Called on the control thread every duty cycle: a sink that could not hand a snapshot to a worker at once
     * (its queue was full) retries here, and reclaims generations no worker reads; the default does nothing.
     *
     * @return work done (drives the control loop's idle strategy).
     */
    default int doWork()
    {
        return 0;
    }

    /**
     * Release the sink's resources (not the workers'); the default does nothing.
     */
    @Override
    default void close()
    {
    }
}
