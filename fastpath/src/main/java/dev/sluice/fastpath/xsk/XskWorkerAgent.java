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
    public static final int COUNTER_CYCLES = WorkerCounters.CYCLES;
    public static final int COUNTER_RX_PACKETS = WorkerCounters.RX_PACKETS;
    public static final int COUNTER_TX_PACKETS = WorkerCounters.TX_PACKETS;
    /** Frames the pipeline dropped (per-reason counts are the stages' own). */
    public static final int COUNTER_PIPELINE_DROPS = WorkerCounters.PIPELINE_DROPS;
    /** Live frames freed because the output TX ring had no room. */
    public static final int COUNTER_TX_RING_FULL = WorkerCounters.TX_RING_FULL;
    /** Frames from a port without an output port. */
    public static final int COUNTER_NO_OUTPUT = WorkerCounters.NO_OUTPUT;
    public static final int COUNTER_COMPLETIONS = WorkerCounters.COMPLETIONS;
    public static final int COUNTER_FILLED = WorkerCounters.FILLED;
    /** Frame state transitions the pool refused (a bug if not 0). */
    public static final int COUNTER_INVALID_FRAMES = WorkerCounters.INVALID_FRAMES;
    public static final int COUNTER_TX_WAKEUPS = WorkerCounters.TX_WAKEUPS;
    public static final int COUNTER_FILL_WAKEUPS = WorkerCounters.FILL_WAKEUPS;
    public static final int COUNTER_COUNT = WorkerCounters.COUNT;

    /** A MAC rewrite: 6 bytes destination then 6 bytes source, written over the frame's first 12 bytes. */
    public static final int MAC_REWRITE_LENGTH = PortIo.MAC_REWRITE_LENGTH;

    private final String roleName;
    private final Umem umem;
    private final FramePool pool;
    private final UnsafeBuffer buffer;
    private final PortIo[] ports;
    private final int[] outputPort;
    private final Pipeline pipeline;
    private final PacketVector vector;
    private final NanoClock clock;
    private final int cpu;
    private final Counters counters = new Counters(COUNTER_COUNT);
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
        this.outputPort = outputPort.clone();
        this.ports = new PortIo[sockets.length];
        for (int p = 0; p < sockets.length; p++)
        {
            ports[p] = new PortIo(p, sockets[p], counters, macRewrite == null ? null : macRewrite[p]);
        }
        this.pipeline = pipeline;
        this.vector = new PacketVector(capacity);
        this.clock = clock;
        this.cpu = cpu;
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
        for (int p = 0; p < ports.length; p++)
        {
            work += receive(p);
        }
        for (final PortIo port : ports)
        {
            port.kickTx();
        }
        for (final PortIo port : ports)
        {
            work += port.reap();
        }
        for (final PortIo port : ports)
        {
            port.refill(Integer.MAX_VALUE);
        }
        counters.incrementRelease(COUNTER_CYCLES);
        return work;
    }

    private int receive(final int port)
    {
        final int out = outputPort[port];
        final int budget = out < 0 ? vector.capacity : Math.min(vector.capacity, ports[out].txRoom());
        if (budget == 0)
        {
            counters.incrementRelease(WorkerCounters.RX_DEFERRED);
            return 0;
        }
        final PacketVector v = vector.reset(buffer);
        final int received = ports[port].receive(v, budget, sequence);
        if (received == 0)
        {
            return 0;
        }
        sequence += received;
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
        final PortIo output = ports[out];
        int dropped = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                pool.free(v.frame[i]);
                dropped++;
            }
            else
            {
                output.send(v.frame[i], v.offset[i], v.length[i]);
            }
        }
        output.submitTx();
        if (dropped != 0)
        {
            counters.addRelease(COUNTER_PIPELINE_DROPS, dropped);
        }
    }

    /**
     * Compares the pool's view of every frame with the rings' indices. Only meaningful while the worker is not
     * running (between cycles, or after its runner stopped) and the kernel is quiet (no traffic arriving).
     *
     * @return null when every frame is accounted for, else what does not add up.
     */
    public String checkFrameAccounting()
    {
        return PortIo.checkFrameAccounting(pool, ports);
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
