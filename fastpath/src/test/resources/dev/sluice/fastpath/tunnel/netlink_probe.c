// Prints the rtnetlink layouts and constants NetlinkDescriptor mirrors, one "name value" per line.
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>

#define SIZE(t) printf("sizeof(%s) %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offsetof(%s.%s) %zu\n", #t, #f, offsetof(struct t, f))
#define CONST(c) printf("%s %ld\n", #c, (long)(c))

int main(void)
{
    SIZE(nlmsghdr); OFF(nlmsghdr, nlmsg_len); OFF(nlmsghdr, nlmsg_type); OFF(nlmsghdr, nlmsg_flags);
    OFF(nlmsghdr, nlmsg_seq); OFF(nlmsghdr, nlmsg_pid);
    SIZE(ndmsg); OFF(ndmsg, ndm_family); OFF(ndmsg, ndm_ifindex); OFF(ndmsg, ndm_state); OFF(ndmsg, ndm_flags);
    OFF(ndmsg, ndm_type);
    SIZE(rtmsg); OFF(rtmsg, rtm_family); OFF(rtmsg, rtm_dst_len); OFF(rtmsg, rtm_table); OFF(rtmsg, rtm_type);
    OFF(rtmsg, rtm_flags);
    SIZE(rtattr); OFF(rtattr, rta_len); OFF(rtattr, rta_type);
    OFF(nlmsgerr, error);
    SIZE(sockaddr_nl); OFF(sockaddr_nl, nl_family); OFF(sockaddr_nl, nl_pid); OFF(sockaddr_nl, nl_groups);
    CONST(NLMSG_ALIGNTO); CONST(RTA_ALIGNTO); CONST(NLMSG_HDRLEN);
    CONST(NLMSG_ERROR); CONST(NLMSG_DONE); CONST(RTM_NEWROUTE); CONST(RTM_GETROUTE); CONST(RTM_NEWNEIGH);
    CONST(RTM_DELNEIGH); CONST(RTM_GETNEIGH);
    CONST(NLM_F_REQUEST); CONST(NLM_F_MULTI); CONST(NLM_F_DUMP_INTR); CONST(NLM_F_DUMP);
    CONST(RTMGRP_NEIGH); CONST(RTNLGRP_NEIGH);
    CONST(NDA_DST); CONST(NDA_LLADDR); CONST(RTA_DST); CONST(RTA_OIF); CONST(RTA_GATEWAY);
    CONST(NUD_INCOMPLETE); CONST(NUD_REACHABLE); CONST(NUD_STALE); CONST(NUD_DELAY); CONST(NUD_PROBE);
    CONST(NUD_FAILED); CONST(NUD_NOARP); CONST(NUD_PERMANENT);
    CONST(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY);
    CONST(AF_UNSPEC); CONST(AF_INET); CONST(AF_INET6); CONST(AF_NETLINK); CONST(NETLINK_ROUTE); CONST(RTN_UNICAST);
    CONST(MSG_DONTWAIT); CONST(SOL_SOCKET); CONST(SO_RCVTIMEO); CONST(SO_RCVBUF); CONST(ENOBUFS); CONST(EAGAIN);
    return 0;
}
