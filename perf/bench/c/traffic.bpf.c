// XDP programs of the traffic harness (./sluice bench; driven by traffic_tool.c, used by XdpTrafficRunner):
//   tgen  the generator, run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: writes a whole IPv4/UDP header into
//         every frame (live frames are recycled without being reset), optionally a new 5-tuple per frame, and a
//         timestamp trailer in the payload; XDP_TX out of the generator's interface.
//   tsink the sink, attached to the interface the device under test delivers to: counts, checks where the frame
//         was addressed, records (arrival - intended send time) into a log-linear histogram, drops.
//   tpass XDP_PASS (a veth that receives XDP_TX/XDP_REDIRECT frames needs an XDP program on the receiving side).
//   tfwd  the in-kernel XDP ceiling: MAC rewrite + bpf_redirect to the output interface.
//
// Payload trailer written by tgen right after the UDP header (all little-endian, host order of x86-64):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      magic 0x45434c53 ("SLCE")                |  0
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |  4
//   +        intended send time, bpf_ktime_get_ns (CLOCK_MONOTONIC) +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  frame sequence number (low 32 bits)          |  12
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// 42 bytes of headers + 16 bytes of trailer = 58 <= 64, the smallest frame. The intended send time is the pacing
// schedule's due time (so a generator that falls behind its schedule shows up as latency: coordinated omission is
// corrected), or the time the frame is written when unpaced.
//
// Latency histogram: bucket index of a value v in nanoseconds (v capped at 2^34 - 1, ~17 s):
//   v < 128:  index v (exact);
//   else:     m = floor(log2 v) (7..33), shift = m - 6, index = 128 + (shift - 1) * 64 + ((v >> shift) - 64),
//             covering [ (v >> shift) << shift, ((v >> shift) + 1) << shift ) : 64 sub-buckets per power of two,
//             a relative width <= 1/64 (~2 significant digits), like HdrHistogram with 2 digits.
// traffic_tool prints each non-empty bucket with its bounds, so this file is the only definition of the layout.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TRAILER_MAGIC 0x45434c53u
#define HDR_LEN 42
#define TRAILER_LEN 16
#define NEW_FLOW_PORTS 64512u
#define LAT_BUCKETS 1856
#define LAT_MAX_NS ((1ull << 34) - 1)

// Filled in by traffic_tool before loading (mirrors struct traffic_config there).
struct traffic_config
{
    __u8 header[HDR_LEN];     // Ethernet + IPv4 (checksum done) + UDP of the ESTABLISHED frame
    __u8 new_flows;           // 1: a new source port (1024..65535) per frame, then the source address low bits
    __u8 src_bits;            // how many low bits of the source address NEW mode may change (0..16)
    __u8 macs[12];            // tfwd: destination and source MAC written into forwarded frames
    __u32 out_ifindex;        // tfwd: output interface
    __u32 expect_daddr;       // tsink: network order; a frame "matches" when (daddr & mask) == expect_daddr
    __u32 expect_mask;        //        network order; 0 = every IPv4/UDP frame matches
    __u16 expect_dport;       //        network order; 0 = any port
};

const volatile struct traffic_config config = {0};

// Generator state (one writer: the CPU running BPF_PROG_RUN). interval_ns 0 = unpaced.
struct gen_state
{
    __u64 interval_ns;
    __u64 slack_ns;
    __u64 due;
    __u64 seq;
};

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct gen_state);
} gen_state SEC(".maps");

// Sink counters, per CPU: 0 frames seen, 1 IPv4/UDP frames matching the expected destination, 2 frames with a
// trailer whose latency was recorded (only while recording), 3 frames with a trailer whose arrival preceded the
// intended time (clock skew: recorded as 0).
struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} sink_count SEC(".maps");

// Sink control: key 0 = 1 while the measured interval runs (latencies are recorded only then).
struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} sink_ctl SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, LAT_BUCKETS);
    __type(key, __u32);
    __type(value, __u64);
} sink_latency SEC(".maps");

static long spin_until_due(__u64 index, void *due)
{
    return bpf_ktime_get_ns() >= *(__u64 *)due ? 1 : 0;
}

static __always_inline __u16 ip_checksum(const __u8 *ip)
{
    __u32 sum = 0;
#pragma unroll
    for (int i = 0; i < 20; i += 2)
    {
        if (i != 10)
        {
            sum += ((__u32)ip[i] << 8) | ip[i + 1];
        }
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

SEC("xdp")
int tgen(struct xdp_md *ctx)
{
    __u32 key = 0;
    struct gen_state *state = bpf_map_lookup_elem(&gen_state, &key);
    if (!state)
    {
        return XDP_ABORTED;
    }
    __u64 intended;
    if (state->interval_ns)
    {
        __u64 now = bpf_ktime_get_ns();
        __u64 due = state->due;
        // a generator preempted for longer than the slack restarts its schedule instead of bursting to catch up
        if (due + state->slack_ns < now)
        {
            due = now;
        }
        else if (now < due)
        {
            bpf_loop(1 << 23, spin_until_due, &due, 0);
        }
        state->due = due + state->interval_ns;
        intended = due;
    }
    else
    {
        intended = bpf_ktime_get_ns();
    }
    __u64 seq = state->seq++;

    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + HDR_LEN + TRAILER_LEN > end)
    {
        return XDP_DROP;
    }
#pragma unroll
    for (int i = 0; i < HDR_LEN; i++)
    {
        data[i] = config.header[i];
    }
    if (config.new_flows)
    {
        __u8 *ip = data + 14;
        __u32 port = 1024 + (__u32)(seq % NEW_FLOW_PORTS);
        __u32 wrap = (__u32)(seq / NEW_FLOW_PORTS);
        __u32 mask = (1u << config.src_bits) - 1;
        __u32 saddr = ((__u32)ip[12] << 24) | ((__u32)ip[13] << 16) | ((__u32)ip[14] << 8) | ip[15];
        saddr = (saddr & ~mask) | ((saddr + wrap) & mask);
        ip[12] = saddr >> 24;
        ip[13] = saddr >> 16;
        ip[14] = saddr >> 8;
        ip[15] = saddr;
        __u16 csum = ip_checksum(ip);
        ip[10] = csum >> 8;
        ip[11] = csum & 0xff;
        data[34] = port >> 8;
        data[35] = port & 0xff;
    }
    __u32 magic = TRAILER_MAGIC;
    __u32 seq32 = (__u32)seq;
    __builtin_memcpy(data + HDR_LEN, &magic, 4);
    __builtin_memcpy(data + HDR_LEN + 4, &intended, 8);
    __builtin_memcpy(data + HDR_LEN + 12, &seq32, 4);
    return XDP_TX;
}

static __always_inline __u32 latency_bucket(__u64 v)
{
    if (v > LAT_MAX_NS)
    {
        v = LAT_MAX_NS;
    }
    if (v < 128)
    {
        return (__u32)v;
    }
    // m = floor(log2 v) by binary search (no clz instruction in BPF)
    __u32 m = 0;
    __u64 x = v;
    if (x >> 32) { m += 32; x >>= 32; }
    if (x >> 16) { m += 16; x >>= 16; }
    if (x >> 8) { m += 8; x >>= 8; }
    if (x >> 4) { m += 4; x >>= 4; }
    if (x >> 2) { m += 2; x >>= 2; }
    if (x >> 1) { m += 1; }
    __u32 shift = m - 6;
    return 128 + (shift - 1) * 64 + (__u32)((v >> shift) - 64);
}

static __always_inline void count(__u32 key)
{
    __u64 *c = bpf_map_lookup_elem(&sink_count, &key);
    if (c)
    {
        (*c)++;
    }
}

SEC("xdp")
int tsink(struct xdp_md *ctx)
{
    __u64 now = bpf_ktime_get_ns();
    count(0);
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + 34 > end || data[12] != 0x08 || data[13] != 0x00 || data[23] != IPPROTO_UDP)
    {
        return XDP_DROP;
    }
    __u32 ihl = (data[14] & 0x0f) * 4;
    if (ihl < 20 || ihl > 60)
    {
        return XDP_DROP;
    }
    __u32 daddr;
    __builtin_memcpy(&daddr, data + 30, 4);
    __u8 *udp = data + 14 + ihl;
    if (udp + 8 + TRAILER_LEN > end)
    {
        return XDP_DROP;
    }
    __u16 dport;
    __builtin_memcpy(&dport, udp + 2, 2);
    if ((daddr & config.expect_mask) == config.expect_daddr && (!config.expect_dport || dport == config.expect_dport))
    {
        count(1);
    }
    __u32 magic;
    __builtin_memcpy(&magic, udp + 8, 4);
    __u32 key = 0;
    __u32 *recording = bpf_map_lookup_elem(&sink_ctl, &key);
    if (magic != TRAILER_MAGIC || !recording || !*recording)
    {
        return XDP_DROP;
    }
    __u64 intended;
    __builtin_memcpy(&intended, udp + 12, 8);
    __u64 latency = 0;
    if (now >= intended)
    {
        latency = now - intended;
    }
    else
    {
        count(3);
    }
    count(2);
    __u32 bucket = latency_bucket(latency);
    __u64 *slot = bpf_map_lookup_elem(&sink_latency, &bucket);
    if (slot)
    {
        (*slot)++;
    }
    return XDP_DROP;
}

SEC("xdp")
int tpass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp")
int tfwd(struct xdp_md *ctx)
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

char LICENSE[] SEC("license") = "GPL";
