package dev.sluice.fastpath.bpf;

/**
 * What the XDP program does with a frame meant for a socket when no socket is bound to its rx queue (agent not
 * started yet, restarting, or crashed: an attachment made with {@code bpf_xdp_attach} outlives the process, its
 * XSKMAP entries do not).
 */
public enum XdpFallback
{
    /** Drop: fail closed. The default for pod ports, so that an agent outage never bypasses network policy. */
    DROP(XdpAction.DROP),
    /** Hand to the kernel. The default for the uplink: Geneve then meets the kernel as if Sluice were absent. */
    PASS(XdpAction.PASS);

    private final int action;

    XdpFallback(final int action)
    {
        this.action = action;
    }

    /** @return the XDP action, the value of {@code struct sluice_xdp_config.fallback}. */
    public int action()
    {
        return action;
    }
}
