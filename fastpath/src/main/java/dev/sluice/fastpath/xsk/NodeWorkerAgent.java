package dev.sluice.fastpath.xsk;

import java.util.Objects;
import java.util.function.Function;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import dev.sluice.fastpath.pipeline.NodePipeline;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.WorkerTables;

/**
 * The node's dataplane worker: one UMEM, every port of the node on it (uplink, host port, one per pod), the
 * {@link NodePipeline} over each received vector, and per-packet egress: a live packet leaves by the socket of
 * {@link PacketVector#egressPort}, batched per output port (one TX submit per port per vector). Its duty cycle
 * ({@link #doWork()}):
 * <ol>
 * <li>read {@code nowNs} once;</li>
 * <li>the boundary: apply queued port commands (add, remove, reclaim) and take new tables from
 * {@link WorkerTables} into {@link NodePipeline#install} - port sets and tables change here and nowhere else;</li>
 * <li>for each port: take from RX at most as many frames as the fullest TX ring has room for (copy-mode
 * {@code sendto} drains only 32 per call, so a receive that outruns TX would only free frames), run the pipeline,
 * queue each live frame on its output port's TX ring, free each dropped one;</li>
 * <li>kick TX, reap completions, refill each port's fill ring up to its share;</li>
 * <li>drain removed ports; expire conntrack within a budget; return the work done.</li>
 * </ol>
 * Before the first tables arrive nothing is forwarded (frames received are freed and counted as
 * {@link WorkerCounters#RX_DISCARDED}): the pipeline is built from the first snapshot.
 * <p>
 * <b>Ports come and go while it runs.</b> The control thread opens the socket (and XDP attachment) and calls
 * {@link #addPort}; the worker starts polling it at its next boundary. Removal ({@link #removePort}) is three steps,
 * so that every frame the port held comes back to the pool before anything is freed: (1) the caller detaches the
 * XDP program (no new frames arrive), (2) the worker stops forwarding to the port, frees what is on its RX ring,
 * keeps kicking TX until every frame it sent completed (or a deadline passed) and then lets go of the socket,
 * (3) the caller closes the socket and the worker {@linkplain FramePool#reclaim reclaims} every frame still owned by
 * the port (on its fill/RX/TX/completion rings, or kept by the kernel). Commands travel through a bounded queue (no
 * lock on the packet path); callers wait for each step with a deadline.
 * <p>
 * Nothing is allocated, locked or thrown per packet; boundaries allocate only when the port set changes.
 */
public final class NodeWorkerAgent implements Agent
{
    /**
     * Tuning.
     *
     * @param vectorCapacity frames per RX batch, 1..{@link PacketVector#MAX_CAPACITY}.
     * @param fillTarget     frames each port keeps on its fill ring (the UMEM's frames are shared by every port).
     * @param maxPorts       highest port id + 1.
     * @param expiryBudget   conntrack/affinity slots scanned per duty cycle.
     * @param drainTimeoutNs how long a removed port may keep frames in flight on TX before it is let go anyway.
     * @param cpu            CPU to pin the worker thread to, or -1.
     */
    public record Settings(int vectorCapacity, int fillTarget, int maxPorts, int expiryBudget, long drainTimeoutNs,
        int cpu)
    {
        /** Validates. */
        public Settings
        {
            if (vectorCapacity < 1 || vectorCapacity > PacketVector.MAX_CAPACITY)
            {
                throw new IllegalArgumentException("vector capacity out of range 1.." + PacketVector.MAX_CAPACITY +
                    ": " + vectorCapacity);
            }
            if (fillTarget < 1)
            {
                throw new IllegalArgumentException("fill target must be positive: " + fillTarget);
            }
            if (maxPorts < 1 || maxPorts > FramePool.MAX_OWNER + 1)
            {
                throw new IllegalArgumentException("max ports out of range 1.." + (FramePool.MAX_OWNER + 1) + ": " +
                    maxPorts);
            }
            if (expiryBudget < 0 || drainTimeoutNs < 0)
            {
                throw new IllegalArgumentException("negative expiry budget or drain timeout: " + expiryBudget + ", " +
                    drainTimeoutNs);
            }
        }

        /** @return vectors of 64, 256 frames per fill ring, 4096 ports, 256 expiry slots per cycle, 1 s drain. */
        public static Settings defaults()
        {
            return new Settings(64, 256, 4096, 256, 1_000_000_000L, -1);
        }

        /** @param newCpu the CPU. @return a copy pinned to it. */
        public Settings withCpu(final int newCpu)
        {
            return new Settings(vectorCapacity, fillTarget, maxPorts, expiryBudget, drainTimeoutNs, newCpu);
        }
    }

    /** Where a port is in its life (see the class comment). */
    public enum PortState
    {
        /** Queued for the worker. */
        ADDING,
        /** Polled and forwarded to. */
        ACTIVE,
        /** Not forwarded to any more; its RX is discarded and its TX drained. */
        DRAINING,
        /** The worker no longer touches the socket: close it, then {@link #reclaimPort}. */
        DRAINED,
        /** Its frames are back in the pool; the id may be used again. */
        RECLAIMED
    }

    /** A port as control sees it: its id, socket, counters and state. */
    public static final class PortHandle
    {
        private final PortIo io;
        private volatile PortState state = PortState.ADDING;
        private volatile int reclaimedFrames;
        private volatile boolean drainTimedOut;
        private long drainDeadlineNs;

        private PortHandle(final PortIo io)
        {
            this.io = io;
        }

        public int id()
        {
            return io.id();
        }

        public XskSocket socket()
        {
            return io.socket();
        }

        /** @return the port's counters ({@link PortIo} {@code COUNTER_*}), any thread. */
        public Counters counters()
        {
            return io.counters();
        }

        /** @return where the port is (any thread). */
        public PortState state()
        {
            return state;
        }

        /** @return frames returned to the pool by {@link #reclaimPort} (once {@link PortState#RECLAIMED}). */
        public int reclaimedFrames()
        {
            return reclaimedFrames;
        }

        /** @return whether TX still had frames in flight when the drain deadline passed (they were reclaimed). */
        public boolean drainTimedOut()
        {
            return drainTimedOut;
        }

        @Override
        public String toString()
        {
            return "port " + io.id() + " (" + io.socket().interfaceName() + ", " + state + ")";
        }
    }

    /**
     * Cycles a full TX ring may hold every port's RX back; after that the worker receives anyway and frames for
     * the full ring are dropped and counted ({@link WorkerCounters#TX_RING_FULL}), so that one port whose TX does
     * not drain cannot stop the node.
     */
    static final int MAX_DEFERRED_CYCLES = 1024;
    private static final int COMMAND_QUEUE_CAPACITY = 256;
    private static final int COMMANDS_PER_CYCLE = 64;
    private static final PortIo[] NO_PORTS = new PortIo[0];
    private static final PortHandle[] NO_HANDLES = new PortHandle[0];

    private final String roleName;
    private final Umem umem;
    private final FramePool pool;
    private final UnsafeBuffer buffer;
    private final WorkerTables tables;
    private final Function<NodeTables, NodePipeline> pipelineFactory;
    private final Settings settings;
    private final NanoClock clock;
    private final PacketVector vector;
    private final Counters counters = new Counters(WorkerCounters.COUNT);
    private final ManyToOneConcurrentArrayQueue<Command> commands =
        new ManyToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);
    private final PortIo[] byId;
    private final boolean[] txDirty;
    private final int[] dirtyIds;
    private PortIo[] active = NO_PORTS;
    private PortHandle[] draining = NO_HANDLES;
    private volatile NodePipeline pipeline;
    private long sequence;
    private long nowNs;
    private int deferredCycles;

    /**
     * @param roleName        thread name.
     * @param umem            the UMEM every port's socket is on.
     * @param tables          this worker's end of the table hand-off.
     * @param pipelineFactory builds the pipeline from the first tables (worker thread, once).
     * @param settings        tuning.
     * @param clock           read once per duty cycle.
     */
    public NodeWorkerAgent(final String roleName, final Umem umem, final WorkerTables tables,
        final Function<NodeTables, NodePipeline> pipelineFactory, final Settings settings, final NanoClock clock)
    {
        this.roleName = Objects.requireNonNull(roleName, "roleName");
        this.umem = Objects.requireNonNull(umem, "umem");
        this.pool = umem.pool();
        this.buffer = umem.buffer();
        this.tables = Objects.requireNonNull(tables, "tables");
        this.pipelineFactory = Objects.requireNonNull(pipelineFactory, "pipelineFactory");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.vector = new PacketVector(settings.vectorCapacity());
        this.byId = new PortIo[settings.maxPorts()];
        this.txDirty = new boolean[settings.maxPorts()];
        this.dirtyIds = new int[settings.maxPorts()];
    }

    // ---------------------------------------------------------------- control side (any thread but the worker's)

    /**
     * Queues a port for the worker (it polls it from its next boundary). The socket must be on this worker's UMEM
     * and stay open until the port is {@link PortState#DRAINED}.
     *
     * @param id         port id (the pipeline's port number: tables name ports by it), 0..maxPorts-1.
     * @param socket     the port's socket.
     * @param macRewrite 12 bytes (dst MAC, src MAC) written into every frame sent on this port, or null.
     * @return the handle; wait for {@link PortState#ACTIVE} with {@link #await}.
     * @throws IllegalStateException when the command queue stays full.
     */
    public PortHandle addPort(final int id, final XskSocket socket, final byte[] macRewrite)
    {
        if (id < 0 || id >= byId.length)
        {
            throw new IllegalArgumentException("port id out of range 0.." + (byId.length - 1) + ": " + id);
        }
        if (socket.umem() != umem)
        {
            throw new IllegalArgumentException("socket " + socket + " is not on this worker's UMEM");
        }
        final PortHandle handle = new PortHandle(new PortIo(id, socket, counters, macRewrite));
        enqueue(new Command(Command.ADD, handle));
        return handle;
    }

    /**
     * Step 2 of a removal (after the caller detached the XDP program): the worker stops forwarding to the port and
     * drains it; wait for {@link PortState#DRAINED}, then close the socket and call {@link #reclaimPort}.
     *
     * @param handle the port.
     */
    public void removePort(final PortHandle handle)
    {
        enqueue(new Command(Command.REMOVE, handle));
    }

    /**
     * Step 3 of a removal, after the socket is closed: the port's frames go back to the pool; wait for
     * {@link PortState#RECLAIMED}.
     *
     * @param handle a {@link PortState#DRAINED} port whose socket is closed.
     */
    public void reclaimPort(final PortHandle handle)
    {
        if (handle.state != PortState.DRAINED)
        {
            throw new IllegalStateException("reclaim of " + handle + ": not drained");
        }
        enqueue(new Command(Command.RECLAIM, handle));
    }

    /**
     * Waits until a port reaches a state (or a later one).
     *
     * @param handle    the port.
     * @param state     the state.
     * @param timeoutNs the longest wait.
     * @return whether it got there in time.
     */
    public static boolean await(final PortHandle handle, final PortState state, final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        while (handle.state.ordinal() < state.ordinal())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        return true;
    }

    /**
     * Adds an open {@link Port} and waits until the worker polls it.
     *
     * @param port       the port (its id is the port id).
     * @param macRewrite see {@link #addPort(int, XskSocket, byte[])}.
     * @param timeoutNs  the longest wait.
     * @return the handle.
     * @throws IllegalStateException when the worker did not take the port in time (it is then removed again).
     */
    public PortHandle attach(final Port port, final byte[] macRewrite, final long timeoutNs)
    {
        final PortHandle handle = addPort(port.id(), port.socket(), macRewrite);
        if (!await(handle, PortState.ACTIVE, timeoutNs))
        {
            throw new IllegalStateException(roleName + " did not take " + port + " within " + timeoutNs / 1_000_000 +
                " ms (worker stopped or stuck?)");
        }
        if (handle.state == PortState.RECLAIMED)
        {
            throw new IllegalStateException(roleName + " refused " + port + ": port id " + port.id() + " in use");
        }
        return handle;
    }

    /**
     * Removes a port completely, in the order that loses no frame: detach its XDP program (no new frames), let the
     * worker drain it, close the socket, reclaim its frames. Call from the network namespace the port was opened
     * in (the detach is per namespace).
     *
     * @param handle    the port's handle.
     * @param port      the port.
     * @param timeoutNs the longest wait for each worker step.
     * @return frames reclaimed.
     * @throws IllegalStateException when the worker does not answer in time (the port is then closed anyway and
     *                               its frames stay lost to the pool).
     */
    public int detach(final PortHandle handle, final Port port, final long timeoutNs)
    {
        try
        {
            port.program().close();
        }
        finally
        {
            removePort(handle);
        }
        if (!await(handle, PortState.DRAINED, timeoutNs))
        {
            port.close();
            throw new IllegalStateException(roleName + " did not drain " + handle + " within " +
                timeoutNs / 1_000_000 + " ms; socket closed, its frames are not reclaimed");
        }
        port.close();
        reclaimPort(handle);
        if (!await(handle, PortState.RECLAIMED, timeoutNs))
        {
            throw new IllegalStateException(roleName + " did not reclaim the frames of " + handle + " within " +
                timeoutNs / 1_000_000 + " ms");
        }
        return handle.reclaimedFrames;
    }

    private void enqueue(final Command command)
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!commands.offer(command))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException(roleName + ": port command queue full for 5 s (worker not running?)");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    // ---------------------------------------------------------------- worker side

    @Override
    public void onStart()
    {
        if (settings.cpu() >= 0)
        {
            Libc.pinCurrentThread(settings.cpu());
        }
    }

    @Override
    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = applyCommands();
        if (tables.onDutyCycle() != 0)
        {
            install(tables.current());
            work++;
        }
        final PortIo[] ports = active;
        final NodePipeline p = pipeline;
        int room = Integer.MAX_VALUE;
        for (final PortIo port : ports)
        {
            room = Math.min(room, port.txRoom());
        }
        if (room == 0)
        {
            if (++deferredCycles > MAX_DEFERRED_CYCLES)
            {
                room = Integer.MAX_VALUE;
            }
        }
        else
        {
            deferredCycles = 0;
        }
        for (final PortIo port : ports)
        {
            if (p == null)
            {
                work += port.discardRx();
                continue;
            }
            final int budget = Math.min(vector.capacity, room);
            if (budget == 0)
            {
                counters.incrementRelease(WorkerCounters.RX_DEFERRED);
                continue;
            }
            final int received = receive(p, port, budget);
            room -= received;
            work += received;
        }
        for (final PortIo port : ports)
        {
            port.kickTx();
        }
        for (final PortIo port : ports)
        {
            work += port.reap();
        }
        final int fillTarget = settings.fillTarget();
        for (final PortIo port : ports)
        {
            final int want = fillTarget - port.onFillOrRx();
            if (want > 0)
            {
                port.refill(want);
            }
        }
        if (draining.length != 0)
        {
            work += drain();
        }
        if (p != null && settings.expiryBudget() > 0)
        {
            p.expire(nowNs, settings.expiryBudget());
        }
        counters.incrementRelease(WorkerCounters.CYCLES);
        return work;
    }

    private int receive(final NodePipeline p, final PortIo port, final int budget)
    {
        final PacketVector v = vector.reset(buffer);
        final int received = port.receive(v, budget, sequence);
        if (received == 0)
        {
            return 0;
        }
        sequence += received;
        p.process(v, nowNs);
        final int size = v.size();
        final PortIo[] ports = byId;
        int dirty = 0;
        int dropped = 0;
        int noOutput = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                pool.free(v.frame[i]);
                dropped++;
                continue;
            }
            final int egress = v.egressPort[i];
            final PortIo out = egress >= 0 && egress < ports.length ? ports[egress] : null;
            if (out == null)
            {
                pool.free(v.frame[i]);
                noOutput++;
                continue;
            }
            if (!txDirty[egress])
            {
                txDirty[egress] = true;
                dirtyIds[dirty++] = egress;
            }
            out.send(v.frame[i], v.offset[i], v.length[i]);
        }
        for (int d = 0; d < dirty; d++)
        {
            final int id = dirtyIds[d];
            txDirty[id] = false;
            ports[id].submitTx();
        }
        if (dropped != 0)
        {
            counters.addRelease(WorkerCounters.PIPELINE_DROPS, dropped);
        }
        if (noOutput != 0)
        {
            counters.addRelease(WorkerCounters.NO_OUTPUT, noOutput);
        }
        return received;
    }

    private void install(final NodeTables next)
    {
        final NodePipeline p = pipeline;
        if (p == null)
        {
            pipeline = pipelineFactory.apply(next);
        }
        else
        {
            p.install(next);
        }
    }

    private int applyCommands()
    {
        int applied = 0;
        Command command;
        while (applied < COMMANDS_PER_CYCLE && (command = commands.poll()) != null)
        {
            applied++;
            counters.incrementRelease(WorkerCounters.PORT_COMMANDS);
            final PortHandle handle = command.handle;
            final int id = handle.id();
            switch (command.type)
            {
                case Command.ADD ->
                {
                    if (byId[id] != null || isDraining(id))
                    {
                        // refused: the id is in use; control never does this, count it as an error
                        counters.incrementRelease(WorkerCounters.ERRORS);
                        handle.state = PortState.RECLAIMED;
                        continue;
                    }
                    byId[id] = handle.io;
                    active = append(active, handle.io);
                    handle.state = PortState.ACTIVE;
                }
                case Command.REMOVE ->
                {
                    if (byId[id] != handle.io)
                    {
                        counters.incrementRelease(WorkerCounters.ERRORS);
                        continue;
                    }
                    byId[id] = null;
                    active = without(active, handle.io);
                    handle.drainDeadlineNs = nowNs + settings.drainTimeoutNs();
                    draining = appendHandle(draining, handle);
                    handle.state = PortState.DRAINING;
                }
                case Command.RECLAIM ->
                {
                    final int frames = pool.reclaim(id);
                    counters.addRelease(WorkerCounters.FRAMES_RECLAIMED, frames);
                    handle.reclaimedFrames = frames;
                    handle.state = PortState.RECLAIMED;
                }
                default -> counters.incrementRelease(WorkerCounters.ERRORS);
            }
        }
        return applied;
    }

    private int drain()
    {
        int work = 0;
        PortHandle[] remaining = draining;
        for (final PortHandle handle : draining)
        {
            final PortIo io = handle.io;
            work += io.discardRx();
            io.kickTx();
            work += io.reap();
            final boolean idle = io.txInFlight() == 0;
            final boolean late = nowNs - handle.drainDeadlineNs > 0;
            if (idle || late)
            {
                handle.drainTimedOut = !idle;
                remaining = withoutHandle(remaining, handle);
                handle.state = PortState.DRAINED;
            }
        }
        draining = remaining;
        return work;
    }

    private boolean isDraining(final int id)
    {
        for (final PortHandle handle : draining)
        {
            if (handle.id() == id)
            {
                return true;
            }
        }
        return false;
    }

    private static PortIo[] append(final PortIo[] ports, final PortIo port)
    {
        final PortIo[] next = java.util.Arrays.copyOf(ports, ports.length + 1);
        next[ports.length] = port;
        return next;
    }

    private static PortIo[] without(final PortIo[] ports, final PortIo port)
    {
        final PortIo[] next = new PortIo[ports.length - 1];
        int n = 0;
        for (final PortIo p : ports)
        {
            if (p != port)
            {
                next[n++] = p;
            }
        }
        return next;
    }

    private static PortHandle[] appendHandle(final PortHandle[] handles, final PortHandle handle)
    {
        final PortHandle[] next = java.util.Arrays.copyOf(handles, handles.length + 1);
        next[handles.length] = handle;
        return next;
    }

    private static PortHandle[] withoutHandle(final PortHandle[] handles, final PortHandle handle)
    {
        final PortHandle[] next = new PortHandle[handles.length - 1];
        int n = 0;
        for (final PortHandle h : handles)
        {
            if (h != handle)
            {
                next[n++] = h;
            }
        }
        return next;
    }

    /**
     * Compares the pool's view of every frame with the rings of the ports the worker holds. Only meaningful while
     * the worker is stopped (or between cycles) and the kernel is quiet, with no port mid-removal.
     *
     * @return null when every frame is accounted for, else what does not add up.
     */
    public String checkFrameAccounting()
    {
        if (draining.length != 0)
        {
            final String consistency = pool.checkConsistency();
            return consistency != null ? consistency : draining.length + " port(s) still draining";
        }
        return PortIo.checkFrameAccounting(pool, active);
    }

    /** @return the worker's counters ({@link WorkerCounters} ids; any thread, acquire). */
    public Counters counters()
    {
        return counters;
    }

    /**
     * @param id a {@link WorkerCounters} id.
     * @return its value (any thread).
     */
    public long counter(final int id)
    {
        return counters.getAcquire(id);
    }

    /** @return the pipeline, or null before the first tables (read it from the worker thread, or for counters). */
    public NodePipeline pipeline()
    {
        return pipeline;
    }

    /** @return this worker's table hand-off. */
    public WorkerTables tables()
    {
        return tables;
    }

    public Umem umem()
    {
        return umem;
    }

    /** @return the clock value read at the start of the last cycle. */
    public long nowNs()
    {
        return nowNs;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    private static final class Command
    {
        static final int ADD = 1;
        static final int REMOVE = 2;
        static final int RECLAIM = 3;

        final int type;
        final PortHandle handle;

        Command(final int type, final PortHandle handle)
        {
            this.type = type;
            this.handle = handle;
        }
    }
}
