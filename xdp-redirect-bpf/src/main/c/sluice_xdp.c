// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sluice_xdp.c: the only code Sluice runs in the kernel. It decides "to the AF_XDP socket" or "to the kernel"
 * and nothing else; policy, NAT and forwarding live in the Java fast path.
 *
 *   pod port:    every frame -> the socket bound to the frame's rx queue.
 *   uplink port: IPv4/IPv6 UDP to the configured Geneve port, addressed to the node's own address (one 802.1Q
 *                or 802.1ad tag allowed) -> the socket; so are TCP, UDP and SCTP to the node's own address with a
 *                destination port in the configured NodePort range (off when 0/0); everything else XDP_PASS,
 *                so the node's own traffic (SSH, kubelet, ARP, ND) never depends on the agent. Truncated frames
 *                are passed (and counted): the kernel drops what is malformed.
 *   no socket bound for the queue: the port's fallback action. The loader defaults it to XDP_DROP on pod ports
 *                (fail closed: an agent outage must never bypass network policy) and to XDP_PASS on the uplink.
 *
 * One program object is loaded per attached interface, so the config ARRAY holds one entry (see sluice_xdp.h).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SLUICE_XDP_MAX_QUEUES);
	__type(key, __u32);   /* rx queue index */
	__type(value, __u32); /* AF_XDP socket fd (on update) */
} sluice_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sluice_xdp_config);
} sluice_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_XDP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sluice_counters SEC(".maps");

const volatile struct sluice_xdp_meta sluice_meta SEC(SLUICE_XDP_META_SECTION) = {
	.version = SLUICE_XDP_VERSION,
	.config_size = sizeof(struct sluice_xdp_config),
	.counter_count = SLUICE_XDP_CNT_MAX,
	.max_queues = SLUICE_XDP_MAX_QUEUES,
};

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

enum uplink_class { NOT_FOR_US, GENEVE_TO_NODE, NODEPORT_TO_NODE, TRUNCATED };

/* The first four bytes of TCP, UDP and SCTP headers alike: source and destination port. */
struct l4_ports {
	__be16 source;
	__be16 dest;
};

static __always_inline int wanted_l4(__u8 protocol, const struct sluice_xdp_config *cfg)
{
	if (protocol == IPPROTO_UDP)
		return 1;
	return cfg->nodeport_min != 0 && (protocol == IPPROTO_TCP || protocol == IPPROTO_SCTP);
}

static __always_inline int count(__u32 index, int action)
{
	__u64 *counter = bpf_map_lookup_elem(&sluice_counters, &index);

	if (counter)
		*counter += 1; /* per-CPU slot: no atomic needed */
	return action;
}

static __always_inline int to_socket(struct xdp_md *ctx, const struct sluice_xdp_config *cfg)
{
	const __u64 fallback = cfg->fallback == XDP_PASS ? XDP_PASS : XDP_DROP;
	const int action = bpf_redirect_map(&sluice_xsks, ctx->rx_queue_index, fallback);

	if (action == XDP_REDIRECT)
		return count(SLUICE_XDP_CNT_REDIRECTED, action);
	return count(action == XDP_PASS ? SLUICE_XDP_CNT_FALLBACK_PASS : SLUICE_XDP_CNT_FALLBACK_DROP, action);
}

static __always_inline enum uplink_class classify_uplink(void *data, void *end,
							 const struct sluice_xdp_config *cfg)
{
	struct ethhdr *eth = data;
	struct l4_ports *l4;
	void *cursor;
	__u16 port;
	__u8 l4proto;
	__be16 proto;

	if ((void *)(eth + 1) > end)
		return TRUNCATED;
	proto = eth->h_proto;
	cursor = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vlan = cursor;

		if ((void *)(vlan + 1) > end)
			return TRUNCATED;
		proto = vlan->encapsulated_proto;
		cursor = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cursor;
		__u32 node;

		if (!(cfg->flags & SLUICE_XDP_F_NODE_IPV4))
			return NOT_FOR_US;
		if ((void *)(ip + 1) > end)
			return TRUNCATED;
		__builtin_memcpy(&node, cfg->node_ipv4, sizeof(node));
		/* fragments and options-mangled headers are the kernel's business */
		if (!wanted_l4(ip->protocol, cfg) || ip->daddr != node || ip->ihl < 5 ||
		    (ip->frag_off & bpf_htons(0x3fff)) != 0)
			return NOT_FOR_US;
		l4 = (void *)ip + ip->ihl * 4;
		l4proto = ip->protocol;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cursor;
		const __u32 *node6 = (const __u32 *)cfg->node_ipv6;

		if (!(cfg->flags & SLUICE_XDP_F_NODE_IPV6))
			return NOT_FOR_US;
		if ((void *)(ip6 + 1) > end)
			return TRUNCATED;
		/* extension headers before the transport header: the kernel's business */
		if (!wanted_l4(ip6->nexthdr, cfg) ||
		    ip6->daddr.in6_u.u6_addr32[0] != node6[0] || ip6->daddr.in6_u.u6_addr32[1] != node6[1] ||
		    ip6->daddr.in6_u.u6_addr32[2] != node6[2] || ip6->daddr.in6_u.u6_addr32[3] != node6[3])
			return NOT_FOR_US;
		l4 = (void *)(ip6 + 1);
		l4proto = ip6->nexthdr;
	} else {
		return NOT_FOR_US;
	}

	if ((void *)(l4 + 1) > end)
		return TRUNCATED;
	/* a UDP datagram (Geneve or NodePort) must carry its whole header */
	if (l4proto == IPPROTO_UDP && (void *)l4 + sizeof(struct udphdr) > end)
		return TRUNCATED;
	port = bpf_ntohs(l4->dest);
	if (l4proto == IPPROTO_UDP && port == cfg->geneve_port)
		return GENEVE_TO_NODE;
	if (cfg->nodeport_min != 0 && port >= cfg->nodeport_min && port <= cfg->nodeport_max)
		return NODEPORT_TO_NODE;
	return NOT_FOR_US;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const __u32 zero = 0;
	const struct sluice_xdp_config *cfg = bpf_map_lookup_elem(&sluice_config, &zero);
	enum uplink_class class;

	if (!cfg) /* cannot happen for an ARRAY map; the verifier wants the check */
		return count(SLUICE_XDP_CNT_UNCONFIGURED, XDP_PASS);

	switch (cfg->role) {
	case SLUICE_XDP_ROLE_POD:
		if (data + ETH_HLEN > end)
			count(SLUICE_XDP_CNT_TRUNCATED, 0);
		return to_socket(ctx, cfg);
	case SLUICE_XDP_ROLE_UPLINK:
		class = classify_uplink(data, end, cfg);
		if (class == GENEVE_TO_NODE || class == NODEPORT_TO_NODE)
			return to_socket(ctx, cfg);
		if (class == TRUNCATED)
			count(SLUICE_XDP_CNT_TRUNCATED, 0);
		return count(SLUICE_XDP_CNT_PASS_OTHER, XDP_PASS);
	default:
		return count(SLUICE_XDP_CNT_UNCONFIGURED, XDP_PASS);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
