package dev.sluice.fastpath.policy;

/**
 * The outcome of one policy direction as an {@code int}, so lookups return it without allocating: a rule id
 * ({@code >= 0}, the rule that allowed the packet; {@link PolicySnapshot#ruleName(int)} names its policy),
 * {@link #ALLOW_NOT_ISOLATED} (no policy selects the endpoint for that direction) or {@link #DENY} (isolated, and
 * no rule allows the packet).
 */
public final class PolicyVerdict
{
    /** Isolated for the direction, and no rule allows the packet. */
    public static final int DENY = -1;
    /** No policy selects the endpoint for the direction: everything is allowed, no rule to log. */
    public static final int ALLOW_NOT_ISOLATED = -2;

    /** Traffic leaving the local endpoint (enforced at the source pod). */
    public static final int EGRESS = 0;
    /** Traffic arriving at the local endpoint (enforced at the destination pod). */
    public static final int INGRESS = 1;

    private PolicyVerdict()
    {
    }

    /**
     * @param verdict a lookup result.
     * @return true unless it is {@link #DENY}.
     */
    public static boolean allows(final int verdict)
    {
        return verdict != DENY;
    }

    /**
     * @param direction {@link #EGRESS} or {@link #INGRESS}.
     * @return "egress" or "ingress".
     */
    public static String directionName(final int direction)
    {
        return direction == EGRESS ? "egress" : "ingress";
    }
}
