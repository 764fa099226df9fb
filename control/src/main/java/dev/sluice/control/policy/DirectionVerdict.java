package dev.sluice.control.policy;

import java.util.List;

import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodRef;

/**
 * The outcome of one direction of a flow: the egress of its source, or the ingress of its destination.
 *
 * @param direction  which direction.
 * @param subject    the pod whose policies were consulted, or {@code null} when that end is not a pod.
 * @param outcome    what happened.
 * @param isolatedBy the policies that select the subject for this direction (sorted), empty when not isolated.
 * @param allowedBy  the policies with a rule allowing the flow (sorted), empty unless {@link Outcome#ALLOWED}.
 */
public record DirectionVerdict(Direction direction, PodRef subject, Outcome outcome, List<ObjectRef> isolatedBy,
    List<ObjectRef> allowedBy)
{
    /**
     * Copies the lists.
     */
    public DirectionVerdict
    {
        isolatedBy = List.copyOf(isolatedBy);
        allowedBy = List.copyOf(allowedBy);
    }

    /**
     * @return true unless the outcome is {@link Outcome#DENIED}.
     */
    public boolean allows()
    {
        return outcome != Outcome.DENIED;
    }

    /** How a direction was decided. */
    public enum Outcome
    {
        /** That end is not a pod: nothing to enforce there. */
        NOT_A_POD,
        /** No policy selects the pod for this direction: everything is allowed. */
        NOT_ISOLATED,
        /** A pod reaching its own IP: the packet never leaves the pod's network namespace. */
        LOOPBACK,
        /** Isolated, and at least one rule allows the flow. */
        ALLOWED,
        /** Isolated, and no rule allows the flow. */
        DENIED
    }
}
