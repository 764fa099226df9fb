package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointServer;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADD latency of the installed plugin as a runtime sees it (exec to exit, the JVM start included): a real ADD
 * (host-local, veth, addresses, routes, agent round trip, neighbour) against an in-test agent that answers at once,
 * each followed by an untimed DEL. Three launchers that differ only in their class data: none of the plugin's own
 * (the JDK's default CDS archive only), a dynamic AppCDS archive ({@code -XX:SharedArchiveFile}, made by the same
 * training run) and the AOT cache {@link CniInstall} installs ({@code -XX:AOTCache}). Runs interleave the variants
 * so that machine load hits them alike. Prints min/median/p99 and writes them to
 * {@code target/cni-add-latency.txt}; {@code -Dsluice.cni.latency.runs=N} sets the runs per variant (default 5, to
 * keep the suite short; the README's numbers come from 30). The assertion compares CPU medians when
 * {@code /usr/bin/time} is there (they suffer less than wall time from a loaded machine), else wall medians.
 *
 * <p>A benchmark, not part of {@code ./sluice test}: tagged {@code benchmark}, which the default surefire run
 * excludes. Run it with {@code mvn -B -o -pl control verify -Dsurefire.excludedGroups=fuzz
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtest=CniAddLatencyKernelTest -Dsluice.cni.latency.runs=30}.
 */
@KernelTest
@Tag("benchmark")
class CniAddLatencyKernelTest
{
    private static final String TIME = "/usr/bin/time";

    @TempDir
    Path work;
    private final String node = "sl-cni-lat-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> namespaces = new ArrayList<>();

    @AfterEach
    void cleanUp()
    {
        for (final String ns : namespaces)
        {
            ExternalTools.run(List.of("ip", "netns", "del", ns), null);
        }
    }

    @Test
    void theAotCacheMakesAddFasterThanNoCache() throws Exception
    {
        ExternalTools.requireCommand("ip", "iproute2");
        final int runs = Integer.getInteger("sluice.cni.latency.runs", 5);
        final Path bin = work.resolve("bin");
        final Path launcher = CniInstall.install(bin);
        final String script = Files.readString(launcher);
        final String cacheOption = script.substring(script.indexOf("-XX:AOTCache="),
            script.indexOf(' ', script.indexOf("-XX:AOTCache=")));
        final Path jsa = bin.resolve(CniInstall.SUPPORT_DIR).resolve("sluice-cni.jsa");
        final Path trainer = writeScript(bin.resolve("train-appcds"),
            script.replace(cacheOption, "-XX:ArchiveClassesAtExit=" + jsa));
        final ExternalTools.Result training = ExternalTools.run(List.of(trainer.toString(), "--train"), null);
        assertEquals(0, training.exitCode(), training::stderr);
        assertTrue(Files.size(jsa) > 0);

        final Map<String, Path> variants = new LinkedHashMap<>();
        variants.put("no plugin class data (JDK default CDS only)",
            writeScript(bin.resolve("sluice-cni-nocache"), script.replace(cacheOption, "")));
        variants.put("dynamic AppCDS archive (-XX:SharedArchiveFile)",
            writeScript(bin.resolve("sluice-cni-appcds"), script.replace(cacheOption, "-XX:SharedArchiveFile=" + jsa)));
        variants.put("AOT cache, C1 instead of -Xint",
            writeScript(bin.resolve("sluice-cni-c1"), script.replace(" -Xint ", " -XX:TieredStopAtLevel=1 ")));
        variants.put("AOT cache + -Xint (as installed)", launcher);

        namespaces.add(node);
        ExternalTools.run(List.of("ip", "netns", "add", node), null);
        final String pod = "sl-cni-latpod-" + node.substring(node.lastIndexOf('-') + 1);
        namespaces.add(pod);
        ExternalTools.run(List.of("ip", "netns", "add", pod), null);
        final Path socket = work.resolve("agent.sock");
        final String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"sluice\",\"type\":\"sluice-cni\",\"agentSocket\":\"" +
            socket + "\",\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"198.18.78.0/24\"," +
            "\"gateway\":\"198.18.78.1\"}]],\"dataDir\":\"" + work.resolve("ipam") + "\"}}";
        final Map<String, long[]> samples = new LinkedHashMap<>();
        final Map<String, long[]> cpu = new LinkedHashMap<>();
        variants.keySet().forEach(v -> samples.put(v, new long[runs]));
        variants.keySet().forEach(v -> cpu.put(v, new long[runs]));
        try (EndpointServer ignored = EndpointServer.start(socket,
            request -> EndpointReply.success("02:53:4c:00:00:01", 1400, 1), Duration.ofSeconds(5)))
        {
            for (final Map.Entry<String, Path> variant : variants.entrySet())
            {
                cycle(variant.getValue(), bin, pod, conf, "warmup");
            }
            for (int i = 0; i < runs; i++)
            {
                for (final Map.Entry<String, Path> variant : variants.entrySet())
                {
                    final long[] wallAndCpu = cycle(variant.getValue(), bin, pod, conf, "c" + i);
                    samples.get(variant.getKey())[i] = wallAndCpu[0];
                    cpu.get(variant.getKey())[i] = wallAndCpu[1];
                }
            }
        }
        final StringBuilder report = new StringBuilder();
        report.append(String.format("sluice-cni ADD latency (exec to exit, JVM start included), %d runs each, %s, " +
            "load average %s%n", runs, Runtime.version(), Files.readString(Path.of("/proc/loadavg")).trim()));
        report.append(String.format("%-50s %8s %8s %8s %12s%n", "variant", "min ms", "median", "p99",
            "CPU ms (med)"));
        final Map<String, Double> medians = new LinkedHashMap<>();
        final Map<String, Long> cpuMedians = new LinkedHashMap<>();
        for (final Map.Entry<String, long[]> entry : samples.entrySet())
        {
            final long[] sorted = entry.getValue().clone();
            Arrays.sort(sorted);
            final double median = sorted[(sorted.length - 1) / 2] / 1e6;
            medians.put(entry.getKey(), median);
            final long[] cpuSorted = cpu.get(entry.getKey()).clone();
            Arrays.sort(cpuSorted);
            cpuMedians.put(entry.getKey(), cpuSorted[(cpuSorted.length - 1) / 2]);
            report.append(String.format("%-50s %8.1f %8.1f %8.1f %12d%n", entry.getKey(), sorted[0] / 1e6, median,
                sorted[(int)Math.ceil(0.99 * sorted.length) - 1] / 1e6, cpuSorted[(cpuSorted.length - 1) / 2]));
        }
        System.out.print(report);
        final Path out = Path.of("target", "cni-add-latency.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        final List<Double> wall = new ArrayList<>(medians.values());
        final List<Long> cpuTime = new ArrayList<>(cpuMedians.values());
        assertTrue(cpuTime.get(0) >= 0 ? cpuTime.get(3) < cpuTime.get(0) : wall.get(3) < wall.get(0),
            "the AOT cache must make ADD cheaper than no cache:\n" + report);
    }

    /**
     * One timed ADD and an untimed DEL.
     *
     * @return the ADD's wall nanoseconds and its CPU milliseconds (user + system of the whole process tree:
     *         {@code ip netns exec}, the JVM, host-local; from {@code /usr/bin/time}, 10 ms resolution; -1 when
     *         that is not installed).
     */
    private long[] cycle(final Path launcher, final Path bin, final String pod, final String conf, final String id)
        throws IOException, InterruptedException
    {
        final Path times = Files.isExecutable(Path.of(TIME)) ? work.resolve("time.out") : null;
        final long start = System.nanoTime();
        final String[] add = run(launcher, bin, pod, conf, "ADD", id, times);
        final long elapsed = System.nanoTime() - start;
        assertEquals("0", add[0], () -> "ADD " + launcher + ": " + add[1] + add[2]);
        long cpuMs = -1;
        if (times != null)
        {
            final String[] fields = Files.readString(times).trim().split("\\s+");
            cpuMs = Math.round((Double.parseDouble(fields[fields.length - 2]) +
                Double.parseDouble(fields[fields.length - 1])) * 1000);
        }
        final String[] del = run(launcher, bin, pod, conf, "DEL", id, null);
        assertEquals("0", del[0], () -> "DEL " + launcher + ": " + del[1] + del[2]);
        return new long[] { elapsed, cpuMs };
    }

    private String[] run(final Path launcher, final Path bin, final String pod, final String conf,
        final String command, final String id, final Path times) throws IOException, InterruptedException
    {
        final List<String> argv = new ArrayList<>();
        if (times != null)
        {
            argv.addAll(List.of(TIME, "-f", "%e %U %S", "-o", times.toString()));
        }
        argv.addAll(List.of("ip", "netns", "exec", node, launcher.toString()));
        final ProcessBuilder builder = new ProcessBuilder(argv);
        final Map<String, String> env = builder.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", id);
        env.put("CNI_NETNS", "/var/run/netns/" + pod);
        env.put("CNI_IFNAME", "eth" + id.length());
        env.put("CNI_PATH", bin + ":/usr/lib/cni");
        env.put("CNI_ARGS", "K8S_POD_NAMESPACE=bench;K8S_POD_NAME=" + id);
        final Process process = builder.start();
        try (OutputStream in = process.getOutputStream())
        {
            in.write(conf.getBytes(StandardCharsets.UTF_8));
        }
        final byte[] out;
        final byte[] err;
        try (InputStream stdout = process.getInputStream(); InputStream stderr = process.getErrorStream())
        {
            out = stdout.readAllBytes();
            err = stderr.readAllBytes();
        }
        return new String[] { String.valueOf(process.waitFor()), new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8) };
    }

    private static Path writeScript(final Path path, final String text) throws IOException
    {
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
