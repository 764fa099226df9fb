package dev.sluice.fastpath.bpf;

import static dev.sluice.fastpath.bpf.LibBpfDescriptor.BPF_ANY;
import static dev.sluice.fastpath.bpf.LibBpfDescriptor.XDP_FLAGS_UPDATE_IF_NOEXIST;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NativeCallException;

/**
 * One loaded instance of the Sluice XDP program ({@value #RESOURCE}) for one interface: its own XSKMAP, config
 * and counters. Lifecycle: {@link #load()} -> {@link #configure(XdpPortConfig)} -> {@link #attach(int)} ->
 * {@link #registerSocket(int, int)} per rx queue -> ... -> {@link #close()} (detaches, frees everything,
 * idempotent).
 * <p>
 * Attachment uses {@code bpf_xdp_attach} with {@code XDP_FLAGS_UPDATE_IF_NOEXIST}: native mode first, generic
 * mode when the driver has no native XDP; a program that someone else attached is never replaced
 * ({@link XdpAlreadyAttachedException}). Such an attachment outlives the process: after a crash the program
 * stays, its XSKMAP entries vanish with the sockets, and the port's {@link XdpFallback} applies (fail closed on
 * pod ports by default).
 * <p>
 * Interface indexes and names are those of the calling thread's network namespace; attach, detach and close
 * must run in the namespace the attach ran in.
 * <p>
 * Control-path object: every method is synchronized; none is meant for a per-packet path.
 */
public final class XdpProgram implements AutoCloseable
{
    /** Class-path resource of the program object, built by the {@code xdp-redirect-bpf} module. */
    public static final String RESOURCE = "/bpf/sluice_xdp.o";

    private final String origin;
    private final Arena arena;
    private final MemorySegment state;
    private final MemorySegment object;
    private final int programFd;
    private final int xsksFd;
    private final int configFd;
    private final int countersFd;
    private final int programId;
    private final int possibleCpus;
    private final MemorySegment key;
    private final MemorySegment value;
    private final MemorySegment attachOpts;

    private XdpPortConfig config;
    private int attachedIfindex;
    private String attachedName;
    private XdpAttachMode attachedMode;
    private boolean closed;

    private XdpProgram(final String origin, final Arena arena, final MemorySegment state, final MemorySegment object)
    {
        this.origin = origin;
        this.arena = arena;
        this.state = state;
        this.object = object;
        programFd = LibBpf.programFd(find(LibBpf.findProgramByName(state, object,
            arena.allocateFrom(XdpConfigDescriptor.PROGRAM_NAME)), "program " + XdpConfigDescriptor.PROGRAM_NAME));
        xsksFd = mapFd(XdpConfigDescriptor.MAP_XSKS);
        configFd = mapFd(XdpConfigDescriptor.MAP_CONFIG);
        countersFd = mapFd(XdpConfigDescriptor.MAP_COUNTERS);
        possibleCpus = LibBpf.numPossibleCpus();
        if (possibleCpus <= 0)
        {
            throw NativeCallException.of("libbpf_num_possible_cpus()", -possibleCpus);
        }
        key = arena.allocate(ValueLayout.JAVA_INT);
        value = arena.allocate(Math.max((long)possibleCpus * Long.BYTES, XdpConfigDescriptor.LENGTH), 8);
        attachOpts = arena.allocate(LibBpfDescriptor.XDP_ATTACH_OPTS_LENGTH, 8);
        programId = queryProgramId();
    }

    /**
     * Loads the program shipped in the {@code xdp-redirect-bpf} jar into the kernel.
     *
     * @return the loaded, unconfigured, unattached program.
     * @throws IllegalStateException if the resource is missing or its ABI version is not {@link
     *                               XdpConfigDescriptor#VERSION}.
     * @throws NativeCallException   if libbpf or the kernel refuses it (e.g. EPERM when not root).
     */
    public static XdpProgram load()
    {
        try (InputStream in = XdpProgram.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource " + RESOURCE + " missing: the xdp-redirect-bpf jar " +
                    "(built with clang -target bpf) is not on the class path");
            }
            return load(in.readAllBytes(), "classpath:" + RESOURCE, XdpConfigDescriptor.VERSION);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /**
     * Loads a program object from its ELF bytes after checking its metadata section.
     *
     * @param elf             the object file.
     * @param origin          where it came from, for messages.
     * @param expectedVersion the ABI version this loader speaks.
     * @return the loaded program.
     */
    static XdpProgram load(final byte[] elf, final String origin, final int expectedVersion)
    {
        final Arena arena = Arena.ofShared();
        MemorySegment object = MemorySegment.NULL;
        try
        {
            final MemorySegment state = Libc.allocateErrnoState(arena);
            final MemorySegment buffer = arena.allocate(elf.length, 8);
            MemorySegment.copy(elf, 0, buffer, ValueLayout.JAVA_BYTE, 0, elf.length);
            final MemorySegment opts = arena.allocate(LibBpfDescriptor.OBJECT_OPEN_OPTS_LENGTH, 8);
            opts.set(ValueLayout.JAVA_LONG, LibBpfDescriptor.OBJECT_OPEN_OPTS_SZ_OFFSET,
                LibBpfDescriptor.OBJECT_OPEN_OPTS_LENGTH);
            opts.set(ValueLayout.ADDRESS, LibBpfDescriptor.OBJECT_OPEN_OPTS_OBJECT_NAME_OFFSET,
                arena.allocateFrom(XdpConfigDescriptor.PROGRAM_NAME));

            object = LibBpf.objectOpenMem(state, buffer, elf.length, opts);
            if (object.equals(MemorySegment.NULL))
            {
                final int errno = Libc.errno(state);
                throw new NativeCallException("bpf_object__open_mem(" + origin + ", " + elf.length + " bytes)",
                    errno, LibBpf.strerror(errno), "not a valid BPF ELF object for this libbpf");
            }
            checkMetadata(arena, state, object, origin, expectedVersion);

            final int loaded = LibBpf.objectLoad(state, object);
            if (loaded < 0)
            {
                final int errno = -loaded;
                throw new NativeCallException("bpf_object__load(" + origin + ")", errno, LibBpf.strerror(errno),
                    errno == Errno.EPERM || errno == Errno.EACCES ? Errno.hint(errno) :
                    "the kernel refused the program or its maps; libbpf printed the verifier log to stderr");
            }
            return new XdpProgram(origin, arena, state, object);
        }
        catch (final RuntimeException | Error e)
        {
            if (!object.equals(MemorySegment.NULL))
            {
                LibBpf.objectClose(object);
            }
            arena.close();
            throw e;
        }
    }

    private static void checkMetadata(final Arena arena, final MemorySegment state, final MemorySegment object,
        final String origin, final int expectedVersion)
    {
        final MemorySegment map = LibBpf.findMapByName(state, object,
            arena.allocateFrom(XdpConfigDescriptor.META_SECTION));
        if (map.equals(MemorySegment.NULL))
        {
            throw new IllegalStateException(origin + " is not a Sluice XDP object: it has no " +
                XdpConfigDescriptor.META_SECTION + " section");
        }
        final MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        final MemorySegment data = LibBpf.mapInitialValue(map, size);
        final long length = size.get(ValueLayout.JAVA_LONG, 0);
        if (data.equals(MemorySegment.NULL) || length < XdpConfigDescriptor.META_LENGTH)
        {
            throw new IllegalStateException(origin + ": section " + XdpConfigDescriptor.META_SECTION + " has " +
                length + " bytes, expected at least " + XdpConfigDescriptor.META_LENGTH);
        }
        final MemorySegment meta = data.reinterpret(length);
        final int version = meta.get(ValueLayout.JAVA_INT_UNALIGNED, XdpConfigDescriptor.META_VERSION_OFFSET);
        if (version != expectedVersion)
        {
            throw new IllegalStateException("XDP program " + origin + " has ABI version " + version +
                ", this loader speaks version " + expectedVersion +
                ": build xdp-redirect-bpf and fastpath from the same source");
        }
        checkMetaField(meta, XdpConfigDescriptor.META_CONFIG_SIZE_OFFSET, XdpConfigDescriptor.LENGTH,
            "config size", origin);
        checkMetaField(meta, XdpConfigDescriptor.META_COUNTER_COUNT_OFFSET, XdpConfigDescriptor.COUNTER_COUNT,
            "counter count", origin);
        checkMetaField(meta, XdpConfigDescriptor.META_MAX_QUEUES_OFFSET, XdpConfigDescriptor.MAX_QUEUES,
            "max queues", origin);
    }

    private static void checkMetaField(final MemorySegment meta, final int offset, final int expected,
        final String what, final String origin)
    {
        final int actual = meta.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
        if (actual != expected)
        {
            throw new IllegalStateException("XDP program " + origin + " declares " + what + " " + actual +
                ", this loader expects " + expected + " (same version, different ABI: bump SLUICE_XDP_VERSION)");
        }
    }

    /**
     * Writes the port configuration into the program's config map; takes effect for the next frame.
     *
     * @param portConfig the configuration.
     */
    public synchronized void configure(final XdpPortConfig portConfig)
    {
        checkOpen();
        portConfig.encode(value);
        key.set(ValueLayout.JAVA_INT, 0, 0);
        final int result = LibBpf.mapUpdateElem(state, configFd, key, value, BPF_ANY);
        if (result < 0)
        {
            throw NativeCallException.of("bpf_map_update_elem(" + XdpConfigDescriptor.MAP_CONFIG + ", " +
                portConfig + ")", -result);
        }
        config = portConfig;
    }

    /**
     * Binds an AF_XDP socket to an rx queue: frames the program sends to the socket on that queue reach it.
     *
     * @param rxQueue the interface's rx queue index the socket is bound to.
     * @param xskFd   the AF_XDP socket's file descriptor.
     */
    public synchronized void registerSocket(final int rxQueue, final int xskFd)
    {
        checkOpen();
        checkQueue(rxQueue);
        key.set(ValueLayout.JAVA_INT, 0, rxQueue);
        value.set(ValueLayout.JAVA_INT, 0, xskFd);
        final int result = LibBpf.mapUpdateElem(state, xsksFd, key, value, BPF_ANY);
        if (result < 0)
        {
            throw NativeCallException.of("bpf_map_update_elem(" + XdpConfigDescriptor.MAP_XSKS + ", queue=" +
                rxQueue + ", fd=" + xskFd + ")", -result, -result == Errno.EOPNOTSUPP ?
                "fd " + xskFd + " is not an AF_XDP socket" : Errno.hint(-result));
        }
    }

    /**
     * Removes the socket of an rx queue; its frames then get the port's fallback. Idempotent: the kernel's
     * XSKMAP delete succeeds on an empty slot too, so whether a socket was there cannot be told.
     *
     * @param rxQueue the rx queue index.
     */
    public synchronized void unregisterSocket(final int rxQueue)
    {
        checkOpen();
        checkQueue(rxQueue);
        key.set(ValueLayout.JAVA_INT, 0, rxQueue);
        final int result = LibBpf.mapDeleteElem(state, xsksFd, key);
        if (result < 0 && -result != Errno.ENOENT)
        {
            throw NativeCallException.of("bpf_map_delete_elem(" + XdpConfigDescriptor.MAP_XSKS + ", queue=" +
                rxQueue + ")", -result);
        }
    }

    /**
     * Attaches the program to an interface by name.
     *
     * @param interfaceName e.g. {@code "eth0"}.
     * @return the mode used.
     * @see #attach(int)
     */
    public XdpAttachMode attach(final String interfaceName)
    {
        return attach(Libc.ifNameToIndex(interfaceName));
    }

    /**
     * Attaches the program to an interface: native mode, or generic mode when the driver has no native XDP.
     * Never replaces a program attached by someone else.
     *
     * @param ifindex interface index.
     * @return the mode used.
     * @throws IllegalStateException        if not configured yet, or already attached.
     * @throws XdpAlreadyAttachedException  if another XDP program is attached to the interface.
     * @throws NativeCallException          for anything else (ENODEV: no such interface, EPERM: not root).
     */
    public synchronized XdpAttachMode attach(final int ifindex)
    {
        checkOpen();
        if (config == null)
        {
            throw new IllegalStateException("configure() before attach(ifindex=" + ifindex + "): " +
                "an unconfigured program passes every frame");
        }
        if (attachedIfindex != 0)
        {
            throw new IllegalStateException("already attached to " + attachedName + " (ifindex " +
                attachedIfindex + "); one program object per interface, load another for ifindex " + ifindex);
        }
        final String name = Libc.ifIndexToName(ifindex);
        XdpAttachMode mode = XdpAttachMode.NATIVE;
        int result = LibBpf.xdpAttach(state, ifindex, programFd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode.flag(),
            MemorySegment.NULL);
        if (result == -Errno.EOPNOTSUPP)
        {
            mode = XdpAttachMode.GENERIC;
            result = LibBpf.xdpAttach(state, ifindex, programFd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode.flag(),
                MemorySegment.NULL);
        }
        if (result < 0)
        {
            final int errno = -result;
            final String call = "bpf_xdp_attach(" + name + ", ifindex=" + ifindex + ", mode=" + mode + ")";
            if (errno == Errno.EBUSY || errno == Errno.EEXIST)
            {
                throw new XdpAlreadyAttachedException(call, errno, name, attachedProgramId(ifindex));
            }
            throw NativeCallException.of(call, errno);
        }
        attachedIfindex = ifindex;
        attachedName = name;
        attachedMode = mode;
        return mode;
    }

    /**
     * Detaches the program if it is attached and still the one on the interface. An interface that vanished
     * (ENODEV) counts as detached.
     *
     * @throws NativeCallException if someone replaced the program (it is then left alone) or the kernel refuses.
     */
    public synchronized void detach()
    {
        checkOpen();
        if (attachedIfindex == 0)
        {
            return;
        }
        final int ifindex = attachedIfindex;
        final String name = attachedName;
        final XdpAttachMode mode = attachedMode;
        attachedIfindex = 0;
        attachedName = null;
        attachedMode = null;

        attachOpts.fill((byte)0);
        attachOpts.set(ValueLayout.JAVA_LONG, LibBpfDescriptor.XDP_ATTACH_OPTS_SZ_OFFSET,
            LibBpfDescriptor.XDP_ATTACH_OPTS_LENGTH);
        // old_prog_fd makes libbpf add XDP_FLAGS_REPLACE: the kernel detaches only if our program is the one there
        attachOpts.set(ValueLayout.JAVA_INT, LibBpfDescriptor.XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET, programFd);
        final int result = LibBpf.xdpDetach(state, ifindex, mode.flag(), attachOpts);
        if (result < 0 && -result != Errno.ENODEV)
        {
            throw NativeCallException.of("bpf_xdp_detach(" + name + ", ifindex=" + ifindex + ", mode=" + mode +
                ")", -result, -result == Errno.EEXIST ?
                "another program replaced ours on " + name + "; it was left alone" : Errno.hint(-result));
        }
    }

    /**
     * Runs one frame through the program with {@code BPF_PROG_TEST_RUN} (rx queue 0 of a dummy device).
     *
     * @param frame an Ethernet frame, at least 14 bytes (the kernel refuses shorter input with EINVAL).
     * @return the XDP action the program returned ({@link XdpAction}).
     */
    public int testRun(final byte[] frame)
    {
        return testRun(frame, 0, 0);
    }

    /**
     * Runs one frame through the program with {@code BPF_PROG_TEST_RUN} as if received on an interface's queue.
     * Test runs do not perform a redirect: {@link XdpAction#REDIRECT} is returned, nothing is delivered.
     *
     * @param frame   an Ethernet frame, at least 14 bytes.
     * @param ifindex ingress interface (0: the kernel's dummy, then rxQueue must be 0).
     * @param rxQueue ingress rx queue index.
     * @return the XDP action the program returned ({@link XdpAction}).
     */
    public synchronized int testRun(final byte[] frame, final int ifindex, final int rxQueue)
    {
        checkOpen();
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment data = call.allocate(Math.max(frame.length, 1), 8);
            MemorySegment.copy(frame, 0, data, ValueLayout.JAVA_BYTE, 0, frame.length);
            final MemorySegment opts = call.allocate(LibBpfDescriptor.TEST_RUN_OPTS_LENGTH, 8);
            opts.set(ValueLayout.JAVA_LONG, LibBpfDescriptor.TEST_RUN_OPTS_SZ_OFFSET,
                LibBpfDescriptor.TEST_RUN_OPTS_LENGTH);
            opts.set(ValueLayout.ADDRESS, LibBpfDescriptor.TEST_RUN_OPTS_DATA_IN_OFFSET, data);
            opts.set(ValueLayout.JAVA_INT, LibBpfDescriptor.TEST_RUN_OPTS_DATA_SIZE_IN_OFFSET, frame.length);
            opts.set(ValueLayout.JAVA_INT, LibBpfDescriptor.TEST_RUN_OPTS_REPEAT_OFFSET, 1);
            if (ifindex != 0 || rxQueue != 0)
            {
                final MemorySegment ctx = call.allocate(LibBpfDescriptor.XDP_MD_LENGTH, 8);
                ctx.set(ValueLayout.JAVA_INT, LibBpfDescriptor.XDP_MD_INGRESS_IFINDEX_OFFSET, ifindex);
                ctx.set(ValueLayout.JAVA_INT, LibBpfDescriptor.XDP_MD_RX_QUEUE_INDEX_OFFSET, rxQueue);
                opts.set(ValueLayout.ADDRESS, LibBpfDescriptor.TEST_RUN_OPTS_CTX_IN_OFFSET, ctx);
                opts.set(ValueLayout.JAVA_INT, LibBpfDescriptor.TEST_RUN_OPTS_CTX_SIZE_IN_OFFSET,
                    LibBpfDescriptor.XDP_MD_LENGTH);
            }
            final int result = LibBpf.progTestRun(state, programFd, opts);
            if (result < 0)
            {
                throw NativeCallException.of("bpf_prog_test_run_opts(" + XdpConfigDescriptor.PROGRAM_NAME +
                    ", " + frame.length + " bytes, ifindex=" + ifindex + ", rxQueue=" + rxQueue + ")", -result,
                    -result == Errno.EINVAL ? "frames shorter than 14 bytes, or an rx queue the device lacks, " +
                    "are refused" : Errno.hint(-result));
            }
            return opts.get(ValueLayout.JAVA_INT, LibBpfDescriptor.TEST_RUN_OPTS_RETVAL_OFFSET);
        }
    }

    /**
     * Reads one counter, summed over all CPUs.
     *
     * @param counter which one.
     * @return the number of frames counted since load.
     */
    public synchronized long counter(final XdpCounter counter)
    {
        checkOpen();
        key.set(ValueLayout.JAVA_INT, 0, counter.index());
        final int result = LibBpf.mapLookupElem(state, countersFd, key, value);
        if (result < 0)
        {
            throw NativeCallException.of("bpf_map_lookup_elem(" + XdpConfigDescriptor.MAP_COUNTERS + ", " +
                counter + ")", -result);
        }
        long sum = 0;
        for (int cpu = 0; cpu < possibleCpus; cpu++)
        {
            sum += value.get(ValueLayout.JAVA_LONG, (long)cpu * Long.BYTES);
        }
        return sum;
    }

    /** @return the kernel's id of this program (as shown by {@code ip link} and {@code bpftool prog}). */
    public int programId()
    {
        return programId;
    }

    /** @return the configuration last written, or null. */
    public synchronized XdpPortConfig config()
    {
        return config;
    }

    /** @return the interface index attached to, 0 when not attached. */
    public synchronized int attachedIfindex()
    {
        return attachedIfindex;
    }

    /** @return the mode of the current attachment, null when not attached. */
    public synchronized XdpAttachMode attachedMode()
    {
        return attachedMode;
    }

    /**
     * Detaches (if attached) and frees the program, its maps and all native memory. Idempotent. Resources are
     * freed even when the detach fails; the failure is then thrown.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            detach();
        }
        finally
        {
            closed = true;
            LibBpf.objectClose(object);
            arena.close();
        }
    }

    @Override
    public String toString()
    {
        return "XdpProgram{" + origin + ", id=" + programId + "}";
    }

    private int mapFd(final String name)
    {
        return LibBpf.mapFd(find(LibBpf.findMapByName(state, object, arena.allocateFrom(name)), "map " + name));
    }

    private MemorySegment find(final MemorySegment found, final String what)
    {
        if (found.equals(MemorySegment.NULL))
        {
            throw new IllegalStateException(origin + " has no " + what + ": not the object this loader expects");
        }
        return found;
    }

    private int queryProgramId()
    {
        final MemorySegment info = arena.allocate(LibBpfDescriptor.PROG_INFO_PREFIX_LENGTH, 8);
        final MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, LibBpfDescriptor.PROG_INFO_PREFIX_LENGTH);
        final int result = LibBpf.objGetInfoByFd(state, programFd, info, length);
        if (result < 0)
        {
            throw NativeCallException.of("bpf_obj_get_info_by_fd(program fd " + programFd + ")", -result);
        }
        return info.get(ValueLayout.JAVA_INT, LibBpfDescriptor.PROG_INFO_ID_OFFSET);
    }

    private int attachedProgramId(final int ifindex)
    {
        final MemorySegment id = arena.allocate(ValueLayout.JAVA_INT);
        return LibBpf.xdpQueryId(state, ifindex, 0, id) == 0 ? id.get(ValueLayout.JAVA_INT, 0) : 0;
    }

    private void checkQueue(final int rxQueue)
    {
        if (rxQueue < 0 || rxQueue >= XdpConfigDescriptor.MAX_QUEUES)
        {
            throw new IllegalArgumentException("rx queue out of range 0.." + (XdpConfigDescriptor.MAX_QUEUES - 1) +
                ": " + rxQueue);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(this + " is closed");
        }
    }
}
