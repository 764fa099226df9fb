package dev.sluice.perf.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmhPassTest
{
    @Test
    void standardPassIsOneShortForkPerStageBenchmarkWithItsJsonInTheOutDir()
    {
        final Options options = JmhPass.options(Path.of("/tmp/out"), false);

        assertEquals(1, options.getForkCount().get());
        assertEquals(1, options.getWarmupIterations().get());
        assertEquals(2, options.getMeasurementIterations().get());
        assertEquals(TimeValue.seconds(1), options.getMeasurementTime().get());
        assertEquals("/tmp/out/jmh.json", options.getResult().get());
        assertEquals(ResultFormatType.JSON, options.getResultFormat().get());
        assertEquals("/tmp/out/jmh.log", options.getOutput().get());
        assertTrue(options.getJvmArgsAppend().get().containsAll(JmhPass.FORK_JVM_ARGS));
        assertEquals(List.of("10000"), List.copyOf(options.getParameter("services").get()));
        assertTrue(JmhPass.estimate(false).compareTo(Duration.ofMinutes(4)) <= 0);
    }

    @Test
    void theIncludesSelectTheIntendedBenchmarksOfThisModule()
    {
        // The annotation processor's list of this module's benchmarks, filtered as the Runner filters it.
        final List<String> standard = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), JmhPass.STANDARD_INCLUDES,
                List.of()).stream().map(BenchmarkListEntry::getUsername).sorted().toList();
        assertEquals(List.of(
            "dev.sluice.perf.jmh.ConntrackBenchmark.trackEstablishedVectorTouched",
            "dev.sluice.perf.jmh.GeneveBenchmark.encap",
            "dev.sluice.perf.jmh.ParseBenchmark.parse",
            "dev.sluice.perf.jmh.PipelineBenchmark.established",
            "dev.sluice.perf.jmh.PipelineBenchmark.newFlows",
            "dev.sluice.perf.jmh.PolicyLookupBenchmark.ipcacheEgressIngress",
            "dev.sluice.perf.jmh.ServiceBenchmark.lookupSelectDnat",
            "dev.sluice.perf.jmh.TunnelStageBenchmark.decapParse",
            "dev.sluice.perf.jmh.TunnelStageBenchmark.encap"), standard);
        final List<String> quick = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), JmhPass.QUICK_INCLUDES,
                List.of()).stream().map(BenchmarkListEntry::getUsername).toList();
        assertEquals(List.of("dev.sluice.perf.jmh.ParseBenchmark.parse"), quick);
    }
}
