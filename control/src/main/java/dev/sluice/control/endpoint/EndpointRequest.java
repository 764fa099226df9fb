package dev.sluice.control.endpoint;

import java.util.List;
import java.util.Objects;

/**
 * One request from the CNI plugin to the agent.
 *
 * @param version       protocol version, {@link #VERSION}.
 * @param command       ADD, DEL or CHECK.
 * @param containerId   the CNI container id (the key of the endpoint), not blank.
 * @param netns         the pod's network namespace path (may be null for DEL).
 * @param ifName        the interface name inside the pod (usually {@code eth0}).
 * @param hostInterface the host-side veth name (null allowed for DEL: the agent knows it from ADD).
 * @param podNamespace  the pod's namespace ({@code K8S_POD_NAMESPACE}), null when the runtime gave none.
 * @param podName       the pod's name ({@code K8S_POD_NAME}), null when the runtime gave none.
 * @param ips           the pod's addresses without prefix length (IPAM's result), empty for DEL.
 * @param mac           the pod-side interface's MAC, {@code aa:bb:cc:dd:ee:ff}, null for DEL.
 */
public record EndpointRequest(int version, EndpointCommand command, String containerId, String netns,
    String ifName, String hostInterface, String podNamespace, String podName, List<String> ips, String mac)
{
    /** The protocol version this code speaks. */
    public static final int VERSION = 1;

    /** Checks the fields every command needs. */
    public EndpointRequest
    {
        Objects.requireNonNull(command, "command");
        if (containerId == null || containerId.isBlank())
        {
            throw new IllegalArgumentException("containerId is missing");
        }
        ips = ips == null ? List.of() : List.copyOf(ips);
        if (command == EndpointCommand.ADD)
        {
            if (hostInterface == null || hostInterface.isBlank())
            {
                throw new IllegalArgumentException("ADD needs hostInterface");
            }
            if (ips.isEmpty())
            {
                throw new IllegalArgumentException("ADD needs at least one IP");
            }
        }
    }
}
