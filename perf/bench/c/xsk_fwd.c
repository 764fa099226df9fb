// The C ceiling of the forwarder benchmark: libxdp, two AF_XDP sockets (IN, OUT) sharing one UMEM, copy mode,
// need_wakeup, batch 64, busy polling; every frame received on IN gets its MACs rewritten and goes out on OUT.
//   xsk_fwd IN OUT DST_MAC SRC_MAC [BATCH]     (libxdp loads its default program: needs bpffs mounted)
// Prints "ready", then forwards until standard input ends; each line read from standard input prints a "mark"
// line (packets, ring-full drops, TX kicks, XDP_STATISTICS of both sockets) like the Java DUT does.
#include <linux/if_xdp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define FRAMES 8192
#define FRAME_SIZE 2048

static unsigned int batch = 64;
static atomic_int stop;
static _Atomic unsigned long long rx_total, forwarded, tx_full, tx_kicks, loops;

struct port
{
    struct xsk_ring_cons rx, cq;
    struct xsk_ring_prod tx, fq;
    struct xsk_socket *xsk;
};

static unsigned long long pool[FRAMES];
static int top;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void refill(struct port *p)
{
    unsigned int idx;
    unsigned int n = xsk_prod_nb_free(&p->fq, top);
    if (n > (unsigned int)top) n = top;
    if (n == 0) return;
    n = xsk_ring_prod__reserve(&p->fq, n, &idx);
    for (unsigned int i = 0; i < n; i++) *xsk_ring_prod__fill_addr(&p->fq, idx + i) = pool[--top];
    xsk_ring_prod__submit(&p->fq, n);
    if (xsk_ring_prod__needs_wakeup(&p->fq)) recvfrom(xsk_socket__fd(p->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static struct port *ports[2];
static const char *names[2];

static void *marks(void *arg)
{
    (void)arg;
    char line[64];
    while (fgets(line, sizeof(line), stdin))
    {
        printf("mark ns=%.0f rx=%llu tx=%llu txfull=%llu txkicks=%llu cycles=%llu", now() * 1e9,
            (unsigned long long)rx_total, (unsigned long long)forwarded, (unsigned long long)tx_full,
            (unsigned long long)tx_kicks, (unsigned long long)loops);
        for (int p = 0; p < 2; p++)
        {
            struct xdp_statistics st = {0};
            socklen_t len = sizeof(st);
            getsockopt(xsk_socket__fd(ports[p]->xsk), SOL_XDP, XDP_STATISTICS, &st, &len);
            printf(" %s_rx_dropped=%llu %s_rx_ring_full=%llu %s_fill_empty=%llu", names[p],
                (unsigned long long)st.rx_dropped, names[p], (unsigned long long)st.rx_ring_full, names[p],
                (unsigned long long)st.rx_fill_ring_empty_descs);
        }
        printf("\n");
        fflush(stdout);
    }
    stop = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) { fprintf(stderr, "usage: xsk_fwd IN OUT DST_MAC SRC_MAC [BATCH]\n"); return 2; }
    unsigned char macs[12];
    sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &macs[0], &macs[1], &macs[2], &macs[3], &macs[4], &macs[5]);
    sscanf(argv[4], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &macs[6], &macs[7], &macs[8], &macs[9], &macs[10], &macs[11]);
    if (argc > 5) batch = (unsigned int)atoi(argv[5]);
    void *area = mmap(NULL, (size_t)FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct port in = {0}, out = {0};
    struct xsk_umem *umem;
    struct xsk_umem_config ucfg = {.fill_size = 2048, .comp_size = 2048, .frame_size = FRAME_SIZE};
    if (xsk_umem__create(&umem, area, (size_t)FRAMES * FRAME_SIZE, &in.fq, &in.cq, &ucfg)) { perror("umem"); return 1; }
    struct xsk_socket_config scfg = {.rx_size = 2048, .tx_size = 2048, .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP};
    if (xsk_socket__create_shared(&in.xsk, argv[1], 0, umem, &in.rx, &in.tx, &in.fq, &in.cq, &scfg)) { perror("in"); return 1; }
    if (xsk_socket__create_shared(&out.xsk, argv[2], 0, umem, &out.rx, &out.tx, &out.fq, &out.cq, &scfg)) { perror("out"); return 1; }
    for (int i = 0; i < FRAMES; i++) pool[top++] = (unsigned long long)i * FRAME_SIZE;
    refill(&in);
    ports[0] = &in; ports[1] = &out; names[0] = argv[1]; names[1] = argv[2];
    printf("ready\n");
    fflush(stdout);
    pthread_t marker;
    pthread_create(&marker, NULL, marks, NULL);
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
    {
        atomic_store_explicit(&loops, loops + 1, memory_order_relaxed);
        unsigned int ri, ti;
        unsigned int n = xsk_ring_cons__peek(&in.rx, batch, &ri);
        if (n)
        {
            unsigned int t = xsk_ring_prod__reserve(&out.tx, n, &ti);
            for (unsigned int i = 0; i < n; i++)
            {
                const struct xdp_desc *d = xsk_ring_cons__rx_desc(&in.rx, ri + i);
                if (i < t)
                {
                    memcpy(xsk_umem__get_data(area, d->addr), macs, 12);
                    struct xdp_desc *o = xsk_ring_prod__tx_desc(&out.tx, ti + i);
                    o->addr = d->addr;
                    o->len = d->len;
                }
                else
                {
                    pool[top++] = xsk_umem__extract_addr(d->addr);
                }
            }
            xsk_ring_cons__release(&in.rx, n);
            xsk_ring_prod__submit(&out.tx, t);
            atomic_store_explicit(&rx_total, rx_total + n, memory_order_relaxed);
            atomic_store_explicit(&forwarded, forwarded + t, memory_order_relaxed);
            if (t < n) atomic_store_explicit(&tx_full, tx_full + n - t, memory_order_relaxed);
        }
        if (xsk_ring_prod__needs_wakeup(&out.tx) && xsk_prod_nb_free(&out.tx, 2048) < 2048)
        {
            sendto(xsk_socket__fd(out.xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
            atomic_store_explicit(&tx_kicks, tx_kicks + 1, memory_order_relaxed);
        }
        unsigned int ci;
        unsigned int c = xsk_ring_cons__peek(&out.cq, 2048, &ci);
        for (unsigned int i = 0; i < c; i++) pool[top++] = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&out.cq, ci + i));
        xsk_ring_cons__release(&out.cq, c);
        refill(&in);
    }
    pthread_join(marker, NULL);
    printf("c stopped; forwarded %llu\n", (unsigned long long)forwarded);
    xsk_socket__delete(out.xsk);
    xsk_socket__delete(in.xsk);
    xsk_umem__delete(umem);
    return 0;
}
