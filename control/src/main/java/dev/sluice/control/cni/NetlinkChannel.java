package dev.sluice.control.cni;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.sluice.fastpath.sys.Errno;

/**
 * A {@code NETLINK_ROUTE} socket made with {@link Syscalls} (the same thing as fastpath's {@code NetlinkSocket},
 * without its dozen downcall handles: see {@link Syscalls} for why). It belongs to the network namespace of the
 * thread that opened it.
 *
 * <p>{@code struct sockaddr_nl} ({@code linux/netlink.h}), 12 bytes:
 * <pre>
 *   0 nl_family u16 (AF_NETLINK)   2 nl_pad u16   4 nl_pid u32 (0: the kernel assigns)   8 nl_groups u32
 * </pre>
 */
final class NetlinkChannel implements AutoCloseable
{
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SOCKADDR_NL_LENGTH = 12;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment errno = Syscalls.errnoState(arena);
    private final int fd;
    private boolean closed;

    private NetlinkChannel(final int fd)
    {
        this.fd = fd;
    }

    /**
     * @param receiveTimeoutMs bound on one receive.
     * @return a bound socket in the calling thread's network namespace.
     * @throws RtnlException when the socket cannot be made.
     */
    static NetlinkChannel open(final int receiveTimeoutMs) throws RtnlException
    {
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment state = Syscalls.errnoState(scratch);
            final long fd = Syscalls.call(state, Syscalls.SYS_SOCKET, AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE, 0,
                0, 0);
            if (fd < 0)
            {
                throw new RtnlException("socket(AF_NETLINK, NETLINK_ROUTE)", Syscalls.errno(state));
            }
            final NetlinkChannel channel = new NetlinkChannel((int)fd);
            try
            {
                final MemorySegment address = scratch.allocate(SOCKADDR_NL_LENGTH, 4);
                address.set(JAVA_SHORT, 0, (short)AF_NETLINK);
                if (Syscalls.call(state, Syscalls.SYS_BIND, fd, address.address(), SOCKADDR_NL_LENGTH, 0, 0, 0) != 0)
                {
                    throw new RtnlException("bind(netlink)", Syscalls.errno(state));
                }
                final MemorySegment timeval = scratch.allocate(16, 8);
                timeval.set(JAVA_LONG, 0, receiveTimeoutMs / 1000);
                timeval.set(JAVA_LONG, 8, (receiveTimeoutMs % 1000) * 1000L);
                if (Syscalls.call(state, Syscalls.SYS_SETSOCKOPT, fd, SOL_SOCKET, SO_RCVTIMEO, timeval.address(), 16,
                    0) != 0)
                {
                    throw new RtnlException("setsockopt(netlink, SO_RCVTIMEO)", Syscalls.errno(state));
                }
            }
            catch (final RtnlException ex)
            {
                channel.close();
                throw ex;
            }
            return channel;
        }
    }

    /**
     * @param message the request.
     * @param length  its length.
     * @throws RtnlException on failure or a short send.
     */
    void send(final MemorySegment message, final int length) throws RtnlException
    {
        final long sent = Syscalls.call(errno, Syscalls.SYS_SENDTO, fd, message.address(), length, 0, 0, 0);
        if (sent != length)
        {
            throw new RtnlException("send(netlink, " + length + " bytes) = " + sent,
                sent < 0 ? Syscalls.errno(errno) : Errno.EIO);
        }
    }

    /**
     * @param buffer   where to receive.
     * @param capacity its size.
     * @return bytes received, or a negative errno ({@code -EAGAIN} after the receive timeout).
     */
    int receive(final MemorySegment buffer, final int capacity)
    {
        final long n = Syscalls.call(errno, Syscalls.SYS_RECVFROM, fd, buffer.address(), capacity, 0, 0, 0);
        return n >= 0 ? (int)n : -Syscalls.errno(errno);
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            Syscalls.call(errno, Syscalls.SYS_CLOSE, fd, 0, 0, 0, 0, 0);
            arena.close();
        }
    }
}
