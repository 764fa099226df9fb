package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.fastpath.bpf.BpfToolchain;
import dev.sluice.fastpath.sys.Libc;

/**
 * Holds {@link XskDescriptor} equal to the installed {@code linux/if_xdp.h}: a C probe compiled against it prints
 * every struct size, field offset and constant the Java side uses.
 */
class XskAbiTest
{
    private static Map<String, String> C;

    @BeforeAll
    static void runProbe(@TempDir final Path dir)
    {
        C = BpfToolchain.runProbe(dir, "/dev/sluice/fastpath/xsk/xsk_abi_probe.c");
    }

    @Test
    void sockaddrXdpMatchesHeader()
    {
        assertC("sizeof(sockaddr_xdp)", XskDescriptor.SOCKADDR_XDP_LENGTH);
        assertC("offsetof(sockaddr_xdp.sxdp_family)", XskDescriptor.SOCKADDR_XDP_FAMILY_OFFSET);
        assertC("offsetof(sockaddr_xdp.sxdp_flags)", XskDescriptor.SOCKADDR_XDP_FLAGS_OFFSET);
        assertC("offsetof(sockaddr_xdp.sxdp_ifindex)", XskDescriptor.SOCKADDR_XDP_IFINDEX_OFFSET);
        assertC("offsetof(sockaddr_xdp.sxdp_queue_id)", XskDescriptor.SOCKADDR_XDP_QUEUE_ID_OFFSET);
        assertC("offsetof(sockaddr_xdp.sxdp_shared_umem_fd)", XskDescriptor.SOCKADDR_XDP_SHARED_UMEM_FD_OFFSET);
    }

    @Test
    void umemRegMatchesHeader()
    {
        assertC("sizeof(xdp_umem_reg)", XskDescriptor.UMEM_REG_LENGTH);
        assertC("offsetof(xdp_umem_reg.addr)", XskDescriptor.UMEM_REG_ADDR_OFFSET);
        assertC("offsetof(xdp_umem_reg.len)", XskDescriptor.UMEM_REG_LEN_OFFSET);
        assertC("offsetof(xdp_umem_reg.chunk_size)", XskDescriptor.UMEM_REG_CHUNK_SIZE_OFFSET);
        assertC("offsetof(xdp_umem_reg.headroom)", XskDescriptor.UMEM_REG_HEADROOM_OFFSET);
        assertC("offsetof(xdp_umem_reg.flags)", XskDescriptor.UMEM_REG_FLAGS_OFFSET);
    }

    @Test
    void mmapOffsetsMatchHeader()
    {
        assertC("sizeof(xdp_ring_offset)", XskDescriptor.RING_OFFSET_LENGTH);
        assertC("offsetof(xdp_ring_offset.producer)", XskDescriptor.RING_OFFSET_PRODUCER_OFFSET);
        assertC("offsetof(xdp_ring_offset.consumer)", XskDescriptor.RING_OFFSET_CONSUMER_OFFSET);
        assertC("offsetof(xdp_ring_offset.desc)", XskDescriptor.RING_OFFSET_DESC_OFFSET);
        assertC("offsetof(xdp_ring_offset.flags)", XskDescriptor.RING_OFFSET_FLAGS_OFFSET);
        assertC("sizeof(xdp_mmap_offsets)", XskDescriptor.MMAP_OFFSETS_LENGTH);
        assertC("offsetof(xdp_mmap_offsets.rx)", XskDescriptor.MMAP_OFFSETS_RX_OFFSET);
        assertC("offsetof(xdp_mmap_offsets.tx)", XskDescriptor.MMAP_OFFSETS_TX_OFFSET);
        assertC("offsetof(xdp_mmap_offsets.fr)", XskDescriptor.MMAP_OFFSETS_FILL_OFFSET);
        assertC("offsetof(xdp_mmap_offsets.cr)", XskDescriptor.MMAP_OFFSETS_COMPLETION_OFFSET);
    }

    @Test
    void statisticsAndDescriptorMatchHeader()
    {
        assertC("sizeof(xdp_statistics)", XskDescriptor.STATISTICS_LENGTH);
        assertC("offsetof(xdp_statistics.rx_dropped)", XskDescriptor.STATISTICS_RX_DROPPED_OFFSET);
        assertC("offsetof(xdp_statistics.rx_invalid_descs)", XskDescriptor.STATISTICS_RX_INVALID_DESCS_OFFSET);
        assertC("offsetof(xdp_statistics.tx_invalid_descs)", XskDescriptor.STATISTICS_TX_INVALID_DESCS_OFFSET);
        assertC("offsetof(xdp_statistics.rx_ring_full)", XskDescriptor.STATISTICS_RX_RING_FULL_OFFSET);
        assertC("offsetof(xdp_statistics.rx_fill_ring_empty_descs)",
            XskDescriptor.STATISTICS_RX_FILL_RING_EMPTY_DESCS_OFFSET);
        assertC("offsetof(xdp_statistics.tx_ring_empty_descs)", XskDescriptor.STATISTICS_TX_RING_EMPTY_DESCS_OFFSET);
        assertC("sizeof(xdp_desc)", XskDescriptor.DESC_LENGTH);
        assertC("offsetof(xdp_desc.addr)", XskDescriptor.DESC_ADDR_OFFSET);
        assertC("offsetof(xdp_desc.len)", XskDescriptor.DESC_LEN_OFFSET);
        assertC("offsetof(xdp_desc.options)", XskDescriptor.DESC_OPTIONS_OFFSET);
    }

    @Test
    void constantsMatchHeader()
    {
        assertC("SOL_XDP", XskDescriptor.SOL_XDP);
        assertC("XDP_MMAP_OFFSETS", XskDescriptor.XDP_MMAP_OFFSETS);
        assertC("XDP_RX_RING", XskDescriptor.XDP_RX_RING);
        assertC("XDP_TX_RING", XskDescriptor.XDP_TX_RING);
        assertC("XDP_UMEM_REG", XskDescriptor.XDP_UMEM_REG);
        assertC("XDP_UMEM_FILL_RING", XskDescriptor.XDP_UMEM_FILL_RING);
        assertC("XDP_UMEM_COMPLETION_RING", XskDescriptor.XDP_UMEM_COMPLETION_RING);
        assertC("XDP_STATISTICS", XskDescriptor.XDP_STATISTICS);
        assertC("XDP_OPTIONS", XskDescriptor.XDP_OPTIONS);
        assertC("XDP_OPTIONS_ZEROCOPY", XskDescriptor.XDP_OPTIONS_ZEROCOPY);
        assertC("XDP_SHARED_UMEM", XskDescriptor.XDP_SHARED_UMEM);
        assertC("XDP_COPY", XskDescriptor.XDP_COPY);
        assertC("XDP_ZEROCOPY", XskDescriptor.XDP_ZEROCOPY);
        assertC("XDP_USE_NEED_WAKEUP", XskDescriptor.XDP_USE_NEED_WAKEUP);
        assertC("XDP_RING_NEED_WAKEUP", XskDescriptor.XDP_RING_NEED_WAKEUP);
        assertC("XDP_PGOFF_RX_RING", XskDescriptor.XDP_PGOFF_RX_RING);
        assertC("XDP_PGOFF_TX_RING", XskDescriptor.XDP_PGOFF_TX_RING);
        assertC("XDP_UMEM_PGOFF_FILL_RING", XskDescriptor.XDP_UMEM_PGOFF_FILL_RING);
        assertC("XDP_UMEM_PGOFF_COMPLETION_RING", XskDescriptor.XDP_UMEM_PGOFF_COMPLETION_RING);
        assertC("AF_XDP", Libc.AF_XDP);
    }

    private static void assertC(final String name, final long javaValue)
    {
        assertEquals(C.get(name), Long.toString(javaValue), name + ": C vs Java");
    }
}
