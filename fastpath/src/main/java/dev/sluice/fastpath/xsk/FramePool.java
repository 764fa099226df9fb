package dev.sluice.fastpath.xsk;

/**
 * The free frames of a UMEM (a stack of frame addresses) and, for every frame, where it is right now. A frame is
 * always in exactly one place:
 * <pre>
 *   FREE --toFill--> FILL --onReceived--> WORKER --toTx--> TX --onCompleted--> FREE
 *                                           |
 *                                           +--free--> FREE       (dropped by a stage or by a full TX ring)
 * </pre>
 * FILL covers "on a fill ring or on an RX ring" (the kernel moved it, we have not seen it yet); TX covers "on a
 * TX ring or on a completion ring". A transition from the wrong state (a double free, a completion for a frame
 * we never sent, an RX address we never gave) is refused and counted in {@link #invalidTransitions()} - never
 * thrown, and the frame is never pushed twice. Hence {@code count(FREE) + count(FILL) + count(WORKER) +
 * count(TX) == frameCount()} at every instant, and tests compare each count with the ring occupancies.
 * <p>
 * Owners: a frame handed to a fill ring or a TX ring remembers the port (socket) it was given to, so that when a
 * port goes away, {@link #reclaim(int)} returns every frame still on that socket's rings (or held by the kernel on
 * its behalf, e.g. taken from its fill ring into the kernel's own free list) to the pool, once the socket is closed.
 * <p>
 * Single-threaded: owned by the worker that owns the UMEM.
 */
public final class FramePool
{
    public static final byte FREE = 0;
    public static final byte FILL = 1;
    public static final byte WORKER = 2;
    public static final byte TX = 3;
    /** Highest port number a frame can be given to. */
    public static final int MAX_OWNER = Short.MAX_VALUE;
    private static final int STATES = 4;

    private final int frameCount;
    private final int frameShift;
    private final long frameMask;
    private final long[] stack;
    private final byte[] state;
    private final short[] owner;
    private final int[] counts = new int[STATES];
    private int top;
    private long invalidTransitions;

    /**
     * @param frameCount frames in the UMEM.
     * @param frameSize  bytes per frame, a power of two.
     */
    public FramePool(final int frameCount, final int frameSize)
    {
        if (frameCount < 1)
        {
            throw new IllegalArgumentException("frame count must be positive: " + frameCount);
        }
        if (frameSize < 1 || Integer.bitCount(frameSize) != 1)
        {
            throw new IllegalArgumentException("frame size must be a power of two: " + frameSize);
        }
        this.frameCount = frameCount;
        this.frameShift = Integer.numberOfTrailingZeros(frameSize);
        this.frameMask = ~((long)frameSize - 1);
        this.stack = new long[frameCount];
        this.state = new byte[frameCount];
        this.owner = new short[frameCount];
        // the lowest addresses on top, so a quiet worker keeps touching the same few frames
        for (int i = 0; i < frameCount; i++)
        {
            stack[i] = (long)(frameCount - 1 - i) << frameShift;
        }
        top = frameCount;
        counts[FREE] = frameCount;
    }

    /** @return frames in the UMEM. */
    public int frameCount()
    {
        return frameCount;
    }

    /** @return frames in the pool. */
    public int available()
    {
        return top;
    }

    /**
     * @param where {@link #FREE}, {@link #FILL}, {@link #WORKER} or {@link #TX}.
     * @return frames in that place now.
     */
    public int count(final byte where)
    {
        return counts[where];
    }

    /** @return transitions refused because the frame was not where the transition starts (should stay 0). */
    public long invalidTransitions()
    {
        return invalidTransitions;
    }

    /**
     * @param address any address inside a frame.
     * @return where the frame is, or -1 when the address is outside the UMEM.
     */
    public int stateOf(final long address)
    {
        final long index = address >>> frameShift;
        return address < 0 || index >= frameCount ? -1 : state[(int)index];
    }

    /**
     * Takes a free frame for a fill ring.
     *
     * @return the frame's base address, or -1 when the pool is empty.
     */
    public long toFill()
    {
        return toFill(0);
    }

    /**
     * Takes a free frame for the fill ring of one port.
     *
     * @param port the port (0..{@link #MAX_OWNER}) whose fill ring gets the frame.
     * @return the frame's base address, or -1 when the pool is empty.
     */
    public long toFill(final int port)
    {
        if (top == 0)
        {
            return -1;
        }
        final long address = stack[--top];
        final int index = (int)(address >>> frameShift);
        owner[index] = (short)port;
        move(index, FREE, FILL);
        return address;
    }

    /**
     * Takes a free frame for the worker itself (e.g. to build a packet to send).
     *
     * @return the frame's base address, or -1 when the pool is empty.
     */
    public long toWorker()
    {
        if (top == 0)
        {
            return -1;
        }
        final long address = stack[--top];
        move((int)(address >>> frameShift), FREE, WORKER);
        return address;
    }

    /**
     * A frame arrived on an RX ring.
     *
     * @param address the descriptor's address (anywhere inside the frame).
     * @return true if the frame was on a fill ring, false (counted) otherwise.
     */
    public boolean onReceived(final long address)
    {
        final int index = index(address);
        return index >= 0 && transition(index, FILL, WORKER);
    }

    /**
     * A frame goes onto a TX ring.
     *
     * @param address any address inside the frame.
     * @return true if the worker held it, false (counted) otherwise.
     */
    public boolean toTx(final long address)
    {
        return toTx(address, 0);
    }

    /**
     * A frame goes onto the TX ring of one port.
     *
     * @param address any address inside the frame.
     * @param port    the port (0..{@link #MAX_OWNER}) whose TX ring gets it.
     * @return true if the worker held it, false (counted) otherwise.
     */
    public boolean toTx(final long address, final int port)
    {
        final int index = index(address);
        if (index >= 0 && transition(index, WORKER, TX))
        {
            owner[index] = (short)port;
            return true;
        }
        return false;
    }

    /**
     * A port's socket is closed: every frame still given to it (on its fill, RX, TX or completion ring, or kept by
     * the kernel for it) comes back to the pool. Only call after the socket is closed: the kernel no longer writes
     * or reads any of them.
     *
     * @param port the port.
     * @return frames reclaimed.
     */
    public int reclaim(final int port)
    {
        int reclaimed = 0;
        for (int i = 0; i < frameCount; i++)
        {
            final byte where = state[i];
            if ((where == FILL || where == TX) && owner[i] == port)
            {
                move(i, where, FREE);
                stack[top++] = (long)i << frameShift;
                reclaimed++;
            }
        }
        return reclaimed;
    }

    /**
     * @param where {@link #FILL} or {@link #TX} (or any place).
     * @param port  the port.
     * @return frames in that place given to that port (a scan: tests and tools, not the packet path).
     */
    public int count(final byte where, final int port)
    {
        int n = 0;
        for (int i = 0; i < frameCount; i++)
        {
            if (state[i] == where && owner[i] == port)
            {
                n++;
            }
        }
        return n;
    }

    /**
     * A frame came back on a completion ring: back to the pool.
     *
     * @param address the completion entry (anywhere inside the frame).
     * @return true if the frame was on its way out, false (counted, not pushed) otherwise.
     */
    public boolean onCompleted(final long address)
    {
        final int index = index(address);
        if (index >= 0 && transition(index, TX, FREE))
        {
            stack[top++] = address & frameMask;
            return true;
        }
        return false;
    }

    /**
     * The worker is done with a frame (dropped): back to the pool.
     *
     * @param address anywhere inside the frame.
     * @return true if the worker held it, false (counted, not pushed: a double free) otherwise.
     */
    public boolean free(final long address)
    {
        final int index = index(address);
        if (index >= 0 && transition(index, WORKER, FREE))
        {
            stack[top++] = address & frameMask;
            return true;
        }
        return false;
    }

    /**
     * Consistency check for tests and shutdown: the per-place counts add up and agree with the stack and the
     * per-frame states.
     *
     * @return null when consistent, else what is wrong.
     */
    public String checkConsistency()
    {
        final int[] recount = new int[STATES];
        for (int i = 0; i < frameCount; i++)
        {
            recount[state[i]]++;
        }
        for (int s = 0; s < STATES; s++)
        {
            if (recount[s] != counts[s])
            {
                return "state " + s + ": " + recount[s] + " frames, counted " + counts[s];
            }
        }
        if (counts[FREE] != top)
        {
            return "pool stack holds " + top + " frames, " + counts[FREE] + " are FREE";
        }
        final boolean[] seen = new boolean[frameCount];
        for (int i = 0; i < top; i++)
        {
            final int index = (int)(stack[i] >>> frameShift);
            if (seen[index] || state[index] != FREE)
            {
                return "frame " + index + " on the free stack twice or not FREE";
            }
            seen[index] = true;
        }
        return null;
    }

    @Override
    public String toString()
    {
        return "FramePool{frames=" + frameCount + ", free=" + counts[FREE] + ", fill=" + counts[FILL] +
            ", worker=" + counts[WORKER] + ", tx=" + counts[TX] + ", invalid=" + invalidTransitions + "}";
    }

    private int index(final long address)
    {
        final long index = address >>> frameShift;
        if (address < 0 || index >= frameCount)
        {
            invalidTransitions++;
            return -1;
        }
        return (int)index;
    }

    private boolean transition(final int index, final byte from, final byte to)
    {
        if (state[index] != from)
        {
            invalidTransitions++;
            return false;
        }
        move(index, from, to);
        return true;
    }

    private void move(final int index, final byte from, final byte to)
    {
        state[index] = to;
        counts[from]--;
        counts[to]++;
    }
}
