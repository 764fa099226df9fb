package dev.sluice.fastpath.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.testkit.ExternalTools;

/**
 * A network namespace made by a test ({@code ip netns add}), deleted on {@link #close()} with everything in it.
 * {@link #call(Callable)} runs code on a fresh platform thread that has entered the namespace with
 * {@code setns(2)}, so that netlink and ioctl calls made by libbpf/libc (attach, if_nametoindex) act inside it.
 */
public final class TestNetns implements AutoCloseable
{
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(
        LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2),
        Libc.captureErrno());
    private static final MethodHandle SETNS = LINKER.downcallHandle(
        LINKER.defaultLookup().find("setns").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Libc.captureErrno());

    private final String name;

    private TestNetns(final String name)
    {
        this.name = name;
    }

    /**
     * @return a new, empty namespace named {@code sluice-xdp-<pid>-<n>}.
     */
    public static TestNetns create()
    {
        ExternalTools.requireCommand("ip", "iproute2");
        final String name = "sluice-xdp-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        run("ip", "netns", "add", name);
        return new TestNetns(name);
    }

    /**
     * @param prefix what the test is (e.g. {@code sl-dp-pod}); a random suffix is appended.
     * @return a new, empty namespace named {@code <prefix>-<random hex>}.
     */
    public static TestNetns create(final String prefix)
    {
        ExternalTools.requireCommand("ip", "iproute2");
        final String name = prefix + "-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current()
            .nextLong() & 0xFFFF_FFFFL);
        run("ip", "netns", "add", name);
        return new TestNetns(name);
    }

    public String name()
    {
        return name;
    }

    /** Runs {@code ip -n <ns> args...} and fails the test unless it succeeds; returns stdout. */
    public String ip(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return run(command.toArray(String[]::new));
    }

    /** Runs {@code ip -n <ns> args...}; returns the result whatever it is. */
    public ExternalTools.Result ipResult(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return ExternalTools.run(command, null);
    }

    /**
     * Runs a task inside the namespace.
     *
     * @param task what to run.
     * @param <T>  its result.
     * @return the task's result; its exception is rethrown unchanged (RuntimeException/Error).
     */
    public <T> T call(final Callable<T> task)
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = Thread.ofPlatform().name("netns-" + name).start(() ->
        {
            try
            {
                enter();
                result.set(task.call());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        try
        {
            thread.join();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        final Throwable t = failure.get();
        if (t instanceof RuntimeException e)
        {
            throw e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        if (t != null)
        {
            throw new IllegalStateException(t);
        }
        return result.get();
    }

    /** Runs a task inside the namespace. */
    public void run(final Runnable task)
    {
        call(() ->
        {
            task.run();
            return null;
        });
    }

    @Override
    public void close()
    {
        run("ip", "netns", "del", name);
    }

    private void enter() throws Throwable
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Libc.allocateErrnoState(arena);
            final String path = "/var/run/netns/" + name;
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw NativeCallException.of("open(" + path + ")", Libc.errno(state));
            }
            try
            {
                if ((int)SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0)
                {
                    throw NativeCallException.of("setns(" + path + ")", Libc.errno(state));
                }
            }
            finally
            {
                Libc.close(fd);
            }
        }
    }

    private static String run(final String... command)
    {
        final ExternalTools.Result result = ExternalTools.run(List.of(command), null);
        assertEquals(0, result.exitCode(), () -> String.join(" ", command) + ": " + result.stderr());
        return result.stdout();
    }
}
