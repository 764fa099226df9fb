package dev.sluice.fastpath.bpf;

/**
 * The ABI of the Sluice XDP program, mirrored from {@code xdp-redirect-bpf/src/main/c/sluice_xdp.h} (shipped as
 * the resource {@code /bpf/sluice_xdp.h}). {@code XdpAbiTest} compiles a probe against that header and holds
 * every constant here equal to it.
 * <p>
 * Per-attachment configuration, entry 0 of the {@value #MAP_CONFIG} ARRAY map ({@code struct sluice_xdp_config}):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      role (host order)                        |  0
 *  +---------------------------------------------------------------+
 *  |      fallback (host order): XDP_DROP=1 or XDP_PASS=2           |  4
 *  +-------------------------------+-------------------------------+
 *  |  geneve_port (host order)     |  flags (host order)           |  8
 *  +-------------------------------+-------------------------------+
 *  |                  node_ipv4 (network order)                    | 12
 *  +---------------------------------------------------------------+
 *  |              node_ipv6 (16 bytes, network order)              | 16..31
 *  +-------------------------------+-------------------------------+
 *  |  nodeport_min (host order)    |  nodeport_max (host order)    | 32
 *  +-------------------------------+-------------------------------+
 * </pre>
 * {@code nodeport_min..nodeport_max} (inclusive, 0/0 = off): on the uplink, TCP, UDP and SCTP to the node's own
 * address with a destination port in the range go to the socket (Kubernetes NodePort Services).
 * The metadata section ({@value #META_SECTION}, {@code struct sluice_xdp_meta}) holds four host-order u32:
 * version, config size, counter count, max queues.
 */
public final class XdpConfigDescriptor
{
    /** {@code SLUICE_XDP_VERSION}: the loader refuses an object with another version. */
    public static final int VERSION = 2;

    public static final String PROGRAM_NAME = "sluice_xdp";
    public static final String MAP_XSKS = "sluice_xsks";
    public static final String MAP_CONFIG = "sluice_config";
    public static final String MAP_COUNTERS = "sluice_counters";
    public static final String META_SECTION = ".rodata.sluice_meta";

    /** {@code SLUICE_XDP_MAX_QUEUES}: capacity of the XSKMAP, i.e. the highest rx queue index + 1. */
    public static final int MAX_QUEUES = 64;

    public static final int ROLE_NONE = 0;
    public static final int ROLE_POD = 1;
    public static final int ROLE_UPLINK = 2;

    public static final int FLAG_NODE_IPV4 = 1;
    public static final int FLAG_NODE_IPV6 = 2;

    public static final int GENEVE_PORT_DEFAULT = 6081;

    public static final int ROLE_OFFSET = 0;
    public static final int FALLBACK_OFFSET = 4;
    public static final int GENEVE_PORT_OFFSET = 8;
    public static final int FLAGS_OFFSET = 10;
    public static final int NODE_IPV4_OFFSET = 12;
    public static final int NODE_IPV6_OFFSET = 16;
    public static final int NODEPORT_MIN_OFFSET = 32;
    public static final int NODEPORT_MAX_OFFSET = 34;
    public static final int LENGTH = 36;

    public static final int META_VERSION_OFFSET = 0;
    public static final int META_CONFIG_SIZE_OFFSET = 4;
    public static final int META_COUNTER_COUNT_OFFSET = 8;
    public static final int META_MAX_QUEUES_OFFSET = 12;
    public static final int META_LENGTH = 16;

    /** Counter indices ({@code SLUICE_XDP_CNT_*}): never renumbered. See {@link XdpCounter}. */
    public static final int COUNTER_REDIRECTED = 0;
    public static final int COUNTER_FALLBACK_PASS = 1;
    public static final int COUNTER_FALLBACK_DROP = 2;
    public static final int COUNTER_PASS_OTHER = 3;
    public static final int COUNTER_UNCONFIGURED = 4;
    public static final int COUNTER_TRUNCATED = 5;
    public static final int COUNTER_COUNT = 6;

    private XdpConfigDescriptor()
    {
    }
}
