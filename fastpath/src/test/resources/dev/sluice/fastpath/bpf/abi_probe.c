/*
 * ABI probe for XdpAbiTest: prints "NAME VALUE" lines for every layout and constant that the Java side of
 * dev.sluice.fastpath.bpf mirrors, as the C compiler sees them with the installed headers.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sluice_xdp.h"

#define NUM(name, value) printf("%s %lld\n", name, (long long)(value))
#define STR(name, value) printf("%s %s\n", name, value)

int main(void)
{
	NUM("SLUICE_XDP_VERSION", SLUICE_XDP_VERSION);
	STR("SLUICE_XDP_PROG_NAME", SLUICE_XDP_PROG_NAME);
	STR("SLUICE_XDP_MAP_XSKS", SLUICE_XDP_MAP_XSKS);
	STR("SLUICE_XDP_MAP_CONFIG", SLUICE_XDP_MAP_CONFIG);
	STR("SLUICE_XDP_MAP_COUNTERS", SLUICE_XDP_MAP_COUNTERS);
	STR("SLUICE_XDP_META_SECTION", SLUICE_XDP_META_SECTION);
	NUM("SLUICE_XDP_MAX_QUEUES", SLUICE_XDP_MAX_QUEUES);
	NUM("SLUICE_XDP_ROLE_NONE", SLUICE_XDP_ROLE_NONE);
	NUM("SLUICE_XDP_ROLE_POD", SLUICE_XDP_ROLE_POD);
	NUM("SLUICE_XDP_ROLE_UPLINK", SLUICE_XDP_ROLE_UPLINK);
	NUM("SLUICE_XDP_F_NODE_IPV4", SLUICE_XDP_F_NODE_IPV4);
	NUM("SLUICE_XDP_F_NODE_IPV6", SLUICE_XDP_F_NODE_IPV6);
	NUM("SLUICE_XDP_GENEVE_PORT_DEFAULT", SLUICE_XDP_GENEVE_PORT_DEFAULT);

	NUM("sizeof(sluice_xdp_config)", sizeof(struct sluice_xdp_config));
	NUM("offsetof(sluice_xdp_config.role)", offsetof(struct sluice_xdp_config, role));
	NUM("offsetof(sluice_xdp_config.fallback)", offsetof(struct sluice_xdp_config, fallback));
	NUM("offsetof(sluice_xdp_config.geneve_port)", offsetof(struct sluice_xdp_config, geneve_port));
	NUM("offsetof(sluice_xdp_config.flags)", offsetof(struct sluice_xdp_config, flags));
	NUM("offsetof(sluice_xdp_config.node_ipv4)", offsetof(struct sluice_xdp_config, node_ipv4));
	NUM("offsetof(sluice_xdp_config.node_ipv6)", offsetof(struct sluice_xdp_config, node_ipv6));
	NUM("offsetof(sluice_xdp_config.nodeport_min)", offsetof(struct sluice_xdp_config, nodeport_min));
	NUM("offsetof(sluice_xdp_config.nodeport_max)", offsetof(struct sluice_xdp_config, nodeport_max));

	NUM("sizeof(sluice_xdp_meta)", sizeof(struct sluice_xdp_meta));
	NUM("offsetof(sluice_xdp_meta.version)", offsetof(struct sluice_xdp_meta, version));
	NUM("offsetof(sluice_xdp_meta.config_size)", offsetof(struct sluice_xdp_meta, config_size));
	NUM("offsetof(sluice_xdp_meta.counter_count)", offsetof(struct sluice_xdp_meta, counter_count));
	NUM("offsetof(sluice_xdp_meta.max_queues)", offsetof(struct sluice_xdp_meta, max_queues));

	NUM("SLUICE_XDP_CNT_REDIRECTED", SLUICE_XDP_CNT_REDIRECTED);
	NUM("SLUICE_XDP_CNT_FALLBACK_PASS", SLUICE_XDP_CNT_FALLBACK_PASS);
	NUM("SLUICE_XDP_CNT_FALLBACK_DROP", SLUICE_XDP_CNT_FALLBACK_DROP);
	NUM("SLUICE_XDP_CNT_PASS_OTHER", SLUICE_XDP_CNT_PASS_OTHER);
	NUM("SLUICE_XDP_CNT_UNCONFIGURED", SLUICE_XDP_CNT_UNCONFIGURED);
	NUM("SLUICE_XDP_CNT_TRUNCATED", SLUICE_XDP_CNT_TRUNCATED);
	NUM("SLUICE_XDP_CNT_MAX", SLUICE_XDP_CNT_MAX);

	NUM("XDP_ABORTED", XDP_ABORTED);
	NUM("XDP_DROP", XDP_DROP);
	NUM("XDP_PASS", XDP_PASS);
	NUM("XDP_TX", XDP_TX);
	NUM("XDP_REDIRECT", XDP_REDIRECT);
	NUM("XDP_FLAGS_UPDATE_IF_NOEXIST", XDP_FLAGS_UPDATE_IF_NOEXIST);
	NUM("XDP_FLAGS_SKB_MODE", XDP_FLAGS_SKB_MODE);
	NUM("XDP_FLAGS_DRV_MODE", XDP_FLAGS_DRV_MODE);
	NUM("BPF_ANY", BPF_ANY);

	NUM("sizeof(bpf_test_run_opts)", sizeof(struct bpf_test_run_opts));
	NUM("offsetof(bpf_test_run_opts.sz)", offsetof(struct bpf_test_run_opts, sz));
	NUM("offsetof(bpf_test_run_opts.data_in)", offsetof(struct bpf_test_run_opts, data_in));
	NUM("offsetof(bpf_test_run_opts.data_out)", offsetof(struct bpf_test_run_opts, data_out));
	NUM("offsetof(bpf_test_run_opts.data_size_in)", offsetof(struct bpf_test_run_opts, data_size_in));
	NUM("offsetof(bpf_test_run_opts.data_size_out)", offsetof(struct bpf_test_run_opts, data_size_out));
	NUM("offsetof(bpf_test_run_opts.ctx_in)", offsetof(struct bpf_test_run_opts, ctx_in));
	NUM("offsetof(bpf_test_run_opts.ctx_out)", offsetof(struct bpf_test_run_opts, ctx_out));
	NUM("offsetof(bpf_test_run_opts.ctx_size_in)", offsetof(struct bpf_test_run_opts, ctx_size_in));
	NUM("offsetof(bpf_test_run_opts.ctx_size_out)", offsetof(struct bpf_test_run_opts, ctx_size_out));
	NUM("offsetof(bpf_test_run_opts.retval)", offsetof(struct bpf_test_run_opts, retval));
	NUM("offsetof(bpf_test_run_opts.repeat)", offsetof(struct bpf_test_run_opts, repeat));
	NUM("offsetof(bpf_test_run_opts.duration)", offsetof(struct bpf_test_run_opts, duration));
	NUM("offsetof(bpf_test_run_opts.flags)", offsetof(struct bpf_test_run_opts, flags));

	NUM("sizeof(bpf_xdp_attach_opts)", sizeof(struct bpf_xdp_attach_opts));
	NUM("offsetof(bpf_xdp_attach_opts.sz)", offsetof(struct bpf_xdp_attach_opts, sz));
	NUM("offsetof(bpf_xdp_attach_opts.old_prog_fd)", offsetof(struct bpf_xdp_attach_opts, old_prog_fd));

	NUM("sizeof(bpf_object_open_opts)", sizeof(struct bpf_object_open_opts));
	NUM("offsetof(bpf_object_open_opts.sz)", offsetof(struct bpf_object_open_opts, sz));
	NUM("offsetof(bpf_object_open_opts.object_name)", offsetof(struct bpf_object_open_opts, object_name));

	NUM("sizeof(xdp_md)", sizeof(struct xdp_md));
	NUM("offsetof(xdp_md.ingress_ifindex)", offsetof(struct xdp_md, ingress_ifindex));
	NUM("offsetof(xdp_md.rx_queue_index)", offsetof(struct xdp_md, rx_queue_index));
	NUM("offsetof(bpf_prog_info.id)", offsetof(struct bpf_prog_info, id));
	NUM("offsetofend(bpf_prog_info.id)", offsetof(struct bpf_prog_info, id) + sizeof(__u32));

	NUM("AF_XDP", AF_XDP);
	NUM("SOCK_RAW", SOCK_RAW);
	NUM("SOCK_CLOEXEC", SOCK_CLOEXEC);
	NUM("EPERM", EPERM);
	NUM("ENOENT", ENOENT);
	NUM("EACCES", EACCES);
	NUM("EBUSY", EBUSY);
	NUM("EEXIST", EEXIST);
	NUM("ENODEV", ENODEV);
	NUM("EINVAL", EINVAL);
	NUM("EOPNOTSUPP", EOPNOTSUPP);
	NUM("EAFNOSUPPORT", EAFNOSUPPORT);
	return 0;
}
