package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.cli.AgentCommand;
import dev.sluice.control.cli.SluiceCli;
import dev.sluice.control.metrics.NodeStatus;
import picocli.CommandLine;

class AgentCommandTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Path exampleState() throws Exception
    {
        return Path.of(getClass().getResource("/examples/three-namespaces.yaml").toURI());
    }

    @Test
    void offlineAgentInstallsTheStateFileAndBecomesReady() throws Exception
    {
        final CommandLine cli = SluiceCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute("agent", "--node", "node-1", "--state", exampleState().toString(),
            "--http-port", "0", "--http-address", "127.0.0.1", "--log-file", dir.resolve("p.log").toString(),
            "--exit-when-ready");
        assertEquals(0, exit, err::toString);
        assertTrue(out.toString().contains("ready: install generation 1 on node node-1: 3 namespaces, 2 nodes, 6 pods"),
            out::toString);
    }

    @Test
    void theAgentServesReadinessStatusAndApplyLatencyOnceEveryWorkerRunsTheTables() throws Exception
    {
        final CommandLine cli = SluiceCli.commandLine();
        cli.parseArgs("agent", "--node", "node-1", "--state", exampleState().toString(), "--workers", "3",
            "--no-dataplane", "--http-port", "0", "--http-address", "127.0.0.1", "--log-file",
            dir.resolve("policy_action.log").toString());
        final AgentCommand command = cli.getSubcommands().get("agent").getCommand();
        try (AgentProcess process = command.launch(); HttpClient http = HttpClient.newHttpClient())
        {
            final String base = "http://127.0.0.1:" + process.httpPort();
            final long deadline = System.nanoTime() + DEADLINE.toNanos();
            HttpResponse<String> ready = get(http, base + "/readyz");
            while (ready.statusCode() != 200)
            {
                assertEquals(503, ready.statusCode(), ready::body);
                assertTrue(System.nanoTime() < deadline, "not ready: " + ready.body());
                Thread.sleep(10);
                ready = get(http, base + "/readyz");
            }
            final TablePublisher publisher = (TablePublisher)process.sink();
            assertEquals(3, publisher.workers().size());
            for (final var worker : publisher.workers())
            {
                assertEquals(1, worker.installedGeneration(), "ready means every worker runs generation 1");
            }

            final NodeStatus status = NodeStatus.fromJson(get(http, base + "/status").body());
            assertEquals("node-1", status.nodeName());
            assertTrue(status.ready());
            assertEquals(3, status.workers().size());
            assertTrue(status.workers().stream().allMatch(w -> w.installedGeneration() == 1), status::toString);
            assertEquals(1L, status.counters().get("installed_generation"));
            assertTrue(status.tables().stream().anyMatch(t -> t.name().equals("endpoints") && t.generation() == 1
                && t.entries() == 3), status::toString);

            final String metrics = get(http, base + "/metrics").body();
            assertTrue(metrics.contains("# TYPE sluice_apply_latency_seconds histogram"), metrics);
            assertTrue(metrics.contains("sluice_apply_latency_seconds_count 1"), metrics);
            assertTrue(metrics.contains("sluice_tables_installed_generation{worker=\"2\"} 1"), metrics);
            assertTrue(metrics.contains("sluice_verdict_events_total{result=\"dropped\"} 0"), metrics);
            assertTrue(metrics.contains("sluice_policy_log_records_total{disposition=\"allow\"} 0"), metrics);
            assertTrue(metrics.contains("sluice_flow_stream_subscribers 0"), metrics);
            assertEquals(200, get(http, base + "/healthz").statusCode());
        }
    }

    @Test
    void aMissingNodeNameIsABadArgument()
    {
        final CommandLine cli = SluiceCli.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("agent", "--node", "", "--state", "nothing.yaml", "--exit-when-ready"));
    }

    private static HttpResponse<String> get(final HttpClient http, final String url) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
