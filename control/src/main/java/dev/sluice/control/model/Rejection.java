package dev.sluice.control.model;

import java.util.List;
import java.util.Objects;

/**
 * One object left out of a snapshot built by {@link ClusterStateBuilder#buildPartial()}, with every problem found
 * in it (each naming the object and the field).
 *
 * @param object       the rejected object.
 * @param errors       the problems, at least one; each is {@code Kind namespace/name: field: message}.
 * @param previousKept whether an earlier, valid version of the object is still in the snapshot (a broken update
 *                     leaves the last good version in force).
 */
public record Rejection(ObjectKey object, List<String> errors, boolean previousKept)
{
    /**
     * @param object       not null.
     * @param errors       copied, at least one.
     * @param previousKept see above.
     */
    public Rejection
    {
        Objects.requireNonNull(object, "object");
        errors = List.copyOf(errors);
        if (errors.isEmpty())
        {
            throw new IllegalArgumentException("a rejection of " + object + " needs at least one error");
        }
    }

    /**
     * @return one line: the errors joined with {@code "; "}, and whether the previous version is kept.
     */
    public String message()
    {
        return String.join("; ", errors) + (previousKept ? " (the previous version stays in force)" : "");
    }
}
