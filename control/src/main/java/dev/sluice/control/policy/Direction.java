package dev.sluice.control.policy;

/** The two directions of NetworkPolicy: egress is enforced at the source pod, ingress at the destination pod. */
public enum Direction
{
    /** Traffic leaving the subject pod. */
    EGRESS,
    /** Traffic arriving at the subject pod. */
    INGRESS;

    /**
     * @return "egress" or "ingress".
     */
    public String label()
    {
        return this == EGRESS ? "egress" : "ingress";
    }
}
