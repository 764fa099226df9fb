package dev.sluice.fastpath.bpf;

/** XDP program return codes, {@code enum xdp_action} in {@code linux/bpf.h}. */
public final class XdpAction
{
    public static final int ABORTED = 0;
    public static final int DROP = 1;
    public static final int PASS = 2;
    public static final int TX = 3;
    public static final int REDIRECT = 4;

    private XdpAction()
    {
    }

    /**
     * @param action an XDP return code.
     * @return its name, e.g. {@code "XDP_PASS"}.
     */
    public static String name(final int action)
    {
        return switch (action)
        {
            case ABORTED -> "XDP_ABORTED";
            case DROP -> "XDP_DROP";
            case PASS -> "XDP_PASS";
            case TX -> "XDP_TX";
            case REDIRECT -> "XDP_REDIRECT";
            default -> "XDP action " + action;
        };
    }
}
