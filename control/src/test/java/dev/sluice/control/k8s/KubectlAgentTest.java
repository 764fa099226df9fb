package dev.sluice.control.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.ControlMetrics;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.RecordingTableSink;
import dev.sluice.control.cluster.EmbeddedApiServer;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.PolicyEngine;
import dev.sluice.testkit.ExternalTools;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The real {@code /usr/bin/kubectl} changes the cluster (through {@link EmbeddedApiServer}); the agent's informers
 * see it and the snapshot the {@link dev.sluice.control.agent.TableSink} receives gives the new verdicts.
 */
class KubectlAgentTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final PodRef A = new PodRef("x", "a");
    private static final PodRef B = new PodRef("x", "b");
    private static final PodRef C = new PodRef("y", "c");

    @TempDir
    Path dir;

    private EmbeddedApiServer server;
    private KubernetesClient client;
    private NodeAgent agent;
    private RecordingTableSink sink;

    @BeforeEach
    void startAgent() throws Exception
    {
        ExternalTools.requireCommand("kubectl", "kubectl");
        server = new EmbeddedApiServer();
        client = server.createClient();
        sink = new RecordingTableSink();
        agent = NodeAgent.online(client, new AgentConfig("node-1", null, 1, List.of(), 10_000_000L, 1_000), sink,
            ControlMetrics.NONE).start();
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!agent.ready())
        {
            assertTrue(System.nanoTime() < deadline, "agent not ready in " + DEADLINE + " s");
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stopAgent()
    {
        if (agent != null)
        {
            agent.close();
        }
        if (client != null)
        {
            client.close();
        }
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void applyLabelAndDeleteChangeTheInstalledVerdicts() throws Exception
    {
        kubectl("apply", "--validate=false", "-f", resource("cluster.yaml"));
        ClusterState state = await("namespaces x, y and pods a, b, c",
            s -> s.pods().keySet().containsAll(List.of(A, B, C)) && s.namespaces().containsKey("y"));
        assertAllowed(state, C, B, true);
        assertAllowed(state, A, B, true);

        kubectl("apply", "--validate=false", "-f", resource("db-policy.yaml"));
        state = await("policy x/db-from-y", s -> s.policies().containsKey(new ObjectRef("x", "db-from-y")));
        assertAllowed(state, C, B, true);
        assertAllowed(state, A, B, false);
        assertAllowed(state, B, A, true);

        // a label change makes x/a newly selected by the policy: x/b may no longer reach it, y/c still may
        kubectl("label", "pod", "a", "-n", "x", "role=db", "--overwrite");
        state = await("x/a labelled role=db", s -> "db".equals(labels(s, A)));
        assertAllowed(state, B, A, false);
        assertAllowed(state, C, A, true);

        // a second client-side apply of a changed policy is a strategic merge patch
        kubectl("apply", "--validate=false", "-f", resource("db-policy-v2.yaml"));
        state = await("policy x/db-from-y with two peers", s -> peers(s) == 2);
        kubectl("label", "pod", "b", "-n", "x", "role=web", "--overwrite");
        state = await("x/b labelled role=web", s -> "web".equals(labels(s, B)));
        assertAllowed(state, B, A, true);
        assertAllowed(state, A, B, true);

        kubectl("delete", "networkpolicy", "db-from-y", "-n", "x");
        state = await("policy deleted", s -> s.policies().isEmpty());
        assertAllowed(state, C, A, true);

        kubectl("delete", "pod", "c", "-n", "y", "--wait=false");
        state = await("pod y/c deleted", s -> !s.pods().containsKey(C));
        assertTrue(state.pods().containsKey(A));

        final Histogram latency = agent.applyLatency();
        assertTrue(latency.getTotalCount() > 0);
        System.out.printf("apply latency via kubectl (ns): events %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
            latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
            latency.getMaxValue() / 1e6);
    }

    @Test
    void serverSideApplyCreatesAndUpdates() throws Exception
    {
        kubectl("apply", "--server-side", "--validate=false", "-f", resource("cluster.yaml"));
        await("pods a, b, c", s -> s.pods().keySet().containsAll(List.of(A, B, C)));
        kubectl("apply", "--server-side", "--validate=false", "-f", resource("db-policy.yaml"));
        ClusterState state = await("policy", s -> peers(s) == 1);
        assertAllowed(state, A, B, false);
        kubectl("apply", "--server-side", "--validate=false", "-f", resource("db-policy-v2.yaml"));
        state = await("policy with two peers", s -> peers(s) == 2);
        assertAllowed(state, A, B, true);
        assertEquals(0, agent.control().lastResult().rejections().size(), agent.control().lastResult().rejections()::toString);
    }

    private ClusterState await(final String what, final java.util.function.Predicate<ClusterState> condition)
        throws InterruptedException
    {
        try
        {
            return sink.await(what, condition, DEADLINE);
        }
        catch (final AssertionError ex)
        {
            throw new AssertionError(ex.getMessage() + "\nrejections: " + agent.control().lastResult().rejections()
                + "\nrequests:\n" + String.join("\n", server.requests()) + "\nstored policy: "
                + client.network().v1().networkPolicies().inNamespace("x").withName("db-from-y").get(), ex);
        }
    }

    private static String labels(final ClusterState state, final PodRef pod)
    {
        return state.pod(pod) == null ? null : state.pod(pod).labels().get("role");
    }

    private static int peers(final ClusterState state)
    {
        final var policy = state.policies().get(new ObjectRef("x", "db-from-y"));
        return policy == null ? -1 : policy.ingress().getFirst().peers().size();
    }

    private static void assertAllowed(final ClusterState state, final PodRef from, final PodRef to, final boolean allowed)
    {
        final PolicyEngine engine = new PolicyEngine(state);
        final var verdict = engine.evaluate(from, engine.address(to), 80, Protocol.TCP);
        assertEquals(allowed, verdict.allowed(), from + " -> " + to + ": " + verdict.explain());
    }

    private String resource(final String name) throws Exception
    {
        final Path file = dir.resolve(name);
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("/kubectl/" + name), name))
        {
            Files.write(file, in.readAllBytes());
        }
        return file.toString();
    }

    private void kubectl(final String... args) throws Exception
    {
        final EmbeddedApiServer.Result result = server.kubectl(dir, args);
        if (result.exitCode() != 0)
        {
            throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + result.exitCode() + ": "
                + result.stderr() + "\nrequests:\n" + String.join("\n", server.requests()));
        }
    }
}
