package dev.sluice.perf.policy;

import dev.sluice.control.compile.CompiledServices;
import dev.sluice.control.compile.NodeTablesCompiler;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.compile.ServiceCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.ServiceTable;

/**
 * Compile time of the full cluster state: the {@link SyntheticPolicyCluster} with 10k pods, 1k policies,
 * 100 namespaces and 100 nodes, plus 10k ClusterIP services x 10 backends
 * ({@link SyntheticPolicyCluster#servicesYaml}), all compiled for {@code node-0} on the calling thread, after
 * warm-up. Reported, each the best and the mean of {@code runs}, all in the same JVM so that they compare:
 * <ul>
 *   <li>services with one Maglev size M = 16381 for every set (the old default), and with sizes adapted to each
 *       set's backend count ({@link Maglev#sizeFor}: 1021 for 10 backends), both from scratch;</li>
 *   <li>services again with one slice changed, reusing the previous compile's Maglev tables;</li>
 *   <li>the node's whole policy + service compile from scratch (the goal: at most 1 s), and again by long-lived
 *       compilers after one policy changed (what the agent does per policy update) and after one pod's labels
 *       changed (the pod-derived parts, every policy fragment and the services are compiled again).</li>
 * </ul>
 * Run: {@code java -Xmx6g -cp perf/target/benchmarks.jar dev.sluice.perf.policy.ClusterCompileMain [runs=5]}.
 */
public final class ClusterCompileMain
{
    private static final int NODES = 100;
    private static final int NAMESPACES = 100;
    private static final int PODS = 10_000;
    private static final int POLICIES = 1_000;
    private static final int SERVICES = 10_000;
    private static final int BACKENDS = 10;

    private ClusterCompileMain()
    {
    }

    /**
     * @param args optional: measured runs per case (default 5).
     * @throws ClusterStateException never (the synthetic state is valid).
     */
    public static void main(final String[] args) throws ClusterStateException
    {
        final int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final String base = SyntheticPolicyCluster.yaml(NODES, NAMESPACES, PODS, POLICIES);
        final String services = SyntheticPolicyCluster.servicesYaml(NODES, NAMESPACES, PODS, SERVICES, BACKENDS);
        final long loadStart = System.nanoTime();
        final ClusterState state = new ClusterStateLoader().parse(base + services, "synthetic");
        System.out.printf("state: %d pods, %d policies, %d services, %d slices (loaded in %d ms)%n",
            state.pods().size(), state.policies().size(), state.services().size(), state.endpointSlices().size(),
            (System.nanoTime() - loadStart) / 1_000_000);
        // The same state with one slice's endpoints changed (svc-0 loses a backend) and with one policy changed.
        final ClusterState oneSliceChanged = new ClusterStateLoader().parse(base + services.replaceFirst(
            "- addresses: \\['198\\.18\\.0\\.1'\\]\\n  conditions: \\{ready: true\\}", "- addresses: ['198.18.0.1']\n"
                + "  conditions: {ready: false}"), "synthetic");
        final ClusterState onePolicyChanged = new ClusterStateLoader().parse(base.replaceFirst(
            "name: pol-0, namespace: ns-0\\}\\nspec:\\n  podSelector: \\{matchLabels: \\{app: app0\\}\\}",
            "name: pol-0, namespace: ns-0}\nspec:\n  podSelector: {matchLabels: {app: app10}}") + services,
            "synthetic");
        final ClusterState onePodChanged = new ClusterStateLoader().parse(base.replaceFirst(
            "name: pod-0, namespace: ns-0, labels: \\{app: app0,", "name: pod-0, namespace: ns-0, labels: {app: app5,")
            + services, "synthetic");
        if (onePodChanged.pods().values().stream().noneMatch(p -> "app5".equals(p.labels().get("app"))
            && p.ref().name().equals("pod-0")) || onePolicyChanged.policies().equals(state.policies()))
        {
            throw new IllegalStateException("the synthetic change did not apply");
        }

        measure("services, one Maglev size M=16381", runs, () -> new ServiceCompiler(Maglev.DEFAULT_SIZE)
            .compile(state, "node-0"));
        measure("services, adaptive Maglev sizes", runs, () -> new ServiceCompiler().compile(state, "node-0"));
        final CompiledServices previous = new ServiceCompiler().compile(state, "node-0");
        measure("services, adaptive, one slice changed, reusing the previous tables", runs,
            () -> new ServiceCompiler().compile(oneSliceChanged, "node-0", previous));
        measure("node tables (policy + services) from scratch", runs,
            () -> NodeTablesCompiler.compile(state, "node-0", 1, NodeTablesCompiler.EndpointPorts.sequential(2)));
        final PolicyCompiler policy = new PolicyCompiler();
        final ServiceCompiler service = new ServiceCompiler();
        final boolean[] flip = { false };
        measure("node tables by long-lived compilers after one policy change", runs, () ->
        {
            flip[0] = !flip[0];
            final ClusterState s = flip[0] ? onePolicyChanged : state;
            policy.compile(s, "node-0", 1);
            return service.compile(s, "node-0");
        });
        final PolicyCompiler podPolicy = new PolicyCompiler();
        final ServiceCompiler podService = new ServiceCompiler();
        measure("node tables by long-lived compilers after one pod's labels changed", runs, () ->
        {
            flip[0] = !flip[0];
            final ClusterState s = flip[0] ? onePodChanged : state;
            podPolicy.compile(s, "node-0", 1);
            return podService.compile(s, "node-0");
        });
        final ServiceTable adaptive = new ServiceCompiler().compile(state, "node-0").table();
        final ServiceTable fixed = new ServiceCompiler(Maglev.DEFAULT_SIZE).compile(state, "node-0").table();
        System.out.printf("Maglev slots: adaptive %d (%.1f MB), M=16381 %d (%.1f MB)%n", adaptive.maglevSlots(),
            adaptive.maglevSlots() * 2 / 1e6, fixed.maglevSlots(), fixed.maglevSlots() * 2 / 1e6);
    }

    private static void measure(final String what, final int runs, final java.util.function.Supplier<Object> compile)
    {
        for (int i = 0; i < 2; i++)
        {
            compile.get();
        }
        long best = Long.MAX_VALUE;
        long total = 0;
        for (int i = 0; i < runs; i++)
        {
            final long start = System.nanoTime();
            compile.get();
            final long ns = System.nanoTime() - start;
            best = Math.min(best, ns);
            total += ns;
        }
        System.out.printf("%s: best %.1f ms, mean %.1f ms over %d runs%n", what, best / 1e6, total / 1e6 / runs,
            runs);
    }
}
