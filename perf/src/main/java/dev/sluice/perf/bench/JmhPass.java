package dev.sluice.perf.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * A short pass over the stage benchmarks of {@code dev.sluice.perf.jmh} through the JMH Runner API, one forked JVM
 * per benchmark and parameter set, the JSON result kept as {@code jmh.json} and the log as {@code jmh.log} in the
 * output directory.
 * <p>
 * Each benchmark is pinned to the parameters the report needs (vector 64, IPv4 underlay, 64 B inner frames,
 * 100 and 10000 Services with Maglev M=1021, 1M conntrack entries), one fork, one 1 s warm-up iteration and two 1 s
 * measured iterations (too few for JMH to give an error bar: the report shows n/a) ({@link #estimate(boolean)} is what that costs on 2 vCPUs, fork start and setup included:
 * conntrack and the pipeline fill a million-entry table, the pipeline also compiles a 10k-pod policy cluster).
 * The quick pass (a smoke test of the machinery, not a measurement) runs only {@code ParseBenchmark}, one 500 ms
 * warm-up and one 500 ms iteration.
 */
public final class JmhPass
{
    /** Benchmarks of the standard pass: anchored regular expressions over the full benchmark names. */
    public static final List<String> STANDARD_INCLUDES = List.of(
        "\\.ParseBenchmark\\.parse$",
        "\\.GeneveBenchmark\\.encap$",
        "\\.TunnelStageBenchmark\\.(decapParse|encap)$",
        "\\.PolicyLookupBenchmark\\.ipcacheEgressIngress$",
        "\\.ServiceBenchmark\\.lookupSelectDnat$",
        "\\.ConntrackBenchmark\\.trackEstablishedVectorTouched$",
        "\\.PipelineBenchmark\\.(established|newFlows)$");

    /** Benchmarks of the quick pass. */
    public static final List<String> QUICK_INCLUDES = List.of("\\.ParseBenchmark\\.parse$");

    /** Parameters pinned for every benchmark that declares them (JMH ignores the others). */
    public static final Map<String, String[]> PARAMS = Map.of(
        "size", new String[] {"64"},
        "traffic", new String[] {"IPV4_TCP"},
        "underlay", new String[] {"ipv4"},
        "innerLength", new String[] {"64"},
        "services", new String[] {"10000"},
        "maglevSize", new String[] {"1021"},
        "liveEntries", new String[] {"1000000"},
        "flows", new String[] {"8192"});

    /** JVM options every fork needs (Agrona reaches jdk.internal.misc; FFM native access). */
    public static final List<String> FORK_JVM_ARGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED");

    /**
     * One benchmark score.
     *
     * @param benchmark the benchmark method, e.g. {@code ParseBenchmark.parse}
     * @param params    its parameters
     * @param score     the mean score
     * @param error     the 99.9 % error half-width (NaN with fewer than two iterations)
     * @param unit      the score unit, e.g. {@code ns/op}
     */
    public record Row(String benchmark, Map<String, String> params, double score, double error, String unit)
    {
        /**
         * Copies the parameters.
         */
        public Row
        {
            Objects.requireNonNull(benchmark, "benchmark");
            params = new LinkedHashMap<>(params);
            Objects.requireNonNull(unit, "unit");
        }

        /**
         * The parameters as {@code k=v, k=v}.
         *
         * @return the text ("" without parameters).
         */
        public String paramsText()
        {
            final StringBuilder text = new StringBuilder();
            params.forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(k).append('=').append(v));
            return text.toString();
        }
    }

    /**
     * What the pass produced.
     *
     * @param status   one line: what ran and how long it took, or why it did not run
     * @param jsonFile the JMH JSON result (null when it did not run)
     * @param rows     the scores
     */
    public record Summary(String status, Path jsonFile, List<Row> rows)
    {
        /**
         * Copies the rows.
         */
        public Summary
        {
            Objects.requireNonNull(status, "status");
            rows = List.copyOf(rows);
        }

        /**
         * A pass that did not run.
         *
         * @param reason why
         * @return the summary.
         */
        public static Summary notRun(final String reason)
        {
            return new Summary(reason, null, List.of());
        }
    }

    private JmhPass()
    {
    }

    /**
     * The wall time the pass is expected to take on 2 vCPUs.
     *
     * @param quick the quick pass
     * @return the estimate.
     */
    public static Duration estimate(final boolean quick)
    {
        // Standard: 10 forks. Measured 2026-11-25 with 12 forks (also Conntrack lookupHit and Geneve decap) at load
        // average 12-15 on 2 vCPUs: 175 s, of which the two pipeline forks took ~35 s each (cluster compile and
        // table fill in setup); ~5 s per other fork (JVM start + 3 s of iterations). Quick: one fork, 20 s at load 15 (JVM start dominates).
        // Re-measured 12:38-12:44 UTC at load 6-7 inside a full ./sluice bench: 336 s with the pipeline at two service
        // counts (4 pipeline forks); the pass now pins services=10000 only (cost vs services is the traffic runs' job).
        return quick ? Duration.ofSeconds(20) : Duration.ofSeconds(210);
    }

    /**
     * The JMH options of the pass.
     *
     * @param outDir where {@code jmh.json} and {@code jmh.log} go
     * @param quick  the quick pass
     * @return the options.
     */
    public static Options options(final Path outDir, final boolean quick)
    {
        final ChainedOptionsBuilder builder = new OptionsBuilder()
            .forks(1)
            .warmupIterations(1)
            .warmupTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1))
            .measurementIterations(quick ? 1 : 2)
            .measurementTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1))
            .jvmArgsAppend(FORK_JVM_ARGS.toArray(String[]::new))
            .shouldFailOnError(false)
            .result(outDir.resolve("jmh.json").toString())
            .resultFormat(ResultFormatType.JSON)
            .output(outDir.resolve("jmh.log").toString());
        (quick ? QUICK_INCLUDES : STANDARD_INCLUDES).forEach(builder::include);
        PARAMS.forEach(builder::param);
        return builder.build();
    }

    /**
     * Runs the pass (blocking; forks JVMs on the class path of this one).
     *
     * @param outDir the output directory
     * @param quick  the quick pass
     * @return the summary; a pass that could not run says why (e.g. another JMH run holds the lock).
     */
    public static Summary run(final Path outDir, final boolean quick)
    {
        final long startNs = System.nanoTime();
        try
        {
            final Collection<RunResult> results = new Runner(options(outDir, quick)).run();
            final List<Row> rows = rows(results);
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            return new Summary(String.format(java.util.Locale.ROOT, "%d scores in %.0f s (%s pass; log: jmh.log)",
                rows.size(), seconds, quick ? "quick" : "standard"), outDir.resolve("jmh.json"), rows);
        }
        catch (final Exception | LinkageError ex)
        {
            return Summary.notRun("JMH did not run: " + ex.getMessage());
        }
    }

    /**
     * Converts JMH results into rows (benchmark names without the package).
     *
     * @param results the results
     * @return the rows, in JMH's order.
     */
    static List<Row> rows(final Collection<RunResult> results)
    {
        final List<Row> rows = new ArrayList<>();
        for (final RunResult result : results)
        {
            final String full = result.getParams().getBenchmark();
            final String[] parts = full.split("\\.");
            final String name = parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : full;
            final Map<String, String> params = new LinkedHashMap<>();
            for (final String key : result.getParams().getParamsKeys())
            {
                params.put(key, result.getParams().getParam(key));
            }
            final var primary = result.getPrimaryResult();
            rows.add(new Row(name, params, primary.getScore(), primary.getScoreError(), primary.getScoreUnit()));
        }
        return rows;
    }
}
