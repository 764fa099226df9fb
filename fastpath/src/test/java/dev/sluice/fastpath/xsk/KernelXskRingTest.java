package dev.sluice.fastpath.xsk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.sluice.fastpath.bpf.TestNetns;
import dev.sluice.testkit.KernelTest;

/**
 * The ring contract against the kernel: the TX and completion rings of an AF_XDP socket bound (copy mode) to a
 * veth in a namespace made by the test. {@link #kernelStep} kicks TX with {@code sendto} until the kernel has
 * consumed every descriptor, then polls the completion ring with a deadline. The frames really leave through the
 * veth (to a local experimental EtherType, dropped by the peer).
 */
@KernelTest
class KernelXskRingTest extends XskRingContract
{
    private TestNetns netns;
    private Umem umem;
    private XskSocket socket;

    @Override
    void open()
    {
        netns = TestNetns.create();
        try
        {
            netns.ip("link", "add", "xa", "type", "veth", "peer", "name", "xb");
            netns.ip("link", "set", "xa", "addrgenmode", "none");
            netns.ip("link", "set", "xb", "addrgenmode", "none");
            netns.ip("link", "set", "xa", "up");
            netns.ip("link", "set", "xb", "up");
            umem = Umem.allocate(RING_SIZE * 2, FRAME_SIZE, 0);
            socket = netns.call(() -> XskSocket.open(umem, "xa", 0, XskConfig.defaults().withRingSize(RING_SIZE)
                .withMode(XskBindMode.COPY)));
            tx = socket.tx();
            completion = socket.completion();
        }
        catch (final RuntimeException | Error e)
        {
            closeRings();
            throw e;
        }
    }

    @Override
    void closeRings()
    {
        try
        {
            if (socket != null)
            {
                socket.close();
            }
            if (umem != null)
            {
                umem.close();
            }
        }
        finally
        {
            if (netns != null)
            {
                netns.close();
            }
        }
    }

    @Override
    void prepareFrame(final long address)
    {
        final int offset = (int)address;
        umem.buffer().setMemory(offset, FRAME_LENGTH, (byte)0);
        umem.buffer().putBytes(offset, new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, (byte)0x88, (byte)0xB5});
    }

    @Override
    void kernelStep(final int expectedCompletions)
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (tx.outstanding() > 0 && System.nanoTime() < deadline)
        {
            socket.wakeupTx();
        }
        while (completion.occupancy() < expectedCompletions && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertEquals(0, tx.outstanding(), "kernel consumed the TX ring");
        assertEquals(expectedCompletions, completion.occupancy(), "completions");
    }

    @Test
    void copyModeAlwaysAsksForTxWakeupsAndCountsThem()
    {
        assertEquals(XskBindMode.COPY, socket.boundMode());
        assertTrue(socket.needWakeup());
        assertTrue(tx.needsWakeup(), "copy mode keeps XDP_RING_NEED_WAKEUP set on TX");
        submitFrames(0, 40);
        final long before = socket.txWakeups();
        kernelStep(40);
        assertTrue(socket.txWakeups() - before >= 2, "at most 32 descriptors per sendto: " +
            (socket.txWakeups() - before) + " kicks");
    }

    @Test
    void kernelCountsAnInvalidDescriptorAndHandsItBackOnTheCompletionRing()
    {
        assertEquals(2, tx.reserve(2));
        prepareFrame(0);
        final long outside = umem.memory().byteSize() + 64;
        tx.putDescriptor(0, outside, FRAME_LENGTH);
        tx.putDescriptor(1, 0, FRAME_LENGTH);
        tx.submit();
        kernelStep(2);
        assertEquals(2, completion.peek(RING_SIZE));
        // Linux 6.18 copy mode: the refused descriptor is counted and handed back as it was, in order
        assertEquals(outside, completion.address(0));
        assertEquals(0L, completion.address(1));
        assertEquals(1, socket.readStatistics(new XskStatistics()).txInvalidDescs);
    }
}
