package dev.sluice.fastpath.xsk;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.sys.Libc;

/**
 * The fast-path worker: owns a UMEM and the AF_XDP sockets on it (one per port) and moves frames between them.
 * Its duty cycle ({@link #doWork()}):
 * <ol>
 * <li>read {@code nowNs} once;</li>
 * <li>for each port: peek its RX ring up to the vector capacity into a {@link PacketVector} over the UMEM, release
 * RX once, run the {@link Pipeline}, then forward: every live frame goes to the TX ring of its output port (a
 * static port map for now, with an optional MAC rewrite per output port), every dropped frame back to the pool;
 * frames that find the TX ring full are freed and counted;</li>
 * <li>kick TX where the kernel asks for it (in copy mode the flag is always set: keep kicking while entries are
 * outstanding, each {@code sendto} sends at most 32);</li>
 * <li>reap completion rings back into the pool;</li>
 * <li>refill every fill ring from the pool, waking the driver when it asks;</li>
 * <li>return the frames moved (drives the {@link org.agrona.concurrent.IdleStrategy}).</li>
 * </ol>
 * Nothing is allocated, locked or thrown per packet; every outcome is a counter. Run it with an
 * {@link org.agrona.concurrent.AgentRunner}; {@link #onStart()} pins the thread when a CPU was given.
 * <p>
 * Frame accounting: every frame is in the pool, on a fill/RX ring, in the vector, or on a TX/completion ring
 * ({@link FramePool}); {@link #checkFrameAccounting()} compares the pool's view with the ring indices.
 */
public final class XskWorkerAgent implements Agent
{
    public static final int COUNTER_CYCLES = 0;
    public static final int COUNTER_RX_PACKETS = 1;
    public static final int COUNTER_TX_PACKETS = 2;
    /** Frames the pipeline dropped (per-reason counts are the stages' own). */
    public static final int COUNTER_PIPELINE_DROPS = 3;
    /** Live frames freed because the output TX ring had no room. */
    public static final int COUNTER_TX_RING_FULL = 4;
    /** Frames from a port without an output port. */
    public static final int COUNTER_NO_OUTPUT = 5;
    public static final int COUNTER_COMPLETIONS = 6;
    public static final int COUNTER_FILLED = 7;
    /** Frame state transitions the pool refused (a bug if not 0). */
    public static final int COUNTER_INVALID_FRAMES = 8;
    public static final int COUNTER_TX_WAKEUPS = 9;
    public static final int COUNTER_FILL_WAKEUPS = 10;
    public static final int COUNTER_COUNT = 11;

    /** A MAC rewrite: 6 bytes destination then 6 bytes source, written over the frame's first 12 bytes. */
    public static final int MAC_REWRITE_LENGTH = 12;

    private final String roleName;
    private final Umem umem;
    private final FramePool pool;
    private final UnsafeBuffer buffer;
    private final XskSocket[] sockets;
    private final int[] outputPort;
    private final byte[][] macRewrite;
    private final Pipeline pipeline;
    private final PacketVector vector;
    private final NanoClock clock;
    private final int cpu;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final boolean[] txPending;
    private long sequence;
    private long nowNs;

    /**
     * @param roleName   the agent's name (thread name).
     * @param umem       the UMEM every socket is on.
     * @param sockets    the ports' sockets; index = port number = the vector's ingress port.
     * @param outputPort for each port, the port its frames go to (-1: drop).
     * @param macRewrite for each output port, 12 bytes (dst MAC, src MAC) to write into forwarded frames, or null
     *                   (the array or an element) to leave frames as they are.
     * @param pipeline   the stages run over each received vector.
     * @param capacity   vector capacity (frames per RX batch), 1..{@link PacketVector#MAX_CAPACITY}.
     * @param clock      the clock read once per cycle.
     * @param cpu        CPU to pin the worker thread to in {@link #onStart()}, or -1.
     */
    public XskWorkerAgent(final String roleName, final Umem umem, final XskSocket[] sockets, final int[] outputPort,
        final byte[][] macRewrite, final Pipeline pipeline, final int capacity, final NanoClock clock, final int cpu)
    {
        if (sockets.length == 0 || outputPort.length != sockets.length)
        {
            throw new IllegalArgumentException("need one output port per socket: " + sockets.length + " sockets, " +
                outputPort.length + " output ports");
        }
        for (int p = 0; p < sockets.length; p++)
        {
            if (sockets[p].umem() != umem)
            {
                throw new IllegalArgumentException("socket " + sockets[p] + " is not on this worker's UMEM");
            }
            if (outputPort[p] < -1 || outputPort[p] >= sockets.length)
            {
                throw new IllegalArgumentException("output port of port " + p + " out of range -1.." +
                    (sockets.length - 1) + ": " + outputPort[p]);
            }
            if (macRewrite != null && macRewrite[p] != null && macRewrite[p].length != MAC_REWRITE_LENGTH)
            {
                throw new IllegalArgumentException("MAC rewrite of port " + p + " must be 12 bytes: " +
                    macRewrite[p].length);
            }
        }
        this.roleName = roleName;
        this.umem = umem;
        this.pool = umem.pool();
        this.buffer = umem.buffer();
        this.sockets = sockets.clone();
        this.outputPort = outputPort.clone();
        this.macRewrite = macRewrite == null ? new byte[sockets.length][] : macRewrite.clone();
        this.pipeline = pipeline;
        this.vector = new PacketVector(capacity);
        this.clock = clock;
        this.cpu = cpu;
        this.txPending = new boolean[sockets.length];
    }

    @Override
    public void onStart()
    {
        if (cpu >= 0)
        {
            Libc.pinCurrentThread(cpu);
        }
    }

    @Override
    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = 0;
        for (int p = 0; p < sockets.length; p++)
        {
            work += receive(p);
        }
        for (int p = 0; p < sockets.length; p++)
        {
            kickTx(p);
        }
        for (int p = 0; p < sockets.length; p++)
        {
            work += reap(sockets[p].completion());
        }
        for (int p = 0; p < sockets.length; p++)
        {
            work += refill(sockets[p]);
        }
        counters.incrementRelease(COUNTER_CYCLES);
        return work;
    }

    private int receive(final int port)
    {
        final XskConsumerRing rx = sockets[port].rx();
        final int received = rx.peek(vector.capacity);
        if (received == 0)
        {
            return 0;
        }
        final PacketVector v = vector.reset(buffer);
        int invalid = 0;
        for (int i = 0; i < received; i++)
        {
            final long address = rx.address(i);
            if (pool.onReceived(address))
            {
                v.add(address, (int)address, rx.length(i), port, sequence++);
            }
            else
            {
                invalid++;
            }
        }
        rx.release(received);
        counters.addRelease(COUNTER_RX_PACKETS, received);
        if (invalid != 0)
        {
            counters.addRelease(COUNTER_INVALID_FRAMES, invalid);
        }
        pipeline.process(v);
        forward(v, port);
        return received;
    }

    private void forward(final PacketVector v, final int port)
    {
        final int size = v.size();
        final int out = outputPort[port];
        if (out < 0)
        {
            for (int i = 0; i < size; i++)
            {
                pool.free(v.frame[i]);
            }
            counters.addRelease(COUNTER_NO_OUTPUT, size);
            return;
        }
        final XskProducerRing tx = sockets[out].tx();
        final byte[] rewrite = macRewrite[out];
        final int reserved = tx.reserve(v.aliveCount());
        int sent = 0;
        int dropped = 0;
        int full = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                pool.free(v.frame[i]);
                dropped++;
            }
            else if (sent < reserved)
            {
                final int offset = v.offset[i];
                if (rewrite != null)
                {
                    buffer.putBytes(offset, rewrite, 0, MAC_REWRITE_LENGTH);
                }
                tx.putDescriptor(sent++, offset, v.length[i]);
                pool.toTx(v.frame[i]);
            }
            else
            {
                pool.free(v.frame[i]);
                full++;
            }
        }
        tx.submit();
        if (sent != 0)
        {
            txPending[out] = true;
            counters.addRelease(COUNTER_TX_PACKETS, sent);
        }
        if (dropped != 0)
        {
            counters.addRelease(COUNTER_PIPELINE_DROPS, dropped);
        }
        if (full != 0)
        {
            counters.addRelease(COUNTER_TX_RING_FULL, full);
        }
    }

    private void kickTx(final int port)
    {
        if (!txPending[port])
        {
            return;
        }
        final XskSocket socket = sockets[port];
        final XskProducerRing tx = socket.tx();
        if (tx.outstanding() == 0)
        {
            txPending[port] = false;
            return;
        }
        // copy mode keeps NEED_WAKEUP set and sends at most 32 per call: kick while anything is outstanding
        if (!socket.needWakeup() || tx.needsWakeup())
        {
            socket.wakeupTx();
            counters.incrementRelease(COUNTER_TX_WAKEUPS);
        }
    }

    private int reap(final XskConsumerRing completion)
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
        counters.addRelease(COUNTER_COMPLETIONS, completed);
        if (invalid != 0)
        {
            counters.addRelease(COUNTER_INVALID_FRAMES, invalid);
        }
        return completed;
    }

    private int refill(final XskSocket socket)
    {
        final XskProducerRing fill = socket.fill();
        int filled = 0;
        final int available = pool.available();
        if (available != 0)
        {
            final int reserved = fill.reserve(available);
            for (int i = 0; i < reserved; i++)
            {
                fill.putAddress(i, pool.toFill());
            }
            filled = fill.submit();
            if (filled != 0)
            {
                counters.addRelease(COUNTER_FILLED, filled);
            }
        }
        if (socket.needWakeup() && fill.needsWakeup())
        {
            socket.wakeupFill();
            counters.incrementRelease(COUNTER_FILL_WAKEUPS);
        }
        return 0;
    }

    /**
     * Compares the pool's view of every frame with the rings' indices. Only meaningful while the worker is not
     * running (between cycles, or after its runner stopped) and the kernel is quiet (no traffic arriving).
     *
     * @return null when every frame is accounted for, else what does not add up.
     */
    public String checkFrameAccounting()
    {
        final String consistency = pool.checkConsistency();
        if (consistency != null)
        {
            return consistency;
        }
        int onFillOrRx = 0;
        int onTxOrCompletion = 0;
        for (final XskSocket socket : sockets)
        {
            onFillOrRx += socket.fill().outstanding() + socket.rx().occupancy();
            onTxOrCompletion += socket.tx().outstanding() + socket.completion().occupancy();
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

    /**
     * @param id one of the {@code COUNTER_*} ids.
     * @return the counter's value (any thread).
     */
    public long counter(final int id)
    {
        return counters.getAcquire(id);
    }

    /** @return the worker's counters (single writer: the worker; readers use acquire). */
    public Counters counters()
    {
        return counters;
    }

    /** @return the clock value read at the start of the last cycle. */
    public long nowNs()
    {
        return nowNs;
    }

    public Umem umem()
    {
        return umem;
    }

    public Pipeline pipeline()
    {
        return pipeline;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
