// Generator and sink of the forwarder benchmark.
//   bench_tool gen IFNAME SECONDS DST_MAC SRC_MAC   BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on IFNAME (XDP_TX)
//   bench_tool sink IFNAME SECONDS                  attach the counting program, print "pps N" over SECONDS
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

static unsigned short csum(const unsigned char *p, int n)
{
    unsigned long sum = 0;
    for (int i = 0; i < n; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: bench_tool gen|sink IFNAME SECONDS [DST_MAC SRC_MAC]\n"); return 2; }
    const char *obj_path = getenv("BENCH_XDP_OBJ");
    struct bpf_object *obj = bpf_object__open_file(obj_path ? obj_path : "bench_xdp.bpf.o", NULL);
    if (!obj) { perror("open"); return 1; }
    int ifindex = if_nametoindex(argv[2]);
    double seconds = atof(argv[3]);
    if (!strcmp(argv[1], "gen"))
    {
        unsigned char h[42] = {0};
        mac(argv[4], h); mac(argv[5], h + 6);
        h[12] = 0x08; h[13] = 0x00;
        unsigned char *ip = h + 14;
        ip[0] = 0x45; ip[3] = 50; ip[8] = 64; ip[9] = 17;  // total length 50 = 64-byte frame - 14
        ip[12] = 198; ip[13] = 18; ip[14] = 1; ip[15] = 1; ip[16] = 198; ip[17] = 18; ip[18] = 1; ip[19] = 2;
        unsigned short c = csum(ip, 20); ip[10] = c >> 8; ip[11] = c & 0xff;
        unsigned char *udp = ip + 20;
        udp[0] = 0x30; udp[1] = 0x39; udp[2] = 0x23; udp[3] = 0x28; udp[5] = 30;  // 12345 -> 9000, len 30, csum 0
        struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
        if (!rodata || bpf_map__set_initial_value(rodata, h, sizeof(h))) { fprintf(stderr, "rodata\n"); return 1; }
        if (bpf_object__load(obj)) { perror("load"); return 1; }
        int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "gen"));
        unsigned char frame[64] = {0};
        memcpy(frame, h, 42);
        struct xdp_md ctx = {.data_end = sizeof(frame), .ingress_ifindex = ifindex};
        double end = now() + seconds;
        unsigned long sent = 0;
        while (now() < end)
        {
            LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame), .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = 2000000, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
            if (bpf_prog_test_run_opts(fd, &opts)) { perror("prog_run"); return 1; }
            sent += 2000000;
        }
        printf("sent %lu\n", sent);
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
    bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
    printf("pps %.0f\n", (stop - start) / (t1 - t0));
    return 0;
}
