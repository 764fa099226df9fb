package dev.sluice.perf.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything one {@code ./sluice bench} run produced, as {@link BenchReport} writes it.
 *
 * @param started          when the run started
 * @param finished         when the measurements ended
 * @param budget           the time budget
 * @param estimate         the plan's estimate of the run's wall time
 * @param referenceId      the reference topology (null when none was in the run)
 * @param referencePps     the reference rate (received frames per second of its unpaced 64 B established run;
 *                         NaN when not measured)
 * @param results          every measurement that completed, in run order
 * @param problems         every error (a topology that did not open or close, a measurement that threw)
 * @param skipped          every measurement left out, with the reason
 * @param jmh              the JMH pass
 */
public record BenchRun(
    Instant started,
    Instant finished,
    Duration budget,
    Duration estimate,
    String referenceId,
    double referencePps,
    List<ScenarioResult> results,
    List<Problem> problems,
    List<BenchPlan.Skip> skipped,
    JmhPass.Summary jmh)
{
    /**
     * An error during the run.
     *
     * @param topologyId the topology
     * @param what       what failed: "open", "close" or a step label
     * @param message    the error
     */
    public record Problem(String topologyId, String what, String message)
    {
    }

    /**
     * Copies the lists.
     */
    public BenchRun
    {
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(finished, "finished");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(estimate, "estimate");
        results = List.copyOf(results);
        problems = List.copyOf(problems);
        skipped = List.copyOf(skipped);
        Objects.requireNonNull(jmh, "jmh");
    }
}
