package dev.sluice.fastpath.xsk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A UMEM: one page-aligned region of {@code frameCount} frames of {@code frameSize} bytes, registered with the
 * kernel by the first {@link XskSocket} created on it ({@code XDP_UMEM_REG}) and shared by every later socket
 * ({@code XDP_SHARED_UMEM}), so that forwarding between ports moves a frame address, not bytes. A frame's
 * address is its byte offset in the region, which is also its offset in {@link #buffer()} (the buffer a
 * {@code PacketVector} of the worker wraps).
 * <p>
 * Headroom: received data starts {@link XskDescriptor#XDP_PACKET_HEADROOM} + {@link #headroom()} bytes into its
 * frame (aligned mode), so even with a UMEM headroom of 0 a stage can prepend up to 256 bytes (Geneve encap needs
 * 50 to 70) without copying.
 * <p>
 * Lifecycle: the memory must outlive every socket on it; {@link #close()} refuses while sockets are open (close
 * the ports first: detach program, close socket, close UMEM).
 */
public final class Umem implements AutoCloseable
{
    /** Page size the region is aligned to (x86-64). */
    public static final int PAGE_SIZE = 4096;

    private final Arena arena;
    private final MemorySegment memory;
    private final UnsafeBuffer buffer;
    private final FramePool pool;
    private final int frameCount;
    private final int frameSize;
    private final int headroom;
    private final List<int[]> sockets = new ArrayList<>();
    private boolean needWakeup;
    private boolean closed;

    private Umem(final int frameCount, final int frameSize, final int headroom)
    {
        this.frameCount = frameCount;
        this.frameSize = frameSize;
        this.headroom = headroom;
        this.arena = Arena.ofShared();
        this.memory = arena.allocate((long)frameCount * frameSize, PAGE_SIZE);
        this.buffer = new UnsafeBuffer(memory.address(), (int)memory.byteSize());
        this.pool = new FramePool(frameCount, frameSize);
    }

    /**
     * Allocates a UMEM (not yet registered: the first socket does that).
     *
     * @param frameCount frames, at least 1; frameCount * frameSize at most 1 GiB.
     * @param frameSize  2048 or 4096 (the kernel's aligned-mode chunk sizes that fit a page).
     * @param headroom   extra bytes the kernel leaves before received data, on top of its own 256; 0..frameSize/2.
     * @return the UMEM.
     */
    public static Umem allocate(final int frameCount, final int frameSize, final int headroom)
    {
        if (frameSize != 2048 && frameSize != 4096)
        {
            throw new IllegalArgumentException("frame size must be 2048 or 4096: " + frameSize);
        }
        if (frameCount < 1 || (long)frameCount * frameSize > (1L << 30))
        {
            throw new IllegalArgumentException("frame count must be 1.." + ((1 << 30) / frameSize) + " for frames of " +
                frameSize + " bytes: " + frameCount);
        }
        if (headroom < 0 || headroom > frameSize / 2)
        {
            throw new IllegalArgumentException("headroom must be 0.." + frameSize / 2 + ": " + headroom);
        }
        return new Umem(frameCount, frameSize, headroom);
    }

    /** @return the region as a buffer; offset == UMEM address. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the region. */
    public MemorySegment memory()
    {
        return memory;
    }

    /** @return the free frames and where every other frame is. */
    public FramePool pool()
    {
        return pool;
    }

    public int frameCount()
    {
        return frameCount;
    }

    public int frameSize()
    {
        return frameSize;
    }

    /** @return the UMEM headroom passed to {@code XDP_UMEM_REG}. */
    public int headroom()
    {
        return headroom;
    }

    /** @return bytes of packet data a received frame can hold. */
    public int maxFrameLength()
    {
        return frameSize - XskDescriptor.XDP_PACKET_HEADROOM - headroom;
    }

    /** @return the fd of an open socket on this UMEM (the one to share it through), -1 when there is none. */
    public synchronized int ownerFd()
    {
        return sockets.isEmpty() ? -1 : sockets.get(0)[0];
    }

    /** @return whether the sockets of this UMEM run with XDP_USE_NEED_WAKEUP (set by the first socket). */
    synchronized boolean needWakeup()
    {
        return needWakeup;
    }

    /** @return sockets open on this UMEM. */
    public synchronized int openSockets()
    {
        return sockets.size();
    }

    /**
     * Checks the kernel's sharing rule before a socket is made: with its own fill and completion rings, a socket
     * sharing this UMEM must be on another (interface, queue) than every other socket on it.
     */
    synchronized void checkCanBind(final int ifindex, final int queue)
    {
        checkOpen();
        for (final int[] socket : sockets)
        {
            if (socket[1] == ifindex && socket[2] == queue)
            {
                throw new IllegalArgumentException("UMEM already has a socket on ifindex " + ifindex + " queue " +
                    queue + " (fd " + socket[0] + "); one socket per (interface, queue) on a UMEM");
            }
        }
    }

    synchronized void onSocketBound(final int fd, final int ifindex, final int queue, final boolean wakeup)
    {
        checkOpen();
        if (sockets.isEmpty())
        {
            needWakeup = wakeup;
        }
        sockets.add(new int[] {fd, ifindex, queue});
    }

    synchronized void onSocketClosed(final int fd)
    {
        // the kernel keeps its UMEM while any socket on it lives; a new first socket registers it again
        sockets.removeIf(socket -> socket[0] == fd);
    }

    /**
     * Frees the memory. Idempotent.
     *
     * @throws IllegalStateException if sockets are still open on it (the kernel would write into freed memory).
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        if (!sockets.isEmpty())
        {
            throw new IllegalStateException("UMEM still used by " + sockets.size() + " socket(s): close them first");
        }
        closed = true;
        arena.close();
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("UMEM is closed");
        }
    }

    @Override
    public String toString()
    {
        return "Umem{frames=" + frameCount + " x " + frameSize + " B, headroom=" + headroom + ", sockets=" +
            openSockets() + "}";
    }
}
