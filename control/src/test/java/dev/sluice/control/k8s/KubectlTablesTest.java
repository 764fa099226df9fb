package dev.sluice.control.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.AgentMetrics;
import dev.sluice.control.agent.EndpointPorts;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.TablePublisher;
import dev.sluice.control.cluster.EmbeddedApiServer;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.metrics.Readiness;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.WorkerTables;
import dev.sluice.testkit.ExternalTools;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The real {@code /usr/bin/kubectl} against {@link EmbeddedApiServer}; the agent runs the real
 * {@link TablePublisher} with table-only workers, and the verdicts are asked of the tables every worker has
 * installed (not of the cluster model).
 */
class KubectlTablesTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final int WORKERS = 2;
    private static final String XA = "198.18.1.1";
    private static final String XB = "198.18.1.2";
    private static final String YC = "198.18.2.1";

    @TempDir
    Path dir;

    private EmbeddedApiServer server;
    private KubernetesClient client;
    private NodeAgent agent;
    private TablePublisher publisher;
    private final Readiness readiness = new Readiness();

    @BeforeEach
    void startAgent() throws Exception
    {
        ExternalTools.requireCommand("kubectl", "kubectl");
        server = new EmbeddedApiServer();
        client = server.createClient();
        final AgentConfig config = new AgentConfig("node-1", null, WORKERS, List.of(), 10_000_000L, 1_000);
        publisher = TablePublisher.withTableOnlyWorkers(config, EndpointPorts.NONE, 1_000_000L);
        readiness.markNotReady("starting");
        agent = NodeAgent.online(client, config, publisher, new AgentMetrics(readiness)).start();
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!readiness.isReady())
        {
            assertTrue(System.nanoTime() < deadline, "agent not ready in " + DEADLINE);
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
    void kubectlApplyOfANetworkPolicyBumpsEveryWorkersGenerationAndChangesTheInstalledVerdict() throws Exception
    {
        kubectl("apply", "--validate=false", "-f", resource("cluster.yaml"));
        NodeTables tables = awaitInstalled("x/a and x/b local", t -> t.policy().endpointCount() == 2);
        assertTrue(allowed(tables, XA, XB), "x/a -> x/b before any policy");
        assertTrue(allowed(tables, YC, XB));
        final long before = publisher.installedGeneration();

        kubectl("apply", "--validate=false", "-f", resource("db-policy.yaml"));
        tables = awaitInstalled("policy x/db-from-y", t -> t.policy().ruleCount() == 1);
        assertTrue(tables.generation() > before, "generation " + tables.generation() + " after " + before);
        for (final WorkerTables worker : publisher.workers())
        {
            assertTrue(worker.installedGeneration() >= tables.generation(), worker::toString);
            assertTrue(!allowed(worker.installed(), XA, XB), "worker " + worker.workerId()
                + ": x/a -> x/b (role=db) is now denied");
            assertTrue(allowed(worker.installed(), YC, XB), "worker " + worker.workerId()
                + ": y/c -> x/b is allowed by x/db-from-y");
        }
        assertEquals("x/db-from-y", tables.policy().ruleName(0));

        kubectl("delete", "networkpolicy", "db-from-y", "-n", "x");
        tables = awaitInstalled("policy deleted", t -> t.policy().ruleCount() == 0);
        assertTrue(allowed(tables, XA, XB));
        assertEquals(0, publisher.compileFailures());
    }

    /** Poll until every worker has installed tables that satisfy {@code condition}; returns the oldest of them. */
    private NodeTables awaitInstalled(final String what, final Predicate<NodeTables> condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true)
        {
            NodeTables oldest = null;
            boolean all = true;
            for (final WorkerTables worker : publisher.workers())
            {
                final NodeTables tables = worker.installed();
                if (tables == null || !condition.test(tables))
                {
                    all = false;
                    break;
                }
                if (oldest == null || tables.generation() < oldest.generation())
                {
                    oldest = tables;
                }
            }
            if (all)
            {
                return oldest;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what + "; workers " + publisher.workers()
                    + ", last compiled " + publisher.lastCompiled() + ", failure " + publisher.lastFailure()
                    + "\nrequests:\n" + String.join("\n", server.requests()));
            }
            Thread.sleep(5);
        }
    }

    private static boolean allowed(final NodeTables tables, final String from, final String to) throws Exception
    {
        final long[] src = PolicyCompiler.key(InetAddress.getByName(from));
        final long[] dst = PolicyCompiler.key(InetAddress.getByName(to));
        final PolicySnapshot policy = tables.policy();
        final int endpoint = policy.endpointOf(dst[0], dst[1]);
        assertTrue(endpoint >= 0, to + " is no local endpoint in generation " + tables.generation());
        return PolicyVerdict.allows(policy.checkIngress(endpoint, policy.identityOf(src[0], src[1]), src[0], src[1],
            IpProtocol.TCP, 80));
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
                + result.stderr());
        }
    }
}
