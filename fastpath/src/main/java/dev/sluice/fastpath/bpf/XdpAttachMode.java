package dev.sluice.fastpath.bpf;

/** How an XDP program is attached ({@code XDP_FLAGS_*} in {@code linux/if_link.h}). */
public enum XdpAttachMode
{
    /** Driver (native) mode, {@code XDP_FLAGS_DRV_MODE}: runs before an skb exists. */
    NATIVE(4),
    /** Generic (skb) mode, {@code XDP_FLAGS_SKB_MODE}: works on any device, slower. */
    GENERIC(2);

    private final int flag;

    XdpAttachMode(final int flag)
    {
        this.flag = flag;
    }

    /** @return the {@code XDP_FLAGS_*_MODE} bit. */
    public int flag()
    {
        return flag;
    }
}
