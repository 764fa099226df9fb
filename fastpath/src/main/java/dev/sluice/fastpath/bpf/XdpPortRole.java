package dev.sluice.fastpath.bpf;

/** What an XDP-attached interface is to the node. */
public enum XdpPortRole
{
    /** Host side of a pod's veth: every frame goes to the AF_XDP socket. */
    POD(XdpConfigDescriptor.ROLE_POD),
    /**
     * The node's uplink: only UDP to the Geneve port addressed to the node's own IPv4/IPv6 address goes to the
     * socket; everything else (SSH, kubelet, ARP, ND, ...) is passed to the kernel.
     */
    UPLINK(XdpConfigDescriptor.ROLE_UPLINK);

    private final int code;

    XdpPortRole(final int code)
    {
        this.code = code;
    }

    /** @return the value of {@code struct sluice_xdp_config.role}. */
    public int code()
    {
        return code;
    }
}
