package dev.sluice.fastpath.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import dev.sluice.fastpath.sys.Libc;

/**
 * Downcalls into {@code libbpf.so.1} (libbpf 1.x: functions return {@code -errno} and set errno; functions
 * returning pointers return NULL and set errno). Calls that can fail take an errno capture segment
 * ({@link Libc#allocateErrnoState}) as their first argument. Each downcall is its own small method so that C2
 * can inline it (an escaping capture slice would allocate per call). Nothing here interprets results; see
 * {@link XdpProgram}.
 */
final class LibBpf
{
    static final String LIBRARY = "libbpf.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = openLibrary();

    private static final MethodHandle OBJECT_OPEN_MEM = capturing("bpf_object__open_mem",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle OBJECT_LOAD = capturing("bpf_object__load",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJECT_CLOSE = plain("bpf_object__close",
        FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle FIND_PROGRAM = capturing("bpf_object__find_program_by_name",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FIND_MAP = capturing("bpf_object__find_map_by_name",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle PROGRAM_FD = plain("bpf_program__fd",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_FD = plain("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_INITIAL_VALUE = plain("bpf_map__initial_value",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_UPDATE_ELEM = capturing("bpf_map_update_elem",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MAP_LOOKUP_ELEM = capturing("bpf_map_lookup_elem",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_DELETE_ELEM = capturing("bpf_map_delete_elem",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle XDP_ATTACH = capturing("bpf_xdp_attach",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle XDP_DETACH = capturing("bpf_xdp_detach",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle XDP_QUERY_ID = capturing("bpf_xdp_query_id",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle PROG_TEST_RUN = capturing("bpf_prog_test_run_opts",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_GET_INFO_BY_FD = capturing("bpf_obj_get_info_by_fd",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle NUM_POSSIBLE_CPUS = plain("libbpf_num_possible_cpus",
        FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = plain("libbpf_strerror",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));

    private LibBpf()
    {
    }

    static MemorySegment objectOpenMem(
        final MemorySegment state, final MemorySegment buffer, final long size, final MemorySegment opts)
    {
        try
        {
            return (MemorySegment)OBJECT_OPEN_MEM.invokeExact(state, buffer, size, opts);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_object__open_mem", t);
        }
    }

    static int objectLoad(final MemorySegment state, final MemorySegment object)
    {
        try
        {
            return (int)OBJECT_LOAD.invokeExact(state, object);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_object__load", t);
        }
    }

    static void objectClose(final MemorySegment object)
    {
        try
        {
            OBJECT_CLOSE.invokeExact(object);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_object__close", t);
        }
    }

    static MemorySegment findProgramByName(final MemorySegment state, final MemorySegment object,
        final MemorySegment name)
    {
        try
        {
            return (MemorySegment)FIND_PROGRAM.invokeExact(state, object, name);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_object__find_program_by_name", t);
        }
    }

    static MemorySegment findMapByName(final MemorySegment state, final MemorySegment object,
        final MemorySegment name)
    {
        try
        {
            return (MemorySegment)FIND_MAP.invokeExact(state, object, name);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_object__find_map_by_name", t);
        }
    }

    static int programFd(final MemorySegment program)
    {
        try
        {
            return (int)PROGRAM_FD.invokeExact(program);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_program__fd", t);
        }
    }

    static int mapFd(final MemorySegment map)
    {
        try
        {
            return (int)MAP_FD.invokeExact(map);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_map__fd", t);
        }
    }

    static MemorySegment mapInitialValue(final MemorySegment map, final MemorySegment sizeOut)
    {
        try
        {
            return (MemorySegment)MAP_INITIAL_VALUE.invokeExact(map, sizeOut);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_map__initial_value", t);
        }
    }

    static int mapUpdateElem(final MemorySegment state, final int fd, final MemorySegment key,
        final MemorySegment value, final long flags)
    {
        try
        {
            return (int)MAP_UPDATE_ELEM.invokeExact(state, fd, key, value, flags);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_map_update_elem", t);
        }
    }

    static int mapLookupElem(final MemorySegment state, final int fd, final MemorySegment key,
        final MemorySegment value)
    {
        try
        {
            return (int)MAP_LOOKUP_ELEM.invokeExact(state, fd, key, value);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_map_lookup_elem", t);
        }
    }

    static int mapDeleteElem(final MemorySegment state, final int fd, final MemorySegment key)
    {
        try
        {
            return (int)MAP_DELETE_ELEM.invokeExact(state, fd, key);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_map_delete_elem", t);
        }
    }

    static int xdpAttach(final MemorySegment state, final int ifindex, final int progFd, final int flags,
        final MemorySegment opts)
    {
        try
        {
            return (int)XDP_ATTACH.invokeExact(state, ifindex, progFd, flags, opts);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_xdp_attach", t);
        }
    }

    static int xdpDetach(final MemorySegment state, final int ifindex, final int flags, final MemorySegment opts)
    {
        try
        {
            return (int)XDP_DETACH.invokeExact(state, ifindex, flags, opts);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_xdp_detach", t);
        }
    }

    static int xdpQueryId(final MemorySegment state, final int ifindex, final int flags, final MemorySegment idOut)
    {
        try
        {
            return (int)XDP_QUERY_ID.invokeExact(state, ifindex, flags, idOut);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_xdp_query_id", t);
        }
    }

    static int progTestRun(final MemorySegment state, final int progFd, final MemorySegment opts)
    {
        try
        {
            return (int)PROG_TEST_RUN.invokeExact(state, progFd, opts);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_prog_test_run_opts", t);
        }
    }

    static int objGetInfoByFd(final MemorySegment state, final int fd, final MemorySegment info,
        final MemorySegment lengthInOut)
    {
        try
        {
            return (int)OBJ_GET_INFO_BY_FD.invokeExact(state, fd, info, lengthInOut);
        }
        catch (final Throwable t)
        {
            throw rethrow("bpf_obj_get_info_by_fd", t);
        }
    }

    static int numPossibleCpus()
    {
        try
        {
            return (int)NUM_POSSIBLE_CPUS.invokeExact();
        }
        catch (final Throwable t)
        {
            throw rethrow("libbpf_num_possible_cpus", t);
        }
    }

    /**
     * libbpf's text for an error, covering its own codes (4000+) as well as errno values.
     *
     * @param errno positive error code.
     * @return the text.
     */
    static String strerror(final int errno)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(128);
            final int ignoredResult = (int)STRERROR.invokeExact(errno, buffer, buffer.byteSize());
            return buffer.getString(0);
        }
        catch (final Throwable t)
        {
            throw rethrow("libbpf_strerror", t);
        }
    }

    private static SymbolLookup openLibrary()
    {
        try
        {
            return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalStateException("cannot load " + LIBRARY + " (Debian/Ubuntu package libbpf1): " +
                e.getMessage(), e);
        }
    }

    private static MethodHandle capturing(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(symbol(name), descriptor, Libc.captureErrno());
    }

    private static MethodHandle plain(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(final String name)
    {
        return LOOKUP.find(name).orElseThrow(
            () -> new IllegalStateException(LIBRARY + " has no symbol " + name + " (libbpf >= 1.0 needed)"));
    }

    private static RuntimeException rethrow(final String call, final Throwable t)
    {
        if (t instanceof RuntimeException e)
        {
            return e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        return new IllegalStateException(call, t);
    }
}
