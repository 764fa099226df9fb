package dev.sluice.geneve;

/**
 * Layout of the Geneve base header and option TLVs, and the constants of Sluice's own option.
 *
 * <p>Base header, RFC 8926 section 3.4 (all fields big-endian):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  ~                    Variable-Length Options                    ~
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Opt Len counts the options in 4-byte words (0..63, so at most 252 bytes). O marks a control (OAM) packet, C says
 * that critical options are present. Reserved bits are zero on send and ignored on receive.
 *
 * <p>Option TLV, RFC 8926 section 3.5:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Option Class         |      Type     |R|R|R| Length  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Variable-Length Option Data                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The high bit of Type marks a critical option (a receiver that does not understand it must drop the packet).
 * Length counts the option data in 4-byte words (0..31), excluding the 4-byte option header.
 *
 * <p><b>Sluice's option</b>: class 0xFFF0 (the first value of 0xFFF0..0xFFFF, which lies in the experimental-use
 * end of the IANA "Geneve Option Class" registry, RFC 8926 section 7; not registered, so valid only between Sluice
 * nodes of one cluster), type {@value #IDENTITY_OPTION_TYPE}
 * (not critical, so a receiver that does not know it simply ignores it), 4 bytes of data: the 32-bit security
 * identity of the source pod, big-endian. A receiver that finds no such option uses {@link #IDENTITY_UNKNOWN} and
 * resolves the identity from the inner source address (the ipcache).
 */
public final class GeneveDescriptor
{
    /** IANA-assigned UDP destination port for Geneve (RFC 8926 section 3.3). */
    public static final int DEFAULT_UDP_PORT = 6081;

    /** Protocol Type of an inner Ethernet frame ("Transparent Ethernet Bridging"). */
    public static final int PROTOCOL_TYPE_ETHERNET = 0x6558;

    /** The only version defined by RFC 8926. */
    public static final int VERSION = 0;

    /** Length of the fixed base header. */
    public static final int HEADER_LENGTH = 8;

    /** Longest options area: Opt Len is 6 bits of 4-byte words. */
    public static final int MAX_OPTIONS_LENGTH = 63 * 4;

    /** Offset of the byte holding Ver (2 high bits) and Opt Len (6 low bits). */
    public static final int VERSION_OPT_LEN_OFFSET = 0;

    /** Offset of the byte holding O (bit 7), C (bit 6) and 6 reserved bits. */
    public static final int FLAGS_OFFSET = 1;

    /** Offset of the 16-bit Protocol Type. */
    public static final int PROTOCOL_TYPE_OFFSET = 2;

    /** Offset of the 24-bit VNI followed by an 8-bit reserved field (read and written as one 32-bit word). */
    public static final int VNI_OFFSET = 4;

    /** Offset of the first option. */
    public static final int OPTIONS_OFFSET = 8;

    /** O flag in the flags byte: control (OAM) packet. */
    public static final int FLAG_OAM = 0x80;

    /** C flag in the flags byte: critical options present. */
    public static final int FLAG_CRITICAL = 0x40;

    /** Largest VNI (24 bits). */
    public static final int MAX_VNI = 0xFF_FFFF;

    /** Option header: offset of the 16-bit Option Class. */
    public static final int OPTION_CLASS_OFFSET = 0;

    /** Option header: offset of the 8-bit Type (high bit = critical). */
    public static final int OPTION_TYPE_OFFSET = 2;

    /** Option header: offset of the byte holding 3 reserved bits and the 5-bit Length (in 4-byte words). */
    public static final int OPTION_LENGTH_OFFSET = 3;

    /** Option header length; the data follows it. */
    public static final int OPTION_HEADER_LENGTH = 4;

    /** Critical bit of the option Type. */
    public static final int OPTION_TYPE_CRITICAL = 0x80;

    /** Longest option data: 5 bits of 4-byte words. */
    public static final int MAX_OPTION_DATA_LENGTH = 31 * 4;

    /** Sluice's option class, from the experimental range 0xFFF0..0xFFFF. */
    public static final int SLUICE_OPTION_CLASS = 0xFFF0;

    /** Sluice option type carrying the source pod's security identity (not critical). */
    public static final int IDENTITY_OPTION_TYPE = 0x01;

    /** Data length of the identity option: one 32-bit identity. */
    public static final int IDENTITY_OPTION_DATA_LENGTH = 4;

    /** Whole identity option (header + data) as it appears in the options area. */
    public static final int IDENTITY_OPTION_LENGTH = OPTION_HEADER_LENGTH + IDENTITY_OPTION_DATA_LENGTH;

    /** Identity reported when a packet carries no identity option ("resolve it from the source address"). */
    public static final int IDENTITY_UNKNOWN = 0;

    private GeneveDescriptor()
    {
    }
}
