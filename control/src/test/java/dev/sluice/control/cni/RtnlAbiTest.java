package dev.sluice.control.cni;

import static dev.sluice.control.cni.RtnlDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds {@link RtnlDescriptor}, {@link NetlinkChannel}, {@link NetNamespace} and {@link Syscalls} equal to the
 * installed kernel and libc headers: a C probe ({@code rtnl_probe.c}) prints every size, offset and constant.
 */
class RtnlAbiTest
{
    private static Map<String, String> c;

    @BeforeAll
    static void runProbe(@TempDir final Path dir) throws IOException
    {
        ExternalTools.requireCommand("cc", "gcc or clang");
        final Path source = dir.resolve("rtnl_probe.c");
        try (InputStream in = RtnlAbiTest.class.getResourceAsStream("rtnl_probe.c"))
        {
            Files.write(source, in.readAllBytes());
        }
        final Path probe = dir.resolve("rtnl_probe");
        final ExternalTools.Result compiled = ExternalTools.run(List.of("cc", "-Wall", "-Werror", "-o",
            probe.toString(), source.toString()), null);
        assertEquals(0, compiled.exitCode(), compiled::stderr);
        final ExternalTools.Result run = ExternalTools.run(List.of(probe.toString()), null);
        assertEquals(0, run.exitCode(), run::stderr);
        c = new TreeMap<>();
        for (final String line : run.stdout().split("\n"))
        {
            final int space = line.lastIndexOf(' ');
            c.put(line.substring(0, space), line.substring(space + 1));
        }
    }

    private static void assertC(final String name, final long javaValue)
    {
        assertEquals(c.get(name), String.valueOf(javaValue), name);
    }

    @Test
    void structLayoutsMatchTheKernelHeaders()
    {
        assertC("sizeof(nlmsghdr)", NLMSG_HEADER_LENGTH);
        assertC("offsetof(nlmsghdr.nlmsg_len)", NLMSG_LENGTH_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_type)", NLMSG_TYPE_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_flags)", NLMSG_FLAGS_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_seq)", NLMSG_SEQ_OFFSET);
        assertC("offsetof(nlmsghdr.nlmsg_pid)", NLMSG_PID_OFFSET);
        assertC("sizeof(ifinfomsg)", IFINFOMSG_LENGTH);
        assertC("offsetof(ifinfomsg.ifi_family)", IFINFOMSG_FAMILY_OFFSET);
        assertC("offsetof(ifinfomsg.ifi_type)", IFINFOMSG_TYPE_OFFSET);
        assertC("offsetof(ifinfomsg.ifi_index)", IFINFOMSG_INDEX_OFFSET);
        assertC("offsetof(ifinfomsg.ifi_flags)", IFINFOMSG_FLAGS_OFFSET);
        assertC("offsetof(ifinfomsg.ifi_change)", IFINFOMSG_CHANGE_OFFSET);
        assertC("sizeof(ifaddrmsg)", IFADDRMSG_LENGTH);
        assertC("offsetof(ifaddrmsg.ifa_family)", IFADDRMSG_FAMILY_OFFSET);
        assertC("offsetof(ifaddrmsg.ifa_prefixlen)", IFADDRMSG_PREFIXLEN_OFFSET);
        assertC("offsetof(ifaddrmsg.ifa_flags)", IFADDRMSG_FLAGS_OFFSET);
        assertC("offsetof(ifaddrmsg.ifa_scope)", IFADDRMSG_SCOPE_OFFSET);
        assertC("offsetof(ifaddrmsg.ifa_index)", IFADDRMSG_INDEX_OFFSET);
        assertC("sizeof(rtmsg)", RTMSG_LENGTH);
        assertC("offsetof(rtmsg.rtm_family)", RTMSG_FAMILY_OFFSET);
        assertC("offsetof(rtmsg.rtm_dst_len)", RTMSG_DST_LEN_OFFSET);
        assertC("offsetof(rtmsg.rtm_table)", RTMSG_TABLE_OFFSET);
        assertC("offsetof(rtmsg.rtm_protocol)", RTMSG_PROTOCOL_OFFSET);
        assertC("offsetof(rtmsg.rtm_scope)", RTMSG_SCOPE_OFFSET);
        assertC("offsetof(rtmsg.rtm_type)", RTMSG_TYPE_OFFSET);
        assertC("sizeof(ndmsg)", NDMSG_LENGTH);
        assertC("offsetof(ndmsg.ndm_family)", NDMSG_FAMILY_OFFSET);
        assertC("offsetof(ndmsg.ndm_ifindex)", NDMSG_IFINDEX_OFFSET);
        assertC("offsetof(ndmsg.ndm_state)", NDMSG_STATE_OFFSET);
        assertC("sizeof(rtattr)", RTATTR_HEADER_LENGTH);
        assertC("offsetof(rtattr.rta_len)", RTATTR_LENGTH_OFFSET);
        assertC("offsetof(rtattr.rta_type)", RTATTR_TYPE_OFFSET);
        assertC("offsetof(nlmsgerr.error)", NLMSGERR_ERROR_OFFSET);
        assertC("sizeof(sockaddr_nl)", NetlinkChannel.SOCKADDR_NL_LENGTH);
        assertC("offsetof(sockaddr_nl.nl_family)", 0);
        assertC("NLMSG_ALIGNTO", ALIGNMENT);
        assertC("RTA_ALIGNTO", ALIGNMENT);
    }

    @Test
    void constantsMatchTheHeaders()
    {
        final Map<String, Long> expected = new TreeMap<>();
        expected.put("NLMSG_ERROR", (long)NLMSG_ERROR);
        expected.put("NLMSG_DONE", (long)NLMSG_DONE);
        expected.put("RTM_NEWLINK", (long)RTM_NEWLINK);
        expected.put("RTM_DELLINK", (long)RTM_DELLINK);
        expected.put("RTM_GETLINK", (long)RTM_GETLINK);
        expected.put("RTM_NEWADDR", (long)RTM_NEWADDR);
        expected.put("RTM_GETADDR", (long)RTM_GETADDR);
        expected.put("RTM_NEWROUTE", (long)RTM_NEWROUTE);
        expected.put("RTM_GETROUTE", (long)RTM_GETROUTE);
        expected.put("RTM_NEWNEIGH", (long)RTM_NEWNEIGH);
        expected.put("RTM_GETNEIGH", (long)RTM_GETNEIGH);
        expected.put("NLM_F_REQUEST", (long)NLM_F_REQUEST);
        expected.put("NLM_F_MULTI", (long)NLM_F_MULTI);
        expected.put("NLM_F_ACK", (long)NLM_F_ACK);
        expected.put("NLM_F_REPLACE", (long)NLM_F_REPLACE);
        expected.put("NLM_F_EXCL", (long)NLM_F_EXCL);
        expected.put("NLM_F_CREATE", (long)NLM_F_CREATE);
        expected.put("NLM_F_DUMP", (long)NLM_F_DUMP);
        expected.put("NLA_F_NESTED", (long)NLA_F_NESTED);
        expected.put("NLA_TYPE_MASK", (long)NLA_TYPE_MASK);
        expected.put("IFLA_ADDRESS", (long)IFLA_ADDRESS);
        expected.put("IFLA_IFNAME", (long)IFLA_IFNAME);
        expected.put("IFLA_MTU", (long)IFLA_MTU);
        expected.put("IFLA_LINKINFO", (long)IFLA_LINKINFO);
        expected.put("IFLA_NET_NS_FD", (long)IFLA_NET_NS_FD);
        expected.put("IFLA_INFO_KIND", (long)IFLA_INFO_KIND);
        expected.put("IFLA_INFO_DATA", (long)IFLA_INFO_DATA);
        expected.put("VETH_INFO_PEER", (long)VETH_INFO_PEER);
        expected.put("IFA_ADDRESS", (long)IFA_ADDRESS);
        expected.put("IFA_LOCAL", (long)IFA_LOCAL);
        expected.put("IFA_FLAGS", (long)IFA_FLAGS);
        expected.put("IFA_F_NODAD", (long)IFA_F_NODAD);
        expected.put("RTA_DST", (long)RTA_DST);
        expected.put("RTA_OIF", (long)RTA_OIF);
        expected.put("RTA_GATEWAY", (long)RTA_GATEWAY);
        expected.put("RTA_TABLE", (long)RTA_TABLE);
        expected.put("NDA_DST", (long)NDA_DST);
        expected.put("NDA_LLADDR", (long)NDA_LLADDR);
        expected.put("NUD_PERMANENT", (long)NUD_PERMANENT);
        expected.put("IFF_UP", (long)IFF_UP);
        expected.put("AF_UNSPEC", (long)AF_UNSPEC);
        expected.put("AF_INET", (long)AF_INET);
        expected.put("AF_INET6", (long)AF_INET6);
        expected.put("RT_TABLE_MAIN", (long)RT_TABLE_MAIN);
        expected.put("RTPROT_BOOT", (long)RTPROT_BOOT);
        expected.put("RT_SCOPE_UNIVERSE", (long)RT_SCOPE_UNIVERSE);
        expected.put("RT_SCOPE_LINK", (long)RT_SCOPE_LINK);
        expected.put("RTN_UNICAST", (long)RTN_UNICAST);
        expected.put("AF_NETLINK", (long)NetlinkChannel.AF_NETLINK);
        expected.put("NETLINK_ROUTE", (long)NetlinkChannel.NETLINK_ROUTE);
        expected.put("SOL_SOCKET", (long)NetlinkChannel.SOL_SOCKET);
        expected.put("SO_RCVTIMEO", (long)NetlinkChannel.SO_RCVTIMEO);
        expected.put("AT_FDCWD", Syscalls.AT_FDCWD);
        expected.put("CLONE_NEWNET", (long)NetNamespace.CLONE_NEWNET);
        expected.put("SYS_close", Syscalls.SYS_CLOSE);
        expected.put("SYS_socket", Syscalls.SYS_SOCKET);
        expected.put("SYS_sendto", Syscalls.SYS_SENDTO);
        expected.put("SYS_recvfrom", Syscalls.SYS_RECVFROM);
        expected.put("SYS_bind", Syscalls.SYS_BIND);
        expected.put("SYS_setsockopt", Syscalls.SYS_SETSOCKOPT);
        expected.put("SYS_openat", Syscalls.SYS_OPENAT);
        expected.put("SYS_setns", Syscalls.SYS_SETNS);
        expected.forEach(RtnlAbiTest::assertC);
        assertC("SOCK_RAW", NetlinkChannel.SOCK_RAW_CLOEXEC & ~Long.parseLong(c.get("SOCK_CLOEXEC")));
        assertEquals(Long.parseLong(c.get("O_RDONLY")) | Long.parseLong(c.get("O_CLOEXEC")),
            Syscalls.O_RDONLY_CLOEXEC);
    }
}
