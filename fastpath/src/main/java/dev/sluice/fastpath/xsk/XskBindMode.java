package dev.sluice.fastpath.xsk;

/** How an AF_XDP socket is bound to its queue, and (for {@link XskSocket#boundMode()}) how it ended up bound. */
public enum XskBindMode
{
    /** Try zero-copy; on EOPNOTSUPP (e.g. veth, drivers without AF_XDP support) bind in copy mode. */
    AUTO(0),
    /** Force copy mode ({@code XDP_COPY}): works on every driver with XDP; one copy per packet each way. */
    COPY(XskDescriptor.XDP_COPY),
    /** Force zero-copy ({@code XDP_ZEROCOPY}): the NIC DMAs into the UMEM; fails where the driver cannot. */
    ZERO_COPY(XskDescriptor.XDP_ZEROCOPY);

    private final int bindFlag;

    XskBindMode(final int bindFlag)
    {
        this.bindFlag = bindFlag;
    }

    /** @return the {@code sxdp_flags} bit. */
    public int bindFlag()
    {
        return bindFlag;
    }
}
