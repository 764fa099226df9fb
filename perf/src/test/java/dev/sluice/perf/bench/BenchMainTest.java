package dev.sluice.perf.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import dev.sluice.perf.bench.Measurement.Flows;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchMainTest
{
    /** Zero overheads: the run-time budget check then sees only the measured durations on the fake clock. */
    static final BenchPlan.Costs NO_OVERHEAD = new BenchPlan.Costs(Duration.ZERO, Duration.ZERO, Duration.ZERO,
        Duration.ZERO, Duration.ofSeconds(5), Duration.ZERO);

    @TempDir
    Path out;

    final AtomicLong clockNs = new AtomicLong(1_000_000_000L);
    final AtomicInteger openNow = new AtomicInteger();
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream console = new ByteArrayOutputStream();

    /** A topology that tracks how many are open at once. */
    final class FakeTopology implements BenchTopology
    {
        private final String id;
        private final RuntimeException onClose;

        FakeTopology(final String id, final RuntimeException onClose)
        {
            this.id = id;
            this.onClose = onClose;
        }

        @Override
        public String id()
        {
            return id;
        }

        @Override
        public String title()
        {
            return "fake " + id;
        }

        @Override
        public String group()
        {
            return id.substring(0, id.indexOf('-'));
        }

        @Override
        public int services()
        {
            return BenchPlan.servicesOf(id);
        }

        @Override
        public BenchPath path()
        {
            return new BenchPath("gen", "g0", "02:00:00:00:00:01", "02:00:00:00:00:02",
                InetAddress.getLoopbackAddress(), InetAddress.getLoopbackAddress(), 9, "sink", "s0", List.of());
        }

        @Override
        public void close()
        {
            openNow.decrementAndGet();
            events.add("close " + id);
            if (onClose != null)
            {
                throw onClose;
            }
        }
    }

    /** A factory; optionally failing to open, failing to close its topology, or itself closeable. */
    class FakeFactory implements BenchTopologyFactory
    {
        final String id;
        final Exception onOpen;
        final RuntimeException onClose;

        FakeFactory(final String id, final Exception onOpen, final RuntimeException onClose)
        {
            this.id = id;
            this.onOpen = onOpen;
            this.onClose = onClose;
        }

        @Override
        public String id()
        {
            return id;
        }

        @Override
        public BenchTopology open() throws Exception
        {
            events.add("open " + id);
            if (onOpen != null)
            {
                throw onOpen;
            }
            assertEquals(0, openNow.getAndIncrement(), "one topology open at a time");
            return new FakeTopology(id, onClose);
        }
    }

    final class CloseableFactory extends FakeFactory implements AutoCloseable
    {
        int closed;

        CloseableFactory(final String id)
        {
            super(id, null, null);
        }

        @Override
        public void close()
        {
            closed++;
        }
    }

    /** A runner: a fixed received rate per topology, time passes by duration x slowness on the fake clock. */
    final class FakeRunner implements TrafficRunner
    {
        final Map<String, Double> pps = new HashMap<>();
        final List<String> failOn = new ArrayList<>();
        final List<Measurement> seen = new ArrayList<>();
        long slowness = 1;

        @Override
        public ScenarioResult run(final BenchTopology topology, final Measurement measurement) throws Exception
        {
            assertTrue(openNow.get() == 1, "runs only on an open topology");
            seen.add(measurement);
            events.add("run " + topology.id() + " " + measurement.frameBytes() + " " + measurement.flows() + " "
                + measurement.ratePps());
            clockNs.addAndGet(measurement.duration().toNanos() * slowness);
            if (failOn.contains(topology.id() + " " + measurement.flows()))
            {
                throw new IllegalStateException("generator died on " + topology.id());
            }
            final double rate = measurement.unpaced() ? pps.getOrDefault(topology.id(), 100_000.0)
                : measurement.ratePps();
            final double seconds = measurement.duration().toNanos() / 1e9;
            final long received = Math.round(rate * seconds);
            Histogram latency = null;
            if (!measurement.unpaced())
            {
                latency = new Histogram(3);
                latency.recordValueWithCount(topology.id().startsWith("sluice") ? 15_000 : 30_000, received);
            }
            return new ScenarioResult(topology.id(), topology.title(), topology.group(), topology.services(),
                measurement, received, received, seconds, 500, latency);
        }
    }

    BenchMain harness(final List<BenchTopologyFactory> factories, final TrafficRunner runner,
        final List<AutoCloseable> resources, final List<Path> jmhCalls)
    {
        return new BenchMain(factories, runner, resources, clockNs::get, (dir, quick) ->
        {
            jmhCalls.add(dir);
            return new JmhPass.Summary("1 score (fake)", dir.resolve("jmh.json"),
                List.of(new JmhPass.Row("ParseBenchmark.parse", Map.of("size", "64"), 30.0, 1.0, "ns/op")));
        }, NO_OVERHEAD, new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    BenchMain.Options options(final Duration budget, final boolean jmh)
    {
        return new BenchMain.Options(out, null, false, !jmh, budget);
    }

    @Test
    void aFailingTopologyIsReportedAndTheOthersStillRun() throws Exception
    {
        final FakeRunner runner = new FakeRunner();
        runner.pps.put("kernel-nft-1", 1_000_000.0);
        runner.failOn.add("sluice-svc-xnode-1 NEW");
        final CloseableFactory closeable = new CloseableFactory("ceiling-c-afxdp");
        final AtomicInteger resourceClosed = new AtomicInteger();
        final List<Path> jmhCalls = new ArrayList<>();
        final List<BenchTopologyFactory> factories = List.of(
            new FakeFactory("kernel-forward", null, null),
            new FakeFactory("kernel-ipt-1", new java.io.IOException("iptables-legacy not installed"), null),
            new FakeFactory("kernel-nft-1", null, null),
            new FakeFactory("sluice-svc-xnode-1", null, new IllegalStateException("netns busy")),
            closeable);

        final BenchMain.Outcome outcome = harness(factories, runner, List.of(resourceClosed::incrementAndGet),
            jmhCalls).run(options(Duration.ofMinutes(10), true));

        assertEquals(BenchMain.EXIT_PROBLEMS, outcome.exitStatus());
        final BenchRun run = outcome.run();
        assertEquals(List.of(
            new BenchRun.Problem("kernel-ipt-1", "open", "IOException: iptables-legacy not installed"),
            new BenchRun.Problem("sluice-svc-xnode-1", "64B new unpaced",
                "IllegalStateException: generator died on sluice-svc-xnode-1"),
            new BenchRun.Problem("sluice-svc-xnode-1", "close", "IllegalStateException: netns busy")),
            run.problems());
        // The reference (kernel-nft-1) ran first; every other topology ran all of its steps anyway.
        assertEquals("open kernel-nft-1", events.getFirst());
        assertEquals(1_000_000.0, run.referencePps());
        assertEquals(0, openNow.get(), "every opened topology was closed");
        assertEquals(List.of("kernel-nft-1", "kernel-forward", "sluice-svc-xnode-1", "ceiling-c-afxdp"),
            events.stream().filter(e -> e.startsWith("close ")).map(e -> e.substring(6)).toList());
        assertEquals(1, closeable.closed, "a closeable factory is closed once at the end");
        assertEquals(1, resourceClosed.get());
        assertTrue(run.results().stream().anyMatch(r -> r.topologyId().equals("sluice-svc-xnode-1")
            && r.measurement().frameBytes() == 1400), "steps after the failed one still ran");
        // Latency sweeps at the fractions of the measured reference rate.
        assertEquals(List.of(100_000L, 250_000L, 500_000L, 750_000L, 900_000L), runner.seen.stream()
            .filter(m -> !m.unpaced()).map(Measurement::ratePps).distinct().toList());
        assertEquals(1, jmhCalls.size());

        final String summary = Files.readString(out.resolve("summary.json"));
        assertTrue(summary.contains("iptables-legacy not installed"), summary);
        assertTrue(summary.contains("generator died on sluice-svc-xnode-1"));
        assertTrue(Files.exists(out.resolve("hgrm/sluice-svc-xnode-1-64-established-500000.hgrm")));
        assertTrue(Files.readString(outcome.report()).contains("ParseBenchmark.parse"));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("report: "));
        // The p99 goal: 15 us over 30 us at 500 kpps.
        final BenchReport.Ratio p99 = BenchReport.ratios(run).stream()
            .filter(r -> r.name().equals("p99-at-half-reference")).findFirst().orElseThrow();
        assertEquals(0.5, p99.value(), 0.01);
        assertEquals(Boolean.TRUE, p99.met());
    }

    @Test
    void theBudgetIsRespectedAtRunTimeOnASlowMachine() throws Exception
    {
        final FakeRunner runner = new FakeRunner();
        runner.slowness = 4;
        final CloseableFactory last = new CloseableFactory("sluice-pod-local");
        final List<Path> jmhCalls = new ArrayList<>();
        final List<BenchTopologyFactory> factories = List.of(new FakeFactory("kernel-forward", null, null),
            new FakeFactory("kernel-nft-1000", null, null), last);
        final Duration budget = Duration.ofSeconds(60);
        final long start = clockNs.get();

        // Planned (3 + 3 + 3 + 5 x 2) + (3 + 3) + (3 + 3 + 3 + 5 x 2) + JMH 5 = 49 s <= 60 s; each step takes 4x.
        final BenchMain.Outcome outcome = harness(factories, runner, List.of(), jmhCalls)
            .run(options(budget, true));

        assertTrue(outcome.plan().skipped().isEmpty(), "the plan fitted");
        assertTrue(Duration.ofNanos(clockNs.get() - start).compareTo(budget) <= 0,
            () -> "ran " + Duration.ofNanos(clockNs.get() - start));
        final List<BenchPlan.Skip> skipped = outcome.run().skipped();
        assertFalse(skipped.isEmpty());
        assertTrue(skipped.stream().allMatch(s -> s.reason().startsWith("over the time budget at run time")),
            skipped::toString);
        assertTrue(skipped.stream().anyMatch(s -> s.topologyId().equals("jmh")), "no time left for JMH");
        assertTrue(jmhCalls.isEmpty());
        assertEquals(BenchMain.EXIT_OK, outcome.exitStatus());
        assertEquals(1, last.closed, "closed even though it never opened");
        assertTrue(Files.readString(out.resolve("summary.json")).contains("over the time budget at run time"));
    }

    @Test
    void withoutTopologiesItSaysSoAndRunsNothing() throws Exception
    {
        final List<Path> jmhCalls = new ArrayList<>();
        final BenchMain.Outcome none = harness(List.of(), new FakeRunner(), List.of(), jmhCalls)
            .run(options(Duration.ofMinutes(10), true));
        assertEquals(BenchMain.EXIT_NOTHING, none.exitStatus());
        assertNull(none.run());
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("bench: no topologies"));
        assertTrue(jmhCalls.isEmpty());

        final CloseableFactory factory = new CloseableFactory("kernel-forward");
        final BenchMain.Outcome noRunner = harness(List.of(factory), null, List.of(), jmhCalls)
            .run(options(Duration.ofMinutes(10), true));
        assertEquals(BenchMain.EXIT_NOTHING, noRunner.exitStatus());
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("no traffic runner"));
        assertEquals(1, factory.closed);
        assertTrue(events.isEmpty(), "nothing opened");
    }

    @Test
    void onlySelectsTopologiesByIdAndSaysWhenNoneMatch() throws Exception
    {
        final FakeRunner runner = new FakeRunner();
        final List<BenchTopologyFactory> factories = List.of(new FakeFactory("kernel-forward", null, null),
            new FakeFactory("kernel-nft-1", null, null), new FakeFactory("sluice-pod-local", null, null));

        final BenchMain.Outcome outcome = harness(factories, runner, List.of(), new ArrayList<>()).run(
            new BenchMain.Options(out, Pattern.compile("forward|pod"), true, true, Duration.ofMinutes(10)));
        assertEquals(BenchMain.EXIT_OK, outcome.exitStatus());
        assertEquals("kernel-forward", outcome.run().referenceId());
        assertFalse(events.stream().anyMatch(e -> e.contains("kernel-nft-1")), events::toString);
        assertTrue(runner.seen.stream().allMatch(m -> m.duration().compareTo(Duration.ofSeconds(1)) <= 0),
            "--quick durations");
        assertTrue(outcome.run().jmh().status().contains("--skip-jmh"));

        final BenchMain.Outcome nothing = harness(factories, runner, List.of(), new ArrayList<>()).run(
            new BenchMain.Options(out, Pattern.compile("^ceiling"), true, true, Duration.ofMinutes(10)));
        assertEquals(BenchMain.EXIT_NOTHING, nothing.exitStatus());
        assertTrue(console.toString(StandardCharsets.UTF_8).contains(
            "no topologies match --only '^ceiling'; known: kernel-forward kernel-nft-1 sluice-pod-local"));
    }

    @Test
    void aFailedReferenceRunSkipsTheLatencySweepsWithTheReason() throws Exception
    {
        final FakeRunner runner = new FakeRunner();
        runner.failOn.add("kernel-nft-1 ESTABLISHED");
        final BenchMain.Outcome outcome = harness(List.of(new FakeFactory("kernel-nft-1", null, null),
            new FakeFactory("sluice-pod-local", null, null)), runner, List.of(), new ArrayList<>())
            .run(options(Duration.ofMinutes(10), false));

        assertTrue(runner.seen.stream().allMatch(Measurement::unpaced));
        final List<BenchPlan.Skip> latency = outcome.run().skipped().stream()
            .filter(s -> s.what().contains("of reference")).toList();
        assertEquals(10, latency.size());
        assertTrue(latency.stream().allMatch(s -> s.reason().equals("no reference rate: the reference run on "
            + "kernel-nft-1 failed: IllegalStateException: generator died on kernel-nft-1")), latency::toString);
        assertTrue(Double.isNaN(outcome.run().referencePps()));
        assertTrue(runner.seen.stream().anyMatch(m -> m.flows() == Flows.NEW));
    }

    @Test
    void commandLineParsesDurationsAndRejectsBadOptions()
    {
        assertEquals(Duration.ofMinutes(10), BenchMain.parseDuration("10m"));
        assertEquals(Duration.ofSeconds(90), BenchMain.parseDuration("90s"));
        assertEquals(Duration.ofSeconds(600), BenchMain.parseDuration("600"));
        assertEquals(Duration.ofHours(1), BenchMain.parseDuration("1h"));
        assertEquals(Duration.ofMinutes(10), BenchMain.parseDuration("PT10M"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> BenchMain.parseDuration("ten"));
        assertTrue(ex.getMessage().contains("'ten'"));

        final CommandLine cli = new CommandLine(new BenchMain.Cli());
        final java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        assertEquals(2, cli.execute("--budget", "soon"));
        assertTrue(err.toString().contains("'soon'"), err::toString);
        assertEquals(2, cli.execute("--only", "(unclosed"));
        assertEquals(2, cli.execute("--budget", "0"));
        assertEquals(0, new CommandLine(new BenchMain.Cli()).setOut(new java.io.PrintWriter(new java.io.StringWriter()))
            .execute("--help"));
        assertTrue(BenchMain.defaultOut(java.time.Instant.parse("2026-11-25T12:34:56Z")).toString()
            .endsWith("perf/bench/results/bench-20261125-123456"));
    }
}
