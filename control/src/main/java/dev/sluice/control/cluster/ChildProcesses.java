package dev.sluice.control.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The long-running processes a topology starts (agents, pod workloads, captures), each in a session of its own
 * ({@code setsid}, which execs in place, so the PID is the program's own): a Ctrl-C in the terminal reaches only
 * the driver, which then stops its children in order. Stopping is by PID only: SIGTERM, then SIGKILL after a grace
 * period.
 */
public final class ChildProcesses
{
    private final List<Child> children = new ArrayList<>();

    /**
     * A started child.
     *
     * @param name    what it is, for messages.
     * @param process the process.
     * @param stdout  where its stdout goes.
     * @param stderr  where its stderr goes.
     */
    public record Child(String name, Process process, Path stdout, Path stderr)
    {
        /**
         * @return its PID.
         */
        public long pid()
        {
            return process.pid();
        }
    }

    /**
     * Start a child with its output in files.
     *
     * @param name    what it is, for messages.
     * @param command the program and its arguments.
     * @param env     variables added to the inherited environment.
     * @param stdout  file for its stdout (replaced).
     * @param stderr  file for its stderr (replaced).
     * @return the child.
     * @throws IOException when it cannot be started.
     */
    public synchronized Child start(final String name, final List<String> command, final Map<String, String> env,
        final Path stdout, final Path stderr) throws IOException
    {
        final List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(command);
        final ProcessBuilder builder = new ProcessBuilder(full)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
        builder.environment().putAll(env);
        final Child child = new Child(name, builder.start(), stdout, stderr);
        children.add(child);
        return child;
    }

    /**
     * Stop a child: SIGTERM to its PID, SIGKILL after {@code grace}. Does nothing when it has exited.
     *
     * @param child the child.
     * @param grace how long it may take to exit cleanly.
     * @return its exit status, or -1 when it had to be killed.
     */
    public int stop(final Child child, final Duration grace)
    {
        synchronized (this)
        {
            children.remove(child);
        }
        final Process process = child.process();
        if (!process.isAlive())
        {
            return process.exitValue();
        }
        process.destroy();
        try
        {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS))
            {
                return process.exitValue();
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /**
     * Stop every child still running, newest first.
     *
     * @param grace how long each may take to exit cleanly.
     */
    public void stopAll(final Duration grace)
    {
        final List<Child> all;
        synchronized (this)
        {
            all = new ArrayList<>(children);
        }
        for (final Child child : all.reversed())
        {
            stop(child, grace);
        }
    }
}
