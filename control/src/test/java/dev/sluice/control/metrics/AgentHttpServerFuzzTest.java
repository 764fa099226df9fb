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
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.control.logging.LoggingFixtures;
import dev.sluice.fastpath.event.VerdictEvents;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the routing and query parsing of the agent's HTTP endpoint ({@link AgentHttpServer}: {@code /metrics},
 * {@code /healthz}, {@code /readyz}, {@code /status}, {@code /flows?pod=..&namespace=..&verdict=..&protocol=..&port=
 * ..&last=..&follow=..}) and {@link FlowFilter#fromQuery}. The input is a request target (path and query, any
 * bytes); it is sent as {@code GET <target> HTTP/1.1} through a connection's real handlers (codec, aggregator,
 * router) on an {@code EmbeddedChannel}, with a flow stream holding six flows.
 *
 * <p>Invariants: no exception reaches the channel; every response is 200, 400, 404 (or 503 from {@code /readyz},
 * never a 500) with a body; a target of printable ASCII without spaces gets exactly one response; {@code /flows}
 * answers 400 exactly when {@link FlowFilter#fromQuery} or {@code last} refuses the query, naming the parameter, and
 * every flow line it returns matches the filter. Seeds ({@code AgentHttpServerFuzzTestInputs/routeAndFilter/}) are
 * the targets {@code sluice observe} and Prometheus request, and refused ones.
 */
@Tag("fuzz")
class AgentHttpServerFuzzTest
{
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static final Set<Integer> ALLOWED = Set.of(200, 400, 404, 503);
    private static final AgentHttpServer SERVER;
    private static final FlowStream FLOWS;

    static
    {
        try
        {
            final VerdictEvents events = new VerdictEvents(64);
            FLOWS = new FlowStream(events, 64, 100, "node-a", LoggingFixtures.metadata(), () -> 1_000L);
            for (int i = 0; i < 5; i++)
            {
                allowNew(events, DIRECTION_INGRESS, CLIENT, 40000 + i, WEB, 8080, 7);
            }
            deny(events, DIRECTION_INGRESS, OUTSIDE, 50000, WEB, 9090);
            FLOWS.doWork();
            final MetricsRegistry registry = new MetricsRegistry();
            SluiceMetrics.flowStream(registry, FLOWS);
            final Readiness readiness = new Readiness();
            readiness.markNotReady("tables not installed");
            SERVER = AgentHttpServer.unbound(registry, readiness, FLOWS, AgentHttpServerTest::sampleStatus);
        }
        catch (final Exception ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void routeAndFilter(final byte[] data)
    {
        final String target = new String(data, StandardCharsets.ISO_8859_1);
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<String> responses = new ArrayList<>();
        try
        {
            SERVER.initConnection(channel.pipeline());
            channel.writeInbound(Unpooled.copiedBuffer("GET " + target + " HTTP/1.1\r\nHost: node-a\r\n\r\n",
                StandardCharsets.ISO_8859_1));
            channel.runPendingTasks();
            channel.checkException();
            final StringBuilder out = new StringBuilder();
            for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound())
            {
                if (message instanceof ByteBuf buffer)
                {
                    out.append(buffer.toString(StandardCharsets.UTF_8));
                    buffer.release();
                }
            }
            final Matcher status = STATUS_LINE.matcher(out);
            int start = -1;
            int code = 0;
            while (status.find())
            {
                if (start >= 0)
                {
                    responses.add(code + out.substring(start, status.start()));
                }
                start = status.end();
                code = Integer.parseInt(status.group(1));
            }
            if (start >= 0)
            {
                responses.add(code + out.substring(start));
            }
        }
        finally
        {
            // Closing the channel unsubscribes a follower.
            channel.finishAndReleaseAll();
        }

        final boolean wellFormed = target.startsWith("/") && target.chars().allMatch(c -> c > 0x20 && c < 0x7F);
        if (wellFormed)
        {
            assertEquals(1, responses.size(), "responses to " + target + ": " + responses);
        }
        for (final String response : responses)
        {
            final int code = Integer.parseInt(response.substring(0, 3));
            assertTrue(ALLOWED.contains(code), "status " + code + " for " + target + ": " + response);
            final int body = response.indexOf("\r\n\r\n");
            assertTrue(body > 0, "no header end: " + response);
            if (code != 200 || !wellFormed || !target.startsWith("/flows"))
            {
                assertFalse(response.substring(body + 4).isBlank(), "empty body for " + code + " " + target);
            }
        }
        if (wellFormed)
        {
            checkFlows(target, responses.getFirst());
        }
    }

    /** The /flows answer agrees with the filter parsed on its own. */
    private static void checkFlows(final String target, final String response)
    {
        final QueryStringDecoder query = new QueryStringDecoder(target);
        final int code = Integer.parseInt(response.substring(0, 3));
        try
        {
            if (!"/flows".equals(query.path()))
            {
                return;
            }
        }
        catch (final IllegalArgumentException ex)
        {
            assertEquals(400, code, "a path with a bad escape must answer 400: " + target);
            return;
        }
        FlowFilter filter = null;
        String refusal = null;
        try
        {
            filter = FlowFilter.fromQuery(query.parameters());
        }
        catch (final IllegalArgumentException ex)
        {
            refusal = ex.getMessage();
            assertTrue(refusal != null && !refusal.isBlank(), "a refusal without a message");
        }
        if (refusal != null)
        {
            assertEquals(400, code, "/flows with a bad query must answer 400: " + target);
            assertTrue(response.contains(refusal), "the 400 names the refusal '" + refusal + "': " + response);
            return;
        }
        final List<String> last = query.parameters().get("last");
        final String lastText = last == null || last.isEmpty() ? "" : last.getFirst();
        final boolean lastBad = !lastText.isEmpty() && !fitsInt(lastText);
        if (lastBad)
        {
            assertEquals(400, code, "/flows with a bad query must answer 400: " + target);
            return;
        }
        assertEquals(200, code, "/flows with a good query: " + target + ": " + response);
        final String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        for (final Flow flow : FLOWS.recent(FlowFilter.ALL, Integer.MAX_VALUE))
        {
            final boolean listed = body.contains(flow.json());
            if (listed && !filter.matches(flow))
            {
                fail("/flows listed a flow the filter " + filter + " refuses: " + flow.json());
            }
        }
    }

    private static boolean fitsInt(final String text)
    {
        try
        {
            return Integer.parseInt(text) >= 0;
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }
}
