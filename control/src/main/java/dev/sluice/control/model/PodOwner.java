package dev.sluice.control.model;

import java.util.Objects;

/**
 * The controller of a pod: its {@code metadata.ownerReferences} entry with {@code controller: true} (or the only
 * entry when none is marked), e.g. {@code ReplicaSet web-7d4b9c8f6d}. Flow logs derive the workload from it.
 *
 * @param kind the owner's kind ({@code ReplicaSet}, {@code StatefulSet}, {@code DaemonSet}, {@code Job}, ...).
 * @param name the owner's name.
 */
public record PodOwner(String kind, String name)
{
    /**
     * @param kind not null.
     * @param name not null.
     */
    public PodOwner
    {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }
}
