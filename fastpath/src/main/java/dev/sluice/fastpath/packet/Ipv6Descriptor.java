package dev.sluice.fastpath.packet;

/**
 * IPv6 fixed header (RFC 8200 section 3) and the extension headers Sluice walks (section 4).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Source Address (16 bytes)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Destination Address (16 bytes)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Hop-by-Hop (0), Routing (43), Destination Options (60):  Fragment (44), always 8 bytes:
 *  +---------------+---------------+--------            +-------------+-------------+-------------------+--+-+
 *  |  Next Header  | Hdr Ext Len   | ...     (8 + 8*len) | Next Header |  Reserved   | Fragment Offset   |Re|M|
 *  +---------------+---------------+--------            +-------------+-------------+-------------------+--+-+
 *                                                       |                 Identification                   |
 *  Authentication Header (51): length = 4 * (len + 2)   +--------------------------------------------------+
 * </pre>
 */
public final class Ipv6Descriptor
{
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    public static final int EXT_NEXT_HEADER_OFFSET = 0;
    public static final int EXT_LENGTH_OFFSET = 1;
    public static final int EXT_MIN_LENGTH = 8;

    public static final int FRAGMENT_HEADER_LENGTH = 8;
    public static final int FRAGMENT_OFFSET_FLAGS_OFFSET = 2;
    public static final int FRAGMENT_OFFSET_MASK = 0xFFF8;
    public static final int FRAGMENT_FLAG_M = 0x0001;

    /** Extension headers walked before giving up with a counted drop (RFC 8200 allows each at most once or twice). */
    public static final int MAX_EXTENSION_HEADERS = 8;

    private Ipv6Descriptor()
    {
    }
}
