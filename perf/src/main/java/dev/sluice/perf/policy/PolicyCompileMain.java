package dev.sluice.perf.policy;

import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.fastpath.policy.PolicySnapshot;

/**
 * Measures {@link PolicyCompiler} on the {@link SyntheticPolicyCluster} of 10k pods, 1k policies, 100 namespaces
 * and 100 nodes: the compile of one node's snapshot (what an agent does per change), after warm-up, on the calling
 * thread. Run: {@code java -cp perf/target/benchmarks.jar dev.sluice.perf.policy.PolicyCompileMain [runs]}.
 */
public final class PolicyCompileMain
{
    private PolicyCompileMain()
    {
    }

    /**
     * @param args optional: the number of measured runs (default 10).
     */
    public static void main(final String[] args)
    {
        final int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final long loadStart = System.nanoTime();
        final ClusterState state = SyntheticPolicyCluster.state(100, 100, 10_000, 1_000);
        System.out.printf("state: %d pods, %d policies, %d nodes (loaded in %d ms)%n", state.pods().size(),
            state.policies().size(), state.nodes().size(), (System.nanoTime() - loadStart) / 1_000_000);
        final PolicyCompiler compiler = new PolicyCompiler();
        PolicySnapshot last = null;
        for (int i = 0; i < 5; i++)
        {
            last = compiler.compile(state, "node-" + i, i);
        }
        long best = Long.MAX_VALUE;
        long total = 0;
        for (int i = 0; i < runs; i++)
        {
            final long start = System.nanoTime();
            last = compiler.compile(state, "node-" + (i % 100), i);
            final long ns = System.nanoTime() - start;
            best = Math.min(best, ns);
            total += ns;
        }
        System.out.printf("compile one node: best %.1f ms, mean %.1f ms over %d runs; %d endpoints, %s, ipcache %d "
            + "prefixes in %d lengths%n", best / 1e6, total / 1e6 / runs, runs, last.endpointCount(),
            last.table().sizes(), last.ipCache().size(), last.ipCache().prefixLengthCount());
        final long wholeStart = System.nanoTime();
        final PolicySnapshot whole = compiler.compile(state, null, 0);
        System.out.printf("compile whole cluster (every pod an endpoint): %.1f ms; %s%n",
            (System.nanoTime() - wholeStart) / 1e6, whole.table().sizes());
    }
}
