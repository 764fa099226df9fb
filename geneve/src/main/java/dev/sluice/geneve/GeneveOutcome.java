package dev.sluice.geneve;

/**
 * Outcome codes of {@link GeneveDecap#decap} and {@link GeneveEncap#encap}: {@link #OK} or the reason the packet is
 * dropped. The codes are stable (counter keys, {@code trace} output): never renumber one, only append.
 */
public final class GeneveOutcome
{
    /** Decapsulated (or encapsulated); the metadata getters are valid. */
    public static final int OK = 0;
    /** Frame shorter than its Ethernet header (with the 802.1Q tag if one is present). */
    public static final int FRAME_TOO_SHORT = 1;
    /** Outer EtherType (after at most one 802.1Q tag) is neither IPv4 nor IPv6. */
    public static final int NOT_IP = 2;
    /** Outer IPv4 header truncated, version not 4, or IHL below 5. */
    public static final int IPV4_BAD_HEADER = 3;
    /** Outer IPv4 header checksum wrong (only when checksums are verified). */
    public static final int IPV4_BAD_CHECKSUM = 4;
    /** Outer IPv4 total length shorter than the header or longer than the frame. */
    public static final int IPV4_BAD_LENGTH = 5;
    /** Outer IPv4 packet is a fragment (MF set or a non-zero fragment offset); tunnels are sent with DF. */
    public static final int IPV4_FRAGMENT = 6;
    /** Outer IPv6 header truncated or version not 6. */
    public static final int IPV6_BAD_HEADER = 7;
    /** Outer IPv6 payload length zero (jumbogram) or longer than the frame. */
    public static final int IPV6_BAD_LENGTH = 8;
    /** Outer protocol / next header is not UDP (IPv6 extension headers are not accepted on the underlay). */
    public static final int NOT_UDP = 9;
    /** UDP header truncated, or UDP length below 8 or beyond the IP payload. */
    public static final int UDP_BAD_LENGTH = 10;
    /** UDP destination port is not the configured Geneve port. */
    public static final int UDP_WRONG_PORT = 11;
    /** UDP checksum wrong, or zero over IPv6 (only when checksums are verified). */
    public static final int UDP_BAD_CHECKSUM = 12;
    /** Outer source address is not a known tunnel peer. */
    public static final int UNKNOWN_PEER = 13;
    /** UDP payload shorter than the Geneve header plus its Opt Len. */
    public static final int GENEVE_TRUNCATED = 14;
    /** Geneve version is not 0. */
    public static final int GENEVE_BAD_VERSION = 15;
    /** O bit set: a control packet, counted and never delivered to a pod. */
    public static final int GENEVE_OAM = 16;
    /** Protocol Type is not 0x6558 (inner Ethernet). */
    public static final int GENEVE_BAD_PROTOCOL = 17;
    /** C bit set: critical options present, and Sluice understands none. */
    public static final int GENEVE_CRITICAL_FLAG = 18;
    /** An option runs past the options area, or Sluice's identity option has the wrong length. */
    public static final int GENEVE_BAD_OPTION = 19;
    /** An option this receiver does not understand has the critical type bit set. */
    public static final int GENEVE_UNKNOWN_CRITICAL_OPTION = 20;
    /** Inner frame shorter than an Ethernet header. */
    public static final int INNER_TOO_SHORT = 21;
    /** Encap: not enough headroom before the inner frame for the outer headers. */
    public static final int ENCAP_NO_HEADROOM = 22;
    /** Encap: the outer IP packet would exceed 65535 bytes. */
    public static final int ENCAP_TOO_LONG = 23;

    /** Number of codes; valid codes are 0 until this value (exclusive). */
    public static final int COUNT = 24;

    private static final String[] NAMES = {
        "ok",
        "frame-too-short",
        "not-ip",
        "ipv4-bad-header",
        "ipv4-bad-checksum",
        "ipv4-bad-length",
        "ipv4-fragment",
        "ipv6-bad-header",
        "ipv6-bad-length",
        "not-udp",
        "udp-bad-length",
        "udp-wrong-port",
        "udp-bad-checksum",
        "unknown-peer",
        "geneve-truncated",
        "geneve-bad-version",
        "geneve-oam",
        "geneve-bad-protocol",
        "geneve-critical-flag",
        "geneve-bad-option",
        "geneve-unknown-critical-option",
        "inner-too-short",
        "encap-no-headroom",
        "encap-too-long",
    };

    private static final String[] DESCRIPTIONS = {
        "decapsulated/encapsulated",
        "frame shorter than its Ethernet (+802.1Q) header",
        "outer EtherType is neither IPv4 nor IPv6",
        "outer IPv4 header truncated, wrong version or IHL < 5",
        "outer IPv4 header checksum wrong",
        "outer IPv4 total length inconsistent with header or frame",
        "outer IPv4 packet is a fragment",
        "outer IPv6 header truncated or wrong version",
        "outer IPv6 payload length zero or beyond the frame",
        "outer packet is not UDP",
        "UDP length truncated or inconsistent with the IP payload",
        "UDP destination port is not the Geneve port",
        "UDP checksum wrong (or zero over IPv6)",
        "outer source address is not a known tunnel peer",
        "Geneve header or options truncated",
        "Geneve version is not 0",
        "Geneve control (OAM) packet",
        "Geneve protocol type is not Ethernet (0x6558)",
        "Geneve critical-options flag set",
        "Geneve option malformed",
        "unknown critical Geneve option",
        "inner frame shorter than an Ethernet header",
        "not enough headroom for the outer headers",
        "encapsulated packet would exceed 65535 bytes",
    };

    private GeneveOutcome()
    {
    }

    /** Short stable name of a code (a counter/metric key), or {@code "unknown-<code>"}. */
    public static String name(final int code)
    {
        return code >= 0 && code < COUNT ? NAMES[code] : "unknown-" + code;
    }

    /** Human-readable description of a code, for {@code trace} output. */
    public static String description(final int code)
    {
        return code >= 0 && code < COUNT ? DESCRIPTIONS[code] : "unknown outcome " + code;
    }
}
