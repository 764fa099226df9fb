package dev.sluice.control.cni;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.sluice.fastpath.sys.Errno;

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
            final MemorySegment state = Syscalls.errnoState(arena);
            final long fd = Syscalls.call(state, Syscalls.SYS_OPENAT, Syscalls.AT_FDCWD,
                arena.allocateFrom(path.toString()).address(), Syscalls.O_RDONLY_CLOEXEC, 0, 0, 0);
            if (fd < 0)
            {
                final int errno = Syscalls.errno(state);
                if (errno == Errno.ENOENT)
                {
                    throw new NoSuchFileException(path.toString(), null, "no such network namespace");
                }
                throw new IOException("open(" + path + "): " + Errno.name(errno) + " (errno " + errno + ")");
            }
            return new NetNamespace(path, (int)fd);
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
        try (NetNamespace own = open(Path.of("/proc/thread-self/ns/net")))
        {
            setns(fd, "enter " + path);
            try
            {
                return Rtnl.openCurrent();
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
            try (Arena arena = Arena.ofConfined())
            {
                Syscalls.call(Syscalls.errnoState(arena), Syscalls.SYS_CLOSE, fd, 0, 0, 0, 0, 0);
            }
        }
    }

    private static void setns(final int fd, final String what) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Syscalls.errnoState(arena);
            if (Syscalls.call(state, Syscalls.SYS_SETNS, fd, CLONE_NEWNET, 0, 0, 0, 0) != 0)
            {
                final int errno = Syscalls.errno(state);
                throw new IOException("setns(" + what + "): " + Errno.name(errno) + " (errno " + errno + ")");
            }
        }
    }
}
