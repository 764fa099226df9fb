package dev.sluice.control.policy;

import java.net.InetAddress;
import java.util.Objects;

import dev.sluice.control.model.PodRef;

/**
 * One end of a flow: an IP address, and the pod that owns it when it is a pod IP. Build one with
 * {@link PolicyEngine#address(InetAddress)} or {@link PolicyEngine#address(PodRef)}, which resolve the pod.
 *
 * @param ip  the address.
 * @param pod the owning pod, or {@code null} for an address outside the pod network.
 */
public record PeerAddress(InetAddress ip, PodRef pod)
{
    /**
     * @param ip  not null.
     * @param pod may be null.
     */
    public PeerAddress
    {
        Objects.requireNonNull(ip, "ip");
    }

    /**
     * @return true when the address belongs to a pod.
     */
    public boolean isPod()
    {
        return pod != null;
    }

    @Override
    public String toString()
    {
        return pod != null ? pod.toString() : ip.getHostAddress();
    }
}
