package dev.sluice.fastpath.packet;

/**
 * Transport headers: the parts of TCP (RFC 9293 section 3.1), UDP (RFC 768), SCTP (RFC 9260 section 3.1),
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) that the fast path reads or rewrites.
 * <pre>
 *  TCP:  | src port 16 | dst port 16 | seq 32 | ack 32 | off 4 | rsv 4 | flags 8 | window 16 | csum 16 | urg 16 |
 *  UDP:  | src port 16 | dst port 16 | length 16 | csum 16 |
 *  SCTP: | src port 16 | dst port 16 | verification tag 32 | CRC32c 32 (little-endian) | chunks...
 *  ICMP / ICMPv6: | type 8 | code 8 | csum 16 | rest 32: echo = id 16, seq 16; errors = unused/MTU/pointer |
 *                 | errors only: the invoking packet's IP header and at least 8 bytes of its payload |
 * </pre>
 */
public final class L4Descriptor
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;

    public static final int TCP_SEQUENCE_OFFSET = 4;
    public static final int TCP_ACK_OFFSET = 8;
    public static final int TCP_DATA_OFFSET_OFFSET = 12;
    public static final int TCP_FLAGS_OFFSET = 13;
    public static final int TCP_WINDOW_OFFSET = 14;
    public static final int TCP_CHECKSUM_OFFSET = 16;
    public static final int TCP_MIN_HEADER_LENGTH = 20;

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;
    public static final int TCP_URG = 0x20;

    public static final int UDP_LENGTH_OFFSET = 4;
    public static final int UDP_CHECKSUM_OFFSET = 6;
    public static final int UDP_HEADER_LENGTH = 8;

    public static final int SCTP_VERIFICATION_TAG_OFFSET = 4;
    public static final int SCTP_CHECKSUM_OFFSET = 8;
    public static final int SCTP_HEADER_LENGTH = 12;

    public static final int ICMP_TYPE_OFFSET = 0;
    public static final int ICMP_CODE_OFFSET = 1;
    public static final int ICMP_CHECKSUM_OFFSET = 2;
    public static final int ICMP_ECHO_ID_OFFSET = 4;
    public static final int ICMP_ECHO_SEQUENCE_OFFSET = 6;
    public static final int ICMP_HEADER_LENGTH = 8;

    public static final int ICMP_ECHO_REPLY = 0;
    public static final int ICMP_DEST_UNREACHABLE = 3;
    public static final int ICMP_SOURCE_QUENCH = 4;
    public static final int ICMP_REDIRECT = 5;
    public static final int ICMP_ECHO_REQUEST = 8;
    public static final int ICMP_TIME_EXCEEDED = 11;
    public static final int ICMP_PARAMETER_PROBLEM = 12;
    public static final int ICMP_CODE_FRAGMENTATION_NEEDED = 4;

    public static final int ICMPV6_DEST_UNREACHABLE = 1;
    public static final int ICMPV6_PACKET_TOO_BIG = 2;
    public static final int ICMPV6_TIME_EXCEEDED = 3;
    public static final int ICMPV6_PARAMETER_PROBLEM = 4;
    public static final int ICMPV6_ECHO_REQUEST = 128;
    public static final int ICMPV6_ECHO_REPLY = 129;

    /** Bytes of the invoking packet's transport header an ICMP error must carry for its flow to be found. */
    public static final int ICMP_ERROR_MIN_INNER_L4 = 8;

    private L4Descriptor()
    {
    }
}
