package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.control.metrics.LatencyHistogram;
import dev.sluice.control.metrics.Labels;
import dev.sluice.control.metrics.SluiceMetrics;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * {@code sluice status} against an in-process agent endpoint: /status and /metrics summarised on one screen.
 */
class StatusCommandTest
{
    private AgentFixture agent;

    @BeforeEach
    void start() throws Exception
    {
        agent = new AgentFixture();
        final var r = agent.registry;
        for (final int worker : new int[] { 0, 1 })
        {
            final Labels parse = Labels.of("worker", Integer.toString(worker), "stage", "parse");
            final Labels policy = Labels.of("worker", Integer.toString(worker), "stage", "policy");
            r.counter("sluice_stage_packets_total", "p", parse, () -> 1_000_000);
            r.counter("sluice_stage_packets_total", "p", policy, () -> 990_000);
            r.counter("sluice_stage_nanoseconds_total", "n", parse, () -> 21_000_000);
            r.counter("sluice_stage_nanoseconds_total", "n", policy, () -> 47_520_000);
            r.gauge("sluice_conntrack_entries", "c", Labels.of("worker", Integer.toString(worker)), () -> 300);
            r.gauge("sluice_conntrack_capacity", "c", Labels.of("worker", Integer.toString(worker)), () -> 65536);
        }
        final Counters drops = new Counters(DropReason.MAX_CODES);
        drops.addRelease(DropReason.IPV4_BAD_CHECKSUM.code(), 12);
        drops.addRelease(DropReason.TCP_TRUNCATED.code(), 30);
        SluiceMetrics.drops(r, 0, drops);
        SluiceMetrics.verdictEvents(r, agent.events);
        SluiceMetrics.flowStream(r, agent.flows);
        final LatencyHistogram apply = LatencyHistogram.withDefaultBounds();
        for (int i = 0; i < 98; i++)
        {
            apply.recordNs(3_000_000);
        }
        apply.recordNs(40_000_000);
        apply.recordNs(400_000_000);
        SluiceMetrics.applyLatency(r, apply);
    }

    @AfterEach
    void stop()
    {
        agent.close();
    }

    @Test
    void summarisesTheNodeOnOneScreen()
    {
        agent.readiness.markReady();
        final AgentFixture.Run run = AgentFixture.run("status", "--server", agent.url());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("""
            Node:           node-a (sluice 0.1.0, up 1h2m3s, HTTP on io_uring)
            Ready:          yes
            Interfaces:
              NAME             ROLE    XDP      QUEUES     PROG
              eth0             uplink  native        2       42
              lxc1a2b3c        pod     generic       1       42
            Tables:
              NAME             GENERATION    ENTRIES   CAPACITY
              policy                   17       1234      65536
              services                 17         40       4096
            Workers:        #0(cpu 2, gen 17) #1(cpu 3, gen 17)
            Stages (all workers):
              STAGE                   PACKETS     NS/PKT
              parse                   2000000       21.0
              policy                  1980000       48.0
            Drops:          42 (TCP_TRUNCATED 30, IPV4_BAD_CHECKSUM 12)
            Conntrack:      600 / 131072 entries
            Verdict events: 0 published, 0 dropped (ring full)
            Policy log:     allow 0 (suppressed 0), deny 0 (suppressed 0), errors 0
            Flow stream:    0 followers, 0 flows skipped, 0 followers dropped
            Apply latency:  100 applies, p50 <= 5.0 ms, p99 <= 50.0 ms
            Counters:
              rx_frames                        123456
              tx_frames                        120001
            """, run.stdout());
    }

    @Test
    void exitsThreeWhenNotReadyAndOneWhenUnreachable()
    {
        agent.readiness.markNotReady("waiting for informer sync");
        final AgentFixture.Run run = AgentFixture.run("status", "--server", agent.url());
        assertEquals(3, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("Ready:          no (waiting for informer sync)\n"), run.stdout());
        final int port = agent.server.port();
        agent.server.close();
        final AgentFixture.Run down = AgentFixture.run("status", "--server", "http://127.0.0.1:" + port + "/");
        assertEquals(1, down.exitCode());
        assertTrue(down.stderr().startsWith("cannot read status from http://127.0.0.1:" + port), down.stderr());
    }
}
