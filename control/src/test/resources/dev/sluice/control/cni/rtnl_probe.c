/* Prints the rtnetlink layouts and constants RtnlDescriptor, NetlinkChannel, NetNamespace and Syscalls use, as
 * "name value" lines, from the installed kernel and libc headers (RtnlAbiTest compares them). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#define P(name, value) printf("%s %ld\n", name, (long)(value))
#define SZ(type) P("sizeof(" #type ")", sizeof(struct type))
#define OFF(type, field) P("offsetof(" #type "." #field ")", offsetof(struct type, field))
#define C(name) P(#name, name)

int main(void)
{
    SZ(nlmsghdr); OFF(nlmsghdr, nlmsg_len); OFF(nlmsghdr, nlmsg_type); OFF(nlmsghdr, nlmsg_flags);
    OFF(nlmsghdr, nlmsg_seq); OFF(nlmsghdr, nlmsg_pid);
    SZ(ifinfomsg); OFF(ifinfomsg, ifi_family); OFF(ifinfomsg, ifi_type); OFF(ifinfomsg, ifi_index);
    OFF(ifinfomsg, ifi_flags); OFF(ifinfomsg, ifi_change);
    SZ(ifaddrmsg); OFF(ifaddrmsg, ifa_family); OFF(ifaddrmsg, ifa_prefixlen); OFF(ifaddrmsg, ifa_flags);
    OFF(ifaddrmsg, ifa_scope); OFF(ifaddrmsg, ifa_index);
    SZ(rtmsg); OFF(rtmsg, rtm_family); OFF(rtmsg, rtm_dst_len); OFF(rtmsg, rtm_table); OFF(rtmsg, rtm_protocol);
    OFF(rtmsg, rtm_scope); OFF(rtmsg, rtm_type);
    SZ(ndmsg); OFF(ndmsg, ndm_family); OFF(ndmsg, ndm_ifindex); OFF(ndmsg, ndm_state);
    SZ(rtattr); OFF(rtattr, rta_len); OFF(rtattr, rta_type);
    OFF(nlmsgerr, error);
    SZ(sockaddr_nl); OFF(sockaddr_nl, nl_family); OFF(sockaddr_nl, nl_groups);
    C(NLMSG_ALIGNTO); C(RTA_ALIGNTO);
    C(NLMSG_ERROR); C(NLMSG_DONE);
    C(RTM_NEWLINK); C(RTM_DELLINK); C(RTM_GETLINK); C(RTM_NEWADDR); C(RTM_GETADDR); C(RTM_NEWROUTE);
    C(RTM_GETROUTE); C(RTM_NEWNEIGH); C(RTM_GETNEIGH);
    C(NLM_F_REQUEST); C(NLM_F_MULTI); C(NLM_F_ACK); C(NLM_F_REPLACE); C(NLM_F_EXCL); C(NLM_F_CREATE); C(NLM_F_DUMP);
    C(NLA_F_NESTED); P("NLA_TYPE_MASK", NLA_TYPE_MASK & 0xffff); /* an int ~(flags): its 16 bits */
    C(IFLA_ADDRESS); C(IFLA_IFNAME); C(IFLA_MTU); C(IFLA_LINKINFO); C(IFLA_NET_NS_FD); C(IFLA_INFO_KIND);
    C(IFLA_INFO_DATA); C(VETH_INFO_PEER);
    C(IFA_ADDRESS); C(IFA_LOCAL); C(IFA_FLAGS); C(IFA_F_NODAD);
    C(RTA_DST); C(RTA_OIF); C(RTA_GATEWAY); C(RTA_TABLE);
    C(NDA_DST); C(NDA_LLADDR); C(NUD_PERMANENT);
    C(IFF_UP); C(AF_UNSPEC); C(AF_INET); C(AF_INET6);
    C(RT_TABLE_MAIN); C(RTPROT_BOOT); C(RT_SCOPE_UNIVERSE); C(RT_SCOPE_LINK); C(RTN_UNICAST);
    C(AF_NETLINK); C(NETLINK_ROUTE); C(SOCK_RAW); C(SOCK_CLOEXEC); C(SOL_SOCKET); C(SO_RCVTIMEO);
    C(AT_FDCWD); C(O_RDONLY); C(O_CLOEXEC); C(CLONE_NEWNET);
    C(SYS_close); C(SYS_socket); C(SYS_sendto); C(SYS_recvfrom); C(SYS_bind); C(SYS_setsockopt); C(SYS_openat);
    C(SYS_setns);
    return 0;
}
