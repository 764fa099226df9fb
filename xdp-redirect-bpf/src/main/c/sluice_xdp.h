/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sluice_xdp.h: the ABI between the Sluice XDP program (sluice_xdp.c) and its Java loader
 * (dev.sluice.fastpath.bpf.XdpProgram, layout mirrored by XdpConfigDescriptor; an ABI test compiles a probe
 * against this header and holds the Java constants equal to it).
 *
 * One loaded program object per attached interface: every attachment has its own maps, so the config ARRAY
 * has exactly one entry and the XSKMAP is indexed by that interface's rx queue. Loading the same ELF object
 * once per port is cheap (a few KiB of maps) and keeps the program free of per-port lookups.
 *
 * Change anything here => bump SLUICE_XDP_VERSION. Never renumber a counter index.
 *
 * Included by BPF C and by host C (the ABI probe): plain linux/types.h only.
 */
#ifndef SLUICE_XDP_H
#define SLUICE_XDP_H

#include <linux/types.h>

#define SLUICE_XDP_VERSION 2

/* Map names (the ELF symbol names; kernel map names are limited to 15 characters). */
#define SLUICE_XDP_PROG_NAME    "sluice_xdp"
#define SLUICE_XDP_MAP_XSKS     "sluice_xsks"
#define SLUICE_XDP_MAP_CONFIG   "sluice_config"
#define SLUICE_XDP_MAP_COUNTERS "sluice_counters"
/* Section holding struct sluice_xdp_meta; libbpf turns it into a read-only internal map of that name. */
#define SLUICE_XDP_META_SECTION ".rodata.sluice_meta"

/* Capacity of the XSKMAP: rx queues per interface. */
#define SLUICE_XDP_MAX_QUEUES 64

/* Port roles (struct sluice_xdp_config.role). 0 = not configured yet: every frame passes, counted. */
#define SLUICE_XDP_ROLE_NONE   0
#define SLUICE_XDP_ROLE_POD    1 /* host side of a pod's veth: every frame goes to the socket */
#define SLUICE_XDP_ROLE_UPLINK 2 /* node uplink: Geneve and NodePorts to the node's own address go to the socket */

/* struct sluice_xdp_config.flags */
#define SLUICE_XDP_F_NODE_IPV4 (1U << 0) /* node_ipv4 is valid */
#define SLUICE_XDP_F_NODE_IPV6 (1U << 1) /* node_ipv6 is valid */

#define SLUICE_XDP_GENEVE_PORT_DEFAULT 6081

/*
 * Per-attachment configuration, entry 0 of the config ARRAY map. 36 bytes, no implicit padding.
 * nodeport_min..nodeport_max (inclusive; 0/0 = off): on the uplink, TCP, UDP and SCTP to the node's own address
 * with a destination port in that range go to the socket too (Kubernetes NodePort Services).
 *
 *   0               1               2               3
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
 */
struct sluice_xdp_config {
	__u32 role;
	__u32 fallback; /* XDP action when no socket is bound to the rx queue */
	__u16 geneve_port;
	__u16 flags;
	__u8 node_ipv4[4];
	__u8 node_ipv6[16];
	__u16 nodeport_min; /* first NodePort, 0 = NodePorts off */
	__u16 nodeport_max; /* last NodePort, inclusive */
};

/*
 * Verdict counters: PERCPU_ARRAY of __u64, one slot per index. Every frame is counted in exactly one of the
 * verdict counters (REDIRECTED .. UNCONFIGURED); TRUNCATED is a cause counter, counted in addition.
 */
#define SLUICE_XDP_CNT_REDIRECTED    0 /* handed to the AF_XDP socket bound to the rx queue */
#define SLUICE_XDP_CNT_FALLBACK_PASS 1 /* socket wanted but none bound: fallback XDP_PASS */
#define SLUICE_XDP_CNT_FALLBACK_DROP 2 /* socket wanted but none bound: fallback XDP_DROP */
#define SLUICE_XDP_CNT_PASS_OTHER    3 /* uplink frame neither Geneve nor a NodePort of this node: XDP_PASS */
#define SLUICE_XDP_CNT_UNCONFIGURED  4 /* config role NONE: XDP_PASS */
#define SLUICE_XDP_CNT_TRUNCATED     5 /* frame ended inside a header it had to parse */
#define SLUICE_XDP_CNT_MAX           6

/* The metadata the loader reads (from the ELF, before loading) and checks. */
struct sluice_xdp_meta {
	__u32 version;       /* SLUICE_XDP_VERSION */
	__u32 config_size;   /* sizeof(struct sluice_xdp_config) */
	__u32 counter_count; /* SLUICE_XDP_CNT_MAX */
	__u32 max_queues;    /* SLUICE_XDP_MAX_QUEUES */
};

#endif /* SLUICE_XDP_H */
