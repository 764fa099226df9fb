package dev.sluice.fastpath.bpf;

/**
 * The per-CPU verdict counters of the XDP program. Every frame is counted in exactly one verdict counter
 * ({@link #REDIRECTED} .. {@link #UNCONFIGURED}); {@link #TRUNCATED} is a cause, counted in addition.
 */
public enum XdpCounter
{
    /** Handed to the AF_XDP socket bound to the frame's rx queue. */
    REDIRECTED(XdpConfigDescriptor.COUNTER_REDIRECTED),
    /** A socket was wanted but none is bound to the rx queue: the port's fallback was XDP_PASS. */
    FALLBACK_PASS(XdpConfigDescriptor.COUNTER_FALLBACK_PASS),
    /** A socket was wanted but none is bound to the rx queue: the port's fallback was XDP_DROP. */
    FALLBACK_DROP(XdpConfigDescriptor.COUNTER_FALLBACK_DROP),
    /** Uplink frame that is not Geneve to this node (or could not be parsed): passed to the kernel. */
    PASS_OTHER(XdpConfigDescriptor.COUNTER_PASS_OTHER),
    /** The port was never configured: passed to the kernel. */
    UNCONFIGURED(XdpConfigDescriptor.COUNTER_UNCONFIGURED),
    /** The frame ended inside a header that had to be parsed (also counted in its verdict counter). */
    TRUNCATED(XdpConfigDescriptor.COUNTER_TRUNCATED);

    private final int index;

    XdpCounter(final int index)
    {
        this.index = index;
    }

    /** @return the slot of this counter in the {@value XdpConfigDescriptor#MAP_COUNTERS} map. */
    public int index()
    {
        return index;
    }
}
