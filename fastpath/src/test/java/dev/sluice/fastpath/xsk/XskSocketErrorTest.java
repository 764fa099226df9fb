package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.fastpath.bpf.TestNetns;
import dev.sluice.fastpath.bpf.XdpAlreadyAttachedException;
import dev.sluice.fastpath.bpf.XdpPortConfig;
import dev.sluice.fastpath.bpf.XdpProgram;
import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.testkit.KernelTest;

/** Clear errors, and nothing left behind, when a socket or port cannot be opened. */
@KernelTest
class XskSocketErrorTest
{
    private TestNetns netns;
    private Umem umem;

    @BeforeEach
    void createNamespace()
    {
        netns = TestNetns.create();
        netns.ip("link", "add", "xa", "type", "veth", "peer", "name", "xb");
        netns.ip("link", "set", "xa", "up");
        netns.ip("link", "set", "xb", "up");
        umem = Umem.allocate(256, 2048, 0);
    }

    @AfterEach
    void deleteNamespace()
    {
        try
        {
            umem.close();
        }
        finally
        {
            netns.close();
        }
    }

    @Test
    void missingInterfaceIsNamed()
    {
        final NativeCallException e = assertThrows(NativeCallException.class,
            () -> netns.call(() -> Port.open(0, "nosuch0", 0, umem, XskConfig.defaults(), XdpPortConfig.pod())));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("no interface 'nosuch0' in this network namespace"), e.getMessage());
    }

    @Test
    void forcedZeroCopyOnVethFailsWithEopnotsuppAndAutoFallsBackToCopy() throws IOException
    {
        final java.util.Set<String> fds = OpenKernelObjects.snapshot();
        final NativeCallException e = assertThrows(NativeCallException.class, () -> netns.call(() ->
            XskSocket.open(umem, "xa", 0, XskConfig.defaults().withMode(XskBindMode.ZERO_COPY))));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("has no AF_XDP zero-copy"), e.getMessage());
        assertEquals(java.util.Set.of(), OpenKernelObjects.leaked(fds, OpenKernelObjects.snapshot()), "the failed socket was closed");
        assertEquals(0, umem.openSockets());

        try (XskSocket socket = netns.call(() -> XskSocket.open(umem, "xa", 0, XskConfig.defaults())))
        {
            assertEquals(XskBindMode.COPY, socket.boundMode());
        }
    }

    @Test
    void queueThatDoesNotExistIsExplained()
    {
        final NativeCallException e = assertThrows(NativeCallException.class,
            () -> netns.call(() -> XskSocket.open(umem, "xa", 5, XskConfig.defaults())));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("no rx queue 5 on xa"), e.getMessage());
    }

    @Test
    void twoSocketsOfOneUmemOnTheSameQueueAreRefusedBeforeTheKernelIsAsked()
    {
        try (XskSocket socket = netns.call(() -> XskSocket.open(umem, "xa", 0, XskConfig.defaults())))
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> netns.call(() -> XskSocket.open(umem, "xa", 0, XskConfig.defaults())));
            assertTrue(e.getMessage().contains("one socket per (interface, queue)"), e.getMessage());
            assertEquals(1, umem.openSockets());
            assertEquals(socket.fd(), umem.ownerFd());
        }
        assertThrows(IllegalStateException.class, () ->
        {
            final Umem other = Umem.allocate(16, 2048, 0);
            try (XskSocket held = netns.call(() -> XskSocket.open(other, "xb", 0, XskConfig.defaults())))
            {
                other.close();
            }
        }, "a UMEM refuses to close under an open socket");
    }

    @Test
    void programAlreadyAttachedBySomeoneElseFailsThePortAndLeaksNothing() throws IOException
    {
        try (XdpProgram foreign = XdpProgram.load())
        {
            foreign.configure(XdpPortConfig.pod());
            netns.call(() -> foreign.attach("xa"));
            final java.util.Set<String> fds = OpenKernelObjects.snapshot();
            final XdpAlreadyAttachedException e = assertThrows(XdpAlreadyAttachedException.class,
                () -> netns.call(() -> Port.open(0, "xa", 0, umem, XskConfig.defaults(), XdpPortConfig.pod())));
            assertTrue(e.getMessage().contains("xa"), e.getMessage());
            assertEquals(java.util.Set.of(), OpenKernelObjects.leaked(fds, OpenKernelObjects.snapshot()), "program and socket of the failed port closed");
            assertEquals(0, umem.openSockets());
            netns.run(foreign::close);
        }
    }

}
