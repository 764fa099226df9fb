package dev.sluice.control.metrics;

/**
 * Whether the agent is ready to serve ({@code /readyz}): false with a reason until the agent has synced its
 * informers and installed the first tables in every worker. Any thread.
 */
public final class Readiness
{
    private volatile String notReadyReason = "starting";

    /**
     * Mark the agent ready.
     */
    public void markReady()
    {
        notReadyReason = null;
    }

    /**
     * Mark the agent not ready.
     *
     * @param reason why, shown by {@code /readyz}.
     */
    public void markNotReady(final String reason)
    {
        notReadyReason = reason == null || reason.isEmpty() ? "not ready" : reason;
    }

    /**
     * @return true when ready.
     */
    public boolean isReady()
    {
        return notReadyReason == null;
    }

    /**
     * @return why not ready, or null when ready.
     */
    public String reason()
    {
        return notReadyReason;
    }
}
