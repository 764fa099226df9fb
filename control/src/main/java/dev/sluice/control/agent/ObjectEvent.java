package dev.sluice.control.agent;

import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One informer notification on its way to the control thread.
 *
 * @param type       whether the object now exists or was deleted.
 * @param object     the object (for a deletion, its last known state).
 * @param receivedNs when the informer handed it over (the start of the apply latency), in the agent clock.
 */
public record ObjectEvent(Type type, HasMetadata object, long receivedNs)
{
    /** What happened to the object. */
    public enum Type
    {
        /** Added or updated. */
        UPSERT,
        /** Deleted. */
        DELETE
    }

    /**
     * @param type       not null.
     * @param object     not null.
     * @param receivedNs any.
     */
    public ObjectEvent
    {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(object, "object");
    }
}
