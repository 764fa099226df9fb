package dev.sluice.control.agent;

import dev.sluice.control.model.ObjectKey;

/**
 * The control loop's counters, reported as they happen; the metrics registry implements it. Calls come from the
 * control thread, except {@link #onEventDropped()} which comes from informer threads.
 */
public interface ControlMetrics
{
    /** Counts nothing. */
    ControlMetrics NONE = new ControlMetrics()
    {
    };

    /**
     * An object's latest version was rejected (counted once per distinct rejection, not per snapshot).
     *
     * @param object the object.
     */
    default void onRejected(final ObjectKey object)
    {
    }

    /**
     * A snapshot was built and offered to the workers.
     *
     * @param generation its generation.
     * @param events     how many informer events it batched.
     * @param buildNs    how long building it took.
     */
    default void onSnapshot(final long generation, final int events, final long buildNs)
    {
    }

    /**
     * The event queue was full: the event was dropped and the control loop will re-read the informer caches.
     */
    default void onEventDropped()
    {
    }

    /**
     * One informer event's change is installed in every worker.
     *
     * @param latencyNs from the event's receive time to the moment the control loop saw it installed everywhere.
     */
    default void onApplied(final long latencyNs)
    {
    }

    /**
     * The first snapshot after the informers synced is installed in every worker (called once).
     *
     * @param generation the generation installed everywhere.
     */
    default void onReady(final long generation)
    {
    }
}
