/* Prints the AF_XDP ABI as the installed kernel headers declare it; XskAbiTest compares it with XskDescriptor. */
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/if_xdp.h>

#define SIZE(t) printf("sizeof(%s) %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offsetof(%s.%s) %zu\n", #t, #f, offsetof(struct t, f))
#define CONST(c) printf("%s %llu\n", #c, (unsigned long long)(c))

int main(void)
{
    SIZE(sockaddr_xdp);
    OFF(sockaddr_xdp, sxdp_family);
    OFF(sockaddr_xdp, sxdp_flags);
    OFF(sockaddr_xdp, sxdp_ifindex);
    OFF(sockaddr_xdp, sxdp_queue_id);
    OFF(sockaddr_xdp, sxdp_shared_umem_fd);
    SIZE(xdp_umem_reg);
    OFF(xdp_umem_reg, addr);
    OFF(xdp_umem_reg, len);
    OFF(xdp_umem_reg, chunk_size);
    OFF(xdp_umem_reg, headroom);
    OFF(xdp_umem_reg, flags);
    SIZE(xdp_ring_offset);
    OFF(xdp_ring_offset, producer);
    OFF(xdp_ring_offset, consumer);
    OFF(xdp_ring_offset, desc);
    OFF(xdp_ring_offset, flags);
    SIZE(xdp_mmap_offsets);
    OFF(xdp_mmap_offsets, rx);
    OFF(xdp_mmap_offsets, tx);
    OFF(xdp_mmap_offsets, fr);
    OFF(xdp_mmap_offsets, cr);
    SIZE(xdp_statistics);
    OFF(xdp_statistics, rx_dropped);
    OFF(xdp_statistics, rx_invalid_descs);
    OFF(xdp_statistics, tx_invalid_descs);
    OFF(xdp_statistics, rx_ring_full);
    OFF(xdp_statistics, rx_fill_ring_empty_descs);
    OFF(xdp_statistics, tx_ring_empty_descs);
    SIZE(xdp_desc);
    OFF(xdp_desc, addr);
    OFF(xdp_desc, len);
    OFF(xdp_desc, options);
    CONST(SOL_XDP);
    CONST(XDP_MMAP_OFFSETS);
    CONST(XDP_RX_RING);
    CONST(XDP_TX_RING);
    CONST(XDP_UMEM_REG);
    CONST(XDP_UMEM_FILL_RING);
    CONST(XDP_UMEM_COMPLETION_RING);
    CONST(XDP_STATISTICS);
    CONST(XDP_OPTIONS);
    CONST(XDP_OPTIONS_ZEROCOPY);
    CONST(XDP_SHARED_UMEM);
    CONST(XDP_COPY);
    CONST(XDP_ZEROCOPY);
    CONST(XDP_USE_NEED_WAKEUP);
    CONST(XDP_RING_NEED_WAKEUP);
    CONST(XDP_PGOFF_RX_RING);
    CONST(XDP_PGOFF_TX_RING);
    CONST(XDP_UMEM_PGOFF_FILL_RING);
    CONST(XDP_UMEM_PGOFF_COMPLETION_RING);
    CONST(AF_XDP);
    return 0;
}
