package dev.sluice.fastpath.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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
                    "kernel without AF_XDP (CONFIG_XDP_SOCKETS)" : Errno.hint(errno));
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

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
            () -> new IllegalStateException("libc symbol not found: " + name)), descriptor, CAPTURE_ERRNO);
    }
}
