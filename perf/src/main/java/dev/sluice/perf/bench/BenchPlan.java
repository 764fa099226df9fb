package dev.sluice.perf.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import dev.sluice.perf.bench.Measurement.Flows;

/**
 * What {@code ./sluice bench} measures, in which order, and what it leaves out to stay inside its time budget.
 * <p>
 * Per topology (issue #8):
 * <ul>
 *     <li>unpaced 64 B, one established flow (every topology; priority 0 for the reference, 1 otherwise);</li>
 *     <li>unpaced 64 B, a new flow per frame (the {@code kernel-*} and {@code sluice-*} topologies; priority 2);</li>
 *     <li>unpaced 1400 B established ({@link #LARGE_FRAME_IDS}; priority 5);</li>
 *     <li>an open-loop latency sweep, 64 B established, at {@link #LATENCY_FRACTIONS} of the reference rate
 *     ({@link #LATENCY_IDS}; 0.5 has priority 3, 0.25 and 0.75 priority 6, 0.1 and 0.9 priority 7).</li>
 * </ul>
 * The reference rate is the received rate of the reference topology's unpaced 64 B established run: the kernel
 * path with kube-proxy rules for one Service ({@code kernel-nft-1}), or plain {@code kernel-forward} when that is
 * not part of the run. The reference topology is therefore planned first. The JMH pass has priority 4.
 * <p>
 * The plan estimates the run's wall time from the step durations and {@link Costs}; while the estimate exceeds the
 * budget it drops the step (or the JMH pass) with the highest priority number, the latest planned first, and
 * records each as a {@link Skip} with the reason. The reference step is never dropped.
 */
public final class BenchPlan
{
    /** Reference topologies, preferred first. */
    public static final List<String> REFERENCE_CANDIDATES = List.of("kernel-nft-1", "kernel-forward");

    /** Latency sweep rates as fractions of the reference rate. */
    public static final List<Double> LATENCY_FRACTIONS = List.of(0.1, 0.25, 0.5, 0.75, 0.9);

    /** Topologies that get a 1400 B established run. */
    public static final Set<String> LARGE_FRAME_IDS = Set.of(
        "kernel-forward", "kernel-nft-1", "sluice-svc-xnode-1", "sluice-pod-local",
        "ceiling-xdp-redirect", "ceiling-c-afxdp");

    /** Topologies that get the latency sweep. */
    public static final Set<String> LATENCY_IDS = Set.of(
        "kernel-forward", "kernel-nft-1", "kernel-ipt-1", "sluice-svc-xnode-1", "sluice-pod-local");

    /** Small frame size (bytes, without FCS). */
    public static final int SMALL_FRAME = 64;

    /** Large frame size (bytes, without FCS). */
    public static final int LARGE_FRAME = 1400;

    /** Priority of the JMH pass (lower numbers are kept longer). */
    public static final int JMH_PRIORITY = 4;

    /**
     * What a step is for.
     */
    public enum Kind
    {
        /** Unpaced 64 B, established: the saturation rate. */
        THROUGHPUT,
        /** Unpaced 64 B, a new flow per frame. */
        NEW_FLOWS,
        /** Unpaced 1400 B, established. */
        LARGE_FRAMES,
        /** Open-loop 64 B established at a fraction of the reference rate. */
        LATENCY
    }

    /**
     * One planned measurement; a latency step's rate is a fraction of the reference rate, known only at run time.
     *
     * @param topologyId   the topology it runs on
     * @param kind         what it is for
     * @param frameBytes   frame size
     * @param flows        flow mix
     * @param rateFraction fraction of the reference rate, or 0 for an unpaced run
     * @param duration     measured time
     * @param priority     0 = never dropped; higher numbers are dropped first when over budget
     */
    public record Step(
        String topologyId, Kind kind, int frameBytes, Flows flows, double rateFraction, Duration duration,
        int priority)
    {
        /**
         * Checks the values.
         */
        public Step
        {
            Objects.requireNonNull(topologyId, "topologyId");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(flows, "flows");
            Objects.requireNonNull(duration, "duration");
            if (rateFraction < 0 || rateFraction > 1)
            {
                throw new IllegalArgumentException("rateFraction must be 0..1: " + rateFraction);
            }
        }

        /**
         * Whether the step is open-loop at a fraction of the reference rate.
         *
         * @return true for latency steps.
         */
        public boolean paced()
        {
            return rateFraction > 0;
        }

        /**
         * Short description, e.g. {@code 64B established unpaced} or {@code 64B established @0.50 of reference}.
         *
         * @return the label.
         */
        public String label()
        {
            return frameBytes + "B " + flows.name().toLowerCase(Locale.ROOT)
                + (paced() ? String.format(Locale.ROOT, " @%.2f of reference", rateFraction) : " unpaced");
        }

        /**
         * The measurement to hand to the {@link TrafficRunner}.
         *
         * @param referencePps the reference rate (used by paced steps only)
         * @return the measurement.
         */
        public Measurement measurement(final double referencePps)
        {
            if (!paced())
            {
                return new Measurement(frameBytes, flows, 0, duration);
            }
            if (!(referencePps > 0))
            {
                throw new IllegalArgumentException("paced step needs a positive reference rate: " + referencePps);
            }
            return new Measurement(frameBytes, flows, rateFor(referencePps, rateFraction), duration);
        }
    }

    /**
     * A measurement left out, and why.
     *
     * @param topologyId the topology ("jmh" for the JMH pass)
     * @param what       the step label (or "JMH pass", "topology")
     * @param reason     why it was left out
     */
    public record Skip(String topologyId, String what, String reason)
    {
    }

    /**
     * The steps of one topology, in the order they run.
     *
     * @param topologyId the topology
     * @param steps      its steps
     */
    public record TopologyPlan(String topologyId, List<Step> steps)
    {
        /**
         * Copies the list.
         */
        public TopologyPlan
        {
            steps = List.copyOf(steps);
        }
    }

    /**
     * The run's shape: step durations, time budget, whether JMH runs.
     *
     * @param throughputDuration measured time of an unpaced step
     * @param latencyDuration    measured time of a latency step
     * @param budget             the whole run's wall time limit
     * @param jmh                whether the JMH pass is planned
     * @param quick              short JMH pass (for tests and smoke runs)
     */
    public record Settings(
        Duration throughputDuration, Duration latencyDuration, Duration budget, boolean jmh, boolean quick)
    {
        /**
         * Checks the values.
         */
        public Settings
        {
            requirePositive(throughputDuration, "throughputDuration");
            requirePositive(latencyDuration, "latencyDuration");
            requirePositive(budget, "budget");
        }

        /**
         * The standard run: 3 s unpaced steps, 2 s latency steps.
         *
         * @param budget the time budget
         * @param jmh    whether to run JMH
         * @return the settings.
         */
        public static Settings standard(final Duration budget, final boolean jmh)
        {
            return new Settings(Duration.ofSeconds(3), Duration.ofSeconds(2), budget, jmh, false);
        }

        /**
         * A quick run (for tests and smoke runs): 1 s unpaced steps, 0.5 s latency steps, a short JMH pass.
         *
         * @param budget the time budget
         * @param jmh    whether to run JMH
         * @return the settings.
         */
        public static Settings quick(final Duration budget, final boolean jmh)
        {
            return new Settings(Duration.ofSeconds(1), Duration.ofMillis(500), budget, jmh, true);
        }
    }

    /**
     * Estimated costs besides the measured time (all on 2 vCPUs; they only steer the budget).
     *
     * @param perStep             the runner's warm-up, generator/sink start and stop, per step
     * @param topologyBase        building and tearing down one topology
     * @param perThousandServices extra setup per 1000 Services of a topology (rule or table loading)
     * @param sluiceCluster       starting the live 2-node Sluice cluster (once, with the first sluice topology)
     * @param jmh                 the JMH pass
     * @param fixed               JVM start, environment capture, report writing
     */
    public record Costs(
        Duration perStep, Duration topologyBase, Duration perThousandServices, Duration sluiceCluster,
        Duration jmh, Duration fixed)
    {
        /**
         * The estimates used by {@code ./sluice bench}.
         *
         * @param quickJmh whether the JMH pass is the quick one
         * @return the costs.
         */
        public static Costs standard(final boolean quickJmh)
        {
            return new Costs(Duration.ofMillis(1500), Duration.ofSeconds(3), Duration.ofSeconds(1),
                Duration.ofSeconds(30), JmhPass.estimate(quickJmh), Duration.ofSeconds(10));
        }
    }

    private final List<TopologyPlan> topologies;
    private final String referenceId;
    private final boolean jmh;
    private final List<Skip> skipped;
    private final Duration estimate;
    private final Duration budget;
    private final Costs costs;

    private BenchPlan(
        final List<TopologyPlan> topologies, final String referenceId, final boolean jmh, final List<Skip> skipped,
        final Duration estimate, final Duration budget, final Costs costs)
    {
        this.topologies = List.copyOf(topologies);
        this.referenceId = referenceId;
        this.jmh = jmh;
        this.skipped = List.copyOf(skipped);
        this.estimate = estimate;
        this.budget = budget;
        this.costs = costs;
    }

    /**
     * Plans a run over the given topologies with the standard cost estimates.
     *
     * @param topologyIds the topologies of this run, in catalog order
     * @param settings    durations, budget, JMH
     * @return the plan.
     */
    public static BenchPlan build(final List<String> topologyIds, final Settings settings)
    {
        return build(topologyIds, settings, Costs.standard(settings.quick()));
    }

    /**
     * Plans a run over the given topologies.
     *
     * @param topologyIds the topologies of this run, in catalog order
     * @param settings    durations, budget, JMH
     * @param costs       the cost estimates
     * @return the plan.
     */
    public static BenchPlan build(final List<String> topologyIds, final Settings settings, final Costs costs)
    {
        if (topologyIds.stream().distinct().count() != topologyIds.size())
        {
            throw new IllegalArgumentException("duplicate topology ids: " + topologyIds);
        }
        final String referenceId = REFERENCE_CANDIDATES.stream().filter(topologyIds::contains).findFirst()
            .orElse(null);
        final List<String> ordered = new ArrayList<>();
        if (referenceId != null)
        {
            ordered.add(referenceId);
        }
        topologyIds.stream().filter(id -> !id.equals(referenceId)).forEach(ordered::add);

        final List<Skip> skipped = new ArrayList<>();
        final List<List<Step>> steps = new ArrayList<>();
        for (final String id : ordered)
        {
            final List<Step> list = new ArrayList<>();
            final Duration unpaced = settings.throughputDuration();
            list.add(new Step(id, Kind.THROUGHPUT, SMALL_FRAME, Flows.ESTABLISHED, 0, unpaced,
                id.equals(referenceId) ? 0 : 1));
            if (id.startsWith("kernel-") || id.startsWith("sluice-"))
            {
                list.add(new Step(id, Kind.NEW_FLOWS, SMALL_FRAME, Flows.NEW, 0, unpaced, 2));
            }
            if (LARGE_FRAME_IDS.contains(id))
            {
                list.add(new Step(id, Kind.LARGE_FRAMES, LARGE_FRAME, Flows.ESTABLISHED, 0, unpaced, 5));
            }
            if (LATENCY_IDS.contains(id))
            {
                for (final double fraction : LATENCY_FRACTIONS)
                {
                    final Step step = new Step(id, Kind.LATENCY, SMALL_FRAME, Flows.ESTABLISHED, fraction,
                        settings.latencyDuration(), latencyPriority(fraction));
                    if (referenceId == null)
                    {
                        skipped.add(new Skip(id, step.label(), "no reference topology ("
                            + String.join(" or ", REFERENCE_CANDIDATES) + ") in this run"));
                    }
                    else
                    {
                        list.add(step);
                    }
                }
            }
            steps.add(list);
        }

        boolean jmh = settings.jmh();
        Duration estimate = estimate(ordered, steps, jmh, costs);
        while (estimate.compareTo(settings.budget()) > 0)
        {
            // The droppable item with the highest priority number, the latest planned among equals.
            int worstTopology = -1;
            int worstStep = -1;
            int worstPriority = 0;
            for (int t = 0; t < steps.size(); t++)
            {
                final List<Step> list = steps.get(t);
                for (int s = 0; s < list.size(); s++)
                {
                    final int priority = list.get(s).priority();
                    if (priority > 0 && priority >= worstPriority)
                    {
                        worstPriority = priority;
                        worstTopology = t;
                        worstStep = s;
                    }
                }
            }
            final boolean dropJmh = jmh && JMH_PRIORITY >= worstPriority;
            final String reason = "over the time budget: plan estimated " + seconds(estimate) + " > budget "
                + seconds(settings.budget());
            if (dropJmh)
            {
                jmh = false;
                skipped.add(new Skip("jmh", "JMH pass", reason));
            }
            else if (worstTopology >= 0)
            {
                final Step dropped = steps.get(worstTopology).remove(worstStep);
                skipped.add(new Skip(dropped.topologyId(), dropped.label(), reason));
            }
            else
            {
                break;
            }
            estimate = estimate(ordered, steps, jmh, costs);
        }

        final List<TopologyPlan> plans = new ArrayList<>();
        for (int t = 0; t < ordered.size(); t++)
        {
            if (!steps.get(t).isEmpty())
            {
                plans.add(new TopologyPlan(ordered.get(t), steps.get(t)));
            }
        }
        return new BenchPlan(plans, referenceId, jmh, skipped, estimate, settings.budget(), costs);
    }

    /**
     * The rate of a latency step.
     *
     * @param referencePps the reference rate
     * @param fraction     the fraction of it
     * @return the offered rate in frames per second (at least 1).
     */
    public static long rateFor(final double referencePps, final double fraction)
    {
        return Math.max(1, Math.round(referencePps * fraction));
    }

    /**
     * Estimated wall time of opening (and closing) one topology.
     *
     * @param topologyId       the topology
     * @param services         its number of Services (parsed from the id when it ends in a number)
     * @param firstSluice      whether it is the first sluice topology of the run (it starts the cluster)
     * @param costs            the cost estimates
     * @return the estimate.
     */
    static Duration setupEstimate(
        final String topologyId, final int services, final boolean firstSluice, final Costs costs)
    {
        Duration setup = costs.topologyBase().plus(costs.perThousandServices().multipliedBy(services).dividedBy(1000));
        if (firstSluice)
        {
            setup = setup.plus(costs.sluiceCluster());
        }
        return setup;
    }

    /**
     * Estimated wall time of one step.
     *
     * @param step  the step
     * @param costs the cost estimates
     * @return the estimate.
     */
    static Duration stepEstimate(final Step step, final Costs costs)
    {
        return step.duration().plus(costs.perStep());
    }

    /**
     * The number of Services a standard topology id names ({@code kernel-nft-10000} = 10000), else 0.
     *
     * @param topologyId the id
     * @return the service count.
     */
    static int servicesOf(final String topologyId)
    {
        final int dash = topologyId.lastIndexOf('-');
        final String tail = topologyId.substring(dash + 1);
        if (dash < 0 || tail.isEmpty() || !tail.chars().allMatch(Character::isDigit) || tail.length() > 6)
        {
            return 0;
        }
        return Integer.parseInt(tail);
    }

    private static Duration estimate(
        final List<String> ordered, final List<List<Step>> steps, final boolean jmh, final Costs costs)
    {
        Duration total = costs.fixed();
        boolean sluiceSeen = false;
        for (int t = 0; t < ordered.size(); t++)
        {
            if (steps.get(t).isEmpty())
            {
                continue;
            }
            final String id = ordered.get(t);
            final boolean firstSluice = id.startsWith("sluice-") && !sluiceSeen;
            sluiceSeen |= firstSluice;
            total = total.plus(setupEstimate(id, servicesOf(id), firstSluice, costs));
            for (final Step step : steps.get(t))
            {
                total = total.plus(stepEstimate(step, costs));
            }
        }
        return jmh ? total.plus(costs.jmh()) : total;
    }

    private static int latencyPriority(final double fraction)
    {
        if (fraction == 0.5)
        {
            return 3;
        }
        return fraction == 0.25 || fraction == 0.75 ? 6 : 7;
    }

    private static void requirePositive(final Duration duration, final String name)
    {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero())
        {
            throw new IllegalArgumentException(name + " must be positive: " + duration);
        }
    }

    static String seconds(final Duration duration)
    {
        return String.format(Locale.ROOT, "%.0f s", duration.toMillis() / 1000.0);
    }

    /**
     * The topologies with their steps, the reference first.
     *
     * @return the per-topology plans (topologies with no step left are not listed).
     */
    public List<TopologyPlan> topologies()
    {
        return topologies;
    }

    /**
     * The reference topology.
     *
     * @return its id, or null when neither candidate is in the run (latency sweeps are then skipped).
     */
    public String referenceId()
    {
        return referenceId;
    }

    /**
     * Whether the JMH pass runs.
     *
     * @return true when planned (and not dropped for the budget).
     */
    public boolean jmh()
    {
        return jmh;
    }

    /**
     * What the plan left out, and why.
     *
     * @return the skipped measurements.
     */
    public List<Skip> skipped()
    {
        return Collections.unmodifiableList(skipped);
    }

    /**
     * The estimated wall time of the planned run.
     *
     * @return the estimate.
     */
    public Duration estimate()
    {
        return estimate;
    }

    /**
     * The time budget.
     *
     * @return the budget.
     */
    public Duration budget()
    {
        return budget;
    }

    /**
     * The cost estimates the plan used.
     *
     * @return the costs.
     */
    public Costs costs()
    {
        return costs;
    }

    /**
     * All planned steps, in run order.
     *
     * @return the steps.
     */
    public List<Step> steps()
    {
        return topologies.stream().flatMap(t -> t.steps().stream()).toList();
    }

    /**
     * A human summary printed before the run: topologies, step counts, the estimate against the budget, skips.
     *
     * @return the text (several lines).
     */
    public String describe()
    {
        final StringBuilder text = new StringBuilder();
        text.append("plan: ").append(topologies.size()).append(" topologies, ").append(steps().size())
            .append(" measurements").append(jmh ? ", JMH pass" : ", no JMH").append("; estimated ")
            .append(seconds(estimate)).append(" of a ").append(seconds(budget)).append(" budget\n");
        text.append("  reference rate from: ").append(referenceId == null ? "(none: no latency sweeps)" : referenceId)
            .append('\n');
        for (final TopologyPlan plan : topologies)
        {
            text.append("  ").append(plan.topologyId()).append(": ");
            text.append(String.join(", ", plan.steps().stream().map(Step::label).toList())).append('\n');
        }
        for (final Skip skip : skipped)
        {
            text.append("  skipped ").append(skip.topologyId()).append(' ').append(skip.what()).append(": ")
                .append(skip.reason()).append('\n');
        }
        return text.toString();
    }
}
