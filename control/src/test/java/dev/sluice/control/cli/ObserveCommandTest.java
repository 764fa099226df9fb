package dev.sluice.control.cli;

import static dev.sluice.control.logging.LoggingFixtures.AGENT;
import static dev.sluice.control.logging.LoggingFixtures.CLIENT;
import static dev.sluice.control.logging.LoggingFixtures.OUTSIDE;
import static dev.sluice.control.logging.LoggingFixtures.REPORT;
import static dev.sluice.control.logging.LoggingFixtures.WEB;
import static dev.sluice.control.logging.LoggingFixtures.allowNew;
import static dev.sluice.control.logging.LoggingFixtures.deny;
import static dev.sluice.control.logging.LoggingFixtures.publish;
import static dev.sluice.fastpath.event.VerdictEvent.DIRECTION_EGRESS;
import static dev.sluice.fastpath.event.VerdictEvent.DIRECTION_INGRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.status.DropReason;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice observe} against an in-process agent endpoint fed with synthetic verdict events.
 */
class ObserveCommandTest
{
    private AgentFixture agent;

    @BeforeEach
    void start() throws Exception
    {
        agent = new AgentFixture();
        // The stream stamps a flow with the wall time it consumed it: one millisecond apart.
        allowNew(agent.events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 8080, 7);
        agent.flows.doWork();
        agent.clock.advanceMs(1);
        deny(agent.events, DIRECTION_INGRESS, OUTSIDE, 50000, WEB, 9090);
        agent.flows.doWork();
        agent.clock.advanceMs(1);
        publish(agent.events, VerdictEvent.VERDICT_ALLOW, DIRECTION_EGRESS, VerdictEvent.FLAG_NEW, AGENT, 33000,
            REPORT, 53, 17, -1, 0);
        agent.flows.doWork();
        agent.clock.advanceMs(1);
        publish(agent.events, VerdictEvent.VERDICT_DENY, DIRECTION_INGRESS, 0, "2001:2::99", 1, "2001:2::50", 443, 6,
            -1, DropReason.TCP_BAD_DATA_OFFSET.code());
        agent.flows.doWork();
    }

    @AfterEach
    void stop()
    {
        if (agent != null)
        {
            agent.close();
        }
    }

    @Test
    void printsOneReadableLinePerFlow()
    {
        final AgentFixture.Run run = AgentFixture.run("observe", "--server", agent.url());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("""
            2026-11-18T11:23:20.000000000Z client-7d4b9c8f6d-abcde(prod) :40000 -> web-0(prod) :8080 TCP ALLOWED by policy prod/allow-web
            2026-11-18T11:23:20.001000000Z 198.19.7.7 :50000 -> web-0(prod) :9090 TCP DENIED
            2026-11-18T11:23:20.002000000Z agent-x7k2p(dev) :33000 -> report-28930000-q4x8z(dev) :53 UDP ALLOWED
            2026-11-18T11:23:20.003000000Z 2001:2::99 :1 -> bare(dev) :443 TCP DENIED (TCP_BAD_DATA_OFFSET)
            """, run.stdout());
    }

    @Test
    void filtersAreSentToTheAgent()
    {
        assertEquals(List.of(":9090"), dports(AgentFixture.run("observe", "--server", agent.url(), "--verdict", "DENIED",
            "--pod", "prod/web-0")));
        assertEquals(List.of(":53"), dports(AgentFixture.run("observe", "--server", agent.url(), "--protocol", "udp")));
        assertEquals(List.of(":53", ":443"), dports(AgentFixture.run("observe", "--server", agent.url(), "--namespace",
            "dev")));
        assertEquals(List.of(":8080"), dports(AgentFixture.run("observe", "--server", agent.url(), "--port", "40000")));
        assertEquals(List.of(":53", ":443"), dports(AgentFixture.run("observe", "--server", agent.url(), "--last", "2")));
    }

    private static List<String> dports(final AgentFixture.Run run)
    {
        assertEquals(0, run.exitCode(), run.stderr());
        return run.stdout().lines().map(l -> l.split(" ")[5]).toList();
    }

    @Test
    void jsonOutputIsTheFlowLine()
    {
        final AgentFixture.Run run = AgentFixture.run("observe", "--server", agent.url(), "-o", "json", "--port", "9090");
        assertEquals(0, run.exitCode(), run.stderr());
        final var flow = JsonMapper.builder().build().readTree(run.stdout());
        assertEquals("DENIED", flow.get("verdict").asString());
        assertEquals("web-0", flow.get("dest").get("pod_name").asString());
        assertEquals("StatefulSet", flow.get("dest").get("workload_kind").asString());
    }

    @Test
    void followPrintsNewFlowsAsTheyArrive() throws Exception
    {
        final PrintStream oldOut = System.out;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try
        {
            final CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> SluiceCli.commandLine().execute(
                "observe", "--server", agent.url(), "--follow", "--last", "0", "--verdict", "allowed",
                "--max-flows", "2"));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (agent.flows.subscriberCount() == 0)
            {
                assertTrue(System.nanoTime() < deadline, "observe never subscribed");
                Thread.onSpinWait();
            }
            deny(agent.events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 1111);
            allowNew(agent.events, DIRECTION_INGRESS, CLIENT, 2, WEB, 2222, 7);
            allowNew(agent.events, DIRECTION_INGRESS, CLIENT, 3, WEB, 3333, 7);
            agent.flows.doWork();
            assertEquals(0, exit.get(20, TimeUnit.SECONDS));
        }
        finally
        {
            System.setOut(oldOut);
        }
        final List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("web-0(prod) :2222 TCP ALLOWED by policy prod/allow-web"), lines.get(0));
        assertTrue(lines.get(1).contains(":3333"), lines.get(1));
    }

    @Test
    void reportsAnUnreachableAgentAndABadFilter()
    {
        final AgentFixture.Run bad = AgentFixture.run("observe", "--server", agent.url(), "--verdict", "maybe");
        assertEquals(1, bad.exitCode());
        assertEquals(agent.url() + " answered 400: verdict must be allowed or denied, not 'maybe'\n", bad.stderr());
        final int port = agent.server.port();
        agent.close();
        final AgentFixture.Run down = AgentFixture.run("observe", "--server", "http://127.0.0.1:" + port);
        assertEquals(1, down.exitCode());
        assertTrue(down.stderr().startsWith("cannot read flows from http://127.0.0.1:" + port), down.stderr());
        agent = null;
    }
}
