package dev.sluice.fastpath.tunnel;

import dev.sluice.geneve.GeneveDescriptor;
import dev.sluice.geneve.TunnelMtu;
import dev.sluice.wire.Addresses;

/**
 * This node's side of the tunnel mesh: what the encap stage and the template builder need besides the peer table.
 * Immutable; build with {@link Builder}. Addresses are given as literals and parsed once here.
 */
public final class TunnelConfig
{
    private final int uplinkPort;
    private final long localMac;
    private final boolean hasLocalIpv4;
    private final int localIpv4;
    private final boolean hasLocalIpv6;
    private final long localIpv6Hi;
    private final long localIpv6Lo;
    private final int underlayMtu;
    private final boolean hasGatewayIpv4;
    private final int gatewayIpv4;
    private final boolean hasGatewayIpv6;
    private final long gatewayIpv6Hi;
    private final long gatewayIpv6Lo;
    private final int vni;
    private final int udpPort;
    private final boolean identityOption;

    private TunnelConfig(final Builder b)
    {
        uplinkPort = b.uplinkPort;
        localMac = Addresses.parseMac(b.localMac);
        hasLocalIpv4 = b.localIpv4 != null;
        localIpv4 = hasLocalIpv4 ? parseIpv4("local IPv4", b.localIpv4) : 0;
        hasLocalIpv6 = b.localIpv6 != null;
        localIpv6Hi = hasLocalIpv6 ? parseIpv6Hi("local IPv6", b.localIpv6) : 0;
        localIpv6Lo = hasLocalIpv6 ? Addresses.parseIpv6Lo(b.localIpv6) : 0;
        underlayMtu = b.underlayMtu;
        hasGatewayIpv4 = b.gatewayIpv4 != null;
        gatewayIpv4 = hasGatewayIpv4 ? parseIpv4("gateway IPv4", b.gatewayIpv4) : 0;
        hasGatewayIpv6 = b.gatewayIpv6 != null;
        gatewayIpv6Hi = hasGatewayIpv6 ? parseIpv6Hi("gateway IPv6", b.gatewayIpv6) : 0;
        gatewayIpv6Lo = hasGatewayIpv6 ? Addresses.parseIpv6Lo(b.gatewayIpv6) : 0;
        vni = b.vni;
        udpPort = b.udpPort;
        identityOption = b.identityOption;
    }

    private static int parseIpv4(final String what, final String literal)
    {
        if (Addresses.isIpv6(literal))
        {
            throw new IllegalArgumentException(what + " address is not IPv4: " + literal);
        }
        return Addresses.parseIpv4(literal);
    }

    private static long parseIpv6Hi(final String what, final String literal)
    {
        if (!Addresses.isIpv6(literal))
        {
            throw new IllegalArgumentException(what + " address is not IPv6: " + literal);
        }
        return Addresses.parseIpv6Hi(literal);
    }

    /** @return the port id of the uplink (egress of encapsulated packets, ingress of Geneve). */
    public int uplinkPort()
    {
        return uplinkPort;
    }

    /** @return this node's MAC on the uplink, low 48 bits. */
    public long localMac()
    {
        return localMac;
    }

    /** @return true when this node has an IPv4 underlay address. */
    public boolean hasLocalIpv4()
    {
        return hasLocalIpv4;
    }

    /** @return this node's IPv4 underlay address. */
    public int localIpv4()
    {
        return localIpv4;
    }

    /** @return true when this node has an IPv6 underlay address. */
    public boolean hasLocalIpv6()
    {
        return hasLocalIpv6;
    }

    /** @return high half of this node's IPv6 underlay address. */
    public long localIpv6Hi()
    {
        return localIpv6Hi;
    }

    /** @return low half of this node's IPv6 underlay address. */
    public long localIpv6Lo()
    {
        return localIpv6Lo;
    }

    /** @return the underlay's IP MTU (the uplink's MTU). */
    public int underlayMtu()
    {
        return underlayMtu;
    }

    /** @return true when an IPv4 source for ICMP errors to pods is configured. */
    public boolean hasGatewayIpv4()
    {
        return hasGatewayIpv4;
    }

    /** @return the IPv4 source of ICMP errors sent to pods (the pods' gateway / node address). */
    public int gatewayIpv4()
    {
        return gatewayIpv4;
    }

    /** @return true when an IPv6 source for ICMPv6 errors to pods is configured. */
    public boolean hasGatewayIpv6()
    {
        return hasGatewayIpv6;
    }

    /** @return high half of the IPv6 source of ICMPv6 errors sent to pods. */
    public long gatewayIpv6Hi()
    {
        return gatewayIpv6Hi;
    }

    /** @return low half of the IPv6 source of ICMPv6 errors sent to pods. */
    public long gatewayIpv6Lo()
    {
        return gatewayIpv6Lo;
    }

    /** @return the VNI sent. */
    public int vni()
    {
        return vni;
    }

    /** @return the Geneve UDP destination port. */
    public int udpPort()
    {
        return udpPort;
    }

    /** @return whether encapsulated packets carry Sluice's identity option. */
    public boolean identityOption()
    {
        return identityOption;
    }

    /**
     * Builds a {@link TunnelConfig}. Required: uplink port, local MAC, underlay MTU and at least one local underlay
     * address. Defaults: VNI 0, UDP port 6081, identity option on, no ICMP source addresses (then packets that need
     * an ICMP error are dropped as {@code TUNNEL_MTU_EXCEEDED} instead).
     */
    public static final class Builder
    {
        private int uplinkPort = -1;
        private String localMac;
        private String localIpv4;
        private String localIpv6;
        private int underlayMtu;
        private String gatewayIpv4;
        private String gatewayIpv6;
        private int vni;
        private int udpPort = GeneveDescriptor.DEFAULT_UDP_PORT;
        private boolean identityOption = true;

        /** @param port the uplink's port id. @return this */
        public Builder uplinkPort(final int port)
        {
            this.uplinkPort = port;
            return this;
        }

        /** @param mac this node's uplink MAC, {@code aa:bb:cc:dd:ee:ff}. @return this */
        public Builder localMac(final String mac)
        {
            this.localMac = mac;
            return this;
        }

        /** @param address this node's IPv4 underlay address (InternalIP). @return this */
        public Builder localIpv4(final String address)
        {
            this.localIpv4 = address;
            return this;
        }

        /** @param address this node's IPv6 underlay address. @return this */
        public Builder localIpv6(final String address)
        {
            this.localIpv6 = address;
            return this;
        }

        /** @param mtu the underlay IP MTU, e.g. 1500 or 9001. @return this */
        public Builder underlayMtu(final int mtu)
        {
            this.underlayMtu = mtu;
            return this;
        }

        /** @param address IPv4 source of ICMP fragmentation-needed errors sent to pods. @return this */
        public Builder gatewayIpv4(final String address)
        {
            this.gatewayIpv4 = address;
            return this;
        }

        /** @param address IPv6 source of ICMPv6 packet-too-big errors sent to pods. @return this */
        public Builder gatewayIpv6(final String address)
        {
            this.gatewayIpv6 = address;
            return this;
        }

        /** @param vni the 24-bit VNI. @return this */
        public Builder vni(final int vni)
        {
            this.vni = vni;
            return this;
        }

        /** @param port the Geneve UDP destination port. @return this */
        public Builder udpPort(final int port)
        {
            this.udpPort = port;
            return this;
        }

        /** @param identityOption carry Sluice's identity option. @return this */
        public Builder identityOption(final boolean identityOption)
        {
            this.identityOption = identityOption;
            return this;
        }

        /**
         * @return the config.
         * @throws IllegalArgumentException naming the missing or bad value.
         */
        public TunnelConfig build()
        {
            if (uplinkPort < 0)
            {
                throw new IllegalArgumentException("uplink port not set (or negative): " + uplinkPort);
            }
            if (localMac == null)
            {
                throw new IllegalArgumentException("local MAC not set");
            }
            if (localIpv4 == null && localIpv6 == null)
            {
                throw new IllegalArgumentException("no local underlay address (IPv4 or IPv6) set");
            }
            final int largestOverhead = TunnelMtu.overhead(localIpv6 != null,
                identityOption ? GeneveDescriptor.IDENTITY_OPTION_LENGTH : 0);
            if (underlayMtu < largestOverhead + TunnelMtu.MIN_IPV4_MTU || underlayMtu > 65535)
            {
                throw new IllegalArgumentException("underlay MTU out of range (" +
                    (largestOverhead + TunnelMtu.MIN_IPV4_MTU) + "..65535): " + underlayMtu);
            }
            if (vni < 0 || vni > GeneveDescriptor.MAX_VNI)
            {
                throw new IllegalArgumentException("bad VNI: " + vni);
            }
            if (udpPort < 1 || udpPort > 0xFFFF)
            {
                throw new IllegalArgumentException("bad UDP port: " + udpPort);
            }
            return new TunnelConfig(this);
        }
    }
}
