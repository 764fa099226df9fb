package dev.sluice.control.cni;

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
 * The few system calls the plugin makes, all through one downcall handle to libc's {@code syscall(2)}. Start-up
 * time is why: every distinct downcall handle makes the JVM spin and load a stub and its lambda forms (about a
 * dozen classes, which neither CDS nor the JDK 25 AOT cache keep), and a plugin is a fresh JVM per pod; one handle
 * with one descriptor (the syscall number and six {@code long} arguments) spins one. Pointers are passed as their
 * addresses. Numbers from the kernel's syscall tables for x86-64 and arm64; anything else is refused.
 */
final class Syscalls
{
    /** {@code AT_FDCWD}. */
    static final long AT_FDCWD = -100;
    /** {@code O_RDONLY | O_CLOEXEC} (x86-64 and arm64 agree). */
    static final long O_RDONLY_CLOEXEC = 0x80000;

    private static final boolean X86_64 = "amd64".equals(System.getProperty("os.arch")) ||
        "x86_64".equals(System.getProperty("os.arch"));
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    static final long SYS_CLOSE = X86_64 ? 3 : 57;
    static final long SYS_SOCKET = X86_64 ? 41 : 198;
    static final long SYS_SENDTO = X86_64 ? 44 : 206;
    static final long SYS_RECVFROM = X86_64 ? 45 : 207;
    static final long SYS_BIND = X86_64 ? 49 : 200;
    static final long SYS_SETSOCKOPT = X86_64 ? 54 : 208;
    static final long SYS_OPENAT = X86_64 ? 257 : 56;
    static final long SYS_SETNS = X86_64 ? 308 : 268;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL;

    static
    {
        if (!X86_64 && !AARCH64)
        {
            throw new IllegalStateException("sluice-cni knows the system call numbers of x86-64 and arm64, not " +
                System.getProperty("os.arch"));
        }
        final Linker linker = Linker.nativeLinker();
        SYSCALL = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(
            () -> new IllegalStateException("libc has no syscall()")),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG), Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    private Syscalls()
    {
    }

    /**
     * @param arena where to allocate it.
     * @return a segment for {@link #call}'s errno.
     */
    static MemorySegment errnoState(final Arena arena)
    {
        return arena.allocate(CAPTURE);
    }

    /**
     * @param state a segment from {@link #errnoState}.
     * @return the errno the last failed call left.
     */
    static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    /**
     * @param state  errno capture.
     * @param number the system call number.
     * @param a      first argument.
     * @param b      second.
     * @param c      third.
     * @param d      fourth.
     * @param e      fifth.
     * @param f      sixth.
     * @return the call's result (-1 with errno in {@code state} on failure).
     */
    static long call(final MemorySegment state, final long number, final long a, final long b, final long c,
        final long d, final long e, final long f)
    {
        try
        {
            return (long)SYSCALL.invokeExact(state, number, a, b, c, d, e, f);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("syscall " + number, t);
        }
    }
}
