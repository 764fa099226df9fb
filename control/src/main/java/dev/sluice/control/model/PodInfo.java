package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod that takes part in the pod network (has at least one IP, is not host-network).
 *
 * @param ref      namespace and name.
 * @param labels   labels, sorted, unmodifiable.
 * @param nodeName {@code spec.nodeName}, or {@code null} when not scheduled.
 * @param ips      the pod IPs, primary first ({@code status.podIP}, then the other {@code status.podIPs}).
 * @param ports    the container ports of all containers, in manifest order.
 * @param owner    the controlling owner reference, or {@code null} for a bare pod.
 */
public record PodInfo(PodRef ref, Map<String, String> labels, String nodeName, List<InetAddress> ips,
    List<ContainerPortInfo> ports, PodOwner owner)
{
    /**
     * A pod without an owner (a bare pod).
     *
     * @param ref      not null.
     * @param labels   copied.
     * @param nodeName may be null.
     * @param ips      copied, at least one.
     * @param ports    copied.
     */
    public PodInfo(final PodRef ref, final Map<String, String> labels, final String nodeName,
        final List<InetAddress> ips, final List<ContainerPortInfo> ports)
    {
        this(ref, labels, nodeName, ips, ports, null);
    }

    /**
     * @param ref      not null.
     * @param labels   copied.
     * @param nodeName may be null.
     * @param ips      copied, at least one.
     * @param ports    copied.
     * @param owner    may be null.
     */
    public PodInfo
    {
        Objects.requireNonNull(ref, "ref");
        labels = Immutable.sortedCopy(labels);
        ips = List.copyOf(ips);
        ports = List.copyOf(ports);
        if (ips.isEmpty())
        {
            throw new IllegalArgumentException("pod " + ref + " has no IP");
        }
    }

    /**
     * @return the primary IP ({@code status.podIP}).
     */
    public InetAddress primaryIp()
    {
        return ips.getFirst();
    }

    /**
     * @param ipv4 the family wanted.
     * @return the first IP of that family, or {@code null}.
     */
    public InetAddress ipOfFamily(final boolean ipv4)
    {
        for (final InetAddress ip : ips)
        {
            if ((ip instanceof java.net.Inet4Address) == ipv4)
            {
                return ip;
            }
        }
        return null;
    }

    /**
     * Resolve a named port on this pod, as NetworkPolicy and Service targetPort do: the first container port
     * with that name and protocol.
     *
     * @param name     the port name.
     * @param protocol the protocol.
     * @return the port number, or -1 when this pod has no such named port.
     */
    public int namedPort(final String name, final Protocol protocol)
    {
        for (final ContainerPortInfo p : ports)
        {
            if (name.equals(p.name()) && protocol == p.protocol())
            {
                return p.port();
            }
        }
        return -1;
    }
}
