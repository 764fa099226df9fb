package dev.sluice.fastpath.xsk;

import static dev.sluice.fastpath.xsk.XskDescriptor.SOL_XDP;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NativeCallException;

/**
 * One AF_XDP socket bound to one (interface, rx queue), on a {@link Umem}, with its four rings mapped into this
 * process: {@link #fill()} and {@link #tx()} to produce into, {@link #rx()} and {@link #completion()} to consume
 * from. Every socket has its own fill and completion rings, also when it shares the UMEM with sockets on other
 * interfaces ({@code XDP_SHARED_UMEM}, kernel 5.10+): that is what lets one worker receive on port A and transmit
 * the same frame on port B.
 * <p>
 * Creation, in the kernel's order: {@code socket(AF_XDP)} -> {@code XDP_UMEM_REG} (first socket of the UMEM only)
 * -> ring sizes ({@code XDP_UMEM_FILL_RING}, {@code XDP_UMEM_COMPLETION_RING}, {@code XDP_RX_RING},
 * {@code XDP_TX_RING}) -> {@code XDP_MMAP_OFFSETS} -> four {@code mmap}s -> {@code bind}. On any failure
 * everything done so far is undone. {@link XskBindMode#AUTO} tries zero-copy and, when the driver answers
 * EOPNOTSUPP (veth does), starts over in copy mode; {@link #boundMode()} reports what the kernel says it bound
 * ({@code XDP_OPTIONS}).
 * <p>
 * Wakeups: {@link #wakeupTx()} ({@code sendto}) and {@link #wakeupFill()} ({@code recvfrom}) are the only
 * syscalls of the packet path; both count themselves. Not thread-safe: the worker owns the rings and the
 * wakeups; {@link #readStatistics} may be called by another thread.
 */
public final class XskSocket implements AutoCloseable
{
    /** How long {@link #open} retries a bind that answers EBUSY (the previous socket's queue not yet released). */
    static final long REBIND_WAIT_NS = 2_000_000_000L;

    private final Umem umem;
    private final int fd;
    private final int ifindex;
    private final int queue;
    private final String interfaceName;
    private final XskBindMode boundMode;
    private final boolean needWakeup;
    private final boolean sharedUmem;
    private final Arena arena;
    private final MemorySegment wakeupErrno;
    private final MemorySegment statistics;
    private final List<MemorySegment> mappings;
    private final XskConsumerRing rx;
    private final XskProducerRing tx;
    private final XskProducerRing fill;
    private final XskConsumerRing completion;

    private long txWakeups;
    private long fillWakeups;
    private long wakeupErrors;
    private int lastWakeupErrno;
    private boolean closed;

    private XskSocket(final Umem umem, final int fd, final int ifindex, final int queue, final String interfaceName,
        final XskBindMode boundMode, final boolean needWakeup, final boolean sharedUmem,
        final List<MemorySegment> mappings, final XskRing[] rings)
    {
        this.umem = umem;
        this.fd = fd;
        this.ifindex = ifindex;
        this.queue = queue;
        this.interfaceName = interfaceName;
        this.boundMode = boundMode;
        this.needWakeup = needWakeup;
        this.sharedUmem = sharedUmem;
        this.mappings = mappings;
        this.rx = (XskConsumerRing)rings[0];
        this.tx = (XskProducerRing)rings[1];
        this.fill = (XskProducerRing)rings[2];
        this.completion = (XskConsumerRing)rings[3];
        this.arena = Arena.ofShared();
        this.wakeupErrno = Libc.allocateErrnoState(arena);
        this.statistics = arena.allocate(XskDescriptor.STATISTICS_LENGTH, 8);
    }

    /**
     * Opens a socket on an interface of the calling thread's network namespace.
     *
     * @param umem          the UMEM (registered by this socket if it is the first).
     * @param interfaceName e.g. {@code "eth0"}.
     * @param queue         rx queue index.
     * @param config        ring sizes and bind mode.
     * @return the bound socket.
     */
    public static XskSocket open(final Umem umem, final String interfaceName, final int queue,
        final XskConfig config)
    {
        return open(umem, Libc.ifNameToIndex(interfaceName), queue, config);
    }

    /**
     * Opens a socket on an interface of the calling thread's network namespace.
     *
     * @param umem    the UMEM (registered by this socket if it is the first).
     * @param ifindex interface index.
     * @param queue   rx queue index.
     * @param config  ring sizes and bind mode.
     * @return the bound socket.
     * @throws NativeCallException with the failing call, errno and a hint (EPERM: not root; EAFNOSUPPORT: no
     *                             AF_XDP; ENOBUFS: RLIMIT_MEMLOCK; ENODEV: no interface; EOPNOTSUPP: zero-copy
     *                             forced where unsupported; EBUSY: queue taken by another socket).
     */
    public static XskSocket open(final Umem umem, final int ifindex, final int queue, final XskConfig config)
    {
        if (queue < 0)
        {
            throw new IllegalArgumentException("queue must be >= 0: " + queue);
        }
        umem.checkCanBind(ifindex, queue);
        final String name = Libc.ifIndexToName(ifindex);
        final long deadline = System.nanoTime() + REBIND_WAIT_NS;
        while (true)
        {
            try
            {
                final XskSocket socket = createInMode(umem, ifindex, queue, name, config);
                umem.onSocketBound(socket.fd, ifindex, queue, socket.needWakeup);
                return socket;
            }
            catch (final NativeCallException e)
            {
                // a socket closed a moment ago releases its queue from a kernel work item: EBUSY for a few ms
                if (e.errno() != Errno.EBUSY || System.nanoTime() > deadline)
                {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static XskSocket createInMode(final Umem umem, final int ifindex, final int queue, final String name,
        final XskConfig config)
    {
        if (config.mode() == XskBindMode.AUTO && umem.ownerFd() < 0)
        {
            try
            {
                return create(umem, ifindex, queue, name, config, XskBindMode.ZERO_COPY);
            }
            catch (final NativeCallException e)
            {
                if (e.errno() != Errno.EOPNOTSUPP)
                {
                    throw e;
                }
            }
            return create(umem, ifindex, queue, name, config, XskBindMode.COPY);
        }
        return create(umem, ifindex, queue, name, config, config.mode());
    }

    private static XskSocket create(final Umem umem, final int ifindex, final int queue, final String name,
        final XskConfig config, final XskBindMode mode)
    {
        final int ownerFd = umem.ownerFd();
        final boolean shared = ownerFd >= 0;
        final int fd = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        final List<MemorySegment> mappings = new ArrayList<>(4);
        try (Arena call = Arena.ofConfined())
        {
            if (!shared)
            {
                registerUmem(fd, umem, call);
            }
            Libc.setsockoptInt(fd, SOL_XDP, XskDescriptor.XDP_UMEM_FILL_RING, config.fillSize(),
                "XDP_UMEM_FILL_RING");
            Libc.setsockoptInt(fd, SOL_XDP, XskDescriptor.XDP_UMEM_COMPLETION_RING, config.completionSize(),
                "XDP_UMEM_COMPLETION_RING");
            Libc.setsockoptInt(fd, SOL_XDP, XskDescriptor.XDP_RX_RING, config.rxSize(), "XDP_RX_RING");
            Libc.setsockoptInt(fd, SOL_XDP, XskDescriptor.XDP_TX_RING, config.txSize(), "XDP_TX_RING");

            final MemorySegment offsets = call.allocate(XskDescriptor.MMAP_OFFSETS_LENGTH, 8);
            final int length = Libc.getsockopt(fd, SOL_XDP, XskDescriptor.XDP_MMAP_OFFSETS, offsets,
                "XDP_MMAP_OFFSETS");
            if (length != XskDescriptor.MMAP_OFFSETS_LENGTH)
            {
                throw new IllegalStateException("getsockopt(XDP_MMAP_OFFSETS) returned " + length +
                    " bytes, expected " + XskDescriptor.MMAP_OFFSETS_LENGTH + " (kernel older than 5.4?)");
            }
            final XskRing[] rings = new XskRing[4];
            rings[0] = mapConsumer("rx", fd, offsets, XskDescriptor.MMAP_OFFSETS_RX_OFFSET,
                XskDescriptor.XDP_PGOFF_RX_RING, config.rxSize(), XskDescriptor.DESC_LENGTH, mappings);
            rings[1] = mapProducer("tx", fd, offsets, XskDescriptor.MMAP_OFFSETS_TX_OFFSET,
                XskDescriptor.XDP_PGOFF_TX_RING, config.txSize(), XskDescriptor.DESC_LENGTH, mappings);
            rings[2] = mapProducer("fill", fd, offsets, XskDescriptor.MMAP_OFFSETS_FILL_OFFSET,
                XskDescriptor.XDP_UMEM_PGOFF_FILL_RING, config.fillSize(), XskDescriptor.ADDR_LENGTH, mappings);
            rings[3] = mapConsumer("completion", fd, offsets, XskDescriptor.MMAP_OFFSETS_COMPLETION_OFFSET,
                XskDescriptor.XDP_UMEM_PGOFF_COMPLETION_RING, config.completionSize(), XskDescriptor.ADDR_LENGTH,
                mappings);

            final MemorySegment address = call.allocate(XskDescriptor.SOCKADDR_XDP_LENGTH, 8);
            address.set(ValueLayout.JAVA_SHORT, XskDescriptor.SOCKADDR_XDP_FAMILY_OFFSET, (short)Libc.AF_XDP);
            // the kernel refuses mode flags on shared binds: the socket inherits the UMEM owner's mode
            final int flags = shared ? XskDescriptor.XDP_SHARED_UMEM :
                mode.bindFlag() | (config.needWakeup() ? XskDescriptor.XDP_USE_NEED_WAKEUP : 0);
            address.set(ValueLayout.JAVA_SHORT, XskDescriptor.SOCKADDR_XDP_FLAGS_OFFSET, (short)flags);
            address.set(ValueLayout.JAVA_INT, XskDescriptor.SOCKADDR_XDP_IFINDEX_OFFSET, ifindex);
            address.set(ValueLayout.JAVA_INT, XskDescriptor.SOCKADDR_XDP_QUEUE_ID_OFFSET, queue);
            address.set(ValueLayout.JAVA_INT, XskDescriptor.SOCKADDR_XDP_SHARED_UMEM_FD_OFFSET, shared ? ownerFd : 0);
            final String what = name + " (ifindex " + ifindex + ") queue " + queue + ", " +
                (shared ? "shared UMEM of fd " + ownerFd : mode + (config.needWakeup() ? ", need_wakeup" : ""));
            final int errno = Libc.bind(fd, address, what);
            if (errno != 0)
            {
                throw NativeCallException.of("bind(AF_XDP fd=" + fd + ", " + what + ")", errno, bindHint(errno,
                    name, queue, mode));
            }

            final MemorySegment options = call.allocate(ValueLayout.JAVA_INT);
            Libc.getsockopt(fd, SOL_XDP, XskDescriptor.XDP_OPTIONS, options, "XDP_OPTIONS");
            final XskBindMode bound = (options.get(ValueLayout.JAVA_INT, 0) & XskDescriptor.XDP_OPTIONS_ZEROCOPY) != 0 ?
                XskBindMode.ZERO_COPY : XskBindMode.COPY;
            final boolean wakeup = shared ? umem.needWakeup() : config.needWakeup();
            return new XskSocket(umem, fd, ifindex, queue, name, bound, wakeup, shared, mappings, rings);
        }
        catch (final RuntimeException | Error e)
        {
            for (final MemorySegment mapping : mappings)
            {
                Libc.munmap(mapping);
            }
            Libc.close(fd);
            throw e;
        }
    }

    private static void registerUmem(final int fd, final Umem umem, final Arena call)
    {
        final MemorySegment reg = call.allocate(XskDescriptor.UMEM_REG_LENGTH, 8);
        reg.set(ValueLayout.JAVA_LONG, XskDescriptor.UMEM_REG_ADDR_OFFSET, umem.memory().address());
        reg.set(ValueLayout.JAVA_LONG, XskDescriptor.UMEM_REG_LEN_OFFSET, umem.memory().byteSize());
        reg.set(ValueLayout.JAVA_INT, XskDescriptor.UMEM_REG_CHUNK_SIZE_OFFSET, umem.frameSize());
        reg.set(ValueLayout.JAVA_INT, XskDescriptor.UMEM_REG_HEADROOM_OFFSET, umem.headroom());
        try
        {
            Libc.setsockopt(fd, SOL_XDP, XskDescriptor.XDP_UMEM_REG, reg, "XDP_UMEM_REG");
        }
        catch (final NativeCallException e)
        {
            final String what = "setsockopt(fd=" + fd + ", XDP_UMEM_REG, " + umem.memory().byteSize() + " bytes)";
            if (e.errno() == Errno.ENOBUFS || e.errno() == Errno.EPERM || e.errno() == Errno.ENOMEM)
            {
                throw NativeCallException.of(what, e.errno(), "the UMEM (" + umem.memory().byteSize() +
                    " bytes) is locked memory: RLIMIT_MEMLOCK too low for it without CAP_IPC_LOCK - raise " +
                    "'ulimit -l', run as root, or use fewer frames");
            }
            throw e;
        }
    }

    private static String bindHint(final int errno, final String name, final int queue, final XskBindMode mode)
    {
        return switch (errno)
        {
            case Errno.EOPNOTSUPP -> mode == XskBindMode.ZERO_COPY ?
                "the driver of " + name + " has no AF_XDP zero-copy (veth never has): use COPY or AUTO" :
                Errno.hint(errno);
            case Errno.EINVAL -> "no rx queue " + queue + " on " + name + " (see 'ethtool -l " + name +
                "'), or a shared UMEM rule broken";
            case Errno.EBUSY -> "another AF_XDP socket is already bound to " + name + " queue " + queue;
            case Errno.ENODEV, Errno.ENXIO -> "no interface " + name + " in this network namespace";
            case Errno.ENETDOWN -> name + " is down";
            default -> Errno.hint(errno);
        };
    }

    private static XskProducerRing mapProducer(final String name, final int fd, final MemorySegment offsets,
        final int base, final long pageOffset, final int size, final int entryLength,
        final List<MemorySegment> mappings)
    {
        final UnsafeBuffer memory = map(name, fd, offsets, base, pageOffset, size, entryLength, mappings);
        return new XskProducerRing(name, memory, offset(offsets, base, XskDescriptor.RING_OFFSET_PRODUCER_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_CONSUMER_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_FLAGS_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_DESC_OFFSET), size, entryLength);
    }

    private static XskConsumerRing mapConsumer(final String name, final int fd, final MemorySegment offsets,
        final int base, final long pageOffset, final int size, final int entryLength,
        final List<MemorySegment> mappings)
    {
        final UnsafeBuffer memory = map(name, fd, offsets, base, pageOffset, size, entryLength, mappings);
        return new XskConsumerRing(name, memory, offset(offsets, base, XskDescriptor.RING_OFFSET_PRODUCER_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_CONSUMER_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_FLAGS_OFFSET),
            offset(offsets, base, XskDescriptor.RING_OFFSET_DESC_OFFSET), size, entryLength);
    }

    private static UnsafeBuffer map(final String name, final int fd, final MemorySegment offsets, final int base,
        final long pageOffset, final int size, final int entryLength, final List<MemorySegment> mappings)
    {
        final long length = offsets.get(ValueLayout.JAVA_LONG, base + XskDescriptor.RING_OFFSET_DESC_OFFSET) +
            (long)size * entryLength;
        final MemorySegment mapping = Libc.mmap(fd, length, pageOffset, name + " ring");
        mappings.add(mapping);
        return new UnsafeBuffer(mapping.address(), (int)length);
    }

    private static int offset(final MemorySegment offsets, final int base, final int field)
    {
        return (int)offsets.get(ValueLayout.JAVA_LONG, base + field);
    }

    /** @return the socket's file descriptor (for the XSKMAP). */
    public int fd()
    {
        return fd;
    }

    public int ifindex()
    {
        return ifindex;
    }

    public int queue()
    {
        return queue;
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    public Umem umem()
    {
        return umem;
    }

    /** @return {@link XskBindMode#COPY} or {@link XskBindMode#ZERO_COPY}, as the kernel reports it. */
    public XskBindMode boundMode()
    {
        return boundMode;
    }

    /** @return whether the socket runs with XDP_USE_NEED_WAKEUP (inherited from the UMEM owner when shared). */
    public boolean needWakeup()
    {
        return needWakeup;
    }

    /** @return true when this socket shares a UMEM registered by another socket. */
    public boolean sharedUmem()
    {
        return sharedUmem;
    }

    public XskConsumerRing rx()
    {
        return rx;
    }

    public XskProducerRing tx()
    {
        return tx;
    }

    public XskProducerRing fill()
    {
        return fill;
    }

    public XskConsumerRing completion()
    {
        return completion;
    }

    /**
     * Kicks the kernel to transmit what is on the TX ring ({@code sendto(MSG_DONTWAIT)}). Counted. In copy mode
     * one call sends at most a budget of descriptors (32 on 6.x) and answers EAGAIN while more remain.
     *
     * @return 0, or the errno (EAGAIN, EBUSY, ENOBUFS: try again next cycle; others are also counted in
     *         {@link #wakeupErrors()}).
     */
    public int wakeupTx()
    {
        txWakeups++;
        final int errno = Libc.sendtoWakeup(wakeupErrno, fd);
        if (errno != 0 && errno != Errno.EAGAIN && errno != Errno.EBUSY && errno != Errno.ENOBUFS)
        {
            wakeupErrors++;
            lastWakeupErrno = errno;
        }
        return errno;
    }

    /**
     * Wakes the driver to use the fill ring ({@code recvfrom(MSG_DONTWAIT)}). Counted.
     *
     * @return 0, or the errno (EAGAIN is normal; others are counted in {@link #wakeupErrors()}).
     */
    public int wakeupFill()
    {
        fillWakeups++;
        final int errno = Libc.recvfromWakeup(wakeupErrno, fd);
        if (errno != 0 && errno != Errno.EAGAIN && errno != Errno.EBUSY)
        {
            wakeupErrors++;
            lastWakeupErrno = errno;
        }
        return errno;
    }

    /** @return TX wakeup syscalls made. */
    public long txWakeups()
    {
        return txWakeups;
    }

    /** @return fill-ring wakeup syscalls made. */
    public long fillWakeups()
    {
        return fillWakeups;
    }

    /** @return wakeups that failed with something other than a transient errno. */
    public long wakeupErrors()
    {
        return wakeupErrors;
    }

    /** @return the errno of the last such failure, 0 if none. */
    public int lastWakeupErrno()
    {
        return lastWakeupErrno;
    }

    /**
     * Reads the kernel's counters for this socket.
     *
     * @param into where to put them.
     * @return {@code into}.
     */
    public synchronized XskStatistics readStatistics(final XskStatistics into)
    {
        checkOpen();
        final int length = Libc.getsockopt(fd, SOL_XDP, XskDescriptor.XDP_STATISTICS, statistics, "XDP_STATISTICS");
        into.decode(statistics, length);
        return into;
    }

    /** Unmaps the rings and closes the socket; the kernel drops its reference on the UMEM. Idempotent. */
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
            for (final MemorySegment mapping : mappings)
            {
                Libc.munmap(mapping);
            }
            Libc.close(fd);
        }
        finally
        {
            umem.onSocketClosed(fd);
            arena.close();
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(this + " is closed");
        }
    }

    @Override
    public String toString()
    {
        return "XskSocket{fd=" + fd + ", " + interfaceName + " queue " + queue + ", " + boundMode +
            (sharedUmem ? ", shared UMEM" : "") + "}";
    }
}
