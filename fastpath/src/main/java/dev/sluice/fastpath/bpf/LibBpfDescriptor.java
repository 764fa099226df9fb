package dev.sluice.fastpath.bpf;

/**
 * Layouts of the libbpf and kernel structs that {@link LibBpf} passes by pointer (x86-64, libbpf 1.1.2
 * {@code bpf/bpf.h}, {@code bpf/libbpf.h}; kernel {@code linux/bpf.h}, {@code linux/if_link.h}).
 * {@code XdpAbiTest} compiles a probe against the installed headers and holds these equal to them.
 * <p>
 * {@code struct bpf_test_run_opts} ({@code bpf/bpf.h}):
 * <pre>
 *   0 sz (size_t)            8 data_in*         16 data_out*
 *  24 data_size_in (u32)    28 data_size_out    32 ctx_in*        40 ctx_out*
 *  48 ctx_size_in (u32)     52 ctx_size_out     56 retval (u32)   60 repeat (int)
 *  64 duration (u32)        68 flags            72 cpu            76 batch_size     = 80 bytes
 * </pre>
 * {@code struct bpf_xdp_attach_opts} ({@code bpf/libbpf.h}): {@code 0 sz (size_t), 8 old_prog_fd (int)} = 16
 * bytes. {@code struct bpf_object_open_opts}: {@code 0 sz, 8 object_name*, ...} = 80 bytes.
 * {@code struct xdp_md} ({@code linux/bpf.h}): six u32, {@code data, data_end, data_meta, ingress_ifindex,
 * rx_queue_index, egress_ifindex} = 24 bytes. {@code struct bpf_prog_info}: {@code 0 type (u32), 4 id (u32)}.
 */
final class LibBpfDescriptor
{
    static final int TEST_RUN_OPTS_SZ_OFFSET = 0;
    static final int TEST_RUN_OPTS_DATA_IN_OFFSET = 8;
    static final int TEST_RUN_OPTS_DATA_OUT_OFFSET = 16;
    static final int TEST_RUN_OPTS_DATA_SIZE_IN_OFFSET = 24;
    static final int TEST_RUN_OPTS_DATA_SIZE_OUT_OFFSET = 28;
    static final int TEST_RUN_OPTS_CTX_IN_OFFSET = 32;
    static final int TEST_RUN_OPTS_CTX_OUT_OFFSET = 40;
    static final int TEST_RUN_OPTS_CTX_SIZE_IN_OFFSET = 48;
    static final int TEST_RUN_OPTS_CTX_SIZE_OUT_OFFSET = 52;
    static final int TEST_RUN_OPTS_RETVAL_OFFSET = 56;
    static final int TEST_RUN_OPTS_REPEAT_OFFSET = 60;
    static final int TEST_RUN_OPTS_DURATION_OFFSET = 64;
    static final int TEST_RUN_OPTS_FLAGS_OFFSET = 68;
    static final int TEST_RUN_OPTS_LENGTH = 80;

    static final int XDP_ATTACH_OPTS_SZ_OFFSET = 0;
    static final int XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET = 8;
    static final int XDP_ATTACH_OPTS_LENGTH = 16;

    static final int OBJECT_OPEN_OPTS_SZ_OFFSET = 0;
    static final int OBJECT_OPEN_OPTS_OBJECT_NAME_OFFSET = 8;
    static final int OBJECT_OPEN_OPTS_LENGTH = 80;

    static final int XDP_MD_INGRESS_IFINDEX_OFFSET = 12;
    static final int XDP_MD_RX_QUEUE_INDEX_OFFSET = 16;
    static final int XDP_MD_LENGTH = 24;

    static final int PROG_INFO_ID_OFFSET = 4;
    /** Bytes of {@code struct bpf_prog_info} we ask for: type and id; the kernel accepts a short buffer. */
    static final int PROG_INFO_PREFIX_LENGTH = 8;

    /** {@code XDP_FLAGS_UPDATE_IF_NOEXIST}: fail instead of replacing an attached program. */
    static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    static final int XDP_FLAGS_SKB_MODE = 2;
    static final int XDP_FLAGS_DRV_MODE = 4;
    /** {@code BPF_ANY}: create or update a map element. */
    static final long BPF_ANY = 0;

    private LibBpfDescriptor()
    {
    }
}
