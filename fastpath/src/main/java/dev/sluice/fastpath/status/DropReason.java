package dev.sluice.fastpath.status;

/**
 * Why the fast path dropped a packet. The numeric {@link #code()} is stable: it is the counter id, the metric label
 * and what {@code trace} prints, so codes are never renumbered or reused; new reasons take new codes.
 * Ranges: 1-63 parsing, 64-95 tunnel (Geneve decap/encap), 96-255 the pipeline's later stages.
 */
public enum DropReason
{
    FRAME_EMPTY(1, "zero-length frame"),
    FRAME_TOO_LONG(2, "frame longer than its buffer or the port's maximum frame length"),
    ETH_TRUNCATED(3, "frame shorter than its Ethernet/802.1Q header"),
    VLAN_STACKED(4, "more than one VLAN tag (QinQ) is not supported"),
    ETHERTYPE_UNSUPPORTED(5, "EtherType is not IPv4, IPv6 or ARP"),
    ARP_MALFORMED(6, "ARP shorter than 28 bytes or not Ethernet/IPv4"),
    IPV4_TRUNCATED(7, "frame ends inside the IPv4 header"),
    IP_VERSION_MISMATCH(8, "IP version field disagrees with the EtherType"),
    IPV4_BAD_IHL(9, "IPv4 IHL below 5 or past the end of the frame"),
    IPV4_BAD_TOTAL_LENGTH(10, "IPv4 total length below the header length or past the end of the frame"),
    IPV4_BAD_CHECKSUM(11, "IPv4 header checksum is wrong"),
    IPV6_TRUNCATED(12, "frame ends inside the IPv6 header"),
    IPV6_BAD_PAYLOAD_LENGTH(13, "IPv6 payload length past the end of the frame"),
    IPV6_EXT_TRUNCATED(14, "IPv6 extension header runs past the payload"),
    IPV6_EXT_CHAIN_TOO_LONG(15, "more IPv6 extension headers than the walk allows"),
    IPV6_EXT_BAD_ORDER(16, "IPv6 hop-by-hop options not directly after the fixed header"),
    FRAGMENT_MALFORMED(17, "fragment offset plus length exceeds 65535"),
    TCP_TRUNCATED(18, "TCP header shorter than 20 bytes (or a tiny first fragment)"),
    TCP_BAD_DATA_OFFSET(19, "TCP data offset below 5 or past the end of the segment"),
    UDP_TRUNCATED(20, "UDP header shorter than 8 bytes"),
    UDP_BAD_LENGTH(21, "UDP length below 8 or past the end of the IP payload"),
    SCTP_TRUNCATED(22, "SCTP common header shorter than 12 bytes"),
    ICMP_TRUNCATED(23, "ICMP/ICMPv6 header shorter than 8 bytes"),
    ICMP_INNER_MALFORMED(24, "ICMP error whose embedded packet is truncated or malformed"),

    // 64-95: tunnel. 64-86 mirror dev.sluice.geneve.GeneveOutcome drop codes 1-23 (TunnelDropReasons maps them).
    TUNNEL_FRAME_TOO_SHORT(64, "Geneve decap: frame shorter than its Ethernet (+802.1Q) header"),
    TUNNEL_NOT_IP(65, "Geneve decap: outer EtherType is neither IPv4 nor IPv6"),
    TUNNEL_IPV4_BAD_HEADER(66, "Geneve decap: outer IPv4 header truncated, wrong version or IHL < 5"),
    TUNNEL_IPV4_BAD_CHECKSUM(67, "Geneve decap: outer IPv4 header checksum wrong"),
    TUNNEL_IPV4_BAD_LENGTH(68, "Geneve decap: outer IPv4 total length inconsistent with header or frame"),
    TUNNEL_IPV4_FRAGMENT(69, "Geneve decap: outer IPv4 packet is a fragment"),
    TUNNEL_IPV6_BAD_HEADER(70, "Geneve decap: outer IPv6 header truncated or wrong version"),
    TUNNEL_IPV6_BAD_LENGTH(71, "Geneve decap: outer IPv6 payload length zero or beyond the frame"),
    TUNNEL_NOT_UDP(72, "Geneve decap: outer packet is not UDP"),
    TUNNEL_UDP_BAD_LENGTH(73, "Geneve decap: UDP length truncated or inconsistent with the IP payload"),
    TUNNEL_UDP_WRONG_PORT(74, "Geneve decap: UDP destination port is not the Geneve port"),
    TUNNEL_UDP_BAD_CHECKSUM(75, "Geneve decap: outer UDP checksum wrong (or zero over IPv6)"),
    TUNNEL_UNKNOWN_PEER(76, "Geneve decap: outer source address is not a known tunnel peer"),
    TUNNEL_GENEVE_TRUNCATED(77, "Geneve decap: Geneve header or options truncated"),
    TUNNEL_GENEVE_BAD_VERSION(78, "Geneve decap: Geneve version is not 0"),
    TUNNEL_GENEVE_OAM(79, "Geneve decap: control (OAM) packet, counted and never delivered"),
    TUNNEL_GENEVE_BAD_PROTOCOL(80, "Geneve decap: protocol type is not Ethernet (0x6558)"),
    TUNNEL_GENEVE_CRITICAL_FLAG(81, "Geneve decap: critical-options (C) flag set"),
    TUNNEL_GENEVE_BAD_OPTION(82, "Geneve decap: option malformed (or a bad identity option)"),
    TUNNEL_GENEVE_UNKNOWN_CRITICAL_OPTION(83, "Geneve decap: unknown option with the critical bit"),
    TUNNEL_INNER_TOO_SHORT(84, "Geneve decap: inner frame shorter than an Ethernet header"),
    TUNNEL_NO_HEADROOM(85, "Geneve encap: not enough headroom before the frame for the outer headers"),
    TUNNEL_TOO_LONG(86, "Geneve encap: encapsulated packet would exceed 65535 bytes"),
    TUNNEL_NO_PEER(87, "Geneve encap: no tunnel peer's pod CIDR holds the destination"),
    TUNNEL_MTU_EXCEEDED(88, "Geneve encap: inner packet too big for the tunnel and no ICMP error is due " +
        "(IPv4 without DF, a later fragment, or itself an ICMP error)"),
    TUNNEL_NO_NEXT_HOP(89, "Geneve encap: the peer's underlay next-hop MAC is not resolved (no template)"),
    TUNNEL_NOT_IP_INNER(90, "Geneve encap: frame marked for the tunnel is neither IPv4 nor IPv6"),
    TUNNEL_TO_SELF(91, "Geneve encap: the destination's pod CIDR belongs to this node"),

    // 96-255: the pipeline after parse and tunnel.
    POLICY_DENIED_EGRESS(96, "the source pod is isolated for egress and no NetworkPolicy rule allows the packet"),
    POLICY_DENIED_INGRESS(97, "the destination pod is isolated for ingress and no NetworkPolicy rule allows the packet"),
    SPOOFED_SOURCE(98, "a pod's packet does not carry that pod's source address"),
    UNKNOWN_INGRESS_PORT(99, "the packet arrived on a port that is neither the uplink, the host nor a local pod's"),
    SERVICE_NO_LOCAL_BACKEND(100, "the service's traffic policy is Local and this node has no endpoint of it"),
    SERVICE_REJECT_NOT_SENT(101, "the service has no endpoints and the packet may not be answered (RST, ICMP error, " +
        "later fragment) or the reject does not fit the frame"),
    NAT_FAILED(102, "service NAT could not rewrite the packet (other address family, SCTP first fragment)"),
    CONNTRACK_FULL(103, "a new flow found the conntrack table full"),
    CONNTRACK_INVALID(104, "the packet may not start a flow and belongs to none (TCP without SYN, echo reply)"),
    ICMP_ERROR_UNRELATED(105, "an ICMP error that refers to no tracked flow"),
    FRAGMENT_UNTRACKED(106, "an IP fragment: fragmented datagrams are not tracked (no fragment-id table)"),
    NO_ROUTE_HOST(107, "the packet is for the host stack (or the outside world) and this pipeline has no host port"),
    ENDPOINT_NO_PORT(108, "the destination pod is local but its veth is not bound to a port yet");

    private static final DropReason[] BY_CODE = new DropReason[256];

    static
    {
        for (final DropReason reason : values())
        {
            if (BY_CODE[reason.code] != null)
            {
                throw new IllegalStateException("duplicate drop reason code " + reason.code);
            }
            BY_CODE[reason.code] = reason;
        }
    }

    /** The largest code that fits a counter set; codes are below this. */
    public static final int MAX_CODES = BY_CODE.length;

    private final int code;
    private final String description;

    DropReason(final int code, final String description)
    {
        this.code = code;
        this.description = description;
    }

    public int code()
    {
        return code;
    }

    public String description()
    {
        return description;
    }

    /** The reason for a code, or null for 0 (not dropped) and unknown codes. */
    public static DropReason ofCode(final int code)
    {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
