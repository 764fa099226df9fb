package dev.sluice.control.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import tools.jackson.databind.json.JsonMapper;

/**
 * The logger on its own thread (AgentRunner, as the agent runs it) behind four producer threads claiming from the
 * ring without waiting: every event is either consumed or counted as dropped by the ring, and every connection
 * consumed is logged exactly once.
 */
class PolicyActionLoggerThreadsTest
{
    @TempDir
    Path dir;

    @Test
    void everyPublishedNewConnectionIsLoggedOnceAndNothingIsLostSilently() throws Exception
    {
        final VerdictEvents events = new VerdictEvents(1024);
        final Path file = dir.resolve("policy_action.log");
        final PolicyActionLogger logger = new PolicyActionLogger(events,
            new PolicyActionLogger.Settings("node-a", file, 1L << 30, 1, 5_000_000_000L, 1_000_000_000L, 1000),
            LoggingFixtures.metadata(), new SystemNanoClock(), new SystemEpochNanoClock(), null);
        logger.config(new NetworkLoggingConfig(true, false, false, false));
        final List<Throwable> errors = new ArrayList<>();
        final AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), errors::add, null, logger);
        AgentRunner.startOnThread(runner);
        final int producers = 4;
        final int perProducer = 20_000;
        final long[] published = new long[producers];
        final List<Thread> threads = new ArrayList<>();
        try
        {
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                threads.add(Thread.ofPlatform().start(() ->
                {
                    for (int i = 0; i < perProducer; i++)
                    {
                        final long seq = events.tryClaim();
                        if (seq < 0)
                        {
                            continue; // dropped and counted by the ring
                        }
                        final VerdictEvent e = events.get(seq);
                        e.verdict = VerdictEvent.VERDICT_ALLOW;
                        e.direction = VerdictEvent.DIRECTION_INGRESS;
                        e.flags = VerdictEvent.FLAG_NEW;
                        e.protocol = 6;
                        e.srcHi = 0;
                        e.srcLo = 0x0000_FFFF_C612_000AL; // 198.18.0.10
                        e.dstHi = 0;
                        e.dstLo = 0x0000_FFFF_C612_0014L; // 198.18.0.20
                        e.srcPort = producer;             // the connection: (producer, i)
                        e.dstPort = i;
                        e.ruleId = 7;
                        events.publish(seq);
                        published[producer]++;
                    }
                }));
            }
            for (final Thread t : threads)
            {
                t.join();
            }
            final long total = published[0] + published[1] + published[2] + published[3];
            assertEquals(producers * perProducer, total + events.counter(VerdictEvents.COUNTER_DROPPED));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (logger.counter(PolicyActionLogger.COUNTER_EVENTS) < total)
            {
                assertTrue(System.nanoTime() < deadline, "consumed " + logger.counter(PolicyActionLogger.COUNTER_EVENTS)
                    + " of " + total);
                Thread.onSpinWait();
            }
            assertEquals(total, logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
        }
        finally
        {
            runner.close(); // onClose on the agent thread flushes and closes the file
        }
        assertEquals(List.of(), errors);
        final JsonMapper json = JsonMapper.builder().build();
        final Set<String> connections = new HashSet<>();
        for (final String line : Files.readAllLines(file))
        {
            final var c = json.readTree(line).get("connection");
            assertTrue(connections.add(c.get("src_port").asInt() + "/" + c.get("dest_port").asInt()), line);
        }
        assertEquals(logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED), connections.size());
    }
}
