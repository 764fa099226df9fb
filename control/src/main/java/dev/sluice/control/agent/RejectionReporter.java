package dev.sluice.control.agent;

import dev.sluice.control.model.Rejection;

/**
 * Tells the cluster about an object the agent refused (a Kubernetes Event on the object). Called on the control
 * thread: implementations hand the work to another thread and never block.
 */
@FunctionalInterface
public interface RejectionReporter
{
    /** Reports nothing. */
    RejectionReporter NONE = rejection ->
    {
    };

    /**
     * @param rejection a new rejection (or a changed one: the object's errors differ from the last report).
     */
    void onRejected(Rejection rejection);
}
