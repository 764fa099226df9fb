package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;

/**
 * Attaching and detaching the real program on interfaces of a network namespace made by the test, checked with
 * {@code ip -d link show} and {@code bpftool}.
 */
@KernelTest
class XdpAttachTest
{
    private static final Pattern XDP_PROG_ID = Pattern.compile("prog/xdp id (\\d+)");

    private TestNetns netns;

    @BeforeEach
    void createNamespace()
    {
        netns = TestNetns.create();
        netns.ip("link", "add", "xa", "type", "veth", "peer", "name", "xb");
        netns.ip("link", "set", "xa", "up");
        netns.ip("link", "set", "xb", "up");
    }

    @AfterEach
    void deleteNamespace()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    void attachesInNativeModeOnVethAndCloseLeavesNothingBehind()
    {
        final int programId;
        try (XdpProgram program = XdpProgram.load())
        {
            programId = program.programId();
            program.configure(XdpPortConfig.pod());

            assertEquals(XdpAttachMode.NATIVE, netns.call(() -> program.attach("xa")));

            assertEquals(XdpAttachMode.NATIVE, program.attachedMode());
            assertEquals(netns.call(() -> Libc.ifNameToIndex("xa")), program.attachedIfindex());
            final String link = netns.ip("-d", "link", "show", "dev", "xa");
            assertTrue(link.contains(" xdp "), link);
            assertEquals(programId, attachedProgramId("xa"), link);

            netns.run(program::close);
            program.close(); // idempotent
        }
        assertEquals(0, attachedProgramId("xa"), () -> netns.ip("-d", "link", "show", "dev", "xa"));
        assertProgramGone(programId);
    }

    @Test
    void secondStartOnTheSameInterfaceWorks()
    {
        for (int round = 0; round < 3; round++)
        {
            try (XdpProgram program = XdpProgram.load())
            {
                program.configure(XdpPortConfig.pod());
                assertEquals(XdpAttachMode.NATIVE, netns.call(() -> program.attach("xa")), "round " + round);
                assertEquals(program.programId(), attachedProgramId("xa"));
                netns.run(program::detach);
                assertEquals(0, attachedProgramId("xa"));
                assertEquals(0, program.attachedIfindex());
                assertEquals(XdpAttachMode.NATIVE, netns.call(() -> program.attach("xa")), "re-attach " + round);
                netns.run(program::close);
            }
            assertEquals(0, attachedProgramId("xa"), "after round " + round);
        }
    }

    @Test
    void fallsBackToGenericModeWhenTheDriverHasNoNativeXdp()
    {
        netns.ip("link", "set", "lo", "up");
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(XdpProgramVerdictTest.ipv4("198.18.0.1"), null));

            assertEquals(XdpAttachMode.GENERIC, netns.call(() -> program.attach("lo")));

            final String link = netns.ip("-d", "link", "show", "dev", "lo");
            assertTrue(link.contains(" xdpgeneric "), link);
            assertEquals(program.programId(), attachedProgramId("lo"));
            netns.run(program::close);
        }
        assertEquals(0, attachedProgramId("lo"));
    }

    @Test
    void neverReplacesAProgramAttachedBySomeoneElse(@TempDir final Path dir) throws IOException
    {
        try (XdpProgram ours = XdpProgram.load(); XdpProgram second = XdpProgram.load())
        {
            ours.configure(XdpPortConfig.pod());
            second.configure(XdpPortConfig.pod());
            netns.call(() -> ours.attach("xa"));

            final XdpAlreadyAttachedException e = assertThrows(XdpAlreadyAttachedException.class,
                () -> netns.call(() -> second.attach("xa")));

            assertEquals(Errno.EBUSY, e.errno());
            assertEquals("xa", e.interfaceName());
            assertEquals(ours.programId(), e.existingProgramId());
            assertTrue(e.getMessage().contains("program already attached on xa by someone else (XDP program id " +
                ours.programId() + ")"), e.getMessage());
            assertEquals(ours.programId(), attachedProgramId("xa"), "the first attachment is untouched");
            assertEquals(0, second.attachedIfindex());

            // a foreign program in generic mode: our native attach must not displace it either
            final Path foreign = foreignObject(dir);
            netns.ip("link", "set", "dev", "xb", "xdpgeneric", "obj", foreign.toString(), "sec", "xdp");
            final int foreignId = attachedProgramId("xb");
            assertNotEquals(0, foreignId);

            final XdpAlreadyAttachedException generic = assertThrows(XdpAlreadyAttachedException.class,
                () -> netns.call(() -> second.attach("xb")));

            assertEquals(Errno.EEXIST, generic.errno());
            assertEquals(foreignId, generic.existingProgramId());
            assertEquals(foreignId, attachedProgramId("xb"), "the foreign program is untouched");
            netns.run(ours::close);
            netns.run(second::close);
            assertEquals(foreignId, attachedProgramId("xb"), "closing ours never touches the foreign program");
        }
    }

    @Test
    void detachLeavesAProgramThatReplacedOursAlone(@TempDir final Path dir) throws IOException
    {
        final Path foreign = foreignObject(dir);
        final XdpProgram program = XdpProgram.load();
        try
        {
            program.configure(XdpPortConfig.pod());
            netns.call(() -> program.attach("xa"));
            final ExternalTools.Result replace = ExternalTools.run(List.of("ip", "-force", "-n", netns.name(),
                "link", "set", "dev", "xa", "xdpdrv", "obj", foreign.toString(), "sec", "xdp"), null);
            assertEquals(0, replace.exitCode(), replace.stderr());
            final int foreignId = attachedProgramId("xa");
            assertNotEquals(program.programId(), foreignId);

            final NativeCallException e = assertThrows(NativeCallException.class, () -> netns.run(program::close));

            assertEquals(Errno.EEXIST, e.errno());
            assertTrue(e.getMessage().contains("another program replaced ours on xa; it was left alone"),
                e.getMessage());
            assertEquals(foreignId, attachedProgramId("xa"));
        }
        finally
        {
            program.close();
        }
        assertThrows(IllegalStateException.class, () -> program.configure(XdpPortConfig.pod()), "closed anyway");
    }

    @Test
    void closeAfterTheInterfaceVanishedSucceeds()
    {
        final int programId;
        try (XdpProgram program = XdpProgram.load())
        {
            programId = program.programId();
            program.configure(XdpPortConfig.pod());
            netns.call(() -> program.attach("xa"));
            netns.ip("link", "del", "xa");

            netns.run(program::close);
        }
        assertProgramGone(programId);
    }

    @Test
    void missingInterfaceAndMisuseGiveClearErrors()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            final IllegalStateException unconfigured = assertThrows(IllegalStateException.class,
                () -> netns.call(() -> program.attach("xa")));
            assertTrue(unconfigured.getMessage().startsWith("configure() before attach("),
                unconfigured.getMessage());

            program.configure(XdpPortConfig.pod());
            final NativeCallException byName = assertThrows(NativeCallException.class,
                () -> netns.call(() -> program.attach("sluice-nope")));
            assertEquals(Errno.ENODEV, byName.errno());
            assertEquals("if_nametoindex(sluice-nope) failed: ENODEV (No such device) - no interface " +
                "'sluice-nope' in this network namespace", byName.getMessage());

            final NativeCallException byIndex = assertThrows(NativeCallException.class,
                () -> netns.call(() -> program.attach(0x7ffffff0)));
            assertEquals(Errno.ENODEV, byIndex.errno());
            assertTrue(byIndex.getMessage().startsWith("bpf_xdp_attach(ifindex 2147483632, ifindex=2147483632, " +
                "mode=NATIVE) failed: ENODEV"), byIndex.getMessage());

            netns.call(() -> program.attach("xa"));
            final IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> netns.call(() -> program.attach("xb")));
            assertTrue(twice.getMessage().startsWith("already attached to xa"), twice.getMessage());
            netns.run(program::close);
        }
        assertEquals(0, attachedProgramId("xa"));
    }

    private int attachedProgramId(final String device)
    {
        final Matcher m = XDP_PROG_ID.matcher(netns.ip("-d", "link", "show", "dev", device));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static void assertProgramGone(final int programId)
    {
        ExternalTools.requireCommand("bpftool", "bpftool");
        final ExternalTools.Result show = ExternalTools.run(
            List.of("bpftool", "prog", "show", "id", Integer.toString(programId)), null);
        assertFalse(show.exitCode() == 0, () -> "program " + programId + " still loaded: " + show.stdout());
    }

    private static Path foreignObject(final Path dir) throws IOException
    {
        final Path source = dir.resolve("someone_else.c");
        Files.writeString(source, """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("xdp") int someone_else(struct xdp_md *ctx) { return XDP_PASS; }
            char LICENSE[] SEC("license") = "GPL";
            """);
        BpfToolchain.compileBpf(source, dir);
        return dir.resolve("someone_else.c.o");
    }
}
