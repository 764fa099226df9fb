package dev.sluice.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time of the device under test, read from /proc.
 * <ul>
 *   <li>With processes ({@link BenchPath#dataplanePids()} not empty): the sum over every thread of every listed
 *   process ({@code /proc/PID/task/TID}) of its on-CPU time, {@code sum_exec_runtime} (the first field of
 *   {@code schedstat}, nanoseconds; user + system time at scheduler resolution), falling back to
 *   {@code utime + stime} of {@code stat} in clock ticks when schedstat is missing. Kernel threads count too (the
 *   kernel topologies list their threaded-NAPI kthreads). Threads that exit during the interval are missed.</li>
 *   <li>Without: the machine's softirq time, the 7th field ({@code softirq}) of the {@code cpu} line of
 *   {@code /proc/stat}, over all CPUs, in clock ticks (USER_HZ = 100) converted to nanoseconds.</li>
 * </ul>
 */
public final class CpuTime
{
    private static final long NS_PER_TICK = 10_000_000L;

    private CpuTime()
    {
    }

    /**
     * The current CPU time of the device under test.
     *
     * @param pids the processes of the device under test, or empty for the machine's softirq time
     * @return nanoseconds (only differences are meaningful)
     * @throws IOException when /proc cannot be read
     */
    public static long nowNs(final List<Long> pids) throws IOException
    {
        if (pids.isEmpty())
        {
            return softirqNs();
        }
        long total = 0;
        for (final long pid : pids)
        {
            total += processNs(pid);
        }
        return total;
    }

    static long softirqNs() throws IOException
    {
        final String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
        final String[] fields = first.trim().split("\\s+");
        if (!"cpu".equals(fields[0]))
        {
            throw new IOException("unexpected /proc/stat first line: " + first);
        }
        return Long.parseLong(fields[7]) * NS_PER_TICK;
    }

    static long processNs(final long pid) throws IOException
    {
        final Path tasks = Path.of("/proc/" + pid + "/task");
        if (!Files.isDirectory(tasks))
        {
            return 0;
        }
        long total = 0;
        try (Stream<Path> threads = Files.list(tasks))
        {
            for (final Path thread : threads.toList())
            {
                total += threadNs(thread);
            }
        }
        return total;
    }

    private static long threadNs(final Path thread)
    {
        try
        {
            final Path schedstat = thread.resolve("schedstat");
            if (Files.isReadable(schedstat))
            {
                return Long.parseLong(Files.readString(schedstat).trim().split("\\s+")[0]);
            }
            final String stat = Files.readString(thread.resolve("stat"));
            // fields after the parenthesised command name: state is field 3, utime 14, stime 15
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NS_PER_TICK;
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0; // the thread exited between listing and reading
        }
    }
}
