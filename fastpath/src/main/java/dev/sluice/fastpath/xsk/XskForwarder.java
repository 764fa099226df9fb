package dev.sluice.fastpath.xsk;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

import dev.sluice.fastpath.bpf.XdpPortConfig;
import dev.sluice.fastpath.stage.Pipeline;

/**
 * A worker with its UMEM, its ports and its runner thread, assembled and torn down in the right order: the shape
 * the agent, the integration tests and the benchmark share. Open: UMEM -> ports (each: program, socket, XSKMAP,
 * attach) -> worker -> {@link #start()}. Close: stop the runner (joins the thread) -> close every port (detach,
 * close socket) -> close the UMEM. Ports are opened and closed in the calling thread's network namespace.
 */
public final class XskForwarder implements AutoCloseable
{
    private final Umem umem;
    private final List<Port> ports;
    private final XskWorkerAgent worker;
    private final IdleStrategy idleStrategy;
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private AgentRunner runner;
    private Thread thread;
    private boolean closed;

    private XskForwarder(final Umem umem, final List<Port> ports, final XskWorkerAgent worker,
        final IdleStrategy idleStrategy)
    {
        this.umem = umem;
        this.ports = ports;
        this.worker = worker;
        this.idleStrategy = idleStrategy;
    }

    /**
     * Opens every port (queue 0, pod role: every frame to the socket) on one new UMEM and builds the worker.
     *
     * @param interfaces  the ports' interfaces; port number = position.
     * @param outputPort  per port, where its frames go (-1: drop).
     * @param macRewrite  per output port 12 bytes (dst, src MAC) or null.
     * @param config      socket options.
     * @param frameSize   UMEM frame size (2048 or 4096).
     * @param pipeline    the stages.
     * @param capacity    vector capacity.
     * @param idle        idle strategy of the runner.
     * @param cpu         CPU to pin the worker to, -1 for none.
     * @return the forwarder, not started.
     */
    public static XskForwarder open(final List<String> interfaces, final int[] outputPort, final byte[][] macRewrite,
        final XskConfig config, final int frameSize, final Pipeline pipeline, final int capacity,
        final IdleStrategy idle, final int cpu)
    {
        final int frames = interfaces.size() * (config.fillSize() + config.txSize() + capacity);
        final Umem umem = Umem.allocate(frames, frameSize, 0);
        final List<Port> ports = new ArrayList<>();
        try
        {
            for (int p = 0; p < interfaces.size(); p++)
            {
                ports.add(Port.open(p, interfaces.get(p), 0, umem, config, XdpPortConfig.pod()));
            }
            final XskSocket[] sockets = ports.stream().map(Port::socket).toArray(XskSocket[]::new);
            final XskWorkerAgent worker = new XskWorkerAgent("sluice-xsk-worker", umem, sockets, outputPort,
                macRewrite, pipeline, capacity, new SystemNanoClock(), cpu);
            return new XskForwarder(umem, ports, worker, idle);
        }
        catch (final RuntimeException | Error e)
        {
            closePorts(ports);
            umem.close();
            throw e;
        }
    }

    /** Starts the worker on its own thread. */
    public synchronized void start()
    {
        if (runner != null || closed)
        {
            throw new IllegalStateException("already started or closed");
        }
        runner = new AgentRunner(idleStrategy, throwable -> firstError.compareAndSet(null, throwable), null, worker);
        thread = AgentRunner.startOnThread(runner);
    }

    /** Stops the worker and waits for its thread; the forwarder can be inspected (accounting) afterwards. */
    public synchronized void stop()
    {
        if (runner != null)
        {
            runner.close();
            runner = null;
        }
    }

    /** @return the worker thread while running (for allocation measurements), else null. */
    public synchronized Thread thread()
    {
        return runner == null ? null : thread;
    }

    /** @return the first error the worker loop reported, or null. */
    public Throwable firstError()
    {
        return firstError.get();
    }

    public XskWorkerAgent worker()
    {
        return worker;
    }

    public List<Port> ports()
    {
        return ports;
    }

    public Umem umem()
    {
        return umem;
    }

    /** Stops the worker, closes every port, then the UMEM. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            stop();
        }
        finally
        {
            try
            {
                closePorts(ports);
            }
            finally
            {
                umem.close();
            }
        }
    }

    private static void closePorts(final List<Port> ports)
    {
        RuntimeException failure = null;
        for (final Port port : ports)
        {
            try
            {
                port.close();
            }
            catch (final RuntimeException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
