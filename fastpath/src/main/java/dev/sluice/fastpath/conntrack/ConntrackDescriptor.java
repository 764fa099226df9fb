package dev.sluice.fastpath.conntrack;

/**
 * Layout of one connection tracking entry: 128 bytes, two cache lines, all values in native byte order (the table
 * is process-local memory, never a wire format). The region of a {@link ConntrackTable} is an array of these.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  cache line 0: what every
 *  |                   Source Address (high 64)                    |  lookup and every state
 *  +                                                               +  update touches
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Source Address (low 64)                     |  8
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Destination Address (high 64)                  |  16
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Destination Address (low 64)                   |  24
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Source Port           |       Destination Port        |  32
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Protocol    |   TCP State   |             Flags             |  36
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Expiry (ns, 64)                          |  40
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Created (ns, 64)                         |  48
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Last Seen (ns, 64)                        |  56
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  cache line 1: accounting,
 *  |                 Original-direction Packets (64)               |  64  NAT and policy fields
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Original-direction Bytes (64)                |  72
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Reply-direction Packets (64)                |  80
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Reply-direction Bytes (64)                 |  88
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        NAT Original Destination Address (high 64)             |  96
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        NAT Original Destination Address (low 64)              |  104
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   NAT Original Dest. Port     |       Reverse-NAT Id          |  112
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Backend Id                           |  116
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Egress Rule Id                          |  120
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Ingress Rule Id                         |  124
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The key (bytes 0-36) is the tuple of the flow's first packet, the <em>original</em> direction, as the pipeline
 * saw it at the conntrack stage (after service DNAT, so the destination is the chosen backend). Addresses are
 * 128-bit with IPv4 mapped as {@code ::ffff:a.b.c.d}; ICMP echo flows carry the echo id in both port fields. The
 * NAT fields hold what the reply must be rewritten back to (the service frontend), in the style of Cilium's
 * {@code struct ct_entry} rev_nat_index (bpf/lib/common.h), which also keeps a 16-bit reverse-NAT index. An entry
 * whose {@link #FLAG_USED} bit is clear is an empty slot; every other byte of an empty slot is zero.
 */
public final class ConntrackDescriptor
{
    public static final int SRC_HI_OFFSET = 0;
    public static final int SRC_LO_OFFSET = 8;
    public static final int DST_HI_OFFSET = 16;
    public static final int DST_LO_OFFSET = 24;
    public static final int SRC_PORT_OFFSET = 32;
    public static final int DST_PORT_OFFSET = 34;
    public static final int PROTOCOL_OFFSET = 36;
    public static final int TCP_STATE_OFFSET = 37;
    public static final int FLAGS_OFFSET = 38;
    public static final int EXPIRY_NS_OFFSET = 40;
    public static final int CREATED_NS_OFFSET = 48;
    public static final int LAST_SEEN_NS_OFFSET = 56;
    public static final int ORIGINAL_PACKETS_OFFSET = 64;
    public static final int ORIGINAL_BYTES_OFFSET = 72;
    public static final int REPLY_PACKETS_OFFSET = 80;
    public static final int REPLY_BYTES_OFFSET = 88;
    public static final int NAT_ADDRESS_HI_OFFSET = 96;
    public static final int NAT_ADDRESS_LO_OFFSET = 104;
    public static final int NAT_PORT_OFFSET = 112;
    public static final int REV_NAT_ID_OFFSET = 114;
    public static final int BACKEND_ID_OFFSET = 116;
    public static final int EGRESS_RULE_ID_OFFSET = 120;
    public static final int INGRESS_RULE_ID_OFFSET = 124;

    /** Bytes per entry; a power of two so a slot's offset is {@code slot << ENTRY_SHIFT}. */
    public static final int ENTRY_LENGTH = 128;
    public static final int ENTRY_SHIFT = 7;

    /** The slot holds an entry. */
    public static final int FLAG_USED = 1;
    /** A packet has been seen in the reply direction. */
    public static final int FLAG_SEEN_REPLY = 1 << 1;
    /** The flow is confirmed two-way (TCP handshake completed or picked-up flow answered; UDP answered): never
     * chosen by early drop. */
    public static final int FLAG_ASSURED = 1 << 2;
    /** The original-direction side has sent a FIN. */
    public static final int FLAG_FIN_ORIGINAL = 1 << 3;
    /** The reply-direction side has sent a FIN. */
    public static final int FLAG_FIN_REPLY = 1 << 4;
    /** The second FIN of the close came from the reply side (so the final ACK comes from the original side). */
    public static final int FLAG_LAST_FIN_REPLY = 1 << 5;
    /** The entry was created from a mid-stream TCP packet (loose pickup), not from a SYN. */
    public static final int FLAG_PICKED_UP = 1 << 6;
    /** The NAT fields are set (the flow was DNATed; replies need reverse NAT). */
    public static final int FLAG_NAT = 1 << 7;
    /** The verdict of this flow has been logged (so the flow log reports a flow once). */
    public static final int FLAG_LOGGED = 1 << 8;

    private ConntrackDescriptor()
    {
    }
}
