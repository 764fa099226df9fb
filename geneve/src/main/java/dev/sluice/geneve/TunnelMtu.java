package dev.sluice.geneve;

/**
 * Pod MTU of the Geneve overlay: the underlay MTU minus what the tunnel adds inside the underlay's IP MTU.
 *
 * <pre>
 *   IPv4 underlay: 20 outer IPv4 + 8 UDP + 8 Geneve + 14 inner Ethernet = 50 bytes
 *   IPv6 underlay: 40 outer IPv6 + 8 UDP + 8 Geneve + 14 inner Ethernet = 70 bytes
 *   plus the Geneve options: 8 bytes with Sluice's identity option (4 header + 4 data)
 * </pre>
 * The outer Ethernet header does not count: an MTU limits the IP packet, not the frame. The inner Ethernet header
 * does, because it travels inside the outer UDP payload. So on a 9001-byte AWS underlay with IPv4 and the identity
 * option the pods get 9001 - 58 = 8943; on a 1500-byte underlay, 1442.
 */
public final class TunnelMtu
{
    /** Overhead on an IPv4 underlay without options. */
    public static final int IPV4_OVERHEAD = 50;

    /** Overhead on an IPv6 underlay without options. */
    public static final int IPV6_OVERHEAD = 70;

    /** Smallest MTU an IPv4 link may have (RFC 791). */
    public static final int MIN_IPV4_MTU = 68;

    private TunnelMtu()
    {
    }

    /** Bytes the tunnel adds to the inner IP packet, for an underlay family and an options area length. */
    public static int overhead(final boolean ipv6Underlay, final int optionsLengthBytes)
    {
        if (optionsLengthBytes < 0 || optionsLengthBytes > GeneveDescriptor.MAX_OPTIONS_LENGTH ||
            (optionsLengthBytes & 3) != 0)
        {
            throw new IllegalArgumentException("options length must be a multiple of 4 in 0..252: " +
                optionsLengthBytes);
        }
        return (ipv6Underlay ? IPV6_OVERHEAD : IPV4_OVERHEAD) + optionsLengthBytes;
    }

    /**
     * Overhead of a template's encapsulation: its length, because the outer Ethernet header it contains (which
     * does not count) is exactly as long as the inner one (which does).
     */
    public static int overhead(final OuterHeaderTemplate template)
    {
        return template.length();
    }

    /**
     * Pod MTU for an underlay MTU.
     *
     * @throws IllegalArgumentException if the result would be below 68 (no usable pod MTU).
     */
    public static int podMtu(final int underlayMtu, final boolean ipv6Underlay, final int optionsLengthBytes)
    {
        final int podMtu = underlayMtu - overhead(ipv6Underlay, optionsLengthBytes);
        if (podMtu < MIN_IPV4_MTU)
        {
            throw new IllegalArgumentException("underlay MTU " + underlayMtu + " leaves a pod MTU of " + podMtu);
        }
        return podMtu;
    }
}
