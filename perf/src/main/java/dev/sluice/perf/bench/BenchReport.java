package dev.sluice.perf.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import dev.sluice.perf.bench.Measurement.Flows;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the report of a {@link BenchRun} into the output directory:
 * <ul>
 *     <li>{@code hgrm/<topology>-<frame>-<flows>-<rate>.hgrm}: one HdrHistogram percentile distribution per
 *     latency (paced) scenario, values in microseconds;</li>
 *     <li>{@code summary.json}: the environment, every scenario (rates, loss, CPU ns/packet, latency percentiles),
 *     the ratios of issue #8 with their goals, errors, skipped measurements, the JMH scores;</li>
 *     <li>{@code summary.md}: the same as markdown tables (for the README);</li>
 *     <li>{@code latency.svg}: the latency percentile curves at half the reference rate (for the README);</li>
 *     <li>{@code report.html}: one self-contained page with inline SVG plots (latency percentile curves, throughput
 *     bars, cost against the number of Services), the tables and the environment.</li>
 * </ul>
 */
public final class BenchReport
{
    /** The latency fraction the goal compares (and latency.svg plots). */
    public static final double GOAL_FRACTION = 0.5;

    /** Highest percentile axis value: 1 / (1 - 0.999999). */
    private static final double MAX_PERCENTILE_X = 1e6;

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /**
     * One ratio of the issue.
     *
     * @param name        stable key
     * @param description what is divided by what
     * @param numerator   the numerator's value (NaN when not measured)
     * @param denominator the denominator's value (NaN when not measured)
     * @param goal        the goal, e.g. {@code >= 100}, or null when the ratio is for context only
     * @param note        why it could not be computed (null when it was)
     */
    public record Ratio(String name, String description, double numerator, double denominator, String goal,
        String note)
    {
        /**
         * The ratio.
         *
         * @return numerator / denominator, NaN when either is missing or the denominator is 0.
         */
        public double value()
        {
            return Double.isFinite(numerator) && Double.isFinite(denominator) && denominator != 0
                ? numerator / denominator : Double.NaN;
        }

        /**
         * Whether the goal is met.
         *
         * @return true / false, or null when there is no goal or no value.
         */
        public Boolean met()
        {
            final double value = value();
            if (goal == null || Double.isNaN(value))
            {
                return null;
            }
            final double bound = Double.parseDouble(goal.substring(3));
            return goal.startsWith(">=") ? value >= bound : value <= bound;
        }

        /**
         * One word for the report.
         *
         * @return "met", "not met", "not measured" or "context".
         */
        public String status()
        {
            if (Double.isNaN(value()))
            {
                return "not measured";
            }
            final Boolean met = met();
            return met == null ? "context" : met ? "met" : "not met";
        }
    }

    private BenchReport()
    {
    }

    /**
     * Writes every file of the report.
     *
     * @param outDir      the output directory (created if missing)
     * @param run         the run
     * @param environment the machine
     * @return the path of {@code report.html}.
     * @throws IOException when a file cannot be written
     */
    public static Path write(final Path outDir, final BenchRun run, final BenchEnvironment environment)
        throws IOException
    {
        Files.createDirectories(outDir);
        final Map<ScenarioResult, String> hgrm = new LinkedHashMap<>();
        for (final ScenarioResult result : run.results())
        {
            if (!result.measurement().unpaced() && result.latencyNs() != null)
            {
                final String name = "hgrm/" + hgrmName(result);
                Files.createDirectories(outDir.resolve("hgrm"));
                Files.writeString(outDir.resolve(name), percentiles(result.latencyNs()));
                hgrm.put(result, name);
            }
        }
        final List<Ratio> ratios = ratios(run);
        Files.writeString(outDir.resolve("summary.json"), json(run, environment, ratios, hgrm));
        Files.writeString(outDir.resolve("summary.md"), markdown(run, environment, ratios));
        Files.writeString(outDir.resolve("latency.svg"), latencyChart(run, GOAL_FRACTION));
        final Path html = outDir.resolve("report.html");
        Files.writeString(html, html(run, environment, ratios, hgrm));
        return html;
    }

    /**
     * The file name of a latency scenario's percentile file: {@code <topology>-<frame>-<flows>-<rate>.hgrm}.
     *
     * @param result the scenario
     * @return the name.
     */
    public static String hgrmName(final ScenarioResult result)
    {
        final Measurement m = result.measurement();
        return result.topologyId() + "-" + m.frameBytes() + "-" + m.flows().name().toLowerCase(Locale.ROOT) + "-"
            + m.ratePps() + ".hgrm";
    }

    /**
     * HdrHistogram's percentile distribution of a nanosecond histogram, in microseconds.
     *
     * @param latencyNs the histogram
     * @return the text of the .hgrm file.
     */
    public static String percentiles(final Histogram latencyNs)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            latencyNs.outputPercentileDistribution(out, 5, 1000.0);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * One line about a result, for the console.
     *
     * @param r the result
     * @return e.g. {@code 1.234 Mpps of 1.300 offered (loss 5.1 %), CPU 812 ns/packet, p99 45.2 us}.
     */
    public static String oneLine(final ScenarioResult r)
    {
        final StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%.3f Mpps of %.3f offered "
            + "(loss %.2f %%)", r.receivedPps() / 1e6, r.offeredPps() / 1e6, r.loss() * 100));
        if (Double.isFinite(r.cpuNsPerPacket()))
        {
            text.append(String.format(Locale.ROOT, ", CPU %.0f ns/packet", r.cpuNsPerPacket()));
        }
        if (r.latencyNs() != null && r.latencyNs().getTotalCount() > 0)
        {
            text.append(String.format(Locale.ROOT, ", p50 %.1f us, p99 %.1f us",
                r.latencyNs().getValueAtPercentile(50) / 1000.0, r.latencyNs().getValueAtPercentile(99) / 1000.0));
        }
        return text.toString();
    }

    /**
     * The ratios of issue #8 (and two for context), computed from one run.
     *
     * @param run the run
     * @return the ratios, goals first.
     */
    public static List<Ratio> ratios(final BenchRun run)
    {
        final List<Ratio> ratios = new ArrayList<>();
        ratios.add(rate(run, "new-flows-10k-vs-nft", "new-flow rate at 10k Services: sluice-svc-xnode-10000 / "
            + "kernel-nft-10000 (64 B, a new flow per frame)", "sluice-svc-xnode-10000", "kernel-nft-10000",
            Flows.NEW, ">= 100"));
        ratios.add(rate(run, "new-flows-10k-vs-ipt", "new-flow rate at 10k Services: sluice-svc-xnode-10000 / "
            + "kernel-ipt-10000 (64 B, a new flow per frame)", "sluice-svc-xnode-10000", "kernel-ipt-10000",
            Flows.NEW, ">= 100"));
        ratios.add(rate(run, "established-vs-ip-forward", "established 64 B throughput: sluice-svc-xnode-1 / "
            + "kernel-forward (ip_forward, no rules)", "sluice-svc-xnode-1", "kernel-forward", Flows.ESTABLISHED,
            ">= 1"));
        ratios.add(p99(run));
        ratios.add(rate(run, "svc-xnode-vs-c-afxdp", "established 64 B throughput: sluice-svc-xnode-1 / "
            + "ceiling-c-afxdp (C AF_XDP forwarder)", "sluice-svc-xnode-1", "ceiling-c-afxdp", Flows.ESTABLISHED,
            null));
        ratios.add(rate(run, "pod-local-vs-c-afxdp", "established 64 B throughput: sluice-pod-local / "
            + "ceiling-c-afxdp (C AF_XDP forwarder)", "sluice-pod-local", "ceiling-c-afxdp", Flows.ESTABLISHED, null));
        ratios.add(rate(run, "new-flows-10k-vs-1", "Sluice new-flow rate at 10k / at 1 Service (1 = no "
            + "degradation): sluice-svc-xnode-10000 / sluice-svc-xnode-1", "sluice-svc-xnode-10000",
            "sluice-svc-xnode-1", Flows.NEW, null));
        return ratios;
    }

    private static Ratio rate(
        final BenchRun run, final String name, final String description, final String top, final String bottom,
        final Flows flows, final String goal)
    {
        final Optional<ScenarioResult> n = find(run, top, 64, flows, 0);
        final Optional<ScenarioResult> d = find(run, bottom, 64, flows, 0);
        return new Ratio(name, description, n.map(ScenarioResult::receivedPps).orElse(Double.NaN),
            d.map(ScenarioResult::receivedPps).orElse(Double.NaN), goal, missing(n, top, d, bottom));
    }

    private static Ratio p99(final BenchRun run)
    {
        final String kernel = run.results().stream().anyMatch(r -> r.topologyId().equals("kernel-nft-1"))
            || !run.results().stream().anyMatch(r -> r.topologyId().equals("kernel-forward"))
            ? "kernel-nft-1" : "kernel-forward";
        final String description = "p99 latency at 0.5 of the reference rate: sluice-svc-xnode-1 / " + kernel
            + " (64 B established, open loop)";
        if (!(run.referencePps() > 0))
        {
            return new Ratio("p99-at-half-reference", description, Double.NaN, Double.NaN, "<= 1",
                "no reference rate in this run");
        }
        final long rate = BenchPlan.rateFor(run.referencePps(), GOAL_FRACTION);
        final Optional<ScenarioResult> n = find(run, "sluice-svc-xnode-1", 64, Flows.ESTABLISHED, rate)
            .filter(r -> r.latencyNs() != null && r.latencyNs().getTotalCount() > 0);
        final Optional<ScenarioResult> d = find(run, kernel, 64, Flows.ESTABLISHED, rate)
            .filter(r -> r.latencyNs() != null && r.latencyNs().getTotalCount() > 0);
        return new Ratio("p99-at-half-reference", description + ", " + rate + " pps",
            n.map(r -> r.latencyNs().getValueAtPercentile(99) / 1000.0).orElse(Double.NaN),
            d.map(r -> r.latencyNs().getValueAtPercentile(99) / 1000.0).orElse(Double.NaN), "<= 1",
            missing(n, "sluice-svc-xnode-1 at " + rate + " pps", d, kernel + " at " + rate + " pps"));
    }

    private static String missing(
        final Optional<ScenarioResult> n, final String top, final Optional<ScenarioResult> d, final String bottom)
    {
        final List<String> absent = new ArrayList<>();
        if (n.isEmpty())
        {
            absent.add(top);
        }
        if (d.isEmpty())
        {
            absent.add(bottom);
        }
        if (!absent.isEmpty())
        {
            return "not measured in this run: " + String.join(", ", absent);
        }
        return d.get().receivedPps() == 0 ? "the denominator is 0" : null;
    }

    /**
     * The first result of a topology with the given frame size, flows and rate (0 = unpaced).
     *
     * @param run        the run
     * @param topologyId the topology
     * @param frameBytes the frame size
     * @param flows      the flows
     * @param ratePps    the rate
     * @return the result, if measured.
     */
    static Optional<ScenarioResult> find(
        final BenchRun run, final String topologyId, final int frameBytes, final Flows flows, final long ratePps)
    {
        return run.results().stream().filter(r -> r.topologyId().equals(topologyId)
            && r.measurement().frameBytes() == frameBytes && r.measurement().flows() == flows
            && r.measurement().ratePps() == ratePps).findFirst();
    }

    // ---------------------------------------------------------------------------------------------------- JSON

    static String json(
        final BenchRun run, final BenchEnvironment env, final List<Ratio> ratios, final Map<ScenarioResult, String> hgrm)
    {
        final ObjectNode root = JSON.createObjectNode();
        final ObjectNode e = root.putObject("environment");
        e.put("date", env.date().toString());
        e.put("kernel", env.kernel());
        e.put("cpuModel", env.cpuModel());
        e.put("vcpus", env.vcpus());
        e.put("loadAverageBefore", env.loadBefore());
        e.put("loadAverageAfter", env.loadAfter());
        e.put("gitCommit", env.gitCommit());
        e.put("java", env.java());
        final ObjectNode r = root.putObject("run");
        r.put("started", run.started().toString());
        r.put("finished", run.finished().toString());
        r.put("seconds", (run.finished().toEpochMilli() - run.started().toEpochMilli()) / 1000.0);
        r.put("budgetSeconds", run.budget().toMillis() / 1000.0);
        r.put("estimatedSeconds", run.estimate().toMillis() / 1000.0);
        if (run.referenceId() == null)
        {
            r.putNull("referenceTopology");
        }
        else
        {
            r.put("referenceTopology", run.referenceId());
        }
        number(r, "referencePps", run.referencePps());

        final ArrayNode ratioArray = root.putArray("ratios");
        for (final Ratio ratio : ratios)
        {
            final ObjectNode o = ratioArray.addObject();
            o.put("name", ratio.name());
            o.put("description", ratio.description());
            number(o, "value", ratio.value());
            number(o, "numerator", ratio.numerator());
            number(o, "denominator", ratio.denominator());
            if (ratio.goal() == null)
            {
                o.putNull("goal");
            }
            else
            {
                o.put("goal", ratio.goal());
            }
            if (ratio.met() == null)
            {
                o.putNull("met");
            }
            else
            {
                o.put("met", ratio.met());
            }
            o.put("status", ratio.status());
            if (ratio.note() != null)
            {
                o.put("note", ratio.note());
            }
        }

        final ArrayNode scenarios = root.putArray("scenarios");
        for (final ScenarioResult s : run.results())
        {
            final ObjectNode o = scenarios.addObject();
            o.put("topology", s.topologyId());
            o.put("title", s.title());
            o.put("group", s.group());
            o.put("services", s.services());
            o.put("frameBytes", s.measurement().frameBytes());
            o.put("flows", s.measurement().flows().name().toLowerCase(Locale.ROOT));
            o.put("ratePps", s.measurement().ratePps());
            o.put("sent", s.sent());
            o.put("received", s.received());
            o.put("seconds", s.seconds());
            number(o, "offeredPps", s.offeredPps());
            number(o, "receivedPps", s.receivedPps());
            number(o, "loss", s.loss());
            number(o, "cpuNsPerPacket", s.cpuNsPerPacket());
            final Histogram h = s.latencyNs();
            if (h == null || h.getTotalCount() == 0)
            {
                o.putNull("latencyUs");
            }
            else
            {
                final ObjectNode l = o.putObject("latencyUs");
                l.put("count", h.getTotalCount());
                l.put("p50", h.getValueAtPercentile(50) / 1000.0);
                l.put("p90", h.getValueAtPercentile(90) / 1000.0);
                l.put("p99", h.getValueAtPercentile(99) / 1000.0);
                l.put("p99_9", h.getValueAtPercentile(99.9) / 1000.0);
                l.put("max", h.getMaxValue() / 1000.0);
            }
            if (hgrm.containsKey(s))
            {
                o.put("hgrm", hgrm.get(s));
            }
        }

        final ArrayNode errors = root.putArray("errors");
        for (final BenchRun.Problem p : run.problems())
        {
            errors.addObject().put("topology", p.topologyId()).put("what", p.what()).put("message", p.message());
        }
        final ArrayNode skipped = root.putArray("skipped");
        for (final BenchPlan.Skip s : run.skipped())
        {
            skipped.addObject().put("topology", s.topologyId()).put("what", s.what()).put("reason", s.reason());
        }
        final ObjectNode jmh = root.putObject("jmh");
        jmh.put("status", run.jmh().status());
        if (run.jmh().jsonFile() != null)
        {
            jmh.put("file", run.jmh().jsonFile().getFileName().toString());
        }
        final ArrayNode rows = jmh.putArray("results");
        for (final JmhPass.Row row : run.jmh().rows())
        {
            final ObjectNode o = rows.addObject();
            o.put("benchmark", row.benchmark());
            final ObjectNode params = o.putObject("params");
            row.params().forEach(params::put);
            number(o, "score", row.score());
            number(o, "error", row.error());
            o.put("unit", row.unit());
        }
        return JSON.writeValueAsString(root) + "\n";
    }

    private static void number(final ObjectNode node, final String name, final double value)
    {
        if (Double.isFinite(value))
        {
            node.put(name, value);
        }
        else
        {
            node.putNull(name);
        }
    }

    // ------------------------------------------------------------------------------------------------ Markdown

    static String markdown(final BenchRun run, final BenchEnvironment env, final List<Ratio> ratios)
    {
        final StringBuilder md = new StringBuilder();
        md.append("Measured ").append(env.date()).append(" on ").append(env.vcpus()).append(" vCPUs (")
            .append(env.cpuModel()).append("), Linux ").append(env.kernel()).append(", load average ")
            .append(env.loadBefore()).append(" before / ").append(env.loadAfter()).append(" after, commit ")
            .append(env.gitCommit()).append(".\n\n");
        md.append("| name | ratio | value | goal | status |\n| --- | --- | ---: | ---: | --- |\n");
        for (final Ratio ratio : ratios)
        {
            md.append("| ").append(ratio.name()).append(" | ").append(ratio.description().replace("|", "/"))
                .append(" | ").append(fmt(ratio.value(), 2)).append(" | ").append(ratio.goal() == null ? "" :
                    ratio.goal()).append(" | ").append(ratio.status()).append(" |\n");
        }
        md.append("\n| topology | frame | flows | offered rate | received Mpps | loss | CPU ns/packet | p50 us | "
            + "p99 us | p99.9 us | max us |\n| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
            + "---: |\n");
        for (final ScenarioResult s : run.results())
        {
            final Histogram h = s.latencyNs() != null && s.latencyNs().getTotalCount() > 0 ? s.latencyNs() : null;
            md.append("| ").append(s.topologyId()).append(" | ").append(s.measurement().frameBytes()).append(" | ")
                .append(s.measurement().flows().name().toLowerCase(Locale.ROOT)).append(" | ")
                .append(s.measurement().unpaced() ? "unpaced" : Svg.si(s.measurement().ratePps()) + " pps")
                .append(" | ").append(fmt(s.receivedPps() / 1e6, 3)).append(" | ")
                .append(fmt(s.loss() * 100, 2)).append(" % | ").append(fmt(s.cpuNsPerPacket(), 0)).append(" | ")
                .append(h == null ? "" : fmt(h.getValueAtPercentile(50) / 1000.0, 1)).append(" | ")
                .append(h == null ? "" : fmt(h.getValueAtPercentile(99) / 1000.0, 1)).append(" | ")
                .append(h == null ? "" : fmt(h.getValueAtPercentile(99.9) / 1000.0, 1)).append(" | ")
                .append(h == null ? "" : fmt(h.getMaxValue() / 1000.0, 1)).append(" |\n");
        }
        if (!run.problems().isEmpty())
        {
            md.append("\nErrors:\n");
            run.problems().forEach(p -> md.append("- ").append(p.topologyId()).append(' ').append(p.what())
                .append(": ").append(p.message()).append('\n'));
        }
        if (!run.skipped().isEmpty())
        {
            md.append("\nSkipped:\n");
            run.skipped().forEach(s -> md.append("- ").append(s.topologyId()).append(' ').append(s.what())
                .append(": ").append(s.reason()).append('\n'));
        }
        return md.toString();
    }

    static String fmt(final double value, final int decimals)
    {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "n/a";
    }

    // ---------------------------------------------------------------------------------------------------- SVG

    /**
     * Stable colors per topology family.
     *
     * @param topologyId a topology id
     * @return a CSS color.
     */
    static String color(final String topologyId)
    {
        final String family = family(topologyId);
        return switch (family)
        {
            case "sluice-svc-xnode" -> "#1b9e77";
            case "sluice-pod-local" -> "#66a61e";
            case "kernel-nft" -> "#d95f02";
            case "kernel-ipt" -> "#7570b3";
            case "kernel-forward" -> "#e7298a";
            case "ceiling-c-afxdp" -> "#e6ab02";
            case "ceiling-xdp-redirect" -> "#a6761d";
            default -> "#666666";
        };
    }

    /**
     * The id without a trailing service count: {@code kernel-nft-1000} -> {@code kernel-nft}.
     *
     * @param topologyId the id
     * @return the family.
     */
    static String family(final String topologyId)
    {
        return topologyId.replaceFirst("-[0-9]+$", "");
    }

    /**
     * Latency percentile curves (x: 1/(1-p) on a log axis, y: microseconds on a log axis) of every paced
     * scenario at one fraction of the reference rate.
     *
     * @param run      the run
     * @param fraction the fraction of the reference rate
     * @return the {@code <svg>}.
     */
    static String latencyChart(final BenchRun run, final double fraction)
    {
        final long rate = run.referencePps() > 0 ? BenchPlan.rateFor(run.referencePps(), fraction) : -1;
        final List<Svg.Series> series = new ArrayList<>();
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        double maxX = 100;
        for (final ScenarioResult s : run.results())
        {
            if (s.measurement().ratePps() != rate || s.latencyNs() == null || s.latencyNs().getTotalCount() == 0)
            {
                continue;
            }
            final List<Svg.Point> points = new ArrayList<>();
            for (final HistogramIterationValue v : s.latencyNs().percentiles(5))
            {
                final double p = v.getPercentileLevelIteratedTo();
                final double x = p >= 100.0 ? MAX_PERCENTILE_X : Math.min(MAX_PERCENTILE_X, 1.0 / (1.0 - p / 100.0));
                final double y = s.latencyNs().highestEquivalentValue(v.getValueIteratedTo()) / 1000.0;
                points.add(new Svg.Point(x, y));
                minY = Math.min(minY, Math.max(y, 0.1));
                maxY = Math.max(maxY, y);
                if (p < 100.0)
                {
                    maxX = Math.max(maxX, x);
                }
            }
            series.add(new Svg.Series(s.topologyId() + String.format(Locale.ROOT, " (loss %.2f %%)", s.loss() * 100),
                color(s.topologyId()), s.group().equals("kernel"), points));
        }
        final String title = String.format(Locale.ROOT, "Latency percentiles at %.2f of the reference rate%s", fraction,
            rate > 0 ? " (" + Svg.si(rate) + " pps, 64 B, one established flow)" : " (no reference rate)");
        if (series.isEmpty())
        {
            minY = 1;
            maxY = 1000;
        }
        final double[] yRange = Svg.decades(minY, Math.max(maxY, minY * 1.01));
        final double xMax = Math.min(MAX_PERCENTILE_X, Svg.decades(1, maxX)[1]);
        final List<Svg.Tick> xTicks = new ArrayList<>();
        final String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
        for (int i = 0; i < labels.length && Math.pow(10, i) <= xMax; i++)
        {
            xTicks.add(new Svg.Tick(Math.pow(10, i), labels[i]));
        }
        final Svg.Axis x = new Svg.Axis("percentile", 1, xMax, true, xTicks);
        final Svg.Axis y = new Svg.Axis("latency (us)", yRange[0], yRange[1], true,
            Svg.logTicks(yRange[0], yRange[1], Svg::si));
        return Svg.lineChart(title, x, y, series, 900, 420);
    }

    /**
     * Horizontal bars of the received rate of every scenario of one kind, with loss, and the errors of that kind.
     *
     * @param run        the run
     * @param title      the title
     * @param frameBytes frame size
     * @param flows      flows
     * @return the {@code <svg>}.
     */
    static String throughputChart(final BenchRun run, final String title, final int frameBytes, final Flows flows)
    {
        final List<Svg.Bar> bars = new ArrayList<>();
        final Predicate<ScenarioResult> kind = r -> r.measurement().unpaced()
            && r.measurement().frameBytes() == frameBytes && r.measurement().flows() == flows;
        for (final ScenarioResult s : run.results())
        {
            if (kind.test(s))
            {
                final String cpu = Double.isFinite(s.cpuNsPerPacket())
                    ? String.format(Locale.ROOT, ", CPU %.0f ns/pkt", s.cpuNsPerPacket()) : "";
                bars.add(new Svg.Bar(s.topologyId(), s.receivedPps(), String.format(Locale.ROOT,
                    "%.3f Mpps, loss %.1f %%%s", s.receivedPps() / 1e6, s.loss() * 100, cpu), color(s.topologyId()),
                    false));
            }
        }
        final String label = frameBytes + "B " + flows.name().toLowerCase(Locale.ROOT) + " unpaced";
        for (final BenchRun.Problem p : run.problems())
        {
            if (p.what().equals(label) || (p.what().equals("open") && frameBytes == BenchPlan.SMALL_FRAME
                && flows == Flows.ESTABLISHED))
            {
                final String message = p.message().length() > 60 ? p.message().substring(0, 57) + "..." : p.message();
                bars.add(new Svg.Bar(p.topologyId(), 0, "error (" + p.what() + "): " + message, "#c00", true));
            }
        }
        return Svg.barChart(title, bars, 900);
    }

    /**
     * A cost against the number of Services (1, 1k, 10k) for kernel-nft, kernel-ipt and sluice-svc-xnode.
     *
     * @param run    the run
     * @param title  the title
     * @param yLabel the y axis title
     * @param cpu    plot CPU ns/packet (new flows solid, established dashed) instead of the new-flow rate
     * @return the {@code <svg>}.
     */
    static String costChart(final BenchRun run, final String title, final String yLabel, final boolean cpu)
    {
        final List<Svg.Series> series = new ArrayList<>();
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (final String family : List.of("kernel-nft", "kernel-ipt", "sluice-svc-xnode"))
        {
            for (final Flows flows : cpu ? List.of(Flows.NEW, Flows.ESTABLISHED) : List.of(Flows.NEW))
            {
                final List<Svg.Point> points = new ArrayList<>();
                for (final int services : new int[] {1, 1000, 10000})
                {
                    final Optional<ScenarioResult> s = find(run, family + "-" + services, 64, flows, 0);
                    final double y = s.map(r -> cpu ? r.cpuNsPerPacket() : r.receivedPps()).orElse(Double.NaN);
                    if (Double.isFinite(y) && y > 0)
                    {
                        points.add(new Svg.Point(services, y));
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
                series.add(new Svg.Series(family + (cpu ? ", " + flows.name().toLowerCase(Locale.ROOT) + " flows"
                    : ""), color(family), flows == Flows.ESTABLISHED, points));
            }
        }
        if (maxY == 0)
        {
            minY = 1;
            maxY = 1000;
        }
        final double[] yRange = Svg.decades(minY, Math.max(maxY, minY * 1.01));
        final Svg.Axis x = new Svg.Axis("Services", 1, 10000, true, List.of(new Svg.Tick(1, "1"),
            new Svg.Tick(10, "10"), new Svg.Tick(100, "100"), new Svg.Tick(1000, "1k"), new Svg.Tick(10000, "10k")));
        final Svg.Axis y = new Svg.Axis(yLabel, yRange[0], yRange[1], true, Svg.logTicks(yRange[0], yRange[1],
            Svg::si));
        return Svg.lineChart(title, x, y, series, 900, 380);
    }

    // ---------------------------------------------------------------------------------------------------- HTML

    static String html(
        final BenchRun run, final BenchEnvironment env, final List<Ratio> ratios, final Map<ScenarioResult, String> hgrm)
    {
        final StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice bench ")
            .append(Svg.escape(env.date().toString())).append("</title>\n<style>body{font-family:Helvetica,Arial,"
                + "sans-serif;margin:24px;max-width:960px;color:#222}table{border-collapse:collapse;margin:8px 0 "
                + "16px}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}td.n{text-align:right}"
                + ".met{color:#080;font-weight:bold}.notmet{color:#c00;font-weight:bold}.nm{color:#888}"
                + "svg{display:block;margin:8px 0 20px}</style></head><body>\n");
        h.append("<h1>Sluice bench</h1>\n<p>").append(Svg.escape(env.date().toString())).append(", commit ")
            .append(Svg.escape(env.gitCommit())).append(", ").append(env.vcpus()).append(" vCPUs, load average ")
            .append(Svg.escape(env.loadBefore())).append(" before / ").append(Svg.escape(env.loadAfter()))
            .append(" after. Run took ").append(fmt((run.finished().toEpochMilli() - run.started().toEpochMilli())
                / 1000.0, 0)).append(" s of a ").append(run.budget().toSeconds()).append(" s budget (estimated ")
            .append(run.estimate().toSeconds()).append(" s). Reference rate: ")
            .append(run.referencePps() > 0 ? String.format(Locale.ROOT, "%.3f Mpps (%s, 64 B established, unpaced)",
                run.referencePps() / 1e6, run.referenceId()) : "not measured").append(".</p>\n");

        h.append("<h2>Goals</h2>\n<table><tr><th>ratio</th><th>value</th><th>goal</th><th></th></tr>\n");
        for (final Ratio ratio : ratios)
        {
            final String css = switch (ratio.status())
            {
                case "met" -> "met";
                case "not met" -> "notmet";
                default -> "nm";
            };
            h.append("<tr><td>").append(Svg.escape(ratio.description()));
            if (ratio.note() != null)
            {
                h.append("<br><small>").append(Svg.escape(ratio.note())).append("</small>");
            }
            h.append("</td><td class=\"n\">").append(fmt(ratio.value(), 2)).append("</td><td>")
                .append(ratio.goal() == null ? "" : Svg.escape(ratio.goal())).append("</td><td class=\"").append(css)
                .append("\">").append(ratio.status()).append("</td></tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Latency under open-loop load</h2>\n<p>One-way latency of every delivered frame from its "
            + "intended send time (coordinated omission corrected), percentiles on the usual 1/(1-p) axis. Kernel "
            + "paths dashed.</p>\n");
        for (final double fraction : BenchPlan.LATENCY_FRACTIONS)
        {
            h.append(latencyChart(run, fraction));
        }
        h.append("<h2>Throughput</h2>\n");
        h.append(throughputChart(run, "64 B frames, one established flow, unpaced", 64, Flows.ESTABLISHED));
        h.append(throughputChart(run, "64 B frames, a new flow per frame, unpaced", 64, Flows.NEW));
        h.append(throughputChart(run, "1400 B frames, one established flow, unpaced", 1400, Flows.ESTABLISHED));
        h.append("<h2>Cost against the number of Services</h2>\n");
        h.append(costChart(run, "New-flow rate (64 B, a new flow per frame)", "received frames/s", false));
        h.append(costChart(run, "CPU per packet of the device under test", "ns/packet", true));

        h.append("<h2>All measurements</h2>\n<table><tr><th>topology</th><th>frame</th><th>flows</th><th>offered "
            + "rate</th><th>received Mpps</th><th>loss</th><th>CPU ns/pkt</th><th>p50 us</th><th>p90 us</th><th>p99 "
            + "us</th><th>p99.9 us</th><th>max us</th><th>hgrm</th></tr>\n");
        for (final ScenarioResult s : run.results())
        {
            final Histogram l = s.latencyNs() != null && s.latencyNs().getTotalCount() > 0 ? s.latencyNs() : null;
            h.append("<tr><td title=\"").append(Svg.escape(s.title())).append("\">").append(Svg.escape(s.topologyId()))
                .append("</td><td class=\"n\">").append(s.measurement().frameBytes()).append("</td><td>")
                .append(s.measurement().flows().name().toLowerCase(Locale.ROOT)).append("</td><td class=\"n\">")
                .append(s.measurement().unpaced() ? "unpaced" : s.measurement().ratePps() + " pps")
                .append("</td><td class=\"n\">").append(fmt(s.receivedPps() / 1e6, 3)).append("</td><td class=\"n\">")
                .append(fmt(s.loss() * 100, 2)).append(" %</td><td class=\"n\">").append(fmt(s.cpuNsPerPacket(), 0));
            for (final double p : new double[] {50, 90, 99, 99.9})
            {
                h.append("</td><td class=\"n\">").append(l == null ? "" : fmt(l.getValueAtPercentile(p) / 1000.0, 1));
            }
            h.append("</td><td class=\"n\">").append(l == null ? "" : fmt(l.getMaxValue() / 1000.0, 1))
                .append("</td><td>");
            if (hgrm.containsKey(s))
            {
                h.append("<a href=\"").append(Svg.escape(hgrm.get(s))).append("\">hgrm</a>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n");

        if (!run.problems().isEmpty())
        {
            h.append("<h2>Errors</h2>\n<ul>\n");
            run.problems().forEach(p -> h.append("<li><b>").append(Svg.escape(p.topologyId())).append("</b> ")
                .append(Svg.escape(p.what())).append(": ").append(Svg.escape(p.message())).append("</li>\n"));
            h.append("</ul>\n");
        }
        if (!run.skipped().isEmpty())
        {
            h.append("<h2>Skipped</h2>\n<ul>\n");
            run.skipped().forEach(s -> h.append("<li><b>").append(Svg.escape(s.topologyId())).append("</b> ")
                .append(Svg.escape(s.what())).append(": ").append(Svg.escape(s.reason())).append("</li>\n"));
            h.append("</ul>\n");
        }

        h.append("<h2>JMH: stage benchmarks</h2>\n<p>").append(Svg.escape(run.jmh().status())).append("</p>\n");
        if (!run.jmh().rows().isEmpty())
        {
            h.append("<table><tr><th>benchmark</th><th>params</th><th>score</th><th>± 99.9 %</th><th>unit</th></tr>\n");
            for (final JmhPass.Row row : run.jmh().rows())
            {
                h.append("<tr><td>").append(Svg.escape(row.benchmark())).append("</td><td>")
                    .append(Svg.escape(row.paramsText())).append("</td><td class=\"n\">").append(fmt(row.score(), 1))
                    .append("</td><td class=\"n\">").append(fmt(row.error(), 1)).append("</td><td>")
                    .append(Svg.escape(row.unit())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Environment</h2>\n<table>\n");
        row(h, "date", env.date().toString());
        row(h, "kernel", env.kernel());
        row(h, "CPU", env.cpuModel());
        row(h, "vCPUs", Integer.toString(env.vcpus()));
        row(h, "load average before", env.loadBefore());
        row(h, "load average after", env.loadAfter());
        row(h, "git commit", env.gitCommit());
        row(h, "JVM", env.java());
        h.append("</table>\n<p>Files: <a href=\"summary.json\">summary.json</a>, <a href=\"summary.md\">summary.md"
            + "</a>, <a href=\"latency.svg\">latency.svg</a>")
            .append(run.jmh().jsonFile() != null ? ", <a href=\"jmh.json\">jmh.json</a>" : "")
            .append(hgrm.isEmpty() ? "" : ", hgrm/ (one percentile file per latency scenario, microseconds)")
            .append(".</p>\n</body></html>\n");
        return h.toString();
    }

    private static void row(final StringBuilder h, final String name, final String value)
    {
        h.append("<tr><th>").append(Svg.escape(name)).append("</th><td>").append(Svg.escape(value))
            .append("</td></tr>\n");
    }
}
