package dev.sluice.fastpath.packet;

/** IANA protocol numbers ("Assigned Internet Protocol Numbers") that the fast path knows. */
public final class IpProtocol
{
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int IPV6_ROUTING = 43;
    public static final int IPV6_FRAGMENT = 44;
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    public static final int IPV6_NO_NEXT_HEADER = 59;
    public static final int IPV6_DESTINATION_OPTIONS = 60;
    public static final int SCTP = 132;

    private IpProtocol()
    {
    }

    /** A short name for protocols Sluice handles, else the number. Not for the packet path (allocates). */
    public static String name(final int protocol)
    {
        return switch (protocol)
        {
            case ICMP -> "ICMP";
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMPV6 -> "ICMPv6";
            case SCTP -> "SCTP";
            default -> "proto-" + protocol;
        };
    }
}
