package dev.sluice.fastpath.tunnel;

/**
 * Layouts and constants of the rtnetlink messages Sluice reads and writes (neighbours and route lookups), from
 * {@code linux/netlink.h}, {@code linux/rtnetlink.h} and {@code linux/neighbour.h}. Header fields are in host byte
 * order; addresses inside attributes are in network order. Held equal to the kernel headers by
 * {@code NetlinkAbiTest} (a C {@code offsetof} probe).
 *
 * <pre>
 * struct nlmsghdr (16 bytes)            struct ndmsg (12 bytes)             struct rtmsg (12 bytes)
 *   0 nlmsg_len   u32                     0 ndm_family  u8                    0 rtm_family   u8
 *   4 nlmsg_type  u16                     1 ndm_pad1    u8                    1 rtm_dst_len  u8
 *   6 nlmsg_flags u16                     2 ndm_pad2    u16                   2 rtm_src_len  u8
 *   8 nlmsg_seq   u32                     4 ndm_ifindex s32                   3 rtm_tos      u8
 *  12 nlmsg_pid   u32                     8 ndm_state   u16 (NUD_*)           4 rtm_table    u8
 *                                        10 ndm_flags   u8                    5 rtm_protocol u8
 * struct rtattr (4 bytes, then data,     11 ndm_type    u8                    6 rtm_scope    u8
 * padded to 4)                                                                7 rtm_type     u8
 *   0 rta_len  u16 (header + data)      struct nlmsgerr                       8 rtm_flags    u32
 *   2 rta_type u16                        0 error s32 (-errno, 0 = ACK)
 *                                         4 the request's nlmsghdr
 * </pre>
 * Messages and attributes are aligned to 4 bytes ({@code NLMSG_ALIGNTO}, {@code RTA_ALIGNTO}).
 */
public final class NetlinkDescriptor
{
    public static final int ALIGNMENT = 4;

    public static final int NLMSG_HEADER_LENGTH = 16;
    public static final int NLMSG_LENGTH_OFFSET = 0;
    public static final int NLMSG_TYPE_OFFSET = 4;
    public static final int NLMSG_FLAGS_OFFSET = 6;
    public static final int NLMSG_SEQ_OFFSET = 8;
    public static final int NLMSG_PID_OFFSET = 12;

    public static final int NDMSG_LENGTH = 12;
    public static final int NDMSG_FAMILY_OFFSET = 0;
    public static final int NDMSG_IFINDEX_OFFSET = 4;
    public static final int NDMSG_STATE_OFFSET = 8;
    public static final int NDMSG_FLAGS_OFFSET = 10;
    public static final int NDMSG_TYPE_OFFSET = 11;

    public static final int RTMSG_LENGTH = 12;
    public static final int RTMSG_FAMILY_OFFSET = 0;
    public static final int RTMSG_DST_LEN_OFFSET = 1;
    public static final int RTMSG_TABLE_OFFSET = 4;
    public static final int RTMSG_TYPE_OFFSET = 7;
    public static final int RTMSG_FLAGS_OFFSET = 8;

    public static final int RTATTR_HEADER_LENGTH = 4;
    public static final int RTATTR_LENGTH_OFFSET = 0;
    public static final int RTATTR_TYPE_OFFSET = 2;

    public static final int NLMSGERR_ERROR_OFFSET = 0;

    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_DELNEIGH = 29;
    public static final int RTM_GETNEIGH = 30;

    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP = 0x300;

    /** Legacy group mask bit of {@code RTNLGRP_NEIGH} (3): IPv4 and IPv6 neighbour changes. */
    public static final int RTMGRP_NEIGH = 1 << (3 - 1);

    public static final int NDA_DST = 1;
    public static final int NDA_LLADDR = 2;

    public static final int RTA_DST = 1;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;

    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /** States with a link-layer address that may be used ({@code NUD_VALID} minus nothing: the kernel's own set). */
    public static final int NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int RTN_UNICAST = 1;

    private NetlinkDescriptor()
    {
    }

    /** {@code NLMSG_ALIGN} / {@code RTA_ALIGN}. */
    public static int align(final int length)
    {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
