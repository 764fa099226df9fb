package dev.sluice.fastpath.bpf;

import dev.sluice.fastpath.sys.NativeCallException;

/**
 * An XDP program that Sluice did not attach is already attached to the interface. Sluice never replaces it
 * silently ({@code XDP_FLAGS_UPDATE_IF_NOEXIST}).
 */
public final class XdpAlreadyAttachedException extends NativeCallException
{
    private static final long serialVersionUID = 1L;

    private final String interfaceName;
    private final int existingProgramId;

    XdpAlreadyAttachedException(
        final String call, final int errno, final String interfaceName, final int existingProgramId)
    {
        super(call, errno, "program already attached on " + interfaceName + " by someone else" +
            (existingProgramId != 0 ? " (XDP program id " + existingProgramId + ")" : ""),
            "Sluice never replaces a program it did not attach; if it is stale, remove it with " +
            "'ip link set dev " + interfaceName + " xdp off'");
        this.interfaceName = interfaceName;
        this.existingProgramId = existingProgramId;
    }

    /** @return the interface the attach was refused on. */
    public String interfaceName()
    {
        return interfaceName;
    }

    /** @return the kernel id of the program already attached, 0 if it could not be queried. */
    public int existingProgramId()
    {
        return existingProgramId;
    }
}
