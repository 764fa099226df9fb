// Generator and sink of the forwarder benchmark.
//   bench_tool gen IFNAME SECONDS DST_MAC SRC_MAC [RATE_PPS [BATCH]]
//       BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on IFNAME (XDP_TX), 2M frames per call (each call costs
//       milliseconds of RCU grace periods: calls must be long). RATE_PPS 0 (default): as fast as the CPU goes.
//       RATE_PPS > 0: open loop, the program spaces frames 1/RATE apart on bpf_ktime_get_ns (see gen_pace in
//       bench_xdp.bpf.c), so the offered load is smooth, not bursts with sleeps. BATCH: frames the kernel runs
//       before each flush to the device (batch_size of the live-frames mode, 1..256, default 64). Prints the
//       frames sent and the rate actually offered.
//   bench_tool sink IFNAME SECONDS
//       attach the counting program, print "ready", after 1 s of warm-up "pps N" over SECONDS, then keep counting
//       until standard input ends and print "total N" (every frame counted since the attach)
//   bench_tool fwd IN OUT DST_MAC SRC_MAC
//       the in-kernel DUT: attach the fwd program (MAC rewrite + bpf_redirect to OUT) to IN, print "ready",
//       detach when standard input ends
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mac(const char *text, unsigned char *out)
{
    sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &out[0], &out[1], &out[2], &out[3], &out[4], &out[5]);
}

// mirrors struct bench_config of bench_xdp.bpf.c
struct bench_config
{
    unsigned char header[42];
    unsigned char macs[12];
    unsigned int out_ifindex;
};

static void wait_stdin(void)
{
    char line[64];
    while (fgets(line, sizeof(line), stdin))
    {
    }
}

static unsigned short csum(const unsigned char *p, int n)
{
    unsigned long sum = 0;
    for (int i = 0; i < n; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: bench_tool gen|sink|fwd IFNAME ...\n"); return 2; }
    const char *obj_path = getenv("BENCH_XDP_OBJ");
    struct bpf_object *obj = bpf_object__open_file(obj_path ? obj_path : "bench_xdp.bpf.o", NULL);
    if (!obj) { perror("open"); return 1; }
    int ifindex = if_nametoindex(argv[2]);
    if (!ifindex) { fprintf(stderr, "no interface %s\n", argv[2]); return 1; }
    struct bench_config config = {0};
    struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
    if (!strcmp(argv[1], "fwd"))
    {
        if (argc < 6) { fprintf(stderr, "usage: bench_tool fwd IN OUT DST_MAC SRC_MAC\n"); return 2; }
        config.out_ifindex = if_nametoindex(argv[3]);
        mac(argv[4], config.macs); mac(argv[5], config.macs + 6);
        if (!config.out_ifindex) { fprintf(stderr, "no interface %s\n", argv[3]); return 1; }
        if (!rodata || bpf_map__set_initial_value(rodata, &config, sizeof(config))) { fprintf(stderr, "rodata\n"); return 1; }
        if (bpf_object__load(obj)) { perror("load"); return 1; }
        int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "fwd"));
        if (bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) { perror("attach"); return 1; }
        printf("ready\n");
        fflush(stdout);
        wait_stdin();
        bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
        return 0;
    }
    double seconds = atof(argv[3]);
    if (!strcmp(argv[1], "gen"))
    {
        unsigned char *h = config.header;
        mac(argv[4], h); mac(argv[5], h + 6);
        h[12] = 0x08; h[13] = 0x00;
        unsigned char *ip = h + 14;
        ip[0] = 0x45; ip[3] = 50; ip[8] = 64; ip[9] = 17;  // total length 50 = 64-byte frame - 14
        ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1; ip[16] = 198; ip[17] = 18; ip[18] = 1; ip[19] = 2;
        unsigned short c = csum(ip, 20); ip[10] = c >> 8; ip[11] = c & 0xff;
        unsigned char *udp = ip + 20;
        udp[0] = 0x30; udp[1] = 0x39; udp[2] = 0x23; udp[3] = 0x28; udp[5] = 30;  // 12345 -> 9000, len 30, csum 0
        if (!rodata || bpf_map__set_initial_value(rodata, &config, sizeof(config))) { fprintf(stderr, "rodata\n"); return 1; }
        if (bpf_object__load(obj)) { perror("load"); return 1; }
        int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "gen"));
        unsigned char frame[64] = {0};
        memcpy(frame, h, sizeof(config.header));
        struct xdp_md ctx = {.data_end = sizeof(frame), .ingress_ifindex = ifindex};
        double rate = argc > 6 ? atof(argv[6]) : 0;
        unsigned int batch = argc > 7 ? (unsigned int)atoi(argv[7]) : 0;
        unsigned int chunk = 2000000;
        if (rate > 0)
        {
            // half a second of frames per call, and a schedule that may lag at most 256 frames (the veth ring)
            chunk = (unsigned int)(rate / 2 > 65536 ? rate / 2 : 65536);
            struct { unsigned long long interval_ns, slack_ns, due; } pace = {(unsigned long long)(1e9 / rate),
                (unsigned long long)(256 * 1e9 / rate), 0};
            unsigned int zero = 0;
            if (bpf_map__update_elem(bpf_object__find_map_by_name(obj, "gen_pace"), &zero, sizeof(zero), &pace,
                sizeof(pace), 0)) { perror("gen_pace"); return 1; }
        }
        double t0 = now();
        double end = t0 + seconds;
        unsigned long sent = 0;
        unsigned long calls = 0;
        double t = t0;
        while (t < end)
        {
            LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame), .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = chunk, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
                .batch_size = batch);
            if (bpf_prog_test_run_opts(fd, &opts)) { perror("prog_run"); return 1; }
            sent += chunk;
            calls++;
            t = now();
        }
        printf("sent %lu in %.3f s = %.0f pps offered, %lu calls of %u\n", sent, t - t0, sent / (t - t0), calls,
            chunk);
        return 0;
    }
    if (bpf_object__load(obj)) { perror("load"); return 1; }
    int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "sink"));
    if (bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) { perror("attach"); return 1; }
    int map = bpf_map__fd(bpf_object__find_map_by_name(obj, "sink_count"));
    int cpus = libbpf_num_possible_cpus();
    unsigned long long values[cpus];
    unsigned int key = 0;
    printf("ready\n");
    fflush(stdout);
    // first second is warm-up, then count over SECONDS
    sleep(1);
    unsigned long long start = 0, stop = 0;
    bpf_map_lookup_elem(map, &key, values);
    for (int i = 0; i < cpus; i++) start += values[i];
    double t0 = now();
    usleep((useconds_t)(seconds * 1e6));
    bpf_map_lookup_elem(map, &key, values);
    double t1 = now();
    for (int i = 0; i < cpus; i++) stop += values[i];
    printf("pps %.0f\n", (stop - start) / (t1 - t0));
    fflush(stdout);
    wait_stdin();
    bpf_map_lookup_elem(map, &key, values);
    unsigned long long total = 0;
    for (int i = 0; i < cpus; i++) total += values[i];
    bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
    printf("total %llu\n", total);
    return 0;
}
