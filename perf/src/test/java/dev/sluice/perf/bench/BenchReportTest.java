package dev.sluice.perf.bench;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import dev.sluice.perf.bench.Measurement.Flows;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchReportTest
{
    static final double REFERENCE_PPS = 800_000;
    static final long HALF = BenchPlan.rateFor(REFERENCE_PPS, 0.5);

    @TempDir
    Path out;

    static ScenarioResult result(
        final String id, final String group, final int frame, final Flows flows, final long rate,
        final double receivedPps, final Histogram latency)
    {
        final double seconds = 2.0;
        final long received = Math.round(receivedPps * seconds);
        return new ScenarioResult(id, id + " title", group, BenchPlan.servicesOf(id),
            new Measurement(frame, flows, rate, Duration.ofSeconds(2)), received + received / 100, received, seconds,
            group.equals("kernel") ? 900.0 : 120.0, latency);
    }

    /** 10,000 samples: 98 % at baseUs, 1 % at 5 x baseUs, 1 % at 20 x baseUs (p99 = 5 x baseUs). */
    static Histogram latency(final long baseUs)
    {
        final Histogram h = new Histogram(3_600_000_000_000L, 3);
        h.recordValueWithCount(baseUs * 1000, 9800);
        h.recordValueWithCount(baseUs * 5000, 100);
        h.recordValueWithCount(baseUs * 20_000, 100);
        return h;
    }

    static BenchRun syntheticRun()
    {
        final List<ScenarioResult> results = new ArrayList<>();
        results.add(result("kernel-nft-1", "kernel", 64, Flows.ESTABLISHED, 0, REFERENCE_PPS, null));
        results.add(result("kernel-nft-1", "kernel", 64, Flows.ESTABLISHED, HALF, HALF, latency(20)));
        results.add(result("kernel-forward", "kernel", 64, Flows.ESTABLISHED, 0, 1_000_000, null));
        results.add(result("kernel-nft-10000", "kernel", 64, Flows.NEW, 0, 10_000, null));
        results.add(result("kernel-ipt-10000", "kernel", 64, Flows.NEW, 0, 5_000, null));
        results.add(result("kernel-nft-1", "kernel", 64, Flows.NEW, 0, 200_000, null));
        results.add(result("sluice-svc-xnode-1", "sluice", 64, Flows.ESTABLISHED, 0, 900_000, null));
        results.add(result("sluice-svc-xnode-1", "sluice", 64, Flows.ESTABLISHED, HALF, HALF, latency(10)));
        results.add(result("sluice-svc-xnode-1", "sluice", 64, Flows.NEW, 0, 1_600_000, null));
        results.add(result("sluice-svc-xnode-10000", "sluice", 64, Flows.NEW, 0, 1_500_000, null));
        results.add(result("sluice-pod-local", "sluice", 1400, Flows.ESTABLISHED, 0, 400_000, null));
        final JmhPass.Summary jmh = new JmhPass.Summary("2 scores in 30 s", Path.of("jmh.json"), List.of(
            new JmhPass.Row("ParseBenchmark.parse", Map.of("size", "64"), 31.5, 2.25, "ns/op"),
            new JmhPass.Row("ServiceBenchmark.lookupSelectDnat", Map.of("services", "10000"), 215.0, 40.0, "ns/op")));
        return new BenchRun(Instant.parse("2026-11-25T12:00:00Z"), Instant.parse("2026-11-25T12:07:30Z"),
            Duration.ofMinutes(10), Duration.ofSeconds(420), "kernel-nft-1", REFERENCE_PPS, results,
            List.of(new BenchRun.Problem("ceiling-c-afxdp", "open", "IOException: xsk_fwd <missing> & gone")),
            List.of(new BenchPlan.Skip("kernel-ipt-1", "1400B established unpaced", "over the time budget: test")),
            jmh);
    }

    static BenchEnvironment environment()
    {
        return new BenchEnvironment("6.18.0", "AMD EPYC test", 2, "0.50 0.40 0.30", "1.50 0.90 0.40", "abc123",
            "OpenJDK 25", Instant.parse("2026-11-25T12:00:00Z"));
    }

    @Test
    void ratiosOfTheIssueAreComputedAndJudged() throws Exception
    {
        BenchReport.write(out, syntheticRun(), environment());
        final JsonNode root = JsonMapper.builder().build().readTree(Files.readString(out.resolve("summary.json")));

        final Map<String, JsonNode> ratios = new java.util.HashMap<>();
        root.get("ratios").forEach(r -> ratios.put(r.get("name").asString(), r));
        assertEquals(150.0, ratios.get("new-flows-10k-vs-nft").get("value").asDouble(), 1e-9);
        assertTrue(ratios.get("new-flows-10k-vs-nft").get("met").asBoolean());
        assertEquals(300.0, ratios.get("new-flows-10k-vs-ipt").get("value").asDouble(), 1e-9);
        assertTrue(ratios.get("new-flows-10k-vs-ipt").get("met").asBoolean());
        assertEquals(0.9, ratios.get("established-vs-ip-forward").get("value").asDouble(), 1e-9);
        assertFalse(ratios.get("established-vs-ip-forward").get("met").asBoolean());
        assertEquals("not met", ratios.get("established-vs-ip-forward").get("status").asString());
        // p99: 50 us (sluice, 5 x 10) over 100 us (kernel-nft-1, 5 x 20), both at half the reference rate.
        final JsonNode p99 = ratios.get("p99-at-half-reference");
        assertEquals(0.5, p99.get("value").asDouble(), 0.01);
        assertEquals(50.0, p99.get("numerator").asDouble(), 0.1);
        assertEquals(100.0, p99.get("denominator").asDouble(), 0.1);
        assertTrue(p99.get("met").asBoolean());
        assertEquals("<= 1", p99.get("goal").asString());
        // The C ceiling failed to open: no value, no verdict, the reason.
        final JsonNode ceiling = ratios.get("svc-xnode-vs-c-afxdp");
        assertTrue(ceiling.get("value").isNull());
        assertTrue(ceiling.get("met").isNull());
        assertEquals("not measured", ceiling.get("status").asString());
        assertTrue(ceiling.get("note").asString().contains("ceiling-c-afxdp"));
        assertEquals(1_500_000.0 / 1_600_000.0, ratios.get("new-flows-10k-vs-1").get("value").asDouble(), 1e-9);
        assertEquals("context", ratios.get("new-flows-10k-vs-1").get("status").asString());

        final JsonNode env = root.get("environment");
        assertEquals("AMD EPYC test", env.get("cpuModel").asString());
        assertEquals(2, env.get("vcpus").asInt());
        assertEquals("0.50 0.40 0.30", env.get("loadAverageBefore").asString());
        assertEquals("1.50 0.90 0.40", env.get("loadAverageAfter").asString());
        assertEquals("abc123", env.get("gitCommit").asString());
        assertEquals("6.18.0", env.get("kernel").asString());
        assertEquals(REFERENCE_PPS, root.get("run").get("referencePps").asDouble());
        assertEquals(450.0, root.get("run").get("seconds").asDouble());

        assertEquals(11, root.get("scenarios").size());
        final JsonNode sluiceLatency = root.get("scenarios").get(7);
        assertEquals("sluice-svc-xnode-1", sluiceLatency.get("topology").asString());
        assertEquals(HALF, sluiceLatency.get("ratePps").asLong());
        assertEquals(10.0, sluiceLatency.get("latencyUs").get("p50").asDouble(), 0.01);
        assertEquals(50.0, sluiceLatency.get("latencyUs").get("p99").asDouble(), 0.05);
        assertEquals(200.0, sluiceLatency.get("latencyUs").get("p99_9").asDouble(), 0.2);
        assertEquals(200.0, sluiceLatency.get("latencyUs").get("max").asDouble(), 0.2);
        assertEquals(10_000, sluiceLatency.get("latencyUs").get("count").asLong());
        assertEquals(120.0, sluiceLatency.get("cpuNsPerPacket").asDouble());
        assertEquals(1.0 - 1.0 / 1.01, sluiceLatency.get("loss").asDouble(), 1e-3);
        assertEquals("hgrm/sluice-svc-xnode-1-64-established-" + HALF + ".hgrm",
            sluiceLatency.get("hgrm").asString());
        assertTrue(root.get("scenarios").get(0).get("latencyUs").isNull());

        assertEquals("ceiling-c-afxdp", root.get("errors").get(0).get("topology").asString());
        assertEquals("over the time budget: test", root.get("skipped").get(0).get("reason").asString());
        assertEquals(2, root.get("jmh").get("results").size());
        assertEquals(31.5, root.get("jmh").get("results").get(0).get("score").asDouble());
    }

    @Test
    void everyLatencyScenarioGetsAPercentileFileInMicroseconds() throws Exception
    {
        final BenchRun run = syntheticRun();
        BenchReport.write(out, run, environment());

        try (var files = Files.list(out.resolve("hgrm")))
        {
            assertEquals(List.of("kernel-nft-1-64-established-400000.hgrm",
                "sluice-svc-xnode-1-64-established-400000.hgrm"), files.map(p -> p.getFileName().toString()).sorted()
                .toList());
        }
        final Histogram source = run.results().get(7).latencyNs();
        final List<String> lines = Files.readAllLines(out.resolve("hgrm/sluice-svc-xnode-1-64-established-400000"
            + ".hgrm"));
        assertTrue(lines.getFirst().trim().startsWith("Value"), lines.getFirst());
        // Rows: value (us), percentile tick (0..1), cumulative count, 1/(1-p). p99 is the value of the first row
        // whose cumulative count reaches 99 % of the samples.
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        long lastCount = 0;
        for (final String line : lines)
        {
            final String[] f = line.trim().split("\\s+");
            if (f.length < 3 || line.startsWith("#") || !Character.isDigit(f[0].charAt(0)))
            {
                continue;
            }
            final double value = Double.parseDouble(f[0]);
            final double percentile = Double.parseDouble(f[1]);
            final long count = Long.parseLong(f[2]);
            assertTrue(count >= lastCount, "counts never go down");
            lastCount = count;
            assertTrue(percentile >= 0 && percentile <= 1, line);
            if (Double.isNaN(p50) && count >= 5_000)
            {
                p50 = value;
            }
            if (Double.isNaN(p99) && count >= 9_900)
            {
                p99 = value;
            }
        }
        assertEquals(10_000, lastCount);
        assertEquals(source.getValueAtPercentile(50) / 1000.0, p50, 0.01);
        assertEquals(source.getValueAtPercentile(99) / 1000.0, p99, 0.05);
        final String footer = lines.stream().filter(l -> l.startsWith("#[Max")).findFirst().orElseThrow();
        final Matcher max = Pattern.compile("Max\\s*=\\s*([0-9.]+), Total count\\s*=\\s*([0-9]+)").matcher(footer);
        assertTrue(max.find(), footer);
        assertEquals(source.getMaxValue() / 1000.0, Double.parseDouble(max.group(1)), 0.01);
        assertEquals(10_000, Long.parseLong(max.group(2)));
    }

    @Test
    void htmlIsSelfContainedWithWellFormedInlineSvgPlots() throws Exception
    {
        final Path html = BenchReport.write(out, syntheticRun(), environment());
        final String page = Files.readString(html);

        assertFalse(page.contains("<script"), "no JavaScript");
        assertFalse(page.replace("http://www.w3.org/2000/svg", "").contains("http"), "no external resources");
        final Matcher svg = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(page);
        int charts = 0;
        while (svg.find())
        {
            parseXml(svg.group());
            charts++;
        }
        // 5 latency fractions + 3 throughput charts + 2 cost charts.
        assertEquals(10, charts);
        // Latency at 0.5: both curves, the kernel dashed.
        assertTrue(page.contains("<title>kernel-nft-1 (loss 0.99 %)</title>"), "kernel curve");
        assertTrue(page.contains("<title>sluice-svc-xnode-1 (loss 0.99 %)</title>"), "sluice curve");
        assertTrue(page.contains("99.9%"), "percentile axis labels");
        // Goals, judged.
        assertTrue(page.contains("class=\"met\">met<"));
        assertTrue(page.contains("class=\"notmet\">not met<"));
        assertTrue(page.contains("class=\"nm\">not measured<"));
        // The failed topology is a red annotation in the throughput chart, its message escaped.
        assertTrue(page.contains("error (open): IOException: xsk_fwd &lt;missing&gt; &amp; gone"), "error bar");
        assertTrue(page.contains("over the time budget: test"));
        assertTrue(page.contains("ServiceBenchmark.lookupSelectDnat") && page.contains("215.0"), "JMH table");
        assertTrue(page.contains("AMD EPYC test") && page.contains("1.50 0.90 0.40"), "environment");
        assertTrue(page.contains("href=\"hgrm/kernel-nft-1-64-established-400000.hgrm\""));

        final String standalone = Files.readString(out.resolve("latency.svg"));
        assertNotNull(parseXml(standalone));
        assertTrue(standalone.contains("sluice-svc-xnode-1") && standalone.contains("at 0.50 of the reference"));
    }

    @Test
    void markdownHasTheGoalsAndEveryScenario() throws Exception
    {
        BenchReport.write(out, syntheticRun(), environment());
        final String md = Files.readString(out.resolve("summary.md"));

        assertTrue(md.contains("| new-flows-10k-vs-nft |"), md);
        assertTrue(md.contains("| 150.00 | >= 100 | met |"), md);
        assertTrue(md.contains("| 0.90 | >= 1 | not met |"), md);
        assertEquals(11, md.lines().filter(l -> l.matches("\\| (kernel|sluice)-[a-z0-9-]+ \\| \\d+ \\|.*")).count(),
            md);
        assertTrue(md.contains("| sluice-svc-xnode-1 | 64 | established | 400k pps | 0.400 | 0.99 % | 120 | 10.0 | "
            + "50.0 | 200.1 | 200.1 |"), md);
        assertTrue(md.contains("- ceiling-c-afxdp open: IOException"), md);
        assertTrue(md.contains("2 vCPUs (AMD EPYC test)"), md);
    }

    @Test
    void anEmptyRunStillWritesAReadableReport() throws Exception
    {
        final BenchRun empty = new BenchRun(Instant.now(), Instant.now(), Duration.ofMinutes(1), Duration.ZERO, null,
            Double.NaN, List.of(), List.of(), List.of(), JmhPass.Summary.notRun("JMH skipped: --skip-jmh"));
        final String page = Files.readString(BenchReport.write(out, empty, environment()));

        assertTrue(page.contains("no data in this run"));
        assertTrue(page.contains("Reference rate: not measured"));
        assertTrue(BenchReport.ratios(empty).stream().allMatch(r -> r.status().equals("not measured")));
        final JsonNode root = JsonMapper.builder().build().readTree(Files.readString(out.resolve("summary.json")));
        assertTrue(root.get("run").get("referencePps").isNull());
        assertFalse(Files.exists(out.resolve("hgrm")));
    }

    private static org.w3c.dom.Document parseXml(final String xml) throws Exception
    {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
