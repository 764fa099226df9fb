package dev.sluice.control.cni;

/**
 * Layouts and constants of the rtnetlink messages the CNI plugin writes and reads (links, addresses, routes,
 * neighbours), from {@code linux/netlink.h}, {@code linux/rtnetlink.h}, {@code linux/if_link.h},
 * {@code linux/if_addr.h}, {@code linux/neighbour.h} and {@code linux/veth.h}. Header fields are in host byte
 * order; addresses inside attributes in network order. Held equal to the kernel headers by {@code RtnlAbiTest}.
 *
 * <pre>
 * struct nlmsghdr (16 bytes)        struct ifinfomsg (16 bytes)       struct ifaddrmsg (8 bytes)
 *   0 nlmsg_len   u32                 0 ifi_family u8                   0 ifa_family    u8
 *   4 nlmsg_type  u16                 1 pad        u8                   1 ifa_prefixlen u8
 *   6 nlmsg_flags u16                 2 ifi_type   u16                  2 ifa_flags     u8
 *   8 nlmsg_seq   u32                 4 ifi_index  s32                  3 ifa_scope     u8
 *  12 nlmsg_pid   u32                 8 ifi_flags  u32 (IFF_*)          4 ifa_index     u32
 *                                    12 ifi_change u32 (mask of flags)
 * struct rtmsg (12 bytes)           struct ndmsg (12 bytes)           struct rtattr (4 bytes, data, pad to 4)
 *   0 rtm_family u8   4 rtm_table    u8    0 ndm_family  u8            0 rta_len  u16 (header + data)
 *   1 rtm_dst_len u8  5 rtm_protocol u8    4 ndm_ifindex s32           2 rta_type u16
 *   2 rtm_src_len u8  6 rtm_scope    u8    8 ndm_state   u16 (NUD_*)
 *   3 rtm_tos u8      7 rtm_type     u8   10 ndm_flags   u8          struct nlmsgerr
 *                     8 rtm_flags    u32  11 ndm_type    u8            0 error s32 (-errno, 0 = ACK)
 *
 * a veth pair (RTM_NEWLINK):  ifinfomsg, IFLA_IFNAME host,
 *                             IFLA_LINKINFO { IFLA_INFO_KIND "veth",
 *                                             IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg, IFLA_IFNAME pod,
 *                                                                               IFLA_NET_NS_FD fd } } }
 * </pre>
 * Messages and attributes are aligned to 4 bytes ({@code NLMSG_ALIGNTO}, {@code RTA_ALIGNTO}).
 */
public final class RtnlDescriptor
{
    public static final int ALIGNMENT = 4;

    public static final int NLMSG_HEADER_LENGTH = 16;
    public static final int NLMSG_LENGTH_OFFSET = 0;
    public static final int NLMSG_TYPE_OFFSET = 4;
    public static final int NLMSG_FLAGS_OFFSET = 6;
    public static final int NLMSG_SEQ_OFFSET = 8;
    public static final int NLMSG_PID_OFFSET = 12;

    public static final int IFINFOMSG_LENGTH = 16;
    public static final int IFINFOMSG_FAMILY_OFFSET = 0;
    public static final int IFINFOMSG_TYPE_OFFSET = 2;
    public static final int IFINFOMSG_INDEX_OFFSET = 4;
    public static final int IFINFOMSG_FLAGS_OFFSET = 8;
    public static final int IFINFOMSG_CHANGE_OFFSET = 12;

    public static final int IFADDRMSG_LENGTH = 8;
    public static final int IFADDRMSG_FAMILY_OFFSET = 0;
    public static final int IFADDRMSG_PREFIXLEN_OFFSET = 1;
    public static final int IFADDRMSG_FLAGS_OFFSET = 2;
    public static final int IFADDRMSG_SCOPE_OFFSET = 3;
    public static final int IFADDRMSG_INDEX_OFFSET = 4;

    public static final int RTMSG_LENGTH = 12;
    public static final int RTMSG_FAMILY_OFFSET = 0;
    public static final int RTMSG_DST_LEN_OFFSET = 1;
    public static final int RTMSG_TABLE_OFFSET = 4;
    public static final int RTMSG_PROTOCOL_OFFSET = 5;
    public static final int RTMSG_SCOPE_OFFSET = 6;
    public static final int RTMSG_TYPE_OFFSET = 7;

    public static final int NDMSG_LENGTH = 12;
    public static final int NDMSG_FAMILY_OFFSET = 0;
    public static final int NDMSG_IFINDEX_OFFSET = 4;
    public static final int NDMSG_STATE_OFFSET = 8;

    public static final int RTATTR_HEADER_LENGTH = 4;
    public static final int RTATTR_LENGTH_OFFSET = 0;
    public static final int RTATTR_TYPE_OFFSET = 2;

    public static final int NLMSGERR_ERROR_OFFSET = 0;

    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_GETNEIGH = 30;

    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_DUMP = 0x300;

    /** {@code NLA_F_NESTED}: set on nested attributes (the kernel's strict validation wants it on new ones). */
    public static final int NLA_F_NESTED = 0x8000;
    /** Mask of the attribute type bits ({@code NLA_TYPE_MASK}). */
    public static final int NLA_TYPE_MASK = 0x3FFF;

    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_NET_NS_FD = 28;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int VETH_INFO_PEER = 1;

    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_FLAGS = 8;
    public static final int IFA_F_NODAD = 0x02;

    public static final int RTA_DST = 1;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_TABLE = 15;

    public static final int NDA_DST = 1;
    public static final int NDA_LLADDR = 2;
    public static final int NUD_PERMANENT = 0x80;

    public static final int IFF_UP = 0x1;

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int RT_TABLE_MAIN = 254;
    public static final int RTPROT_BOOT = 3;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RTN_UNICAST = 1;

    private RtnlDescriptor()
    {
    }

    /**
     * {@code NLMSG_ALIGN} / {@code RTA_ALIGN}.
     *
     * @param length a length in bytes.
     * @return it rounded up to {@link #ALIGNMENT}.
     */
    public static int align(final int length)
    {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
