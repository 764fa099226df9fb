package dev.sluice.control.model;

import java.util.List;

/**
 * A cluster state that cannot be built: every problem found, each naming the object ({@code Kind namespace/name})
 * and the field. No partial model is ever returned alongside it.
 */
public final class ClusterStateException extends Exception
{
    private final List<String> errors;

    /**
     * @param errors every problem found, in input order; at least one.
     */
    public ClusterStateException(final List<String> errors)
    {
        super(errors.size() + " error(s) in cluster state:\n  " + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    /**
     * @return every problem found, in input order.
     */
    public List<String> errors()
    {
        return errors;
    }
}
