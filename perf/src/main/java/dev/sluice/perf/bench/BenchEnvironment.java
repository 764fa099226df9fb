package dev.sluice.perf.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The machine a run measured on, captured before and after it (the report prints it next to every number).
 *
 * @param kernel     kernel release ({@code os.version})
 * @param cpuModel   CPU model name from {@code /proc/cpuinfo}
 * @param vcpus      processors available to the JVM
 * @param loadBefore 1/5/15-minute load averages before the run ({@code /proc/loadavg})
 * @param loadAfter  the same after it
 * @param gitCommit  {@code git rev-parse HEAD} of the working directory, with "-dirty" when it has changes
 * @param java       the JVM ({@code java.vm.name} and {@code java.runtime.version})
 * @param date       when the run started
 */
public record BenchEnvironment(
    String kernel, String cpuModel, int vcpus, String loadBefore, String loadAfter, String gitCommit, String java,
    Instant date)
{
    /**
     * Captures the environment at the start of a run ({@link #loadAfter()} is still empty).
     *
     * @param date when the run started
     * @return the environment.
     */
    public static BenchEnvironment capture(final Instant date)
    {
        return new BenchEnvironment(System.getProperty("os.version", "unknown"), readCpuModel(),
            Runtime.getRuntime().availableProcessors(), loadAverage(), "", readGitCommit(),
            System.getProperty("java.vm.name", "java") + " " + System.getProperty("java.runtime.version", ""),
            date);
    }

    /**
     * The same environment with the load average after the run.
     *
     * @return the completed environment.
     */
    public BenchEnvironment withLoadAfter()
    {
        return new BenchEnvironment(kernel, cpuModel, vcpus, loadBefore, loadAverage(), gitCommit, java, date);
    }

    /**
     * The first three fields of {@code /proc/loadavg}.
     *
     * @return e.g. "0.52 0.61 0.70", or "unknown".
     */
    static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String readCpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String readGitCommit()
    {
        final String head = git("rev-parse", "HEAD");
        if (head.isEmpty())
        {
            return "unknown";
        }
        return git("status", "--porcelain", "--untracked-files=no").isEmpty() ? head : head + "-dirty";
    }

    private static String git(final String... args)
    {
        final String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return "";
            }
            return process.exitValue() == 0 ? out : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
