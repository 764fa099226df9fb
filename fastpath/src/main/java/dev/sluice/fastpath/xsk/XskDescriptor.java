package dev.sluice.fastpath.xsk;

/**
 * The AF_XDP kernel ABI from {@code linux/if_xdp.h} (x86-64): socket options, bind flags, ring mmap page offsets
 * and the structs Sluice passes to and reads from the kernel. {@code XskAbiTest} holds every value here equal to
 * the installed header through a compiled {@code offsetof} probe.
 *
 * <pre>
 * struct sockaddr_xdp (16 bytes)                struct xdp_umem_reg (32 bytes; 28 used + tx_metadata_len/pad)
 *  0               16              32            0                               64
 * +---------------+---------------+             +-------------------------------+
 * | sxdp_family   | sxdp_flags    |  0          | addr: UMEM start               |  0
 * +---------------+---------------+             +-------------------------------+
 * | sxdp_ifindex                  |  4          | len: UMEM bytes                |  8
 * +-------------------------------+             +---------------+---------------+
 * | sxdp_queue_id                 |  8          | chunk_size    | headroom      | 16
 * +-------------------------------+             +---------------+---------------+
 * | sxdp_shared_umem_fd           | 12          | flags         | (tx_meta_len) | 24
 * +-------------------------------+             +---------------+---------------+
 *
 * struct xdp_mmap_offsets: four struct xdp_ring_offset { u64 producer, consumer, desc, flags } for
 * rx (0), tx (32), fill (64), completion (96); 128 bytes.
 *
 * struct xdp_desc (RX/TX ring entry, 16 bytes)   fill/completion ring entry: u64 UMEM address (8 bytes)
 * +-------------------------------+
 * | addr (u64)                    |  0
 * +---------------+---------------+
 * | len (u32)     | options (u32) |  8
 * +---------------+---------------+
 *
 * struct xdp_statistics: six u64, in this order: rx_dropped, rx_invalid_descs, tx_invalid_descs,
 * rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs (48 bytes).
 * </pre>
 */
public final class XskDescriptor
{
    /** {@code SOL_XDP} from {@code linux/socket.h}. */
    public static final int SOL_XDP = 283;

    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;

    /** {@code xdp_options.flags} bit: the socket is bound in zero-copy mode. */
    public static final int XDP_OPTIONS_ZEROCOPY = 1;

    public static final int XDP_SHARED_UMEM = 1;
    public static final int XDP_COPY = 1 << 1;
    public static final int XDP_ZEROCOPY = 1 << 2;
    public static final int XDP_USE_NEED_WAKEUP = 1 << 3;

    /** Ring flags bit: the kernel wants a syscall to make progress on this ring. */
    public static final int XDP_RING_NEED_WAKEUP = 1;

    public static final long XDP_PGOFF_RX_RING = 0L;
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** The kernel's {@code XDP_PACKET_HEADROOM}: RX data starts this far into a frame (plus the UMEM headroom). */
    public static final int XDP_PACKET_HEADROOM = 256;

    public static final int SOCKADDR_XDP_LENGTH = 16;
    public static final int SOCKADDR_XDP_FAMILY_OFFSET = 0;
    public static final int SOCKADDR_XDP_FLAGS_OFFSET = 2;
    public static final int SOCKADDR_XDP_IFINDEX_OFFSET = 4;
    public static final int SOCKADDR_XDP_QUEUE_ID_OFFSET = 8;
    public static final int SOCKADDR_XDP_SHARED_UMEM_FD_OFFSET = 12;

    public static final int UMEM_REG_LENGTH = 32;
    public static final int UMEM_REG_ADDR_OFFSET = 0;
    public static final int UMEM_REG_LEN_OFFSET = 8;
    public static final int UMEM_REG_CHUNK_SIZE_OFFSET = 16;
    public static final int UMEM_REG_HEADROOM_OFFSET = 20;
    public static final int UMEM_REG_FLAGS_OFFSET = 24;

    public static final int RING_OFFSET_LENGTH = 32;
    public static final int RING_OFFSET_PRODUCER_OFFSET = 0;
    public static final int RING_OFFSET_CONSUMER_OFFSET = 8;
    public static final int RING_OFFSET_DESC_OFFSET = 16;
    public static final int RING_OFFSET_FLAGS_OFFSET = 24;

    public static final int MMAP_OFFSETS_LENGTH = 128;
    public static final int MMAP_OFFSETS_RX_OFFSET = 0;
    public static final int MMAP_OFFSETS_TX_OFFSET = 32;
    public static final int MMAP_OFFSETS_FILL_OFFSET = 64;
    public static final int MMAP_OFFSETS_COMPLETION_OFFSET = 96;

    public static final int STATISTICS_LENGTH = 48;
    public static final int STATISTICS_RX_DROPPED_OFFSET = 0;
    public static final int STATISTICS_RX_INVALID_DESCS_OFFSET = 8;
    public static final int STATISTICS_TX_INVALID_DESCS_OFFSET = 16;
    public static final int STATISTICS_RX_RING_FULL_OFFSET = 24;
    public static final int STATISTICS_RX_FILL_RING_EMPTY_DESCS_OFFSET = 32;
    public static final int STATISTICS_TX_RING_EMPTY_DESCS_OFFSET = 40;

    public static final int DESC_LENGTH = 16;
    public static final int DESC_ADDR_OFFSET = 0;
    public static final int DESC_LEN_OFFSET = 8;
    public static final int DESC_OPTIONS_OFFSET = 12;

    /** A fill or completion ring entry: one u64 UMEM address. */
    public static final int ADDR_LENGTH = 8;

    private XskDescriptor()
    {
    }
}
