package dev.sluice.fastpath.pcap;

/**
 * Layouts of the classic pcap and the pcapng capture file formats: offsets, magic numbers and limits shared by
 * {@link PcapReader} and {@link PcapWriter}. All multi-byte fields are in the byte order announced by the file's
 * magic (classic) or by the Section Header Block's byte-order magic (pcapng).
 *
 * <p>Classic pcap file header (draft-ietf-opsawg-pcap, section 4 "File Header"), 24 bytes:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Magic Number (0xA1B2C3D4 us / 0xA1B23C4D ns)           |  0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Major Version (2)      |        Minor Version (4)      |  4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Reserved1 (thiszone)                        |  8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Reserved2 (sigfigs)                         | 12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          SnapLen                              | 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              | 20
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Classic packet record (draft-ietf-opsawg-pcap, section 5 "Packet Record"), 16 bytes then the data:
 * <pre>
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Timestamp (Seconds)                          |  0
 *  |          Timestamp (Microseconds or nanoseconds)              |  4
 *  |                 Captured Packet Length                        |  8
 *  |                 Original Packet Length                        | 12
 *  /                 Packet Data (captured length bytes)           / 16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>pcapng general block (draft-ietf-opsawg-pcapng, section 3.1 "General Block Structure"); the total length
 * counts the whole block including both length fields and is a multiple of 4:
 * <pre>
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Block Type                           |  0
 *  |                      Block Total Length                       |  4
 *  /                          Block Body                           /  8
 *  |                      Block Total Length                       |  total - 4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Section Header Block body (section 4.1): byte-order magic 0x1A2B3C4D at 8, major version (1) at 12, minor
 * version at 14, section length (64 bits, may be -1) at 16, options from 24.
 * Interface Description Block body (section 4.2): link type (16 bits) at 8, reserved (16) at 10, snaplen at 12,
 * options from 16 ({@code if_tsresol} = 9, {@code if_tsoffset} = 14).
 * Enhanced Packet Block body (section 4.3): interface id at 8, timestamp upper 32 bits at 12, lower 32 bits at 16,
 * captured length at 20, original length at 24, packet data from 28 padded to 32 bits, then options.
 * Simple Packet Block body (section 4.4): original length at 8, packet data from 12 (captured length is
 * min(original length, snaplen of interface 0)).
 * Options (section 3.5): code (16), length (16), value padded to 32 bits; code 0 ends the list.
 */
public final class PcapDescriptor
{
    /** Classic pcap, microsecond timestamps, as read in the writer's byte order. */
    public static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    /** Classic pcap, nanosecond timestamps, as read in the writer's byte order. */
    public static final int MAGIC_NANOSECONDS = 0xA1B23C4D;

    public static final int FILE_HEADER_LENGTH = 24;
    public static final int FILE_MAGIC_OFFSET = 0;
    public static final int FILE_VERSION_MAJOR_OFFSET = 4;
    public static final int FILE_VERSION_MINOR_OFFSET = 6;
    public static final int FILE_THISZONE_OFFSET = 8;
    public static final int FILE_SIGFIGS_OFFSET = 12;
    public static final int FILE_SNAPLEN_OFFSET = 16;
    public static final int FILE_LINKTYPE_OFFSET = 20;
    /** The LinkType proper is the low 16 bits of the link type field; the upper bits carry FCS information. */
    public static final int FILE_LINKTYPE_MASK = 0xFFFF;
    public static final short VERSION_MAJOR = 2;
    public static final short VERSION_MINOR = 4;

    public static final int RECORD_HEADER_LENGTH = 16;
    public static final int RECORD_TS_SEC_OFFSET = 0;
    public static final int RECORD_TS_FRACTION_OFFSET = 4;
    public static final int RECORD_CAPTURED_LENGTH_OFFSET = 8;
    public static final int RECORD_ORIGINAL_LENGTH_OFFSET = 12;

    /** LINKTYPE_ETHERNET. */
    public static final int LINKTYPE_ETHERNET = 1;

    /** Largest captured length accepted from any file (libpcap's own maximum snapshot length). */
    public static final int MAX_RECORD_LENGTH = 256 * 1024;

    public static final int BLOCK_TYPE_OFFSET = 0;
    public static final int BLOCK_TOTAL_LENGTH_OFFSET = 4;
    public static final int BLOCK_BODY_OFFSET = 8;
    /** Type and the two total length fields. */
    public static final int BLOCK_OVERHEAD = 12;
    /** Largest pcapng block the reader buffers: a maximal packet plus room for headers and options. */
    public static final int MAX_BLOCK_LENGTH = MAX_RECORD_LENGTH + 64 * 1024;

    public static final int BLOCK_TYPE_SHB = 0x0A0D0D0A;
    public static final int BLOCK_TYPE_IDB = 0x00000001;
    public static final int BLOCK_TYPE_SPB = 0x00000003;
    public static final int BLOCK_TYPE_EPB = 0x00000006;

    public static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    public static final int SHB_BYTE_ORDER_MAGIC_OFFSET = 8;
    public static final int SHB_VERSION_MAJOR_OFFSET = 12;
    public static final int SHB_VERSION_MINOR_OFFSET = 14;
    public static final int SHB_SECTION_LENGTH_OFFSET = 16;
    public static final int SHB_OPTIONS_OFFSET = 24;
    public static final int SHB_MIN_LENGTH = 28;
    public static final int SHB_VERSION_MAJOR = 1;

    public static final int IDB_LINKTYPE_OFFSET = 8;
    public static final int IDB_SNAPLEN_OFFSET = 12;
    public static final int IDB_OPTIONS_OFFSET = 16;
    public static final int IDB_MIN_LENGTH = 20;
    public static final int OPTION_END = 0;
    public static final int OPTION_IF_TSRESOL = 9;
    public static final int OPTION_IF_TSOFFSET = 14;
    /** Bit 7 of if_tsresol: clear = negative power of 10, set = negative power of 2. */
    public static final int TSRESOL_BINARY_FLAG = 0x80;
    public static final int TSRESOL_DEFAULT = 6;

    public static final int EPB_INTERFACE_ID_OFFSET = 8;
    public static final int EPB_TIMESTAMP_HIGH_OFFSET = 12;
    public static final int EPB_TIMESTAMP_LOW_OFFSET = 16;
    public static final int EPB_CAPTURED_LENGTH_OFFSET = 20;
    public static final int EPB_ORIGINAL_LENGTH_OFFSET = 24;
    public static final int EPB_DATA_OFFSET = 28;
    public static final int EPB_MIN_LENGTH = 32;

    public static final int SPB_ORIGINAL_LENGTH_OFFSET = 8;
    public static final int SPB_DATA_OFFSET = 12;
    public static final int SPB_MIN_LENGTH = 16;

    private PcapDescriptor()
    {
    }

    /** Rounds {@code length} up to the next multiple of 4 (pcapng pads data and options to 32 bits). */
    public static int align4(final int length)
    {
        return (length + 3) & ~3;
    }
}
