package dev.sluice.fastpath.xsk;

import org.agrona.concurrent.UnsafeBuffer;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.Counters;

/**
 * The ring work of one port of a worker, shared by every AF_XDP worker ({@link XskWorkerAgent},
 * {@link NodeWorkerAgent}): receive a batch from RX into a {@link PacketVector}, queue frames on TX (one
 * {@link #submitTx()} per batch), kick TX, reap the completion ring, refill the fill ring. Every frame it touches
 * goes through the {@link FramePool} with this port as its owner, so that a removed port's frames can be
 * {@linkplain FramePool#reclaim(int) reclaimed}.
 * <p>
 * Counts into the worker's {@link WorkerCounters} and into its own per-port counters ({@code COUNTER_*}, single
 * writer: the worker; any thread reads with acquire). Worker thread only otherwise; nothing allocated, locked or
 * thrown per packet.
 */
public final class PortIo
{
    public static final int COUNTER_RX_PACKETS = 0;
    public static final int COUNTER_TX_PACKETS = 1;
    /** Live frames meant for this port that found its TX ring full. */
    public static final int COUNTER_TX_RING_FULL = 2;
    /** Frames received here and freed unprocessed (port being removed, no tables yet). */
    public static final int COUNTER_RX_DISCARDED = 3;
    public static final int COUNTER_COUNT = 4;

    /** A MAC rewrite: 6 bytes destination then 6 bytes source, written over the frame's first 12 bytes. */
    public static final int MAC_REWRITE_LENGTH = 12;

    private final int id;
    private final XskSocket socket;
    private final FramePool pool;
    private final UnsafeBuffer buffer;
    private final XskConsumerRing rx;
    private final XskProducerRing tx;
    private final XskProducerRing fill;
    private final XskConsumerRing completion;
    private final Counters worker;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final byte[] macRewrite;
    private boolean txPending;
    private long inFlight;

    /**
     * @param id         the port number (the vector's ingress port, the frames' owner in the pool).
     * @param socket     the port's socket.
     * @param worker     the worker's counters ({@link WorkerCounters} ids).
     * @param macRewrite 12 bytes (dst MAC, src MAC) written into every frame sent here, or null.
     */
    public PortIo(final int id, final XskSocket socket, final Counters worker, final byte[] macRewrite)
    {
        if (id < 0 || id > FramePool.MAX_OWNER)
        {
            throw new IllegalArgumentException("port id out of range 0.." + FramePool.MAX_OWNER + ": " + id);
        }
        if (macRewrite != null && macRewrite.length != MAC_REWRITE_LENGTH)
        {
            throw new IllegalArgumentException("MAC rewrite of port " + id + " must be 12 bytes: " +
                macRewrite.length);
        }
        this.id = id;
        this.socket = socket;
        this.pool = socket.umem().pool();
        this.buffer = socket.umem().buffer();
        this.rx = socket.rx();
        this.tx = socket.tx();
        this.fill = socket.fill();
        this.completion = socket.completion();
        this.worker = worker;
        this.macRewrite = macRewrite == null ? null : macRewrite.clone();
    }

    public int id()
    {
        return id;
    }

    public XskSocket socket()
    {
        return socket;
    }

    /** @return this port's counters ({@code COUNTER_*}). */
    public Counters counters()
    {
        return counters;
    }

    /**
     * Takes up to {@code max} frames from RX into the vector (appending; the caller reset it), releasing RX once.
     * A descriptor the pool refuses (never given for RX) is counted, not added.
     *
     * @param v        the vector.
     * @param max      most frames to take.
     * @param sequence the sequence number of the first frame.
     * @return frames taken off the ring.
     */
    public int receive(final PacketVector v, final int max, final long sequence)
    {
        final int received = rx.peek(max);
        if (received == 0)
        {
            return 0;
        }
        int invalid = 0;
        for (int i = 0; i < received; i++)
        {
            final long address = rx.address(i);
            if (pool.onReceived(address))
            {
                v.add(address, (int)address, rx.length(i), id, sequence + i);
            }
            else
            {
                invalid++;
            }
        }
        rx.release(received);
        worker.addRelease(WorkerCounters.RX_PACKETS, received);
        counters.addRelease(COUNTER_RX_PACKETS, received);
        if (invalid != 0)
        {
            worker.addRelease(WorkerCounters.INVALID_FRAMES, invalid);
        }
        return received;
    }

    /**
     * Frees everything waiting on RX unprocessed (a port being removed).
     *
     * @return frames freed.
     */
    public int discardRx()
    {
        final int received = rx.peek(rx.size());
        if (received == 0)
        {
            return 0;
        }
        int invalid = 0;
        for (int i = 0; i < received; i++)
        {
            final long address = rx.address(i);
            if (!pool.onReceived(address) || !pool.free(address))
            {
                invalid++;
            }
        }
        rx.release(received);
        onDiscarded(received);
        if (invalid != 0)
        {
            worker.addRelease(WorkerCounters.INVALID_FRAMES, invalid);
        }
        return received;
    }

    /**
     * Counts frames of this port's RX freed unprocessed by the caller.
     *
     * @param frames how many.
     */
    public void onDiscarded(final int frames)
    {
        worker.addRelease(WorkerCounters.RX_DISCARDED, frames);
        counters.addRelease(COUNTER_RX_DISCARDED, frames);
    }

    /**
     * @return TX slots free now (re-reads the kernel's consumer index when the cached view is short of a vector).
     */
    public int txRoom()
    {
        final int cached = tx.cachedFree();
        if (cached >= PacketVector.MAX_CAPACITY)
        {
            return cached;
        }
        final int free = tx.reserve(tx.size());
        tx.cancel(free);
        return tx.cachedFree();
    }

    /**
     * Queues one frame for transmission (published by the next {@link #submitTx()}), applying the port's MAC
     * rewrite. When the ring is full the frame is freed and counted.
     *
     * @param frame  the frame's address (as received).
     * @param offset first byte to send (UMEM address).
     * @param length bytes to send.
     * @return true if queued.
     */
    public boolean send(final long frame, final int offset, final int length)
    {
        if (tx.reserve(1) == 0)
        {
            pool.free(frame);
            worker.incrementRelease(WorkerCounters.TX_RING_FULL);
            counters.incrementRelease(COUNTER_TX_RING_FULL);
            return false;
        }
        if (macRewrite != null)
        {
            buffer.putBytes(offset, macRewrite, 0, MAC_REWRITE_LENGTH);
        }
        tx.putDescriptor(tx.reserved() - 1, offset, length);
        if (!pool.toTx(frame, id))
        {
            // never ours to send: take the slot back rather than hand the kernel a frame we do not hold
            tx.cancel(1);
            worker.incrementRelease(WorkerCounters.INVALID_FRAMES);
            return false;
        }
        return true;
    }

    /**
     * Publishes every frame queued by {@link #send} with one release store.
     *
     * @return frames published.
     */
    public int submitTx()
    {
        final int sent = tx.submit();
        if (sent != 0)
        {
            txPending = true;
            inFlight += sent;
            worker.addRelease(WorkerCounters.TX_PACKETS, sent);
            counters.addRelease(COUNTER_TX_PACKETS, sent);
        }
        return sent;
    }

    /** Most {@code sendto} kicks per port per duty cycle: a full 64-frame vector plus leftovers, at 32 per kick. */
    public static final int MAX_TX_KICKS_PER_CYCLE = 4;

    /**
     * Kicks the kernel while TX has outstanding entries. Copy mode sends at most 32 frames per {@code sendto}, and
     * synchronously, so the ring is drained here with up to {@link #MAX_TX_KICKS_PER_CYCLE} kicks instead of one
     * kick per duty cycle (which capped a port at 32 frames per cycle and left RX waiting for TX room).
     */
    public void kickTx()
    {
        if (!txPending)
        {
            return;
        }
        for (int kicks = 0; kicks < MAX_TX_KICKS_PER_CYCLE; kicks++)
        {
            final int before = tx.outstanding();
            if (before == 0)
            {
                txPending = false;
                return;
            }
            // copy mode keeps NEED_WAKEUP set: kick while anything is outstanding
            if (socket.needWakeup() && !tx.needsWakeup())
            {
                return;
            }
            socket.wakeupTx();
            worker.incrementRelease(WorkerCounters.TX_WAKEUPS);
            if (tx.outstanding() >= before)
            {
                return; // the kernel took nothing (device busy): try again next cycle
            }
        }
    }

    /**
     * Returns completed TX frames to the pool.
     *
     * @return completions reaped.
     */
    public int reap()
    {
        final int completed = completion.peek(completion.size());
        if (completed == 0)
        {
            return 0;
        }
        int invalid = 0;
        for (int i = 0; i < completed; i++)
        {
            if (!pool.onCompleted(completion.address(i)))
            {
                invalid++;
            }
        }
        completion.release(completed);
        inFlight -= completed;
        worker.addRelease(WorkerCounters.COMPLETIONS, completed);
        if (invalid != 0)
        {
            worker.addRelease(WorkerCounters.INVALID_FRAMES, invalid);
        }
        return completed;
    }

    /**
     * Gives the kernel up to {@code max} free frames on the fill ring, and wakes the driver when it asks.
     *
     * @param max most frames to give (the pool's free frames are shared by every port).
     * @return frames given.
     */
    public int refill(final int max)
    {
        int filled = 0;
        final int available = Math.min(max, pool.available());
        if (available > 0)
        {
            final int reserved = fill.reserve(available);
            for (int i = 0; i < reserved; i++)
            {
                fill.putAddress(i, pool.toFill(id));
            }
            filled = fill.submit();
            if (filled != 0)
            {
                worker.addRelease(WorkerCounters.FILLED, filled);
            }
        }
        if (socket.needWakeup() && fill.needsWakeup())
        {
            socket.wakeupFill();
            worker.incrementRelease(WorkerCounters.FILL_WAKEUPS);
        }
        return filled;
    }

    /** @return frames submitted on TX whose completion has not been reaped yet. */
    public long txInFlight()
    {
        return inFlight;
    }

    /** @return frames given to the fill ring and RX ring that the kernel has not consumed / we have not read. */
    public int onFillOrRx()
    {
        return fill.outstanding() + rx.occupancy();
    }

    /** @return entries on the TX ring not yet consumed plus completions not yet reaped. */
    public int onTxOrCompletion()
    {
        return tx.outstanding() + completion.occupancy();
    }

    /**
     * Compares the pool's view of every frame with the rings of the given ports. Only meaningful while no worker
     * runs a cycle and the kernel is quiet.
     *
     * @param pool  the UMEM's frame pool.
     * @param ports every port whose rings may hold frames of the pool.
     * @return null when every frame is accounted for, else what does not add up.
     */
    public static String checkFrameAccounting(final FramePool pool, final PortIo[] ports)
    {
        final String consistency = pool.checkConsistency();
        if (consistency != null)
        {
            return consistency;
        }
        int onFillOrRx = 0;
        int onTxOrCompletion = 0;
        for (final PortIo port : ports)
        {
            onFillOrRx += port.onFillOrRx();
            onTxOrCompletion += port.onTxOrCompletion();
        }
        if (pool.count(FramePool.FILL) != onFillOrRx)
        {
            return "frames given for RX: pool says " + pool.count(FramePool.FILL) + ", fill+RX rings hold " +
                onFillOrRx + " (" + pool + ")";
        }
        if (pool.count(FramePool.TX) != onTxOrCompletion)
        {
            return "frames given for TX: pool says " + pool.count(FramePool.TX) + ", TX+completion rings hold " +
                onTxOrCompletion + " (" + pool + ")";
        }
        if (pool.count(FramePool.WORKER) != 0)
        {
            return pool.count(FramePool.WORKER) + " frames held by the worker between cycles (" + pool + ")";
        }
        if (pool.invalidTransitions() != 0)
        {
            return pool.invalidTransitions() + " invalid frame transitions (" + pool + ")";
        }
        return null;
    }

    @Override
    public String toString()
    {
        return "PortIo{" + id + ", " + socket + "}";
    }
}
