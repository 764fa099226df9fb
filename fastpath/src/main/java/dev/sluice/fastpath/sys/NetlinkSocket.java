package dev.sluice.fastpath.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A netlink socket ({@code AF_NETLINK}, {@code SOCK_RAW}) through {@code java.lang.foreign}: open and bind to
 * multicast groups, send a request, receive (blocking with a timeout, or {@code MSG_DONTWAIT}). For the control
 * thread (neighbour and route tables), not for the packet path. The socket belongs to the network namespace of the
 * thread that opened it and may then be used from any one thread at a time.
 *
 * <p>{@code struct sockaddr_nl} ({@code linux/netlink.h}), 12 bytes:
 * <pre>
 *   0 nl_family u16 (AF_NETLINK)   2 nl_pad u16   4 nl_pid u32 (0: the kernel assigns)   8 nl_groups u32
 * </pre>
 */
public final class NetlinkSocket implements AutoCloseable
{
    /** {@code AF_NETLINK} ({@code linux/socket.h}). */
    public static final int AF_NETLINK = 16;
    /** {@code NETLINK_ROUTE} ({@code linux/netlink.h}). */
    public static final int NETLINK_ROUTE = 0;
    /** {@code MSG_DONTWAIT} ({@code bits/socket.h}). */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code sizeof(struct sockaddr_nl)}. */
    public static final int SOCKADDR_NL_LENGTH = 12;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_RCVTIMEO} (x86-64 {@code SO_RCVTIMEO_OLD}: a {@code struct timeval} of two longs). */
    public static final int SO_RCVTIMEO = 20;
    /** {@code SO_RCVBUF}. */
    public static final int SO_RCVBUF = 8;
    /** {@code ENOBUFS}: the kernel dropped multicast messages because the receive buffer was full. */
    public static final int ENOBUFS = 105;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
        JAVA_INT));
    private static final MethodHandle SEND = downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
        JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
        JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
        JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errnoState = Libc.allocateErrnoState(arena);
    private final int fd;
    private final int protocol;
    private boolean closed;

    private NetlinkSocket(final int fd, final int protocol)
    {
        this.fd = fd;
        this.protocol = protocol;
    }

    /**
     * Opens and binds a netlink socket.
     *
     * @param protocol       e.g. {@link #NETLINK_ROUTE}.
     * @param groups         legacy multicast group bit mask to join (e.g. {@code RTMGRP_NEIGH}), 0 for none.
     * @param receiveTimeoutMs timeout of a blocking {@link #receive}, in milliseconds (> 0).
     * @return the socket.
     * @throws NativeCallException if the socket cannot be created or bound.
     */
    public static NetlinkSocket open(final int protocol, final int groups, final int receiveTimeoutMs)
    {
        if (receiveTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("receive timeout must be positive: " + receiveTimeoutMs);
        }
        final int fd = Libc.socket(AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        final NetlinkSocket socket = new NetlinkSocket(fd, protocol);
        try
        {
            socket.bind(groups);
            socket.setReceiveTimeout(receiveTimeoutMs);
        }
        catch (final RuntimeException e)
        {
            socket.close();
            throw e;
        }
        return socket;
    }

    private void bind(final int groups)
    {
        final MemorySegment address = arena.allocate(SOCKADDR_NL_LENGTH, 4);
        address.set(JAVA_SHORT, 0, (short)AF_NETLINK);
        address.set(JAVA_INT, 8, groups);
        if (bind(errnoState, fd, address, SOCKADDR_NL_LENGTH) != 0)
        {
            throw NativeCallException.of("bind(netlink protocol=" + protocol + ", groups=0x" +
                Integer.toHexString(groups) + ")", Libc.errno(errnoState));
        }
    }

    private void setReceiveTimeout(final int timeoutMs)
    {
        final MemorySegment timeval = arena.allocate(16, 8);
        timeval.set(JAVA_LONG, 0, timeoutMs / 1000);
        timeval.set(JAVA_LONG, 8, (timeoutMs % 1000) * 1000L);
        if (setsockopt(errnoState, fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16) != 0)
        {
            throw NativeCallException.of("setsockopt(netlink, SO_RCVTIMEO, " + timeoutMs + " ms)",
                Libc.errno(errnoState));
        }
    }

    /**
     * Sends one request.
     *
     * @param message the message bytes (a complete nlmsghdr-framed request).
     * @param length  bytes to send.
     * @throws NativeCallException on failure or a short send.
     */
    public void send(final MemorySegment message, final int length)
    {
        final long sent = send(errnoState, fd, message, length, 0);
        if (sent != length)
        {
            throw NativeCallException.of("send(netlink, " + length + " bytes) = " + sent,
                sent < 0 ? Libc.errno(errnoState) : Errno.EIO);
        }
    }

    /**
     * Receives one datagram (one or more netlink messages).
     *
     * @param buffer   where to put it.
     * @param capacity its size.
     * @param dontWait true for {@code MSG_DONTWAIT}.
     * @return bytes received (&gt; 0), or a negative errno: {@code -EAGAIN} when nothing is queued (or the blocking
     *         timeout passed), {@code -ENOBUFS} when the kernel has dropped messages (resynchronise), others on
     *         failure. Never throws for those: the caller decides.
     */
    public int receive(final MemorySegment buffer, final int capacity, final boolean dontWait)
    {
        final long n = recv(errnoState, fd, buffer, capacity, dontWait ? MSG_DONTWAIT : 0);
        return n >= 0 ? (int)n : -Libc.errno(errnoState);
    }

    /** @return the file descriptor. */
    public int fd()
    {
        return fd;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                Libc.close(fd);
            }
            finally
            {
                arena.close();
            }
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

    private static long send(
        final MemorySegment state, final int fd, final MemorySegment buffer, final long length, final int flags)
    {
        try
        {
            return (long)SEND.invokeExact(state, fd, buffer, length, flags);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("send", t);
        }
    }

    private static long recv(
        final MemorySegment state, final int fd, final MemorySegment buffer, final long length, final int flags)
    {
        try
        {
            return (long)RECV.invokeExact(state, fd, buffer, length, flags);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("recv", t);
        }
    }

    private static int setsockopt(
        final MemorySegment state,
        final int fd,
        final int level,
        final int name,
        final MemorySegment value,
        final int length)
    {
        try
        {
            return (int)SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("setsockopt", t);
        }
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
            () -> new IllegalStateException("libc symbol not found: " + name)), descriptor, Libc.captureErrno());
    }
}
