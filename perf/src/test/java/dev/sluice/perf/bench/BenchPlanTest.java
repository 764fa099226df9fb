package dev.sluice.perf.bench;

import java.time.Duration;
import java.util.List;

import dev.sluice.perf.bench.BenchPlan.Kind;
import dev.sluice.perf.bench.BenchPlan.Step;
import dev.sluice.perf.bench.Measurement.Flows;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchPlanTest
{
    static final List<String> STANDARD_IDS = List.of(
        "kernel-forward", "kernel-nft-1", "kernel-nft-1000", "kernel-nft-10000", "kernel-ipt-1", "kernel-ipt-1000",
        "kernel-ipt-10000", "ceiling-xdp-redirect", "ceiling-c-afxdp", "sluice-svc-xnode-1",
        "sluice-svc-xnode-1000", "sluice-svc-xnode-10000", "sluice-pod-local");

    /** Costs of nothing but the measured time and a 10 s JMH pass: estimates are then easy to add up. */
    static final BenchPlan.Costs ONLY_STEPS = new BenchPlan.Costs(Duration.ZERO, Duration.ZERO, Duration.ZERO,
        Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO);

    private static List<Step> stepsOf(final BenchPlan plan, final String id)
    {
        return plan.topologies().stream().filter(t -> t.topologyId().equals(id)).findFirst().orElseThrow().steps();
    }

    @Test
    void standardRunPlansEveryMeasurementOfTheIssueWithinTenMinutes()
    {
        final BenchPlan plan = BenchPlan.build(STANDARD_IDS,
            BenchPlan.Settings.standard(Duration.ofMinutes(10), true));

        assertEquals("kernel-nft-1", plan.referenceId());
        assertEquals("kernel-nft-1", plan.topologies().getFirst().topologyId(), "the reference is measured first");
        final Step first = plan.steps().getFirst();
        assertEquals(Kind.THROUGHPUT, first.kind());
        assertEquals(0, first.priority());
        assertTrue(plan.skipped().isEmpty(), () -> "nothing skipped: " + plan.skipped());
        assertTrue(plan.jmh());
        assertTrue(plan.estimate().compareTo(Duration.ofMinutes(10)) <= 0, () -> "estimate " + plan.estimate());
        assertEquals(13, plan.topologies().size());

        // kernel-nft-1: 64 B established, 64 B new, 1400 B established, 5 latency rates.
        final List<Step> nft1 = stepsOf(plan, "kernel-nft-1");
        assertEquals(List.of(Kind.THROUGHPUT, Kind.NEW_FLOWS, Kind.LARGE_FRAMES, Kind.LATENCY, Kind.LATENCY,
            Kind.LATENCY, Kind.LATENCY, Kind.LATENCY), nft1.stream().map(Step::kind).toList());
        assertEquals(List.of(0.1, 0.25, 0.5, 0.75, 0.9), nft1.stream().filter(Step::paced)
            .map(Step::rateFraction).toList());
        assertEquals(1400, nft1.get(2).frameBytes());
        assertEquals(Flows.NEW, nft1.get(1).flows());

        // Ceilings: no new-flow run (they have no flow state), 1400 B yes, no latency sweep.
        assertEquals(List.of(Kind.THROUGHPUT, Kind.LARGE_FRAMES),
            stepsOf(plan, "ceiling-c-afxdp").stream().map(Step::kind).toList());
        // 10k-service topologies: throughput and new flows only.
        assertEquals(List.of(Kind.THROUGHPUT, Kind.NEW_FLOWS),
            stepsOf(plan, "kernel-ipt-10000").stream().map(Step::kind).toList());
        assertEquals(List.of(Kind.THROUGHPUT, Kind.NEW_FLOWS),
            stepsOf(plan, "sluice-svc-xnode-10000").stream().map(Step::kind).toList());
        // Latency sweeps on exactly the five topologies of the issue.
        assertEquals(25, plan.steps().stream().filter(Step::paced).count());
        assertEquals(BenchPlan.LATENCY_IDS, plan.steps().stream().filter(Step::paced).map(Step::topologyId)
            .collect(java.util.stream.Collectors.toSet()));
        assertEquals(Duration.ofSeconds(3), first.duration());
        assertEquals(Duration.ofSeconds(2), nft1.get(3).duration());
        assertTrue(plan.describe().contains("of a 600 s budget"), plan.describe());
    }

    @Test
    void referenceFallsBackToKernelForwardWithoutKernelNft1()
    {
        final BenchPlan plan = BenchPlan.build(List.of("sluice-pod-local", "kernel-ipt-1", "kernel-forward"),
            BenchPlan.Settings.standard(Duration.ofMinutes(10), false));

        assertEquals("kernel-forward", plan.referenceId());
        assertEquals(List.of("kernel-forward", "sluice-pod-local", "kernel-ipt-1"),
            plan.topologies().stream().map(BenchPlan.TopologyPlan::topologyId).toList());
        assertEquals(0, stepsOf(plan, "kernel-forward").getFirst().priority());
        assertEquals(1, stepsOf(plan, "sluice-pod-local").getFirst().priority());
        assertEquals(15, plan.steps().stream().filter(Step::paced).count());
    }

    @Test
    void withoutAReferenceTopologyTheLatencySweepsAreSkippedWithTheReason()
    {
        final BenchPlan plan = BenchPlan.build(List.of("sluice-svc-xnode-1", "ceiling-c-afxdp"),
            BenchPlan.Settings.standard(Duration.ofMinutes(10), false));

        assertNull(plan.referenceId());
        assertTrue(plan.steps().stream().noneMatch(Step::paced));
        assertEquals(5, plan.skipped().size());
        assertTrue(plan.skipped().stream().allMatch(s -> s.topologyId().equals("sluice-svc-xnode-1")
            && s.reason().contains("no reference topology (kernel-nft-1 or kernel-forward)")), plan.skipped()::toString);
        assertTrue(plan.describe().contains("(none: no latency sweeps)"));
    }

    @Test
    void overBudgetDropsTheLowestPriorityFirstAndTheLatestPlannedAmongEquals()
    {
        // Per topology: 3 + 3 + 3 (established, new, 1400 B) + 5 x 2 (latency) = 19 s; two topologies + JMH 10 s.
        final List<String> ids = List.of("kernel-nft-1", "sluice-svc-xnode-1");
        final BenchPlan full = BenchPlan.build(ids, BenchPlan.Settings.standard(Duration.ofSeconds(48), true),
            ONLY_STEPS);
        assertEquals(Duration.ofSeconds(48), full.estimate());
        assertTrue(full.skipped().isEmpty());

        // 30 s: drop latency 0.1/0.9 (8 s) and 0.25/0.75 (8 s), then sluice's 1400 B (planned after kernel's).
        final BenchPlan thirty = BenchPlan.build(ids, BenchPlan.Settings.standard(Duration.ofSeconds(30), true),
            ONLY_STEPS);
        assertEquals(Duration.ofSeconds(29), thirty.estimate());
        assertTrue(thirty.jmh());
        assertEquals(List.of(0.5), stepsOf(thirty, "sluice-svc-xnode-1").stream().filter(Step::paced)
            .map(Step::rateFraction).toList());
        assertFalse(stepsOf(thirty, "sluice-svc-xnode-1").stream().anyMatch(s -> s.kind() == Kind.LARGE_FRAMES));
        assertTrue(stepsOf(thirty, "kernel-nft-1").stream().anyMatch(s -> s.kind() == Kind.LARGE_FRAMES));
        assertEquals(9, thirty.skipped().size());
        assertTrue(thirty.skipped().stream().allMatch(s -> s.reason().startsWith("over the time budget")),
            thirty.skipped()::toString);
        assertEquals("sluice-svc-xnode-1", thirty.skipped().get(8).topologyId());
        assertEquals("1400B established unpaced", thirty.skipped().get(8).what());

        // 20 s: also the kernel's 1400 B, then JMH (priority 4) before any latency at 0.5 (priority 3).
        final BenchPlan twenty = BenchPlan.build(ids, BenchPlan.Settings.standard(Duration.ofSeconds(20), true),
            ONLY_STEPS);
        assertFalse(twenty.jmh());
        assertEquals(Duration.ofSeconds(16), twenty.estimate());
        assertEquals(2, twenty.steps().stream().filter(Step::paced).count());
        assertTrue(twenty.skipped().stream().anyMatch(s -> s.topologyId().equals("jmh")));
    }

    @Test
    void theReferenceRunIsNeverDroppedAndEmptyTopologiesAreNotOpened()
    {
        final BenchPlan plan = BenchPlan.build(List.of("kernel-forward", "kernel-nft-1", "ceiling-c-afxdp"),
            BenchPlan.Settings.standard(Duration.ofSeconds(1), true), ONLY_STEPS);

        assertEquals(1, plan.steps().size());
        assertEquals("kernel-nft-1", plan.steps().getFirst().topologyId());
        assertEquals(Kind.THROUGHPUT, plan.steps().getFirst().kind());
        assertEquals(List.of("kernel-nft-1"), plan.topologies().stream().map(BenchPlan.TopologyPlan::topologyId)
            .toList());
        assertFalse(plan.jmh());
        assertEquals(Duration.ofSeconds(3), plan.estimate(), "over the budget, but the reference stays");
    }

    @Test
    void setupCostsCountServicesAndTheSluiceClusterOnce()
    {
        final BenchPlan.Costs costs = new BenchPlan.Costs(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(4), Duration.ofSeconds(100), Duration.ofSeconds(7), Duration.ofSeconds(5));
        final BenchPlan plan = BenchPlan.build(List.of("sluice-svc-xnode-10000", "sluice-pod-local"),
            BenchPlan.Settings.standard(Duration.ofMinutes(10), false), costs);

        // fixed 5 + cluster 100 (once) + setups (2 + 40) + (2 + 0) + five steps of 3 + 1 (no latency: no reference).
        assertEquals(Duration.ofSeconds(5 + 100 + 42 + 2 + 5 * 4), plan.estimate());
        assertEquals(10000, BenchPlan.servicesOf("kernel-ipt-10000"));
        assertEquals(1, BenchPlan.servicesOf("sluice-svc-xnode-1"));
        assertEquals(0, BenchPlan.servicesOf("sluice-pod-local"));
        assertEquals(0, BenchPlan.servicesOf("ceiling-c-afxdp"));
    }

    @Test
    void latencyStepsTakeTheirRateFromTheReference()
    {
        final Step step = new Step("kernel-nft-1", Kind.LATENCY, 64, Flows.ESTABLISHED, 0.25,
            Duration.ofSeconds(2), 6);
        assertEquals(250_000, step.measurement(1_000_000).ratePps());
        assertEquals(Duration.ofSeconds(2), step.measurement(1_000_000).duration());
        assertEquals(1, BenchPlan.rateFor(1, 0.1), "at least one frame per second");
        assertEquals(300_001, BenchPlan.rateFor(600_001, 0.5));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> step.measurement(Double.NaN));
        assertTrue(ex.getMessage().contains("NaN"));
        final Step unpaced = new Step("kernel-nft-1", Kind.THROUGHPUT, 64, Flows.ESTABLISHED, 0,
            Duration.ofSeconds(3), 0);
        assertTrue(unpaced.measurement(Double.NaN).unpaced());
        assertEquals("64B established @0.25 of reference", step.label());
        assertEquals("64B established unpaced", unpaced.label());
    }

    @Test
    void quickSettingsShortenEveryStep()
    {
        final BenchPlan plan = BenchPlan.build(STANDARD_IDS, BenchPlan.Settings.quick(Duration.ofMinutes(10), false));
        assertTrue(plan.steps().stream().allMatch(s -> s.duration().compareTo(Duration.ofSeconds(1)) <= 0));
        assertThrows(IllegalArgumentException.class,
            () -> BenchPlan.build(List.of("kernel-forward", "kernel-forward"),
                BenchPlan.Settings.quick(Duration.ofMinutes(1), false)));
    }
}
