// XDP programs of the forwarder benchmark: gen (rewrites a 64-byte UDP frame every time, XDP_TX), sink (count +
// drop), pass (XDP_PASS: a veth that receives XDP_REDIRECT/XDP_TX frames needs a program on its peer), fwd (the
// in-kernel DUT: MAC rewrite + bpf_redirect to the output interface).
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

// Pacing of the generator (one entry, written by bench_tool before the first run): when interval_ns is not 0
// every frame waits for its slot in a fixed schedule (due += interval_ns), spinning on bpf_ktime_get_ns; a
// generator that fell more than slack_ns behind (preempted) restarts the schedule instead of bursting to catch up.
struct gen_pace
{
    __u64 interval_ns;
    __u64 slack_ns;
    __u64 due;
};

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct gen_pace);
} gen_pace SEC(".maps");

// Filled in by the loader (bench_tool.c mirrors this layout): the generator's 42 bytes of Ethernet + IPv4 + UDP
// header (MACs of the DUT, 198.18.0.1 -> 198.18.1.2); the forwarder's output ifindex and MAC rewrite (dst, src).
struct bench_config
{
    __u8 header[42];
    __u8 macs[12];
    __u32 out_ifindex;
};

const volatile struct bench_config config = {0};

static long spin_until_due(__u64 index, void *due)
{
    return bpf_ktime_get_ns() >= *(__u64 *)due ? 1 : 0;
}

SEC("xdp")
int gen(struct xdp_md *ctx)
{
    __u32 key = 0;
    struct gen_pace *pace = bpf_map_lookup_elem(&gen_pace, &key);
    if (pace && pace->interval_ns)
    {
        __u64 now = bpf_ktime_get_ns();
        __u64 due = pace->due;
        if (due + pace->slack_ns < now)
        {
            due = now;
        }
        else if (now < due)
        {
            bpf_loop(1 << 23, spin_until_due, &due, 0);
        }
        pace->due = due + pace->interval_ns;
    }
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + 42 > end)
    {
        return XDP_DROP;
    }
#pragma unroll
    for (int i = 0; i < 42; i++)
    {
        data[i] = config.header[i];
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
int fwd(struct xdp_md *ctx)
{
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + 12 > end)
    {
        return XDP_DROP;
    }
#pragma unroll
    for (int i = 0; i < 12; i++)
    {
        data[i] = config.macs[i];
    }
    return bpf_redirect(config.out_ifindex, 0);
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
