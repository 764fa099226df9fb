// XDP programs of the forwarder benchmark: gen (rewrites a 64-byte UDP frame every time, XDP_TX), sink (count +
// drop), pass (XDP_PASS: a veth that receives XDP_REDIRECT/XDP_TX frames needs a program on its peer).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} sink_count SEC(".maps");

// 42 bytes of Ethernet + IPv4 + UDP header, filled in by the loader (MACs of the DUT, 198.18.1.1 -> 198.18.1.2)
const volatile __u8 header[42] = {0};

SEC("xdp")
int gen(struct xdp_md *ctx)
{
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + 42 > end)
    {
        return XDP_DROP;
    }
#pragma unroll
    for (int i = 0; i < 42; i++)
    {
        data[i] = header[i];
    }
    return XDP_TX;
}

SEC("xdp")
int sink(struct xdp_md *ctx)
{
    __u32 key = 0;
    __u64 *count = bpf_map_lookup_elem(&sink_count, &key);
    if (count)
    {
        (*count)++;
    }
    return XDP_DROP;
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
