package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.testkit.KernelTest;

/**
 * Holds the Java mirrors ({@link XdpConfigDescriptor}, {@link LibBpfDescriptor}, the enums and constants) equal to
 * the C headers: a probe compiled against the shipped {@code /bpf/sluice_xdp.h} and the installed libbpf and
 * kernel headers prints every size, offset and constant; each is compared with the Java value. Also checks that
 * the loader refuses objects of another ABI version.
 */
class XdpAbiTest
{
    private static Map<String, String> C;

    @BeforeAll
    static void runProbe(@TempDir final Path dir)
    {
        C = BpfToolchain.runProbe(dir, "/dev/sluice/fastpath/bpf/abi_probe.c", "/bpf/sluice_xdp.h");
    }

    @Test
    void configStructMatchesHeader()
    {
        assertC("sizeof(sluice_xdp_config)", XdpConfigDescriptor.LENGTH);
        assertC("offsetof(sluice_xdp_config.role)", XdpConfigDescriptor.ROLE_OFFSET);
        assertC("offsetof(sluice_xdp_config.fallback)", XdpConfigDescriptor.FALLBACK_OFFSET);
        assertC("offsetof(sluice_xdp_config.geneve_port)", XdpConfigDescriptor.GENEVE_PORT_OFFSET);
        assertC("offsetof(sluice_xdp_config.flags)", XdpConfigDescriptor.FLAGS_OFFSET);
        assertC("offsetof(sluice_xdp_config.node_ipv4)", XdpConfigDescriptor.NODE_IPV4_OFFSET);
        assertC("offsetof(sluice_xdp_config.node_ipv6)", XdpConfigDescriptor.NODE_IPV6_OFFSET);
        assertC("offsetof(sluice_xdp_config.nodeport_min)", XdpConfigDescriptor.NODEPORT_MIN_OFFSET);
        assertC("offsetof(sluice_xdp_config.nodeport_max)", XdpConfigDescriptor.NODEPORT_MAX_OFFSET);
        assertC("SLUICE_XDP_ROLE_NONE", XdpConfigDescriptor.ROLE_NONE);
        assertC("SLUICE_XDP_ROLE_POD", XdpConfigDescriptor.ROLE_POD);
        assertC("SLUICE_XDP_ROLE_UPLINK", XdpConfigDescriptor.ROLE_UPLINK);
        assertC("SLUICE_XDP_ROLE_POD", XdpPortRole.POD.code());
        assertC("SLUICE_XDP_ROLE_UPLINK", XdpPortRole.UPLINK.code());
        assertC("SLUICE_XDP_F_NODE_IPV4", XdpConfigDescriptor.FLAG_NODE_IPV4);
        assertC("SLUICE_XDP_F_NODE_IPV6", XdpConfigDescriptor.FLAG_NODE_IPV6);
        assertC("SLUICE_XDP_GENEVE_PORT_DEFAULT", XdpConfigDescriptor.GENEVE_PORT_DEFAULT);
        assertC("XDP_DROP", XdpFallback.DROP.action());
        assertC("XDP_PASS", XdpFallback.PASS.action());
    }

    @Test
    void metadataNamesAndCountersMatchHeader()
    {
        assertC("SLUICE_XDP_VERSION", XdpConfigDescriptor.VERSION);
        assertC("SLUICE_XDP_PROG_NAME", XdpConfigDescriptor.PROGRAM_NAME);
        assertC("SLUICE_XDP_MAP_XSKS", XdpConfigDescriptor.MAP_XSKS);
        assertC("SLUICE_XDP_MAP_CONFIG", XdpConfigDescriptor.MAP_CONFIG);
        assertC("SLUICE_XDP_MAP_COUNTERS", XdpConfigDescriptor.MAP_COUNTERS);
        assertC("SLUICE_XDP_META_SECTION", XdpConfigDescriptor.META_SECTION);
        assertC("SLUICE_XDP_MAX_QUEUES", XdpConfigDescriptor.MAX_QUEUES);
        assertC("sizeof(sluice_xdp_meta)", XdpConfigDescriptor.META_LENGTH);
        assertC("offsetof(sluice_xdp_meta.version)", XdpConfigDescriptor.META_VERSION_OFFSET);
        assertC("offsetof(sluice_xdp_meta.config_size)", XdpConfigDescriptor.META_CONFIG_SIZE_OFFSET);
        assertC("offsetof(sluice_xdp_meta.counter_count)", XdpConfigDescriptor.META_COUNTER_COUNT_OFFSET);
        assertC("offsetof(sluice_xdp_meta.max_queues)", XdpConfigDescriptor.META_MAX_QUEUES_OFFSET);

        assertC("SLUICE_XDP_CNT_MAX", XdpConfigDescriptor.COUNTER_COUNT);
        assertC("SLUICE_XDP_CNT_MAX", XdpCounter.values().length);
        for (final XdpCounter counter : XdpCounter.values())
        {
            assertC("SLUICE_XDP_CNT_" + counter.name(), counter.index());
        }
        assertC("SLUICE_XDP_CNT_REDIRECTED", XdpConfigDescriptor.COUNTER_REDIRECTED);
        assertC("SLUICE_XDP_CNT_FALLBACK_PASS", XdpConfigDescriptor.COUNTER_FALLBACK_PASS);
        assertC("SLUICE_XDP_CNT_FALLBACK_DROP", XdpConfigDescriptor.COUNTER_FALLBACK_DROP);
        assertC("SLUICE_XDP_CNT_PASS_OTHER", XdpConfigDescriptor.COUNTER_PASS_OTHER);
        assertC("SLUICE_XDP_CNT_UNCONFIGURED", XdpConfigDescriptor.COUNTER_UNCONFIGURED);
        assertC("SLUICE_XDP_CNT_TRUNCATED", XdpConfigDescriptor.COUNTER_TRUNCATED);
    }

    @Test
    void libbpfStructsMatchInstalledHeaders()
    {
        assertC("sizeof(bpf_test_run_opts)", LibBpfDescriptor.TEST_RUN_OPTS_LENGTH);
        assertC("offsetof(bpf_test_run_opts.sz)", LibBpfDescriptor.TEST_RUN_OPTS_SZ_OFFSET);
        assertC("offsetof(bpf_test_run_opts.data_in)", LibBpfDescriptor.TEST_RUN_OPTS_DATA_IN_OFFSET);
        assertC("offsetof(bpf_test_run_opts.data_out)", LibBpfDescriptor.TEST_RUN_OPTS_DATA_OUT_OFFSET);
        assertC("offsetof(bpf_test_run_opts.data_size_in)", LibBpfDescriptor.TEST_RUN_OPTS_DATA_SIZE_IN_OFFSET);
        assertC("offsetof(bpf_test_run_opts.data_size_out)", LibBpfDescriptor.TEST_RUN_OPTS_DATA_SIZE_OUT_OFFSET);
        assertC("offsetof(bpf_test_run_opts.ctx_in)", LibBpfDescriptor.TEST_RUN_OPTS_CTX_IN_OFFSET);
        assertC("offsetof(bpf_test_run_opts.ctx_out)", LibBpfDescriptor.TEST_RUN_OPTS_CTX_OUT_OFFSET);
        assertC("offsetof(bpf_test_run_opts.ctx_size_in)", LibBpfDescriptor.TEST_RUN_OPTS_CTX_SIZE_IN_OFFSET);
        assertC("offsetof(bpf_test_run_opts.ctx_size_out)", LibBpfDescriptor.TEST_RUN_OPTS_CTX_SIZE_OUT_OFFSET);
        assertC("offsetof(bpf_test_run_opts.retval)", LibBpfDescriptor.TEST_RUN_OPTS_RETVAL_OFFSET);
        assertC("offsetof(bpf_test_run_opts.repeat)", LibBpfDescriptor.TEST_RUN_OPTS_REPEAT_OFFSET);
        assertC("offsetof(bpf_test_run_opts.duration)", LibBpfDescriptor.TEST_RUN_OPTS_DURATION_OFFSET);
        assertC("offsetof(bpf_test_run_opts.flags)", LibBpfDescriptor.TEST_RUN_OPTS_FLAGS_OFFSET);
        assertC("sizeof(bpf_xdp_attach_opts)", LibBpfDescriptor.XDP_ATTACH_OPTS_LENGTH);
        assertC("offsetof(bpf_xdp_attach_opts.sz)", LibBpfDescriptor.XDP_ATTACH_OPTS_SZ_OFFSET);
        assertC("offsetof(bpf_xdp_attach_opts.old_prog_fd)", LibBpfDescriptor.XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET);
        assertC("sizeof(bpf_object_open_opts)", LibBpfDescriptor.OBJECT_OPEN_OPTS_LENGTH);
        assertC("offsetof(bpf_object_open_opts.sz)", LibBpfDescriptor.OBJECT_OPEN_OPTS_SZ_OFFSET);
        assertC("offsetof(bpf_object_open_opts.object_name)", LibBpfDescriptor.OBJECT_OPEN_OPTS_OBJECT_NAME_OFFSET);
        assertC("sizeof(xdp_md)", LibBpfDescriptor.XDP_MD_LENGTH);
        assertC("offsetof(xdp_md.ingress_ifindex)", LibBpfDescriptor.XDP_MD_INGRESS_IFINDEX_OFFSET);
        assertC("offsetof(xdp_md.rx_queue_index)", LibBpfDescriptor.XDP_MD_RX_QUEUE_INDEX_OFFSET);
        assertC("offsetof(bpf_prog_info.id)", LibBpfDescriptor.PROG_INFO_ID_OFFSET);
        assertC("offsetofend(bpf_prog_info.id)", LibBpfDescriptor.PROG_INFO_PREFIX_LENGTH);
    }

    @Test
    void kernelConstantsMatchInstalledHeaders()
    {
        assertC("XDP_ABORTED", XdpAction.ABORTED);
        assertC("XDP_DROP", XdpAction.DROP);
        assertC("XDP_PASS", XdpAction.PASS);
        assertC("XDP_TX", XdpAction.TX);
        assertC("XDP_REDIRECT", XdpAction.REDIRECT);
        assertC("XDP_FLAGS_UPDATE_IF_NOEXIST", LibBpfDescriptor.XDP_FLAGS_UPDATE_IF_NOEXIST);
        assertC("XDP_FLAGS_SKB_MODE", LibBpfDescriptor.XDP_FLAGS_SKB_MODE);
        assertC("XDP_FLAGS_DRV_MODE", LibBpfDescriptor.XDP_FLAGS_DRV_MODE);
        assertC("XDP_FLAGS_SKB_MODE", XdpAttachMode.GENERIC.flag());
        assertC("XDP_FLAGS_DRV_MODE", XdpAttachMode.NATIVE.flag());
        assertC("BPF_ANY", LibBpfDescriptor.BPF_ANY);
        assertC("AF_XDP", Libc.AF_XDP);
        assertC("SOCK_RAW", Libc.SOCK_RAW);
        assertC("SOCK_CLOEXEC", Libc.SOCK_CLOEXEC);
        assertC("EPERM", Errno.EPERM);
        assertC("ENOENT", Errno.ENOENT);
        assertC("EACCES", Errno.EACCES);
        assertC("EBUSY", Errno.EBUSY);
        assertC("EEXIST", Errno.EEXIST);
        assertC("ENODEV", Errno.ENODEV);
        assertC("EINVAL", Errno.EINVAL);
        assertC("EOPNOTSUPP", Errno.EOPNOTSUPP);
        assertC("EAFNOSUPPORT", Errno.EAFNOSUPPORT);
    }

    @Test
    @KernelTest
    void loaderRefusesObjectBuiltWithAnotherVersion(@TempDir final Path dir) throws IOException
    {
        final Path header = BpfToolchain.extract("/bpf/sluice_xdp.h", dir);
        final Path source = BpfToolchain.extract("/bpf/sluice_xdp.c", dir);
        final String text = Files.readString(header, StandardCharsets.US_ASCII);
        final String define = "#define SLUICE_XDP_VERSION " + XdpConfigDescriptor.VERSION + "\n";
        assertTrue(text.contains(define), "header defines the version as expected");
        final int other = XdpConfigDescriptor.VERSION + 41;
        Files.writeString(header, text.replace(define, "#define SLUICE_XDP_VERSION " + other + "\n"));
        final byte[] object = BpfToolchain.compileBpf(source, dir);

        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> XdpProgram.load(object, "test:version-" + other, XdpConfigDescriptor.VERSION));
        assertEquals("XDP program test:version-" + other + " has ABI version " + other + ", this loader speaks " +
            "version " + XdpConfigDescriptor.VERSION + ": build xdp-redirect-bpf and fastpath from the same source",
            e.getMessage());
    }

    @Test
    @KernelTest
    void loaderRefusesObjectWithoutSluiceMetadata(@TempDir final Path dir) throws IOException
    {
        final Path source = dir.resolve("foreign_xdp.c");
        Files.writeString(source, """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("xdp") int foreign(struct xdp_md *ctx) { return XDP_PASS; }
            char LICENSE[] SEC("license") = "GPL";
            """);
        final byte[] object = BpfToolchain.compileBpf(source, dir);

        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> XdpProgram.load(object, "test:foreign", XdpConfigDescriptor.VERSION));
        assertEquals("test:foreign is not a Sluice XDP object: it has no .rodata.sluice_meta section",
            e.getMessage());
    }

    @Test
    @KernelTest
    void shippedObjectLoadsWithThisLoadersVersion()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            assertTrue(program.programId() > 0, "kernel program id " + program.programId());
        }
    }

    private static void assertC(final String name, final long javaValue)
    {
        assertEquals(C.get(name), Long.toString(javaValue), name + ": C vs Java");
    }

    private static void assertC(final String name, final String javaValue)
    {
        assertEquals(C.get(name), javaValue, name + ": C vs Java");
    }
}
