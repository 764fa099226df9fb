package dev.sluice.fastpath.bpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * Configuration of one XDP-attached port, written into {@code struct sluice_xdp_config}
 * (see {@link XdpConfigDescriptor}).
 *
 * @param role        what the port is.
 * @param fallback    what happens to a frame meant for a socket when none is bound to its rx queue.
 * @param genevePort  UDP destination port of Geneve on the uplink (1..65535).
 * @param nodeIpv4    the node's own IPv4 address (uplink: Geneve to it goes to the socket), or null.
 * @param nodeIpv6    the node's own IPv6 address, or null.
 * @param nodePortMin first port of the NodePort range (uplink: TCP/UDP/SCTP to the node's address with a
 *                    destination port in the range goes to the socket), 0 when NodePorts are off.
 * @param nodePortMax last port of the NodePort range (inclusive), 0 when NodePorts are off.
 */
public record XdpPortConfig(
    XdpPortRole role,
    XdpFallback fallback,
    int genevePort,
    Inet4Address nodeIpv4,
    Inet6Address nodeIpv6,
    int nodePortMin,
    int nodePortMax)
{
    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException with the offending value.
     */
    public XdpPortConfig
    {
        if (role == null || fallback == null)
        {
            throw new IllegalArgumentException("role and fallback are required: role=" + role + " fallback=" +
                fallback);
        }
        if (genevePort < 1 || genevePort > 0xFFFF)
        {
            throw new IllegalArgumentException("genevePort out of range 1..65535: " + genevePort);
        }
        if (nodePortMin == 0 ? nodePortMax != 0 :
            nodePortMin < 1 || nodePortMax > 0xFFFF || nodePortMin > nodePortMax)
        {
            throw new IllegalArgumentException("NodePort range must be 0-0 (off) or within 1..65535 and ordered: " +
                nodePortMin + "-" + nodePortMax);
        }
        if (role == XdpPortRole.UPLINK && nodeIpv4 == null && nodeIpv6 == null)
        {
            throw new IllegalArgumentException("an uplink needs the node's IPv4 or IPv6 address (both null)");
        }
    }

    /**
     * A pod port: every frame to the socket, dropped while no socket is bound (fail closed).
     *
     * @return the configuration.
     */
    public static XdpPortConfig pod()
    {
        return new XdpPortConfig(XdpPortRole.POD, XdpFallback.DROP, XdpConfigDescriptor.GENEVE_PORT_DEFAULT,
            null, null, 0, 0);
    }

    /**
     * The uplink: Geneve (UDP/6081) to one of the node's addresses to the socket, passed to the kernel while no
     * socket is bound; everything else to the kernel. NodePorts are off ({@link #withNodePorts}).
     *
     * @param nodeIpv4 the node's IPv4 address, or null.
     * @param nodeIpv6 the node's IPv6 address, or null.
     * @return the configuration.
     */
    public static XdpPortConfig uplink(final Inet4Address nodeIpv4, final Inet6Address nodeIpv6)
    {
        return new XdpPortConfig(XdpPortRole.UPLINK, XdpFallback.PASS, XdpConfigDescriptor.GENEVE_PORT_DEFAULT,
            nodeIpv4, nodeIpv6, 0, 0);
    }

    /**
     * @param fallback the new fallback.
     * @return a copy with another fallback.
     */
    public XdpPortConfig withFallback(final XdpFallback fallback)
    {
        return new XdpPortConfig(role, fallback, genevePort, nodeIpv4, nodeIpv6, nodePortMin, nodePortMax);
    }

    /**
     * @param genevePort the new UDP port.
     * @return a copy with another Geneve port.
     */
    public XdpPortConfig withGenevePort(final int genevePort)
    {
        return new XdpPortConfig(role, fallback, genevePort, nodeIpv4, nodeIpv6, nodePortMin, nodePortMax);
    }

    /**
     * @param min first NodePort (0 with max 0: off).
     * @param max last NodePort, inclusive.
     * @return a copy whose uplink also hands TCP/UDP/SCTP to the node's address on ports min..max to the socket.
     */
    public XdpPortConfig withNodePorts(final int min, final int max)
    {
        return new XdpPortConfig(role, fallback, genevePort, nodeIpv4, nodeIpv6, min, max);
    }

    /**
     * Writes the C struct image.
     *
     * @param segment at least {@link XdpConfigDescriptor#LENGTH} bytes; written from offset 0 in native order.
     */
    void encode(final MemorySegment segment)
    {
        segment.asSlice(0, XdpConfigDescriptor.LENGTH).fill((byte)0);
        int flags = 0;
        segment.set(ValueLayout.JAVA_INT, XdpConfigDescriptor.ROLE_OFFSET, role.code());
        segment.set(ValueLayout.JAVA_INT, XdpConfigDescriptor.FALLBACK_OFFSET, fallback.action());
        segment.set(ValueLayout.JAVA_SHORT, XdpConfigDescriptor.GENEVE_PORT_OFFSET, (short)genevePort);
        if (nodeIpv4 != null)
        {
            MemorySegment.copy(nodeIpv4.getAddress(), 0, segment, ValueLayout.JAVA_BYTE,
                XdpConfigDescriptor.NODE_IPV4_OFFSET, 4);
            flags |= XdpConfigDescriptor.FLAG_NODE_IPV4;
        }
        if (nodeIpv6 != null)
        {
            MemorySegment.copy(nodeIpv6.getAddress(), 0, segment, ValueLayout.JAVA_BYTE,
                XdpConfigDescriptor.NODE_IPV6_OFFSET, 16);
            flags |= XdpConfigDescriptor.FLAG_NODE_IPV6;
        }
        segment.set(ValueLayout.JAVA_SHORT, XdpConfigDescriptor.FLAGS_OFFSET, (short)flags);
        segment.set(ValueLayout.JAVA_SHORT, XdpConfigDescriptor.NODEPORT_MIN_OFFSET, (short)nodePortMin);
        segment.set(ValueLayout.JAVA_SHORT, XdpConfigDescriptor.NODEPORT_MAX_OFFSET, (short)nodePortMax);
    }
}
