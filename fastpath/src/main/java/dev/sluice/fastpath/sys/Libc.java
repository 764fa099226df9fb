package dev.sluice.fastpath.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * libc calls through {@code java.lang.foreign}. Every downcall sits in its own small method so that C2 inlines
 * it and the errno capture segment does not escape (see AFXDP-NOTES). Failures throw
 * {@link NativeCallException}; none of these calls is meant for a per-packet path.
 */
public final class Libc
{
    /** {@code AF_XDP} from {@code linux/socket.h}. */
    public static final int AF_XDP = 44;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code IF_NAMESIZE} from {@code net/if.h}, including the terminating NUL. */
    public static final int IF_NAMESIZE = 16;
    /** {@code PROT_READ | PROT_WRITE}. */
    public static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 0x01;
    /** {@code MAP_POPULATE}: fault the mapping in now, not on the first packet. */
    public static final int MAP_POPULATE = 0x8000;
    /** {@code MSG_DONTWAIT}. */
    public static final int MSG_DONTWAIT = 0x40;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IF_INDEXTONAME = downcall("if_indextoname",
        FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle SOCKET = downcall("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = downcall("bind",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SENDTO = downcall("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = downcall("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SCHED_SETAFFINITY = downcall("sched_setaffinity",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
        LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc()
    {
    }

    /**
     * A segment to pass as the errno capture state of a downcall made with {@link #captureErrno()}.
     *
     * @param arena where to allocate it.
     * @return a segment of {@link Linker.Option#captureStateLayout()}.
     */
    public static MemorySegment allocateErrnoState(final Arena arena)
    {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /**
     * @return the linker option that captures errno into the state segment passed as the first argument.
     */
    public static Linker.Option captureErrno()
    {
        return CAPTURE_ERRNO;
    }

    /**
     * @param state a segment from {@link #allocateErrnoState(Arena)} after a downcall.
     * @return the errno the call left behind.
     */
    public static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    /**
     * {@code strerror(3)} text for an errno value.
     *
     * @param errno positive errno value.
     * @return the C library's text, e.g. "Operation not permitted".
     */
    public static String strerror(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(256).getString(0);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("strerror(" + errno + ")", t);
        }
    }

    /**
     * {@code if_nametoindex(3)}.
     *
     * @param name interface name, e.g. {@code "eth0"}.
     * @return the interface index, always positive.
     * @throws NativeCallException if there is no such interface in this network namespace.
     */
    public static int ifNameToIndex(final String name)
    {
        if (name.isEmpty() || name.length() >= IF_NAMESIZE)
        {
            throw new IllegalArgumentException("invalid interface name (1.." + (IF_NAMESIZE - 1) + " chars): '" +
                name + "'");
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final int index = ifNameToIndex(state, arena.allocateFrom(name));
            if (index == 0)
            {
                final int errno = errno(state);
                throw NativeCallException.of("if_nametoindex(" + name + ")", errno == 0 ? Errno.ENODEV : errno,
                    "no interface '" + name + "' in this network namespace");
            }
            return index;
        }
    }

    /**
     * {@code if_indextoname(3)}, for messages.
     *
     * @param ifindex interface index.
     * @return the interface name, or {@code "ifindex N"} when there is none.
     */
    public static String ifIndexToName(final int ifindex)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final MemorySegment buffer = arena.allocate(IF_NAMESIZE);
            final MemorySegment name = ifIndexToName(state, ifindex, buffer);
            return name.equals(MemorySegment.NULL) ? "ifindex " + ifindex : buffer.getString(0);
        }
    }

    /**
     * {@code socket(2)}.
     *
     * @param domain   e.g. {@link #AF_XDP}.
     * @param type     e.g. {@link #SOCK_RAW} | {@link #SOCK_CLOEXEC}.
     * @param protocol usually 0.
     * @return the new file descriptor.
     * @throws NativeCallException on failure.
     */
    public static int socket(final int domain, final int type, final int protocol)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final int fd = socket(state, domain, type, protocol);
            if (fd < 0)
            {
                final int errno = errno(state);
                throw NativeCallException.of("socket(domain=" + domain + ", type=" + type + ", protocol=" +
                    protocol + ")", errno, domain == AF_XDP && errno == Errno.EAFNOSUPPORT ?
                    "kernel without AF_XDP (CONFIG_XDP_SOCKETS)" : domain == AF_XDP && errno == Errno.EPERM ?
                    "AF_XDP sockets need CAP_NET_RAW (run as root or grant the capability)" : Errno.hint(errno));
            }
            return fd;
        }
    }

    /**
     * {@code close(2)}.
     *
     * @param fd file descriptor to close.
     * @throws NativeCallException on failure (e.g. EBADF: closed twice).
     */
    public static void close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            if (close(state, fd) != 0)
            {
                throw NativeCallException.of("close(" + fd + ")", errno(state));
            }
        }
    }

    /**
     * {@code setsockopt(2)} with a caller-filled option value.
     *
     * @param fd      socket.
     * @param level   e.g. {@code SOL_XDP}.
     * @param optname option.
     * @param value   option value, its whole size is passed as optlen.
     * @param what    the option's name and value, for the message.
     * @throws NativeCallException on failure.
     */
    public static void setsockopt(final int fd, final int level, final int optname, final MemorySegment value,
        final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            if (setsockopt(state, fd, level, optname, value, (int)value.byteSize()) != 0)
            {
                throw NativeCallException.of("setsockopt(fd=" + fd + ", " + what + ")", errno(state));
            }
        }
    }

    /**
     * {@code setsockopt(2)} with an int value.
     *
     * @param fd      socket.
     * @param level   e.g. {@code SOL_XDP}.
     * @param optname option.
     * @param value   the int.
     * @param what    the option's name, for the message.
     * @throws NativeCallException on failure.
     */
    public static void setsockoptInt(final int fd, final int level, final int optname, final int value,
        final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(JAVA_INT);
            segment.set(JAVA_INT, 0, value);
            setsockopt(fd, level, optname, segment, what + "=" + value);
        }
    }

    /**
     * {@code getsockopt(2)} into a caller-sized buffer.
     *
     * @param fd      socket.
     * @param level   e.g. {@code SOL_XDP}.
     * @param optname option.
     * @param value   where the kernel writes; its size is passed as the initial optlen.
     * @param what    the option's name, for the message.
     * @return the length the kernel wrote.
     * @throws NativeCallException on failure.
     */
    public static int getsockopt(final int fd, final int level, final int optname, final MemorySegment value,
        final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int)value.byteSize());
            if (getsockopt(state, fd, level, optname, value, length) != 0)
            {
                throw NativeCallException.of("getsockopt(fd=" + fd + ", " + what + ")", errno(state));
            }
            return length.get(JAVA_INT, 0);
        }
    }

    /**
     * {@code bind(2)}.
     *
     * @param fd      socket.
     * @param address the socket address, its whole size is passed as addrlen.
     * @param what    the address in words, for the message.
     * @return 0, or the positive errno of the failure (callers that fall back, e.g. from zero-copy, decide).
     */
    public static int bind(final int fd, final MemorySegment address, final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            return bind(state, fd, address, (int)address.byteSize()) == 0 ? 0 : errno(state);
        }
    }

    /**
     * {@code mmap(2)} of a file descriptor, shared and read/write, populated.
     *
     * @param fd     file descriptor, e.g. an AF_XDP socket.
     * @param length bytes.
     * @param offset page offset selecting what to map (e.g. {@code XDP_PGOFF_RX_RING}).
     * @param what   what is mapped, for the message.
     * @return the mapping, {@code length} bytes long.
     * @throws NativeCallException on failure.
     */
    public static MemorySegment mmap(final int fd, final long length, final long offset, final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final MemorySegment address = mmap(state, MemorySegment.NULL, length, PROT_READ_WRITE,
                MAP_SHARED | MAP_POPULATE, fd, offset);
            if (address.address() == -1L || address.equals(MemorySegment.NULL))
            {
                throw NativeCallException.of("mmap(fd=" + fd + ", " + what + ", length=" + length + ", offset=0x" +
                    Long.toHexString(offset) + ")", errno(state));
            }
            return address.reinterpret(length);
        }
    }

    /**
     * {@code munmap(2)}.
     *
     * @param mapping a segment returned by {@link #mmap}; not to be touched afterwards.
     * @throws NativeCallException on failure.
     */
    public static void munmap(final MemorySegment mapping)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            if (munmap(state, mapping, mapping.byteSize()) != 0)
            {
                throw NativeCallException.of("munmap(0x" + Long.toHexString(mapping.address()) + ", " +
                    mapping.byteSize() + ")", errno(state));
            }
        }
    }

    /**
     * {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)}: the AF_XDP TX wakeup. Allocation-free: the caller owns
     * the errno state segment. Small on purpose so that it inlines (AFXDP-NOTES allocation trap).
     *
     * @param state errno state from {@link #allocateErrnoState(Arena)}.
     * @param fd    the socket.
     * @return 0 on success, else the positive errno (EAGAIN, EBUSY, ENOBUFS, ENETDOWN are normal outcomes).
     */
    public static int sendtoWakeup(final MemorySegment state, final int fd)
    {
        try
        {
            final long result = (long)SENDTO.invokeExact(state, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                MemorySegment.NULL, 0);
            return result >= 0 ? 0 : (int)ERRNO.get(state, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sendto", t);
        }
    }

    /**
     * {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)}: the AF_XDP fill-ring/RX wakeup. Allocation-free.
     *
     * @param state errno state from {@link #allocateErrnoState(Arena)}.
     * @param fd    the socket.
     * @return 0 on success, else the positive errno (EAGAIN is normal).
     */
    public static int recvfromWakeup(final MemorySegment state, final int fd)
    {
        try
        {
            final long result = (long)RECVFROM.invokeExact(state, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                MemorySegment.NULL, MemorySegment.NULL);
            return result >= 0 ? 0 : (int)ERRNO.get(state, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("recvfrom", t);
        }
    }

    /**
     * Pins the calling thread to one CPU with {@code sched_setaffinity(0, ...)}.
     *
     * @param cpu the CPU number.
     * @throws NativeCallException on failure (EINVAL: no such CPU, or not in the cpuset of this process).
     */
    public static void pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= 1024)
        {
            throw new IllegalArgumentException("cpu out of range 0..1023: " + cpu);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = allocateErrnoState(arena);
            final MemorySegment mask = arena.allocate(128, 8);
            mask.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            if (schedSetaffinity(state, 0, mask.byteSize(), mask) != 0)
            {
                final int errno = errno(state);
                throw NativeCallException.of("sched_setaffinity(cpu=" + cpu + ")", errno,
                    errno == Errno.EINVAL ? "no CPU " + cpu + " in this process's cpuset" : Errno.hint(errno));
            }
        }
    }

    private static int ifNameToIndex(final MemorySegment state, final MemorySegment name)
    {
        try
        {
            return (int)IF_NAMETOINDEX.invokeExact(state, name);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("if_nametoindex", t);
        }
    }

    private static MemorySegment ifIndexToName(final MemorySegment state, final int ifindex, final MemorySegment buf)
    {
        try
        {
            return (MemorySegment)IF_INDEXTONAME.invokeExact(state, ifindex, buf);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("if_indextoname", t);
        }
    }

    private static int socket(final MemorySegment state, final int domain, final int type, final int protocol)
    {
        try
        {
            return (int)SOCKET.invokeExact(state, domain, type, protocol);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("socket", t);
        }
    }

    private static int close(final MemorySegment state, final int fd)
    {
        try
        {
            return (int)CLOSE.invokeExact(state, fd);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("close", t);
        }
    }

    private static int setsockopt(final MemorySegment state, final int fd, final int level, final int optname,
        final MemorySegment value, final int length)
    {
        try
        {
            return (int)SETSOCKOPT.invokeExact(state, fd, level, optname, value, length);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("setsockopt", t);
        }
    }

    private static int getsockopt(final MemorySegment state, final int fd, final int level, final int optname,
        final MemorySegment value, final MemorySegment length)
    {
        try
        {
            return (int)GETSOCKOPT.invokeExact(state, fd, level, optname, value, length);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("getsockopt", t);
        }
    }

    private static int bind(final MemorySegment state, final int fd, final MemorySegment address, final int length)
    {
        try
        {
            return (int)BIND.invokeExact(state, fd, address, length);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("bind", t);
        }
    }

    private static MemorySegment mmap(final MemorySegment state, final MemorySegment address, final long length,
        final int prot, final int flags, final int fd, final long offset)
    {
        try
        {
            return (MemorySegment)MMAP.invokeExact(state, address, length, prot, flags, fd, offset);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("mmap", t);
        }
    }

    private static int munmap(final MemorySegment state, final MemorySegment address, final long length)
    {
        try
        {
            return (int)MUNMAP.invokeExact(state, address, length);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("munmap", t);
        }
    }

    private static int schedSetaffinity(final MemorySegment state, final int pid, final long size,
        final MemorySegment mask)
    {
        try
        {
            return (int)SCHED_SETAFFINITY.invokeExact(state, pid, size, mask);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sched_setaffinity", t);
        }
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
            () -> new IllegalStateException("libc symbol not found: " + name)), descriptor, CAPTURE_ERRNO);
    }
}
