package dev.sluice.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The C and BPF tools of the traffic harness (perf/bench/c: {@code traffic.bpf.c}, {@code traffic_tool.c},
 * {@code xsk_fwd.c}), compiled once per JVM with clang ({@code -target bpf}) and gcc ({@code -lbpf}, {@code -lxdp})
 * into a temporary work directory that is deleted at JVM exit.
 * <p>
 * The sources are found through the system property {@code sluice.bench.c} (a directory), else by walking up from
 * the working directory to one holding {@code perf/bench/c} or {@code bench/c}.
 *
 * @param workDir     where the tools were built
 * @param trafficTool the generator / sink / XDP attach tool
 * @param bpfObject   the BPF object {@code trafficTool} loads (pass it as {@code TRAFFIC_BPF_OBJ})
 * @param xskForward  the C AF_XDP forwarder (the ceiling), or null when it could not be built (libxdp missing)
 * @param xskError    why it could not be built, or null
 */
public record BenchTools(Path workDir, Path trafficTool, Path bpfObject, Path xskForward, String xskError)
{
    private static final Duration COMPILE_DEADLINE = Duration.ofSeconds(120);
    private static BenchTools built;

    /**
     * Builds the tools on first use, then returns the same ones.
     *
     * @return the built tools
     * @throws IOException when a source is missing or a compiler fails (with its output)
     */
    public static synchronized BenchTools build() throws IOException
    {
        if (built == null)
        {
            final Path sources = sourceDir();
            final Path work = Files.createTempDirectory("sluice-bench-tools");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(work)));
            final Path trafficTool = work.resolve("traffic_tool");
            final Path bpfObject = work.resolve("traffic.bpf.o");
            ChildProcess.run(List.of("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
                "-c", sources.resolve("traffic.bpf.c").toString(), "-o", bpfObject.toString()), "",
                COMPILE_DEADLINE);
            ChildProcess.run(List.of("gcc", "-O2", "-o", trafficTool.toString(),
                sources.resolve("traffic_tool.c").toString(), "-lbpf", "-lpthread"), "", COMPILE_DEADLINE);
            final Path xskForward = work.resolve("xsk_fwd");
            String xskError = null;
            try
            {
                ChildProcess.run(List.of("gcc", "-O2", "-o", xskForward.toString(),
                    sources.resolve("xsk_fwd.c").toString(), "-lxdp", "-lbpf", "-lpthread"), "", COMPILE_DEADLINE);
            }
            catch (final IOException ex)
            {
                // only ceiling-c-afxdp needs it: the other topologies stay usable without libxdp
                xskError = ex.getMessage();
            }
            built = new BenchTools(work, trafficTool, bpfObject, xskError == null ? xskForward : null, xskError);
        }
        return built;
    }

    /**
     * The C AF_XDP forwarder.
     *
     * @return its path
     * @throws IOException when it could not be built (with the compiler's message)
     */
    public Path requireXskForward() throws IOException
    {
        if (xskForward == null)
        {
            throw new IOException("xsk_fwd could not be built (libxdp-dev?): " + xskError);
        }
        return xskForward;
    }

    /**
     * The environment the traffic tool needs (where its BPF object is).
     *
     * @return the variables
     */
    public Map<String, String> environment()
    {
        return Map.of("TRAFFIC_BPF_OBJ", bpfObject.toString());
    }

    /**
     * A command line run inside a network namespace ({@code ip netns exec}; "" = the current namespace).
     *
     * @param netns   the namespace
     * @param command the command
     * @return the full command line
     */
    public static List<String> inNetns(final String netns, final String... command)
    {
        final List<String> full = new ArrayList<>();
        if (!netns.isEmpty())
        {
            full.addAll(List.of("ip", "netns", "exec", netns));
        }
        full.addAll(List.of(command));
        return full;
    }

    static Path sourceDir() throws IOException
    {
        final String configured = System.getProperty("sluice.bench.c");
        if (configured != null)
        {
            return checked(Path.of(configured));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            for (final String candidate : new String[] {"perf/bench/c", "bench/c"})
            {
                final Path c = dir.resolve(candidate);
                if (Files.isRegularFile(c.resolve("traffic_tool.c")))
                {
                    return c;
                }
            }
        }
        throw new IOException("perf/bench/c not found above " + Path.of("").toAbsolutePath()
            + " (set -Dsluice.bench.c=DIR)");
    }

    private static Path checked(final Path dir) throws IOException
    {
        if (!Files.isRegularFile(dir.resolve("traffic_tool.c")))
        {
            throw new IOException("no traffic_tool.c in sluice.bench.c=" + dir);
        }
        return dir;
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // best effort at JVM exit: a temporary directory
        }
    }
}
