package dev.sluice.fastpath.xsk;

import dev.sluice.fastpath.bpf.XdpAttachMode;
import dev.sluice.fastpath.bpf.XdpPortConfig;
import dev.sluice.fastpath.bpf.XdpProgram;
import dev.sluice.fastpath.sys.Libc;

/**
 * One port of a worker: an interface, the Sluice XDP program attached to it, and the AF_XDP socket its frames
 * are redirected to (rx queue {@link #queue()}). Opening, in an order that never lets a configured port's frames
 * reach an unbound socket: load the program -> configure its role -> open the socket -> put it into the XSKMAP ->
 * attach. Closing, in the order the kernel wants: detach and free the program (its XSKMAP goes with it) -> close
 * the socket; the UMEM is closed by its owner after every port on it.
 * <p>
 * Interface names and attachments are those of the calling thread's network namespace: open and close in the
 * same namespace.
 */
public final class Port implements AutoCloseable
{
    private final int id;
    private final String interfaceName;
    private final XdpProgram program;
    private final XskSocket socket;
    private final XdpAttachMode attachMode;
    private boolean closed;

    private Port(final int id, final String interfaceName, final XdpProgram program, final XskSocket socket,
        final XdpAttachMode attachMode)
    {
        this.id = id;
        this.interfaceName = interfaceName;
        this.program = program;
        this.socket = socket;
        this.attachMode = attachMode;
    }

    /**
     * Opens a port.
     *
     * @param id            the port's number in its worker (the vector's {@code ingressPort}).
     * @param interfaceName the interface.
     * @param queue         rx queue to bind the socket to.
     * @param umem          the worker's UMEM.
     * @param config        socket options.
     * @param xdpConfig     the role of the port for the XDP program (pod: all frames; uplink: Geneve only).
     * @return the open port.
     * @throws dev.sluice.fastpath.sys.NativeCallException         when the interface is missing, not root, ...
     * @throws dev.sluice.fastpath.bpf.XdpAlreadyAttachedException when someone else's XDP program is attached.
     */
    public static Port open(final int id, final String interfaceName, final int queue, final Umem umem,
        final XskConfig config, final XdpPortConfig xdpConfig)
    {
        final int ifindex = Libc.ifNameToIndex(interfaceName);
        XdpProgram program = null;
        XskSocket socket = null;
        try
        {
            program = XdpProgram.load();
            program.configure(xdpConfig);
            socket = XskSocket.open(umem, ifindex, queue, config);
            program.registerSocket(queue, socket.fd());
            final XdpAttachMode mode = program.attach(ifindex);
            return new Port(id, interfaceName, program, socket, mode);
        }
        catch (final RuntimeException | Error e)
        {
            try
            {
                if (program != null)
                {
                    program.close();
                }
            }
            finally
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            throw e;
        }
    }

    public int id()
    {
        return id;
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    public int queue()
    {
        return socket.queue();
    }

    public XdpProgram program()
    {
        return program;
    }

    public XskSocket socket()
    {
        return socket;
    }

    /** @return how the XDP program is attached (native or generic). */
    public XdpAttachMode attachMode()
    {
        return attachMode;
    }

    /** Detaches and frees the program, then closes the socket. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            program.close();
        }
        finally
        {
            socket.close();
        }
    }

    @Override
    public String toString()
    {
        return "Port{" + id + ", " + interfaceName + " queue " + socket.queue() + ", XDP " + attachMode + ", AF_XDP " +
            socket.boundMode() + "}";
    }
}
