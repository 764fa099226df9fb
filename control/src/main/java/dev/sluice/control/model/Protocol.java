package dev.sluice.control.model;

import dev.sluice.fastpath.packet.IpProtocol;

/**
 * The layer-4 protocols that Kubernetes NetworkPolicy, Services and container ports can name.
 */
public enum Protocol
{
    /** TCP, the Kubernetes default wherever a protocol may be omitted. */
    TCP(IpProtocol.TCP),
    /** UDP. */
    UDP(IpProtocol.UDP),
    /** SCTP (stable in Kubernetes since 1.20). */
    SCTP(IpProtocol.SCTP);

    private final int ipProtocol;

    Protocol(final int ipProtocol)
    {
        this.ipProtocol = ipProtocol;
    }

    /**
     * @return the IANA protocol number (6, 17, 132).
     */
    public int ipProtocol()
    {
        return ipProtocol;
    }

    /**
     * Parse a Kubernetes protocol field; {@code null} means TCP.
     *
     * @param value the field value, case-sensitive as in the Kubernetes API.
     * @return the protocol, or {@code null} when the value is not TCP, UDP or SCTP.
     */
    public static Protocol parseOrNull(final String value)
    {
        if (value == null)
        {
            return TCP;
        }
        return switch (value)
        {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            default -> null;
        };
    }
}
