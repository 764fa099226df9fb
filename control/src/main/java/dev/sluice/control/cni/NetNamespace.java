package dev.sluice.control.cni;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NetlinkSocket;

/**
 * An open network namespace file ({@code /var/run/netns/NAME} or {@code /proc/PID/ns/net}) and the one thing the
 * plugin does with it besides handing its descriptor to the kernel: open a netlink socket that lives inside it. A
 * socket belongs to the namespace of the thread that created it, so {@link #openNetlink()} moves the calling thread
 * in with {@code setns(2)}, opens the socket and moves the thread back; the socket stays in the pod's namespace.
 */
public final class NetNamespace implements AutoCloseable
{
    /** {@code CLONE_NEWNET} ({@code linux/sched.h}). */
    public static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int ENOENT = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final Path path;
    private final int fd;
    private boolean closed;

    private NetNamespace(final Path path, final int fd)
    {
        this.path = path;
        this.fd = fd;
    }

    /**
     * @param path a network namespace file.
     * @return it, open.
     * @throws NoSuchFileException when it does not exist.
     * @throws IOException         when it cannot be opened.
     */
    public static NetNamespace open(final Path path) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Libc.allocateErrnoState(arena);
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                final int errno = Libc.errno(state);
                if (errno == ENOENT)
                {
                    throw new NoSuchFileException(path.toString(), null, "no such network namespace");
                }
                throw new IOException("open(" + path + "): " + Libc.strerror(errno) + " (errno " + errno + ")");
            }
            return new NetNamespace(path, fd);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("open(" + path + ")", t);
        }
    }

    /**
     * Opens an rtnetlink channel inside this namespace (see the class comment); the calling thread is back in its
     * own namespace when this returns, or the process is halted (a thread stuck in a pod's namespace must not
     * carry on).
     *
     * @return the channel.
     * @throws IOException when the namespace cannot be entered.
     */
    public Rtnl openNetlink() throws IOException
    {
        final NetNamespace own = open(Path.of("/proc/thread-self/ns/net"));
        try
        {
            setns(fd, "enter " + path);
            final NetlinkSocket socket;
            try
            {
                socket = NetlinkSocket.open(NetlinkSocket.NETLINK_ROUTE, 0, Rtnl.receiveTimeoutMs());
            }
            finally
            {
                try
                {
                    setns(own.fd, "return from " + path);
                }
                catch (final IOException ex)
                {
                    System.err.println("sluice-cni: " + ex.getMessage() + "; halting");
                    Runtime.getRuntime().halt(5);
                }
            }
            return Rtnl.over(socket);
        }
        finally
        {
            own.close();
        }
    }

    /** @return the open file descriptor (valid until {@link #close()}). */
    public int fd()
    {
        return fd;
    }

    /** @return the path it was opened from. */
    public Path path()
    {
        return path;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            Libc.close(fd);
        }
    }

    private static void setns(final int fd, final String what) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Libc.allocateErrnoState(arena);
            final int rc = (int)SETNS.invokeExact(state, fd, CLONE_NEWNET);
            if (rc != 0)
            {
                final int errno = Libc.errno(state);
                throw new IOException("setns(" + what + "): " + Libc.strerror(errno) + " (errno " + errno + ")");
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("setns(" + what + ")", t);
        }
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
            () -> new IllegalStateException("libc symbol not found: " + name)), descriptor, Libc.captureErrno());
    }
}
