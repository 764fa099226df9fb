package dev.sluice.perf.agent;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.ControlMetrics;
import dev.sluice.control.agent.EndpointPorts;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.TablePublisher;
import dev.sluice.perf.policy.SyntheticPolicyCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * Apply latency of a NetworkPolicy change, end to end through the real agent: an embedded API server
 * ({@link KubernetesMockServer} in CRUD mode) holding a synthetic cluster ({@link SyntheticPolicyCluster}: 5000
 * pods, 500 policies, 50 namespaces, 50 nodes), the real informers, {@code ControlAgent} and {@link TablePublisher}
 * with 2 table-only workers compiling the tables of {@code node-0}. Then, one at a time, a policy's
 * {@code podSelector} is updated and the benchmark waits until the change is installed in every worker.
 * <p>
 * Reported (HdrHistogram, ms): the agent's own apply latency (informer receive to installed in every worker, what
 * {@code sluice_apply_latency_seconds} exports) and the client's view (update request sent to installed
 * everywhere, which adds the API server round trip and the watch delivery). The tick (events collected into one
 * snapshot) is part of both: a lone change waits one tick before it is built.
 * <pre>
 * mvn -B -q -o -pl perf -am package -DskipTests
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Xmx2g \
 *     -cp perf/target/benchmarks.jar dev.sluice.perf.agent.ApplyLatencyMain [changes=200] [tickMs=50] [warmup=20]
 * </pre>
 * Not a timed test: a measurement to run by hand and read.
 */
public final class ApplyLatencyMain
{
    private static final int NODES = 50;
    private static final int NAMESPACES = 50;
    private static final int PODS = 5_000;
    private static final int POLICIES = 500;
    private static final long DEADLINE_NS = 30_000_000_000L;
    /** Held so that the level stays set: the mock server logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private ApplyLatencyMain()
    {
    }

    /**
     * @param args optional: measured changes (200), tick in ms (50), warm-up changes (20).
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        final long tickMs = args.length > 1 ? Long.parseLong(args[1]) : 50;
        final int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.out.printf("load before: %s", Files.readString(Path.of("/proc/loadavg")));
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);

        final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new HashMap<>(), new KubernetesCrudDispatcher(List.of(new CustomResourceDefinitionContext.Builder()
                .withGroup("sluice.dev").withVersion("v1alpha1").withPlural("networkloggings")
                .withKind("NetworkLogging").withScope("Cluster").build())), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        try (KubernetesClient client = server.createClient())
        {
            final long loadStart = System.nanoTime();
            final String yaml = SyntheticPolicyCluster.yaml(NODES, NAMESPACES, PODS, POLICIES);
            final List<HasMetadata> objects =
                client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
            for (final HasMetadata object : objects)
            {
                client.resource(object).create();
            }
            System.out.printf("created %d objects in the mock API server in %.1f s%n", objects.size(),
                (System.nanoTime() - loadStart) / 1e9);

            final AgentConfig config = new AgentConfig("node-0", null, 2, List.of(), tickMs * 1_000_000L,
                AgentConfig.of("node-0").maxPolicyPeers());
            final TablePublisher publisher = TablePublisher.withTableOnlyWorkers(config, EndpointPorts.NONE,
                1_000_000L);
            final Histogram snapshotNs = new Histogram(3_600_000_000_000L, 3);
            final ControlMetrics metrics = new ControlMetrics()
            {
                @Override
                public void onSnapshot(final long generation, final int events, final long buildNs)
                {
                    snapshotNs.recordValue(buildNs);
                }
            };
            try (NodeAgent agent = NodeAgent.online(client, config, publisher, metrics).start())
            {
                final long syncStart = System.nanoTime();
                while (!agent.ready())
                {
                    check(syncStart, "agent not ready");
                    Thread.sleep(10);
                }
                System.out.printf("ready after %.1f s: generation %d, %d local endpoints, %d rules, compile %.1f ms%n",
                    (System.nanoTime() - syncStart) / 1e9, publisher.installedGeneration(),
                    publisher.lastCompiled().endpoints().count(), publisher.lastCompiled().policy().ruleCount(),
                    publisher.lastCompileNs() / 1e6);

                final Histogram client2installed = new Histogram(3_600_000_000_000L, 3);
                final Histogram compileNs = new Histogram(3_600_000_000_000L, 3);
                Histogram warm = null;
                for (int i = 0; i < warmup + changes; i++)
                {
                    if (i == warmup)
                    {
                        warm = agent.applyLatency();
                    }
                    final String name = "pol-" + (i * 7 % POLICIES);
                    final String namespace = "ns-" + (i * 7 % POLICIES % NAMESPACES);
                    final NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(namespace)
                        .withName(name).get();
                    policy.getMetadata().setManagedFields(null);
                    policy.getSpec().setPodSelector(new LabelSelectorBuilder()
                        .withMatchLabels(Map.of("app", "app" + (i % 20), "tier", Integer.toString(i % 3))).build());
                    final long applied = agent.applyLatency().getTotalCount();
                    final long startNs = System.nanoTime();
                    client.resource(policy).update();
                    while (agent.applyLatency().getTotalCount() == applied)
                    {
                        check(startNs, "change " + i + " (" + namespace + "/" + name + ") not installed");
                        Thread.onSpinWait();
                    }
                    if (i >= warmup)
                    {
                        client2installed.recordValue(System.nanoTime() - startNs);
                        compileNs.recordValue(publisher.lastCompileNs());
                    }
                    else
                    {
                        snapshotNs.reset();
                    }
                }
                final Histogram agentView = agent.applyLatency();
                if (warm != null)
                {
                    agentView.subtract(warm);
                }
                System.out.printf("after %d warm-up changes, %d NetworkPolicy updates, tick %d ms, 2 table-only "
                    + "workers, generation %d, compile failures %d, last compile %.1f ms%n", warmup, changes, tickMs,
                    publisher.installedGeneration(), publisher.compileFailures(), publisher.lastCompileNs() / 1e6);
                print("apply latency (informer event -> installed in every worker)", agentView);
                print("client view (update sent -> installed in every worker)", client2installed);
                print("  of which: snapshot build + table compile + offer (control thread)", snapshotNs);
                print("  of which: table compile (NodeTables of node-0)", compileNs);
            }
        }
        finally
        {
            server.destroy();
        }
        System.out.printf("load after: %s", Files.readString(Path.of("/proc/loadavg")));
        System.out.printf("cpus: %d%n", Runtime.getRuntime().availableProcessors());
    }

    private static void check(final long startNs, final String what)
    {
        if (System.nanoTime() - startNs > DEADLINE_NS)
        {
            throw new IllegalStateException(what + " within " + DEADLINE_NS / 1_000_000_000L + " s");
        }
    }

    private static void print(final String what, final Histogram h)
    {
        System.out.printf("%s: n=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms max=%.1f ms%n", what, h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
            h.getMaxValue() / 1e6);
    }
}
