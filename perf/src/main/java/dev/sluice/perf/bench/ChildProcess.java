package dev.sluice.perf.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the harness with a deadline: standard output is read line by line into a queue (so callers
 * wait for a line with a timeout, never by sleeping), standard error is kept for error messages, and {@link #close()}
 * ends standard input, waits a grace period and then kills the process (and its descendants) by PID.
 */
public final class ChildProcess implements AutoCloseable
{
    private static final String EOF = "\u0000eof";

    private final List<String> command;
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final long deadlineNs;
    private boolean stdinOpen = true;

    private ChildProcess(final List<String> command, final Map<String, String> environment, final Duration deadline)
        throws IOException
    {
        this.command = List.copyOf(command);
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        this.process = builder.start();
        this.deadlineNs = System.nanoTime() + deadline.toNanos();
        Thread.ofPlatform().daemon().name("child-out-" + process.pid()).start(this::readStdout);
        Thread.ofPlatform().daemon().name("child-err-" + process.pid()).start(this::readStderr);
    }

    /**
     * Starts a process.
     *
     * @param command     the command line
     * @param environment extra environment variables
     * @param deadline    the longest the process may live; {@link #awaitLine} never waits beyond it
     * @return the running process
     * @throws IOException when it cannot be started
     */
    public static ChildProcess start(final List<String> command, final Map<String, String> environment,
        final Duration deadline) throws IOException
    {
        return new ChildProcess(command, environment, deadline);
    }

    /**
     * Runs a command to completion within a deadline.
     *
     * @param command  the command line
     * @param stdin    text for its standard input (may be empty)
     * @param deadline how long it may take
     * @return its standard output
     * @throws IOException when it fails (non-zero exit, the message holds the command, exit code and stderr) or
     *                     times out (it is killed)
     */
    public static String run(final List<String> command, final String stdin, final Duration deadline)
        throws IOException
    {
        try (ChildProcess child = start(command, Map.of(), deadline))
        {
            child.sendAndClose(stdin);
            final StringBuilder out = new StringBuilder();
            for (String line = child.awaitAnyLine(); line != null; line = child.awaitAnyLine())
            {
                out.append(line).append('\n');
            }
            final int exit = child.awaitExit();
            if (exit != 0)
            {
                throw new IOException("exit " + exit + " from " + String.join(" ", command) + ": " + child.stderr());
            }
            return out.toString();
        }
    }

    /**
     * The process id.
     *
     * @return the PID.
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * Sends one line to standard input.
     *
     * @param line the line (without newline)
     * @throws IOException when the process no longer reads
     */
    public void send(final String line) throws IOException
    {
        final OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * Writes text to standard input and closes it.
     *
     * @param text what to write
     * @throws IOException when the process no longer reads
     */
    public void sendAndClose(final String text) throws IOException
    {
        try (OutputStream in = process.getOutputStream())
        {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        stdinOpen = false;
    }

    /**
     * Closes standard input (the tools of the harness stop at its end).
     */
    public void closeStdin()
    {
        if (stdinOpen)
        {
            stdinOpen = false;
            try
            {
                process.getOutputStream().close();
            }
            catch (final IOException ignore)
            {
                // the process is gone already: nothing to tell it
            }
        }
    }

    /**
     * Waits for the next output line starting with {@code prefix}, skipping other lines.
     *
     * @param prefix  what the line starts with
     * @param timeout how long to wait at most (never past the process deadline)
     * @return the line
     * @throws IOException when the process ends or the time runs out first (with its stderr)
     */
    public String awaitLine(final String prefix, final Duration timeout) throws IOException
    {
        final long untilNs = Math.min(deadlineNs, System.nanoTime() + timeout.toNanos());
        while (true)
        {
            final String line = poll(untilNs);
            if (line == null)
            {
                throw new IOException("no '" + prefix + "' line within " + timeout + " from " + String.join(" ", command)
                    + "; stderr: " + stderr());
            }
            if (line == EOF)
            {
                lines.add(EOF);
                throw new IOException("'" + prefix + "' never came: process ended (" + String.join(" ", command)
                    + "); stderr: " + stderr());
            }
            if (line.startsWith(prefix))
            {
                return line;
            }
        }
    }

    /**
     * The next output line, or null at the end of output or at the deadline.
     *
     * @return the line or null
     */
    public String awaitAnyLine()
    {
        final String line = poll(deadlineNs);
        if (line == EOF)
        {
            lines.add(EOF);
            return null;
        }
        return line;
    }

    /**
     * Waits for the process to exit (until its deadline; it is killed then).
     *
     * @return the exit code
     */
    public int awaitExit()
    {
        try
        {
            final long leftNs = deadlineNs - System.nanoTime();
            if (leftNs > 0 && process.waitFor(leftNs, TimeUnit.NANOSECONDS))
            {
                return process.exitValue();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        kill();
        return -1;
    }

    /**
     * What the process wrote to standard error so far.
     *
     * @return the text
     */
    public String stderr()
    {
        return stderr.toString().strip();
    }

    /**
     * Ends standard input, gives the process up to two seconds (never past its deadline) to exit, then kills it
     * and its descendants by PID.
     */
    @Override
    public void close()
    {
        closeStdin();
        try
        {
            final long graceNs = Math.max(0, Math.min(Duration.ofSeconds(2).toNanos(), deadlineNs - System.nanoTime()));
            if (!process.waitFor(graceNs, TimeUnit.NANOSECONDS))
            {
                kill();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    private void kill()
    {
        final List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try
        {
            process.waitFor(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private String poll(final long untilNs)
    {
        try
        {
            final long leftNs = untilNs - System.nanoTime();
            return leftNs <= 0 ? lines.poll() : lines.poll(leftNs, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void readStdout()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                lines.add(line);
            }
        }
        catch (final IOException ignore)
        {
            // the stream closes when the process is killed: end of output either way
        }
        lines.add(EOF);
    }

    private void readStderr()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)))
        {
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                if (stderr.length() < 16_384)
                {
                    stderr.append(line).append('\n');
                }
            }
        }
        catch (final IOException ignore)
        {
            // as for stdout
        }
    }
}
