package dev.sluice.control.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.control.logging.LoggingFixtures;
import dev.sluice.control.logging.PolicyActionLogger;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * The text exposition format 0.0.4 exactly, registration errors, histogram buckets, and the components'
 * registrations reading their live counters.
 */
class MetricsRegistryTest
{
    @Test
    void rendersFamiliesInRegistrationOrderWithHelpTypeAndEscapedLabels()
    {
        final MetricsRegistry registry = new MetricsRegistry();
        final AtomicLong value = new AtomicLong(41);
        registry.counter("demo_total", "A demo counter.\nSecond line \\ backslash.", Labels.of("a", "x\"y", "b", "p\\q\nr"),
            value::get);
        registry.gauge("demo_gauge", "A gauge.", Labels.NONE, () -> -3);
        registry.gaugeDouble("demo_ratio", "A ratio.", Labels.of("k", "v"), () -> 0.25);
        value.incrementAndGet();
        assertEquals("""
            # HELP sluice_metrics_scrape_errors_total Series left out of a scrape because reading them failed.
            # TYPE sluice_metrics_scrape_errors_total counter
            sluice_metrics_scrape_errors_total 0
            # HELP demo_total A demo counter.\\nSecond line \\\\ backslash.
            # TYPE demo_total counter
            demo_total{a="x\\"y",b="p\\\\q\\nr"} 42
            # HELP demo_gauge A gauge.
            # TYPE demo_gauge gauge
            demo_gauge -3
            # HELP demo_ratio A ratio.
            # TYPE demo_ratio gauge
            demo_ratio{k="v"} 0.25
            """, registry.scrape());
    }

    @Test
    void rejectsBadNamesDuplicatesAndTypeConflicts()
    {
        final MetricsRegistry registry = new MetricsRegistry();
        registry.counter("x_total", "x", Labels.of("w", "0"), () -> 0);
        assertEquals("metric x_total{w=\"0\"} is already registered", assertThrows(IllegalArgumentException.class,
            () -> registry.counter("x_total", "x", Labels.of("w", "0"), () -> 1)).getMessage());
        assertEquals("metric x_total is a counter, not a gauge", assertThrows(IllegalArgumentException.class,
            () -> registry.gauge("x_total", "x", Labels.of("w", "1"), () -> 1)).getMessage());
        assertEquals("bad metric name: 9lives", assertThrows(IllegalArgumentException.class,
            () -> registry.gauge("9lives", "x", Labels.NONE, () -> 1)).getMessage());
        assertEquals("bad label name: __name", assertThrows(IllegalArgumentException.class,
            () -> Labels.of("__name", "v")).getMessage());
        assertEquals("bad label name: le", assertThrows(IllegalArgumentException.class,
            () -> Labels.of("le", "1")).getMessage());
        assertEquals("duplicate label name: a", assertThrows(IllegalArgumentException.class,
            () -> Labels.of("a", "1", "a", "2")).getMessage());
        assertTrue(registry.remove("x_total", Labels.of("w", "0")));
        assertEquals("", registry.scrape().lines().filter(l -> l.startsWith("x_total")).findAny().orElse(""));
    }

    @Test
    void aSeriesThatThrowsIsLeftOutAndCounted()
    {
        final MetricsRegistry registry = new MetricsRegistry();
        registry.gauge("flaky", "flaky", Labels.of("n", "1"), () ->
        {
            throw new IllegalStateException("table closed");
        });
        registry.gauge("flaky", "flaky", Labels.of("n", "2"), () -> 7);
        final String first = registry.scrape();
        assertTrue(first.contains("flaky{n=\"2\"} 7\n"));
        assertTrue(!first.contains("flaky{n=\"1\"}"));
        assertTrue(registry.scrape().contains("sluice_metrics_scrape_errors_total 1\n"));
    }

    @Test
    void histogramBucketsAreCumulativeWithSumAndCount()
    {
        final MetricsRegistry registry = new MetricsRegistry();
        final LatencyHistogram histogram = new LatencyHistogram(0.001, 0.01, 0.1);
        registry.histogram("apply_latency_seconds", "Apply latency.", Labels.of("kind", "policy"), histogram);
        histogram.recordNs(500_000);      // 0.5 ms
        histogram.recordNs(2_000_000);    // 2 ms
        histogram.recordNs(3_000_000);    // 3 ms
        histogram.recordNs(50_000_000);   // 50 ms
        histogram.recordNs(2_000_000_000L); // 2 s
        final List<String> lines = registry.scrape().lines().filter(l -> l.startsWith("apply_latency")).toList();
        assertEquals(List.of(
            "apply_latency_seconds_bucket{kind=\"policy\",le=\"0.001\"} 1",
            "apply_latency_seconds_bucket{kind=\"policy\",le=\"0.01\"} 3",
            "apply_latency_seconds_bucket{kind=\"policy\",le=\"0.1\"} 4",
            "apply_latency_seconds_bucket{kind=\"policy\",le=\"+Inf\"} 5",
            "apply_latency_seconds_sum{kind=\"policy\"} 2.0555",
            "apply_latency_seconds_count{kind=\"policy\"} 5"), lines);
        histogram.recordNs(700_000);
        assertTrue(registry.scrape().contains("apply_latency_seconds_bucket{kind=\"policy\",le=\"0.001\"} 2\n"),
            "a later scrape includes earlier intervals (cumulative)");
        assertEquals(2_000_000, histogram.snapshot().p50Ns(), 2_000_000 / 500.0);
    }

    private static final class CountingStage implements Stage
    {
        private final String name;

        CountingStage(final String name)
        {
            this.name = name;
        }

        @Override
        public void process(final PacketVector vector)
        {
        }

        @Override
        public String name()
        {
            return name;
        }
    }

    @Test
    void componentRegistrationsReadTheLiveCounters() throws Exception
    {
        final MetricsRegistry registry = new MetricsRegistry();
        final Pipeline pipeline = new Pipeline(List.of(new CountingStage("parse"), new CountingStage("policy")));
        final PacketVector vector = new PacketVector(64);
        pipeline.process(vector);
        pipeline.process(vector);
        SluiceMetrics.pipeline(registry, 0, pipeline);
        final Counters drops = new Counters(DropReason.MAX_CODES);
        drops.addRelease(DropReason.IPV4_BAD_CHECKSUM.code(), 3);
        SluiceMetrics.drops(registry, 0, drops);
        final VerdictEvents events = new VerdictEvents(8);
        SluiceMetrics.verdictEvents(registry, events);
        final PolicyActionLogger logger = new PolicyActionLogger(events,
            new PolicyActionLogger.Settings("n", null, 1, 0, 1, 1, 10), LoggingFixtures.metadata(),
            System::nanoTime, System::currentTimeMillis, null);
        logger.config(new dev.sluice.control.logging.NetworkLoggingConfig(true, false, false, false));
        SluiceMetrics.policyLog(registry, logger);
        for (int i = 0; i < 3; i++)
        {
            LoggingFixtures.allowNew(events, VerdictEvent.DIRECTION_INGRESS, LoggingFixtures.CLIENT, 1000 + i,
                LoggingFixtures.WEB, 80, 7);
        }
        logger.doWork();
        for (int i = 0; i < 9; i++) // the logger consumed 3 and gates the ring of 8: 8 more fit, the 9th is dropped
        {
            final long seq = events.tryClaim();
            if (seq >= 0)
            {
                events.publish(seq);
            }
        }
        final String text = registry.scrape();
        assertTrue(text.contains("sluice_stage_calls_total{worker=\"0\",stage=\"parse\"} 2\n"), text);
        assertTrue(text.contains("sluice_stage_packets_total{worker=\"0\",stage=\"policy\"} 0\n"), text);
        assertTrue(text.contains("# TYPE sluice_stage_nanoseconds_total counter\n"), text);
        assertTrue(text.contains("sluice_drops_total{worker=\"0\",reason=\"IPV4_BAD_CHECKSUM\",code=\"11\"} 3\n"), text);
        assertTrue(text.contains("sluice_drops_total{worker=\"0\",reason=\"FRAME_EMPTY\",code=\"1\"} 0\n"), text);
        assertEquals(DropReason.values().length, text.lines().filter(l -> l.startsWith("sluice_drops_total{")).count());
        assertTrue(text.contains("sluice_verdict_events_total{result=\"published\"} 11\n"), text);
        assertTrue(text.contains("sluice_verdict_events_total{result=\"dropped\"} 1\n"), text);
        assertTrue(text.contains("sluice_policy_log_records_total{disposition=\"allow\"} 1\n"), text);
        assertTrue(text.contains("sluice_policy_log_suppressed_total{disposition=\"allow\"} 2\n"), text);
        assertTrue(text.contains("sluice_policy_log_suppressed_total{disposition=\"deny\"} 0\n"), text);
        logger.close();
    }
}
