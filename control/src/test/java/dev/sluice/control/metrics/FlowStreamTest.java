package dev.sluice.control.metrics;

import static dev.sluice.control.logging.LoggingFixtures.CLIENT;
import static dev.sluice.control.logging.LoggingFixtures.OUTSIDE;
import static dev.sluice.control.logging.LoggingFixtures.WEB;
import static dev.sluice.control.logging.LoggingFixtures.allowNew;
import static dev.sluice.control.logging.LoggingFixtures.deny;
import static dev.sluice.fastpath.event.VerdictEvent.DIRECTION_INGRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.control.logging.LoggingFixtures;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The flow stream: bounded history, filters, replay-then-follow without gaps, and slow subscribers skipped and
 * dropped without holding anyone up.
 */
class FlowStreamTest
{
    private final VerdictEvents events = new VerdictEvents(256);
    private final LoggingFixtures.ManualClock clock = new LoggingFixtures.ManualClock();

    private FlowStream stream(final int capacity, final int maxSkips) throws Exception
    {
        return new FlowStream(events, capacity, maxSkips, "node-a", LoggingFixtures.metadata(), clock::nanoTime);
    }

    private static final class ListSink implements FlowStream.FlowSink
    {
        final List<Flow> taken = new ArrayList<>();
        boolean accept = true;
        boolean open = true;
        int flushes;

        @Override
        public boolean offer(final Flow flow)
        {
            if (accept)
            {
                taken.add(flow);
            }
            return accept;
        }

        @Override
        public void flush()
        {
            flushes++;
        }

        @Override
        public boolean isOpen()
        {
            return open;
        }

        @Override
        public void close()
        {
            open = false;
        }
    }

    @Test
    void keepsTheLastFlowsAndRendersThemAsJson() throws Exception
    {
        final FlowStream stream = stream(4, 10);
        for (int i = 0; i < 6; i++)
        {
            allowNew(events, DIRECTION_INGRESS, CLIENT, 40000 + i, WEB, 8080, 7);
        }
        assertEquals(6, stream.doWork());
        final List<Flow> recent = stream.recent(FlowFilter.ALL, 100);
        assertEquals(List.of(40002, 40003, 40004, 40005), recent.stream().map(Flow::srcPort).toList());
        assertEquals(List.of(40004, 40005), stream.recent(FlowFilter.ALL, 2).stream().map(Flow::srcPort).toList());
        final JsonNode json = JsonMapper.builder().build().readTree(recent.getFirst().json());
        assertEquals("ALLOWED", json.get("verdict").asString());
        assertEquals("client-7d4b9c8f6d-abcde", json.get("src").get("pod_name").asString());
        assertEquals("allow-web", json.get("policy").get("name").asString());
        assertEquals("new", json.get("flags").get(0).asString());
        assertTrue(json.get("drop_reason").isNull());
        assertEquals(FlowTextTimestamp.of(clock.nanoTime()), json.get("time").asString());
        stream.close();
    }

    @Test
    void filtersByPodNamespaceVerdictProtocolAndPort() throws Exception
    {
        final FlowStream stream = stream(64, 10);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 8080, 7);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50000, WEB, 9090);
        LoggingFixtures.publish(events, VerdictEvent.VERDICT_ALLOW, DIRECTION_INGRESS, 0, LoggingFixtures.AGENT, 53,
            LoggingFixtures.REPORT, 5353, 17, 8, 0);
        stream.doWork();
        assertEquals(List.of(8080, 9090), ports(stream, Map.of("pod", "web-0")));
        assertEquals(List.of(8080, 9090), ports(stream, Map.of("pod", "prod/web-0")));
        assertEquals(List.of(), ports(stream, Map.of("pod", "dev/web-0")));
        assertEquals(List.of(5353), ports(stream, Map.of("namespace", "dev")));
        assertEquals(List.of(9090), ports(stream, Map.of("verdict", "denied")));
        assertEquals(List.of(8080, 5353), ports(stream, Map.of("verdict", "ALLOWED")));
        assertEquals(List.of(5353), ports(stream, Map.of("protocol", "udp")));
        assertEquals(List.of(5353), ports(stream, Map.of("port", "53")));
        assertEquals(List.of(8080), ports(stream, Map.of("port", "40000", "namespace", "prod")));
        stream.close();
    }

    private static List<Integer> ports(final FlowStream stream, final Map<String, String> query)
    {
        final Map<String, List<String>> params = new java.util.HashMap<>();
        query.forEach((k, v) -> params.put(k, List.of(v)));
        return stream.recent(FlowFilter.fromQuery(params), 100).stream().map(Flow::dstPort).toList();
    }

    @Test
    void subscribersGetTheReplayThenEveryNewMatchingFlow() throws Exception
    {
        final FlowStream stream = stream(64, 10);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 1, WEB, 8080, 7);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 2, WEB, 8080, 7);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 3, WEB, 8080);
        stream.doWork();
        final ListSink sink = new ListSink();
        stream.subscribe(new FlowFilter(null, null, VerdictEvent.VERDICT_ALLOW, -1, -1), 1, sink);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 4, WEB, 8080, 7);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 5, WEB, 8080);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 6, WEB, 8080, 7);
        stream.doWork();
        assertEquals(List.of(2, 4, 6), sink.taken.stream().map(Flow::srcPort).toList());
        assertEquals(2, sink.flushes, "once after the replay, once after the batch");
        stream.unsubscribe(sink);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 7, WEB, 8080, 7);
        stream.doWork();
        assertEquals(3, sink.taken.size());
        stream.close();
    }

    @Test
    void aSlowSubscriberIsSkippedThenDroppedWhileOthersKeepReceiving() throws Exception
    {
        final FlowStream stream = stream(64, 3);
        final ListSink slow = new ListSink();
        final ListSink fast = new ListSink();
        stream.subscribe(FlowFilter.ALL, 0, slow);
        stream.subscribe(FlowFilter.ALL, 0, fast);
        slow.accept = false;
        allowNew(events, DIRECTION_INGRESS, CLIENT, 1, WEB, 8080, 7);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 2, WEB, 8080, 7);
        stream.doWork();
        assertEquals(2, stream.counter(FlowStream.COUNTER_SKIPPED));
        assertTrue(slow.open);
        slow.accept = true; // catches up: the run of skips resets
        allowNew(events, DIRECTION_INGRESS, CLIENT, 3, WEB, 8080, 7);
        stream.doWork();
        slow.accept = false;
        for (int i = 4; i <= 6; i++)
        {
            allowNew(events, DIRECTION_INGRESS, CLIENT, i, WEB, 8080, 7);
        }
        stream.doWork();
        assertFalse(slow.open, "closed after 3 refusals in a row");
        assertEquals(1, stream.counter(FlowStream.COUNTER_SUBSCRIBERS_DROPPED));
        assertEquals(5, stream.counter(FlowStream.COUNTER_SKIPPED));
        assertEquals(1, stream.subscriberCount());
        assertEquals(List.of(1, 2, 3, 4, 5, 6), fast.taken.stream().map(Flow::srcPort).toList());
        assertEquals(List.of(3), slow.taken.stream().map(Flow::srcPort).toList());
        stream.close();
        assertFalse(fast.open);
    }

    /** Timestamps as the stream writes them. */
    private static final class FlowTextTimestamp
    {
        static String of(final long epochNs)
        {
            return dev.sluice.control.logging.FlowText.rfc3339(epochNs);
        }
    }
}
