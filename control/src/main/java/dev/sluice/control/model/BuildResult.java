package dev.sluice.control.model;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot built from every object that is valid, and the objects left out.
 *
 * @param state      the snapshot: every valid object (or the last valid version of an object whose latest version
 *                   is broken).
 * @param rejections the objects whose latest version was left out, sorted by object.
 */
public record BuildResult(ClusterState state, List<Rejection> rejections)
{
    /**
     * @param state      not null.
     * @param rejections copied.
     */
    public BuildResult
    {
        Objects.requireNonNull(state, "state");
        rejections = List.copyOf(rejections);
    }
}
