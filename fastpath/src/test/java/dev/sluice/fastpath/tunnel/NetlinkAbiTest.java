package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.tunnel.NetlinkDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import dev.sluice.fastpath.bpf.BpfToolchain;
import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.NetlinkSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds {@link NetlinkDescriptor} and the {@link NetlinkSocket} constants equal to the installed kernel and libc
 * headers: a C probe prints every size, offset and constant, and each is compared with the Java value.
 */
class NetlinkAbiTest
{
    private static Map<String, String> C;

    @BeforeAll
    static void runProbe(@TempDir final Path dir)
    {
        C = BpfToolchain.runProbe(dir, "/dev/sluice/fastpath/tunnel/netlink_probe.c");
    }

    private static void assertC(final String name, final int javaValue)
    {
        assertEquals(C.get(name), String.valueOf(javaValue), name);
    }

    @Test
    void structLayoutsMatchTheKernelHeaders()
    {
        assertC("sizeof(nlmsghdr)", NLMSG_HEADER_LENGTH);
        assertC("NLMSG_HDRLEN", NLMSG_HEADER_LENGTH);
        assertC("offsetof(nlmsghdr.nlmsg_len)", NLMSG_LENGTH_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_type)", NLMSG_TYPE_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_flags)", NLMSG_FLAGS_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_seq)", NLMSG_SEQ_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_pid)", NLMSG_PID_OFFSET);
        assertC("sizeof(ndmsg)", NDMSG_LENGTH);
        assertC("offsetof(ndmsg.ndm_family)", NDMSG_FAMILY_OFFSET);
        assertC("offsetof(ndmsg.ndm_ifindex)", NDMSG_IFINDEX_OFFSET);
        assertC("offsetof(ndmsg.ndm_state)", NDMSG_STATE_OFFSET);
        assertC("offsetof(ndmsg.ndm_flags)", NDMSG_FLAGS_OFFSET);
        assertC("offsetof(ndmsg.ndm_type)", NDMSG_TYPE_OFFSET);
        assertC("sizeof(rtmsg)", RTMSG_LENGTH);
        assertC("offsetof(rtmsg.rtm_family)", RTMSG_FAMILY_OFFSET);
        assertC("offsetof(rtmsg.rtm_dst_len)", RTMSG_DST_LEN_OFFSET);
        assertC("offsetof(rtmsg.rtm_table)", RTMSG_TABLE_OFFSET);
        assertC("offsetof(rtmsg.rtm_type)", RTMSG_TYPE_OFFSET);
        assertC("offsetof(rtmsg.rtm_flags)", RTMSG_FLAGS_OFFSET);
        assertC("sizeof(rtattr)", RTATTR_HEADER_LENGTH);
        assertC("offsetof(rtattr.rta_len)", RTATTR_LENGTH_OFFSET);
        assertC("offsetof(rtattr.rta_type)", RTATTR_TYPE_OFFSET);
        assertC("offsetof(nlmsgerr.error)", NLMSGERR_ERROR_OFFSET);
        assertC("sizeof(sockaddr_nl)", NetlinkSocket.SOCKADDR_NL_LENGTH);
        assertC("offsetof(sockaddr_nl.nl_family)", 0);
        assertC("offsetof(sockaddr_nl.nl_pid)", 4);
        assertC("offsetof(sockaddr_nl.nl_groups)", 8);
        assertC("NLMSG_ALIGNTO", ALIGNMENT);
        assertC("RTA_ALIGNTO", ALIGNMENT);
    }

    @Test
    void constantsMatchTheHeaders()
    {
        assertC("NLMSG_ERROR", NLMSG_ERROR);
        assertC("NLMSG_DONE", NLMSG_DONE);
        assertC("RTM_NEWROUTE", RTM_NEWROUTE);
        assertC("RTM_GETROUTE", RTM_GETROUTE);
        assertC("RTM_NEWNEIGH", RTM_NEWNEIGH);
        assertC("RTM_DELNEIGH", RTM_DELNEIGH);
        assertC("RTM_GETNEIGH", RTM_GETNEIGH);
        assertC("NLM_F_REQUEST", NLM_F_REQUEST);
        assertC("NLM_F_MULTI", NLM_F_MULTI);
        assertC("NLM_F_DUMP_INTR", NLM_F_DUMP_INTR);
        assertC("NLM_F_DUMP", NLM_F_DUMP);
        assertC("RTMGRP_NEIGH", RTMGRP_NEIGH);
        assertC("RTNLGRP_NEIGH", 3);
        assertC("NDA_DST", NDA_DST);
        assertC("NDA_LLADDR", NDA_LLADDR);
        assertC("RTA_DST", RTA_DST);
        assertC("RTA_OIF", RTA_OIF);
        assertC("RTA_GATEWAY", RTA_GATEWAY);
        assertC("NUD_INCOMPLETE", NUD_INCOMPLETE);
        assertC("NUD_REACHABLE", NUD_REACHABLE);
        assertC("NUD_STALE", NUD_STALE);
        assertC("NUD_DELAY", NUD_DELAY);
        assertC("NUD_PROBE", NUD_PROBE);
        assertC("NUD_FAILED", NUD_FAILED);
        assertC("NUD_NOARP", NUD_NOARP);
        assertC("NUD_PERMANENT", NUD_PERMANENT);
        assertC("NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY", NUD_VALID);
        assertC("AF_UNSPEC", AF_UNSPEC);
        assertC("AF_INET", AF_INET);
        assertC("AF_INET6", AF_INET6);
        assertC("AF_NETLINK", NetlinkSocket.AF_NETLINK);
        assertC("NETLINK_ROUTE", NetlinkSocket.NETLINK_ROUTE);
        assertC("RTN_UNICAST", RTN_UNICAST);
        assertC("MSG_DONTWAIT", NetlinkSocket.MSG_DONTWAIT);
        assertC("SOL_SOCKET", NetlinkSocket.SOL_SOCKET);
        assertC("SO_RCVTIMEO", NetlinkSocket.SO_RCVTIMEO);
        assertC("SO_RCVBUF", NetlinkSocket.SO_RCVBUF);
        assertC("ENOBUFS", NetlinkSocket.ENOBUFS);
        assertC("EAGAIN", Errno.EAGAIN);
    }
}
