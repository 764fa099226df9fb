// Generator, sink and XDP attach helper of the traffic harness (programs in traffic.bpf.c, object path in
// $TRAFFIC_BPF_OBJ or ./traffic.bpf.o). Machine-readable output, one "key=value ..." record per line.
//
//   traffic_tool gen IFNAME DST_MAC SRC_MAC SRC_IP DST_IP DPORT BYTES FLOWS RATE_PPS MAX_SECONDS [SRC_BITS]
//       BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES of tgen on IFNAME (XDP_TX), IPv4/UDP from SRC_IP:12345 to
//       DST_IP:DPORT in BYTES-byte frames (64..1500, without FCS). FLOWS est: one 5-tuple; new: a new source port per
//       frame, and past 64512 frames the low SRC_BITS (default 8) bits of the source address change too.
//       RATE_PPS 0: unpaced; else tgen spaces frames 1/RATE apart (open loop). Prints "ready"; each "mark" line on
//       standard input prints "mark seq=N ns=T" (frames generated so far, CLOCK_MONOTONIC ns); stops at end of
//       standard input or after MAX_SECONDS, then prints "done seq=N calls=C seconds=S".
//   traffic_tool sink IFNAME [EXPECT_CIDR [EXPECT_DPORT]]
//       attaches tsink (native XDP) to IFNAME, prints "ready"; "start" on standard input opens the measured
//       interval ("started"), "stop" closes it and prints "stopped seen=.. matched=.. received=.. early=..", one
//       "bucket index=I low=L high=H count=C" line per non-empty latency bucket ([L, H) ns), then "end". End of
//       standard input detaches and exits.
//   traffic_tool pass IFNAME                    attach tpass (native XDP), stays attached after exit
//   traffic_tool fwd IN OUT DST_MAC SRC_MAC     attach tfwd to IN (rewrite MACs, redirect to OUT), stays attached
//   traffic_tool detach IFNAME                  detach any native XDP program from IFNAME
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN 42
#define LAT_BUCKETS 1856

// mirrors struct traffic_config of traffic.bpf.c
struct traffic_config
{
    unsigned char header[HDR_LEN];
    unsigned char new_flows;
    unsigned char src_bits;
    unsigned char macs[12];
    unsigned int out_ifindex;
    unsigned int expect_daddr;
    unsigned int expect_mask;
    unsigned short expect_dport;
};

// mirrors struct gen_state of traffic.bpf.c
struct gen_state
{
    unsigned long long interval_ns;
    unsigned long long slack_ns;
    unsigned long long due;
    unsigned long long seq;
};

static atomic_int stop_requested;

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int parse_mac(const char *text, unsigned char *out)
{
    return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &out[0], &out[1], &out[2], &out[3], &out[4], &out[5]) == 6
        ? 0 : -1;
}

static unsigned short ip_checksum(const unsigned char *p)
{
    unsigned long sum = 0;
    for (int i = 0; i < 20; i += 2)
    {
        sum += (p[i] << 8) | p[i + 1];
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

static struct bpf_object *open_object(struct traffic_config *config)
{
    const char *path = getenv("TRAFFIC_BPF_OBJ");
    struct bpf_object *obj = bpf_object__open_file(path ? path : "traffic.bpf.o", NULL);
    if (!obj)
    {
        fprintf(stderr, "error=open-object path=%s\n", path ? path : "traffic.bpf.o");
        return NULL;
    }
    struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
    if (!rodata || bpf_map__set_initial_value(rodata, config, sizeof(*config)))
    {
        fprintf(stderr, "error=rodata\n");
        return NULL;
    }
    if (bpf_object__load(obj))
    {
        perror("error=load");
        return NULL;
    }
    return obj;
}

static int ifindex_of(const char *name)
{
    int ifindex = if_nametoindex(name);
    if (!ifindex)
    {
        fprintf(stderr, "error=no-interface name=%s\n", name);
    }
    return ifindex;
}

static int attach(struct bpf_object *obj, const char *prog, int ifindex)
{
    int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, prog));
    bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
    if (bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL))
    {
        perror("error=attach");
        return -1;
    }
    return 0;
}

static int gen_map_fd;

static unsigned long long gen_seq(void)
{
    unsigned int zero = 0;
    struct gen_state state = {0};
    bpf_map_lookup_elem(gen_map_fd, &zero, &state);
    return state.seq;
}

static void *gen_control(void *arg)
{
    char line[64];
    while (fgets(line, sizeof(line), stdin))
    {
        if (!strncmp(line, "mark", 4))
        {
            unsigned long long seq = gen_seq();
            printf("mark seq=%llu ns=%llu\n", seq, now_ns());
            fflush(stdout);
        }
    }
    atomic_store(&stop_requested, 1);
    return NULL;
}

static int run_gen(int argc, char **argv)
{
    if (argc < 12)
    {
        fprintf(stderr, "usage: traffic_tool gen IFNAME DST_MAC SRC_MAC SRC_IP DST_IP DPORT BYTES FLOWS RATE MAX_SECONDS"
            " [SRC_BITS]\n");
        return 2;
    }
    int ifindex = ifindex_of(argv[2]);
    struct traffic_config config = {0};
    unsigned char *h = config.header;
    struct in_addr src, dst;
    int dport = atoi(argv[7]);
    int bytes = atoi(argv[8]);
    double rate = atof(argv[10]);
    double max_seconds = atof(argv[11]);
    int src_bits = argc > 12 ? atoi(argv[12]) : 8;
    if (!ifindex || parse_mac(argv[3], h) || parse_mac(argv[4], h + 6) || inet_pton(AF_INET, argv[5], &src) != 1
        || inet_pton(AF_INET, argv[6], &dst) != 1 || dport < 1 || dport > 65535 || bytes < 64 || bytes > 1500
        || rate < 0 || max_seconds <= 0 || src_bits < 0 || src_bits > 16
        || (strcmp(argv[9], "est") && strcmp(argv[9], "new")))
    {
        fprintf(stderr, "error=arguments\n");
        return 2;
    }
    config.new_flows = !strcmp(argv[9], "new");
    config.src_bits = (unsigned char)src_bits;
    h[12] = 0x08;
    h[13] = 0x00;
    unsigned char *ip = h + 14;
    int ip_len = bytes - 14;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len & 0xff;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    unsigned short c = ip_checksum(ip);
    ip[10] = c >> 8;
    ip[11] = c & 0xff;
    unsigned char *udp = ip + 20;
    int udp_len = ip_len - 20;
    udp[0] = 12345 >> 8;
    udp[1] = 12345 & 0xff;
    udp[2] = dport >> 8;
    udp[3] = dport & 0xff;
    udp[4] = udp_len >> 8;
    udp[5] = udp_len & 0xff;  // checksum 0: none (RFC 768)

    struct bpf_object *obj = open_object(&config);
    if (!obj)
    {
        return 1;
    }
    int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "tgen"));
    gen_map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "gen_state"));
    unsigned int chunk = 2000000;  // each call costs RCU grace periods: long calls when unpaced
    if (rate > 0)
    {
        // a quarter of a second of frames per call; the schedule may lag by at most 256 frames (a veth ring)
        double quarter = rate / 4;
        chunk = (unsigned int)(quarter < 64 ? 64 : quarter > 2000000 ? 2000000 : quarter);
        struct gen_state state = {(unsigned long long)(1e9 / rate), (unsigned long long)(256 * 1e9 / rate), 0, 0};
        unsigned int zero = 0;
        if (bpf_map_update_elem(gen_map_fd, &zero, &state, 0))
        {
            perror("error=gen_state");
            return 1;
        }
    }
    unsigned char *frame = calloc(1, bytes);
    memcpy(frame, config.header, HDR_LEN);
    struct xdp_md ctx = {.data_end = (unsigned int)bytes, .ingress_ifindex = (unsigned int)ifindex};
    pthread_t control;
    pthread_create(&control, NULL, gen_control, NULL);
    printf("ready\n");
    fflush(stdout);
    unsigned long long t0 = now_ns();
    unsigned long long end = t0 + (unsigned long long)(max_seconds * 1e9);
    unsigned long calls = 0;
    while (!atomic_load(&stop_requested) && now_ns() < end)
    {
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (unsigned int)bytes, .ctx_in = &ctx,
            .ctx_size_in = sizeof(ctx), .repeat = chunk, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
        if (bpf_prog_test_run_opts(fd, &opts))
        {
            perror("error=prog_run");
            return 1;
        }
        calls++;
    }
    printf("done seq=%llu calls=%lu seconds=%.3f\n", gen_seq(), calls, (now_ns() - t0) / 1e9);
    fflush(stdout);
    return 0;
}

static void sink_counts(int fd, int cpus, unsigned long long *out)
{
    unsigned long long values[cpus];
    for (unsigned int key = 0; key < 4; key++)
    {
        out[key] = 0;
        if (!bpf_map_lookup_elem(fd, &key, values))
        {
            for (int i = 0; i < cpus; i++)
            {
                out[key] += values[i];
            }
        }
    }
}

static void bucket_bounds(unsigned int index, unsigned long long *low, unsigned long long *high)
{
    if (index < 128)
    {
        *low = index;
        *high = index + 1;
        return;
    }
    unsigned int shift = (index - 128) / 64 + 1;
    unsigned long long sub = (index - 128) % 64 + 64;
    *low = sub << shift;
    *high = (sub + 1) << shift;
}

static int run_sink(int argc, char **argv)
{
    int ifindex = ifindex_of(argv[2]);
    if (!ifindex)
    {
        return 1;
    }
    struct traffic_config config = {0};
    if (argc > 3)
    {
        char cidr[64];
        snprintf(cidr, sizeof(cidr), "%s", argv[3]);
        char *slash = strchr(cidr, '/');
        int prefix = 32;
        if (slash)
        {
            *slash = 0;
            prefix = atoi(slash + 1);
        }
        struct in_addr addr;
        if (inet_pton(AF_INET, cidr, &addr) != 1 || prefix < 0 || prefix > 32)
        {
            fprintf(stderr, "error=arguments cidr=%s\n", argv[3]);
            return 2;
        }
        config.expect_mask = htonl(prefix ? 0xffffffffu << (32 - prefix) : 0);
        config.expect_daddr = addr.s_addr & config.expect_mask;
    }
    if (argc > 4)
    {
        config.expect_dport = htons((unsigned short)atoi(argv[4]));
    }
    struct bpf_object *obj = open_object(&config);
    if (!obj || attach(obj, "tsink", ifindex))
    {
        return 1;
    }
    int count_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "sink_count"));
    int ctl_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "sink_ctl"));
    int lat_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "sink_latency"));
    int cpus = libbpf_num_possible_cpus();
    unsigned long long start[4] = {0}, stop[4] = {0};
    printf("ready\n");
    fflush(stdout);
    char line[64];
    unsigned int zero = 0;
    while (fgets(line, sizeof(line), stdin))
    {
        if (!strncmp(line, "start", 5))
        {
            sink_counts(count_fd, cpus, start);
            unsigned int on = 1;
            bpf_map_update_elem(ctl_fd, &zero, &on, 0);
            printf("started ns=%llu\n", now_ns());
            fflush(stdout);
        }
        else if (!strncmp(line, "stop", 4))
        {
            unsigned int off = 0;
            bpf_map_update_elem(ctl_fd, &zero, &off, 0);
            sink_counts(count_fd, cpus, stop);
            printf("stopped ns=%llu seen=%llu matched=%llu received=%llu early=%llu\n", now_ns(), stop[0] - start[0],
                stop[1] - start[1], stop[2] - start[2], stop[3] - start[3]);
            unsigned long long values[cpus];
            for (unsigned int key = 0; key < LAT_BUCKETS; key++)
            {
                if (bpf_map_lookup_elem(lat_fd, &key, values))
                {
                    continue;
                }
                unsigned long long total = 0;
                for (int i = 0; i < cpus; i++)
                {
                    total += values[i];
                }
                if (total)
                {
                    unsigned long long low, high;
                    bucket_bounds(key, &low, &high);
                    printf("bucket index=%u low=%llu high=%llu count=%llu\n", key, low, high, total);
                }
            }
            printf("end\n");
            fflush(stdout);
        }
    }
    bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: traffic_tool gen|sink|pass|fwd|detach IFNAME ...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(argv[1], "gen"))
    {
        return run_gen(argc, argv);
    }
    if (!strcmp(argv[1], "sink"))
    {
        return run_sink(argc, argv);
    }
    if (!strcmp(argv[1], "detach"))
    {
        int ifindex = ifindex_of(argv[2]);
        return ifindex && !bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL) ? 0 : 1;
    }
    struct traffic_config config = {0};
    const char *prog = "tpass";
    if (!strcmp(argv[1], "fwd"))
    {
        if (argc < 6 || parse_mac(argv[4], config.macs) || parse_mac(argv[5], config.macs + 6))
        {
            fprintf(stderr, "usage: traffic_tool fwd IN OUT DST_MAC SRC_MAC\n");
            return 2;
        }
        config.out_ifindex = ifindex_of(argv[3]);
        if (!config.out_ifindex)
        {
            return 1;
        }
        prog = "tfwd";
    }
    else if (strcmp(argv[1], "pass"))
    {
        fprintf(stderr, "error=unknown-command command=%s\n", argv[1]);
        return 2;
    }
    int ifindex = ifindex_of(argv[2]);
    struct bpf_object *obj = ifindex ? open_object(&config) : NULL;
    if (!obj || attach(obj, prog, ifindex))
    {
        return 1;
    }
    printf("attached program=%s ifname=%s\n", prog, argv[2]);
    return 0;
}
