package dev.sluice.control.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs short external commands ({@code ip}, {@code sysctl}, {@code curl}, the CNI plugin) with a deadline and
 * captures what they print. A command that outlives its deadline is killed (by its own PID) and reported.
 */
public final class Shell
{
    /** The deadline of commands that should finish at once ({@code ip link ...}). */
    public static final Duration SHORT = Duration.ofSeconds(20);

    private Shell()
    {
    }

    /**
     * A finished command.
     *
     * @param command  what ran.
     * @param exitCode its exit status (-1 when it was killed at its deadline).
     * @param stdout   what it printed.
     * @param stderr   what it complained about.
     */
    public record Result(List<String> command, int exitCode, String stdout, String stderr)
    {
        /**
         * @return whether it exited with status 0.
         */
        public boolean ok()
        {
            return exitCode == 0;
        }

        /**
         * @return this result, when the command succeeded.
         * @throws IOException naming the command, its status and its output otherwise.
         */
        public Result check() throws IOException
        {
            if (exitCode != 0)
            {
                throw new IOException(describe());
            }
            return this;
        }

        /**
         * @return the command, its status and its output, for an error message.
         */
        public String describe()
        {
            return "`" + String.join(" ", command) + "` exited " + exitCode
                + (stderr.isBlank() ? "" : ": " + stderr.strip())
                + (stdout.isBlank() ? "" : " (stdout: " + abbreviate(stdout.strip()) + ")");
        }
    }

    /**
     * Run a command with the {@link #SHORT} deadline, no stdin, the inherited environment.
     *
     * @param command the program and its arguments.
     * @return its result (whatever its status).
     * @throws IOException when it cannot be started.
     */
    public static Result run(final String... command) throws IOException
    {
        return run(List.of(command), Map.of(), null, SHORT);
    }

    /**
     * Run a command and fail unless it exits 0.
     *
     * @param command the program and its arguments.
     * @return its result.
     * @throws IOException when it cannot be started or fails.
     */
    public static Result check(final String... command) throws IOException
    {
        return run(command).check();
    }

    /**
     * Run a command.
     *
     * @param command  the program and its arguments.
     * @param env      variables added to the inherited environment.
     * @param stdin    what to write to its stdin (then closed), or null for none.
     * @param deadline how long it may run before it is killed.
     * @return its result (whatever its status; exit -1 when killed at the deadline).
     * @throws IOException when it cannot be started.
     */
    public static Result run(final List<String> command, final Map<String, String> env, final String stdin,
        final Duration deadline) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        final Process process = builder.start();
        final CompletableFuture<String> out = drain(process.getInputStream());
        final CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream())
        {
            if (stdin != null)
            {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        catch (final IOException ignore)
        {
            // the command exited without reading its stdin: its status says what happened
        }
        boolean finished;
        try
        {
            finished = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, ex);
        }
        if (!finished)
        {
            process.destroyForcibly();
        }
        final String stdout = join(out);
        final String stderr = join(err);
        return new Result(List.copyOf(command), finished ? process.exitValue() : -1, stdout,
            finished ? stderr : stderr + " (killed after " + deadline.toMillis() + " ms)");
    }

    /**
     * {@code ip netns exec NETNS command...}.
     *
     * @param netns   the network namespace.
     * @param command the program and its arguments.
     * @return the full command line.
     */
    public static List<String> inNetns(final String netns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        return full;
    }

    private static CompletableFuture<String> drain(final InputStream in)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (in)
            {
                final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                return bytes.toString(StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }, Thread::startVirtualThread);
    }

    private static String join(final CompletableFuture<String> output)
    {
        try
        {
            return output.get(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
        catch (final ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            // a grandchild kept the pipe open past the command's exit: what was read so far is lost with it
            return "";
        }
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
    }
}
