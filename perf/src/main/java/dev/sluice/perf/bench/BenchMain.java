package dev.sluice.perf.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice bench}: plans the run ({@link BenchPlan}), opens one topology at a time, runs its measurements
 * through the {@link TrafficRunner}, closes it, runs the JMH pass ({@link JmhPass}) and writes the report
 * ({@link BenchReport}).
 * <p>
 * A topology that fails to open, a measurement that throws or a topology that fails to close is recorded as a
 * {@link BenchRun.Problem} and the run goes on. The budget is checked again before every topology and step against
 * the clock (a slow machine skips what no longer fits, with the reason). Factories, the runner and extra resources
 * that are {@link AutoCloseable} are closed at the end, and a shutdown hook closes whatever is open if the JVM is
 * stopped (e.g. by {@code timeout}) in the middle of the run.
 * <p>
 * Exit status: 0 when every planned measurement ran, 1 when some failed (the report says which), 2 when there was
 * nothing to run.
 */
public final class BenchMain
{
    /** Exit status when every measurement ran. */
    public static final int EXIT_OK = 0;
    /** Exit status when the report was written but some topologies or measurements failed. */
    public static final int EXIT_PROBLEMS = 1;
    /** Exit status when there was nothing to run (no topologies, no runner). */
    public static final int EXIT_NOTHING = 2;

    private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
        .withZone(ZoneOffset.UTC);

    /**
     * The options of a run.
     *
     * @param out     the output directory (created)
     * @param only    topology ids to run (a match anywhere in the id), or null for all
     * @param quick   short durations (tests, smoke runs)
     * @param skipJmh leave the JMH pass out
     * @param budget  the whole run's wall time limit
     */
    public record Options(Path out, Pattern only, boolean quick, boolean skipJmh, Duration budget)
    {
        /**
         * Checks the values.
         */
        public Options
        {
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(budget, "budget");
        }

        /**
         * The plan settings these options give.
         *
         * @return the settings.
         */
        public BenchPlan.Settings settings()
        {
            return quick ? BenchPlan.Settings.quick(budget, !skipJmh) : BenchPlan.Settings.standard(budget, !skipJmh);
        }
    }

    /**
     * What a run gave.
     *
     * @param exitStatus {@link #EXIT_OK}, {@link #EXIT_PROBLEMS} or {@link #EXIT_NOTHING}
     * @param plan       the plan (null when there was nothing to run)
     * @param run        the measurements (null when there was nothing to run)
     * @param report     the report's HTML file (null when none was written)
     */
    public record Outcome(int exitStatus, BenchPlan plan, BenchRun run, Path report)
    {
    }

    /**
     * Runs the JMH pass (replaced in tests).
     */
    @FunctionalInterface
    interface JmhStep
    {
        JmhPass.Summary run(Path outDir, boolean quick);
    }

    private final List<BenchTopologyFactory> factories;
    private final TrafficRunner runner;
    private final List<AutoCloseable> resources;
    private final LongSupplier nanoClock;
    private final JmhStep jmhStep;
    private final BenchPlan.Costs costs;
    private final PrintStream log;
    private final Set<Object> closed = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * A harness over the given topologies.
     *
     * @param factories the topologies, in catalog order
     * @param runner    the traffic runner (null: nothing can run, {@link #run(Options)} says so)
     * @param resources more things to close at the end (e.g. a shared cluster)
     */
    public BenchMain(
        final List<BenchTopologyFactory> factories, final TrafficRunner runner, final List<AutoCloseable> resources)
    {
        this(factories, runner, resources, System::nanoTime, JmhPass::run, null, System.out);
    }

    BenchMain(
        final List<BenchTopologyFactory> factories,
        final TrafficRunner runner,
        final List<AutoCloseable> resources,
        final LongSupplier nanoClock,
        final JmhStep jmhStep,
        final BenchPlan.Costs costs,
        final PrintStream log)
    {
        this.factories = List.copyOf(factories);
        this.runner = runner;
        this.resources = List.copyOf(resources);
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.jmhStep = Objects.requireNonNull(jmhStep, "jmhStep");
        this.costs = costs;
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * The default output directory: {@code perf/bench/results/bench-<UTC yyyyMMdd-HHmmss>}.
     *
     * @param now the time to name it after
     * @return the path (relative to the working directory).
     */
    public static Path defaultOut(final Instant now)
    {
        return Path.of("perf", "bench", "results", "bench-" + DIR_TIME.format(now));
    }

    /**
     * Plans, measures and reports; closes every closeable factory, the runner and the resources at the end.
     *
     * @param options the options
     * @return the outcome.
     * @throws java.io.IOException when the report cannot be written
     */
    public Outcome run(final Options options) throws java.io.IOException
    {
        final AtomicReference<BenchTopology> open = new AtomicReference<>();
        final Thread hook = new Thread(() -> closeOnShutdown(open), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        final List<BenchRun.Problem> closeProblems = new ArrayList<>();
        try
        {
            return measureAndReport(options, open, closeProblems);
        }
        finally
        {
            closeAll(closeProblems);
            for (final BenchRun.Problem problem : closeProblems)
            {
                log.println("bench: closing " + problem.topologyId() + " failed: " + problem.message());
            }
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // The JVM is shutting down: the hook is running or has run.
            }
        }
    }

    private Outcome measureAndReport(
        final Options options, final AtomicReference<BenchTopology> open, final List<BenchRun.Problem> closeProblems)
        throws java.io.IOException
    {
        if (factories.isEmpty())
        {
            log.println("bench: no topologies: the catalog (BenchCatalog.standard()) lists none, so there is "
                + "nothing to measure (the kernel and Sluice topologies are not part of this build)");
            return new Outcome(EXIT_NOTHING, null, null, null);
        }
        final List<BenchTopologyFactory> selected = factories.stream()
            .filter(f -> options.only() == null || options.only().matcher(f.id()).find()).toList();
        if (selected.isEmpty())
        {
            log.println("bench: no topologies match --only '" + options.only() + "'; known: "
                + String.join(" ", factories.stream().map(BenchTopologyFactory::id).toList()));
            return new Outcome(EXIT_NOTHING, null, null, null);
        }
        if (runner == null)
        {
            log.println("bench: no traffic runner in the catalog (BenchCatalog.standard()), so no topology can "
                + "be measured");
            return new Outcome(EXIT_NOTHING, null, null, null);
        }

        final BenchPlan.Settings settings = options.settings();
        final BenchPlan.Costs planCosts = costs != null ? costs : BenchPlan.Costs.standard(settings.quick());
        final BenchPlan plan = BenchPlan.build(selected.stream().map(BenchTopologyFactory::id).toList(), settings,
            planCosts);
        log.print(plan.describe());
        Files.createDirectories(options.out());

        final Instant started = Instant.now();
        final BenchEnvironment environment = BenchEnvironment.capture(started);
        final long startNs = nanoClock.getAsLong();
        final List<ScenarioResult> results = new ArrayList<>();
        final List<BenchRun.Problem> problems = new ArrayList<>();
        final List<BenchPlan.Skip> skipped = new ArrayList<>(plan.skipped());
        double referencePps = Double.NaN;
        String referenceFailure = "the reference run did not complete";
        boolean sluiceSeen = false;

        for (final BenchPlan.TopologyPlan topologyPlan : plan.topologies())
        {
            final String id = topologyPlan.topologyId();
            final BenchTopologyFactory factory = selected.stream().filter(f -> f.id().equals(id)).findFirst()
                .orElseThrow();
            final boolean firstSluice = id.startsWith("sluice-") && !sluiceSeen;
            final Duration setup = BenchPlan.setupEstimate(id, BenchPlan.servicesOf(id), firstSluice, planCosts);
            final Duration firstStep = BenchPlan.stepEstimate(topologyPlan.steps().getFirst(), planCosts)
                .plus(reserveFor(plan, topologyPlan.steps().getFirst(), planCosts));
            final Duration elapsed = elapsed(startNs);
            if (elapsed.plus(setup).plus(firstStep).compareTo(options.budget()) > 0)
            {
                final String reason = "over the time budget at run time: " + BenchPlan.seconds(elapsed)
                    + " elapsed + " + BenchPlan.seconds(setup.plus(firstStep)) + " to open it and run one step > "
                    + BenchPlan.seconds(options.budget());
                topologyPlan.steps().forEach(s -> skipped.add(new BenchPlan.Skip(id, s.label(), reason)));
                log.println("bench: " + id + ": skipped, " + reason);
                continue;
            }
            sluiceSeen |= firstSluice;

            log.println("bench: " + id + ": opening");
            final BenchTopology topology;
            try
            {
                topology = factory.open();
                open.set(topology);
            }
            catch (final Exception | LinkageError ex)
            {
                problems.add(new BenchRun.Problem(id, "open", describe(ex)));
                log.println("bench: " + id + ": failed to open: " + describe(ex));
                if (id.equals(plan.referenceId()))
                {
                    referenceFailure = "the reference topology " + id + " failed to open: " + describe(ex);
                }
                continue;
            }
            try
            {
                for (final BenchPlan.Step step : topologyPlan.steps())
                {
                    final Duration stepElapsed = elapsed(startNs);
                    final Duration stepCost = BenchPlan.stepEstimate(step, planCosts)
                        .plus(reserveFor(plan, step, planCosts));
                    if (stepElapsed.plus(stepCost).compareTo(options.budget()) > 0)
                    {
                        final String reason = "over the time budget at run time: " + BenchPlan.seconds(stepElapsed)
                            + " elapsed + " + BenchPlan.seconds(stepCost) + " > " + BenchPlan.seconds(options.budget());
                        skipped.add(new BenchPlan.Skip(id, step.label(), reason));
                        log.println("bench: " + id + " " + step.label() + ": skipped, " + reason);
                        continue;
                    }
                    if (step.paced() && !(referencePps > 0))
                    {
                        skipped.add(new BenchPlan.Skip(id, step.label(), "no reference rate: " + referenceFailure));
                        continue;
                    }
                    final Measurement measurement = step.measurement(referencePps);
                    try
                    {
                        final ScenarioResult result = runner.run(topology, measurement);
                        results.add(result);
                        log.println("bench: " + id + " " + step.label() + ": " + BenchReport.oneLine(result));
                        if (id.equals(plan.referenceId()) && step.priority() == 0)
                        {
                            referencePps = result.receivedPps();
                            if (!(referencePps > 0))
                            {
                                referenceFailure = "the reference run on " + id + " delivered no frames";
                            }
                        }
                    }
                    catch (final Exception | LinkageError ex)
                    {
                        problems.add(new BenchRun.Problem(id, step.label(), describe(ex)));
                        log.println("bench: " + id + " " + step.label() + ": failed: " + describe(ex));
                        if (id.equals(plan.referenceId()) && step.priority() == 0)
                        {
                            referenceFailure = "the reference run on " + id + " failed: " + describe(ex);
                        }
                    }
                }
            }
            finally
            {
                if (open.compareAndSet(topology, null))
                {
                    try
                    {
                        topology.close();
                        log.println("bench: " + id + ": closed");
                    }
                    catch (final Exception | LinkageError ex)
                    {
                        problems.add(new BenchRun.Problem(id, "close", describe(ex)));
                        log.println("bench: " + id + ": failed to close: " + describe(ex));
                    }
                }
            }
        }

        JmhPass.Summary jmh = JmhPass.Summary.notRun("JMH skipped: --skip-jmh");
        if (plan.jmh())
        {
            final Duration elapsed = elapsed(startNs);
            if (elapsed.plus(planCosts.jmh()).compareTo(options.budget()) > 0)
            {
                final String reason = "over the time budget at run time: " + BenchPlan.seconds(elapsed)
                    + " elapsed + " + BenchPlan.seconds(planCosts.jmh()) + " > " + BenchPlan.seconds(options.budget());
                skipped.add(new BenchPlan.Skip("jmh", "JMH pass", reason));
                jmh = JmhPass.Summary.notRun("JMH skipped: " + reason);
            }
            else
            {
                log.println("bench: JMH pass (estimated " + BenchPlan.seconds(planCosts.jmh()) + ")");
                jmh = jmhStep.run(options.out(), settings.quick());
                log.println("bench: JMH: " + jmh.status());
            }
        }
        else if (settings.jmh())
        {
            jmh = JmhPass.Summary.notRun("JMH skipped: over the time budget (see skipped)");
        }

        final Instant finished = Instant.now();
        closeAll(closeProblems);
        problems.addAll(closeProblems);
        closeProblems.clear();
        final BenchRun run = new BenchRun(started, finished, options.budget(), plan.estimate(), plan.referenceId(),
            referencePps, results, problems, skipped, jmh);
        final Path report = BenchReport.write(options.out(), run, environment.withLoadAfter());
        log.println("bench: " + results.size() + " measurements, " + problems.size() + " errors, " + skipped.size()
            + " skipped, " + BenchPlan.seconds(elapsed(startNs)) + "; report: " + report.toAbsolutePath());
        return new Outcome(problems.isEmpty() ? EXIT_OK : EXIT_PROBLEMS, plan, run, report);
    }

    /**
     * The JMH pass runs after the traffic: a step that ranks below it keeps the pass's estimate free.
     */
    private static Duration reserveFor(final BenchPlan plan, final BenchPlan.Step step, final BenchPlan.Costs costs)
    {
        return plan.jmh() && step.priority() > BenchPlan.JMH_PRIORITY ? costs.jmh() : Duration.ZERO;
    }

    private Duration elapsed(final long startNs)
    {
        return Duration.ofNanos(nanoClock.getAsLong() - startNs);
    }

    /** Closes every closeable factory, the runner and the resources, each once. */
    private synchronized void closeAll(final List<BenchRun.Problem> problems)
    {
        final List<Object> candidates = new ArrayList<>(factories);
        candidates.add(runner);
        candidates.addAll(resources);
        for (final Object candidate : candidates)
        {
            if (candidate instanceof AutoCloseable closeable && closed.add(candidate))
            {
                try
                {
                    closeable.close();
                }
                catch (final Exception | LinkageError ex)
                {
                    final String name = candidate instanceof BenchTopologyFactory f ? f.id()
                        : candidate.getClass().getSimpleName();
                    problems.add(new BenchRun.Problem(name, "close", describe(ex)));
                }
            }
        }
    }

    private void closeOnShutdown(final AtomicReference<BenchTopology> open)
    {
        final BenchTopology topology = open.getAndSet(null);
        if (topology != null)
        {
            try
            {
                topology.close();
            }
            catch (final Exception | LinkageError ex)
            {
                log.println("bench: closing " + topology.id() + " on shutdown failed: " + describe(ex));
            }
        }
        final List<BenchRun.Problem> problems = new ArrayList<>();
        closeAll(problems);
        problems.forEach(p -> log.println("bench: closing " + p.topologyId() + " on shutdown failed: " + p.message()));
    }

    static String describe(final Throwable ex)
    {
        final String message = ex.getMessage();
        return ex.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Parses a duration: {@code 600} (seconds), {@code 90s}, {@code 10m}, {@code 1h} or ISO-8601 ({@code PT10M}).
     *
     * @param text the text
     * @return the duration.
     */
    static Duration parseDuration(final String text)
    {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        try
        {
            if (t.startsWith("pt"))
            {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms"))
            {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            final char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
            final String number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
            final long value = Long.parseLong(number);
            return switch (unit)
            {
                case 's' -> Duration.ofSeconds(value);
                case 'm' -> Duration.ofMinutes(value);
                case 'h' -> Duration.ofHours(value);
                default ->
                {
                    if (!Character.isDigit(unit))
                    {
                        throw new NumberFormatException("unit");
                    }
                    yield Duration.ofSeconds(value);
                }
            };
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("not a duration (600, 90s, 10m, 1h or PT10M): '" + text + "'");
        }
    }

    /**
     * The command line.
     */
    @Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Throughput and latency of Sluice against the kernel path (kube-proxy rule shapes for nftables and "
                + "iptables at 1, 1000 and 10000 Services) and the AF_XDP/XDP ceilings, in one bounded run; then a "
                + "short JMH pass over the stage benchmarks. Writes hgrm/, summary.json, summary.md, latency.svg and "
                + "report.html into the output directory. Needs root (network namespaces, XDP).",
            ""
        },
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = { "0:every planned measurement ran", "1:some topologies or measurements failed (see the "
            + "report)", "2:nothing to run (no topologies, none matching --only, no traffic runner)" })
    static final class Cli implements Callable<Integer>
    {
        @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory. Default: perf/bench/results/bench-<UTC yyyyMMdd-HHmmss>.")
        Path out;

        @Option(names = "--only", paramLabel = "REGEX",
            description = "Run only the topologies whose id contains a match (e.g. 'kernel-nft|sluice').")
        String only;

        @Option(names = "--quick", description = "Short durations and a one-benchmark JMH pass (smoke runs).")
        boolean quick;

        @Option(names = "--skip-jmh", description = "Leave the JMH pass out.")
        boolean skipJmh;

        @Option(names = "--budget", paramLabel = "DURATION", defaultValue = "10m",
            description = "Wall time limit of the whole run (600, 90s, 10m, PT10M). Default: ${DEFAULT-VALUE}.")
        String budget;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception
        {
            final Pattern pattern;
            final Duration limit;
            try
            {
                pattern = only == null ? null : Pattern.compile(only);
                limit = parseDuration(budget);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
            }
            if (limit.isZero() || limit.isNegative())
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--budget must be positive: " + budget);
            }
            final Options options = new Options(out != null ? out : defaultOut(Instant.now()), pattern, quick,
                skipJmh, limit);
            final BenchCatalog catalog = BenchCatalog.standard();
            return new BenchMain(catalog.factories(), catalog.runner(), catalog.resources()).run(options)
                .exitStatus();
        }
    }

    /**
     * Entry point: {@code java -cp perf/target/benchmarks.jar dev.sluice.perf.bench.BenchMain --help}.
     *
     * @param args the command line
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new Cli()).execute(args));
    }
}
