package dev.sluice.control.metrics;

import static dev.sluice.control.logging.LoggingFixtures.CLIENT;
import static dev.sluice.control.logging.LoggingFixtures.OUTSIDE;
import static dev.sluice.control.logging.LoggingFixtures.WEB;
import static dev.sluice.control.logging.LoggingFixtures.allowNew;
import static dev.sluice.control.logging.LoggingFixtures.deny;
import static dev.sluice.fastpath.event.VerdictEvent.DIRECTION_INGRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.control.logging.LoggingFixtures;
import dev.sluice.fastpath.event.VerdictEvents;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP endpoint over real sockets on 127.0.0.1 with java.net.http.HttpClient: io_uring chosen on this kernel,
 * epoll and NIO when forced by the system property, every route, flow streaming with filters, and a reader that
 * stops reading dropped without slowing another.
 */
class AgentHttpServerTest
{
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final VerdictEvents events = new VerdictEvents(256);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private final Readiness readiness = new Readiness();
    private final MetricsRegistry registry = new MetricsRegistry();
    private FlowStream flows;
    private AgentHttpServer server;

    static NodeStatus sampleStatus()
    {
        return new NodeStatus("node-a", "0.1.0", false, null, 3600, null,
            List.of(new NodeStatus.InterfaceStatus("eth0", "uplink", "native", 2, 42),
                new NodeStatus.InterfaceStatus("lxc1a2b", "pod", "generic", 1, 42)),
            List.of(new NodeStatus.TableStatus("policy", 17, 1234, 65536),
                new NodeStatus.TableStatus("conntrack", 0, 88, 262144)),
            List.of(new NodeStatus.WorkerStatus(0, 2, 17), new NodeStatus.WorkerStatus(1, 3, 17)),
            Map.of("verdict_events_dropped", 0L, "rx_packets", 123456L));
    }

    @BeforeEach
    void start() throws Exception
    {
        flows = new FlowStream(events, 1024, 100, "node-a", LoggingFixtures.metadata(), System::currentTimeMillis);
        SluiceMetrics.flowStream(registry, flows);
    }

    @AfterEach
    void stop()
    {
        if (server != null)
        {
            server.close();
        }
        flows.close();
        http.close();
    }

    private AgentHttpServer serve() throws Exception
    {
        server = AgentHttpServer.start(new InetSocketAddress("127.0.0.1", 0), 1, registry, readiness, flows,
            AgentHttpServerTest::sampleStatus);
        server.registerMetrics(registry);
        return server;
    }

    private HttpResponse<String> get(final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesOnIoUringByDefaultOnThisKernel() throws Exception
    {
        serve();
        assertEquals(HttpTransport.IO_URING, server.transport());
        assertEquals("ok\n", get("/healthz").body());
        assertTrue(get("/metrics").body().contains("sluice_http_transport_info{transport=\"io_uring\"} 1\n"));
    }

    @Test
    void fallsBackToEpollAndNioWhenForcedByTheSystemProperty() throws Exception
    {
        for (final HttpTransport forced : List.of(HttpTransport.EPOLL, HttpTransport.NIO))
        {
            System.setProperty(HttpTransport.PROPERTY, forced.name().toLowerCase(java.util.Locale.ROOT));
            try
            {
                server = AgentHttpServer.start(new InetSocketAddress("127.0.0.1", 0), 1, registry, readiness, flows,
                    null);
            }
            finally
            {
                System.clearProperty(HttpTransport.PROPERTY);
            }
            try
            {
                assertEquals(forced, server.transport());
                assertEquals("ok\n", get("/healthz").body());
                assertEquals(200, get("/metrics").statusCode());
                assertEquals(404, get("/status").statusCode());
            }
            finally
            {
                server.close();
                server = null;
            }
        }
    }

    @Test
    void healthReadinessMetricsStatusAndErrors() throws Exception
    {
        serve();
        final HttpResponse<String> notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals("not ready: starting\n", notReady.body());
        readiness.markReady();
        assertEquals(200, get("/readyz").statusCode());
        readiness.markNotReady("api server unreachable");
        assertEquals("not ready: api server unreachable\n", get("/readyz").body());
        readiness.markReady();

        final HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
            metrics.headers().firstValue("content-type").orElseThrow());
        assertTrue(metrics.body().contains("# TYPE sluice_flow_stream_subscribers gauge\nsluice_flow_stream_subscribers 0\n"),
            metrics.body());

        final HttpResponse<String> status = get("/status");
        assertEquals("application/json", status.headers().firstValue("content-type").orElseThrow());
        final NodeStatus parsed = NodeStatus.fromJson(status.body());
        assertEquals(new NodeStatus("node-a", "0.1.0", true, null, 3600, "IO_URING", sampleStatus().interfaces(),
            sampleStatus().tables(), sampleStatus().workers(), sampleStatus().counters()), parsed);
        final JsonNode raw = JSON.readTree(status.body());
        assertEquals("native", raw.get("interfaces").get(0).get("xdp_mode").asString());
        assertEquals(17, raw.get("workers").get(1).get("installed_generation").asLong());

        assertEquals(404, get("/nope").statusCode());
        assertEquals(400, get("/flows?verdict=maybe").statusCode());
        assertEquals("verdict must be allowed or denied, not 'maybe'\n", get("/flows?verdict=maybe").body());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void flowsReplaysFilteredHistoryAsJsonLines() throws Exception
    {
        serve();
        for (int i = 0; i < 5; i++)
        {
            allowNew(events, DIRECTION_INGRESS, CLIENT, 40000 + i, WEB, 8080, 7);
        }
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50000, WEB, 9090);
        flows.doWork();
        final HttpResponse<String> all = get("/flows");
        assertEquals("application/x-ndjson", all.headers().firstValue("content-type").orElseThrow());
        assertEquals(6, all.body().lines().count());
        final List<String> lines = get("/flows?verdict=allowed&last=2&pod=prod/web-0").body().lines().toList();
        assertEquals(2, lines.size());
        assertEquals(40003, JSON.readTree(lines.get(0)).get("src_port").asInt());
        assertEquals(40004, JSON.readTree(lines.get(1)).get("src_port").asInt());
        final JsonNode denied = JSON.readTree(get("/flows?verdict=denied").body());
        assertEquals("198.19.7.7", denied.get("src").get("instance").asString());
        assertEquals("", get("/flows?namespace=dev").body());
    }

    @Test
    void followStreamsNewFlowsAndASlowReaderIsDroppedWithoutHoldingUpOthers() throws Exception
    {
        serve();
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final HttpResponse<Stream<String>> follow = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/flows?follow=true&port=7777")).build(),
            HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, follow.statusCode());
        final Thread reader = Thread.ofVirtual().start(() -> follow.body().forEach(received::add));

        // A reader that asks to follow everything and then never reads.
        try (Socket slow = new Socket())
        {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress("127.0.0.1", server.port()));
            final OutputStream out = slow.getOutputStream();
            out.write("GET /flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitTrue(() -> flows.subscriberCount() == 2, "both followers subscribed");

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int published = 0;
            while (flows.counter(FlowStream.COUNTER_SUBSCRIBERS_DROPPED) == 0)
            {
                assertTrue(System.nanoTime() < deadline, "slow reader not dropped after " + published + " flows");
                for (int i = 0; i < 200; i++)
                {
                    allowNew(events, DIRECTION_INGRESS, CLIENT, 1000 + (published++ % 5000), WEB, 8080, 7);
                }
                flows.doWork();
            }
            assertTrue(flows.counter(FlowStream.COUNTER_SKIPPED) >= 100);
            assertEquals(1, flows.subscriberCount());

            allowNew(events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 7777, 7);
            flows.doWork();
            final String line = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "the other follower still receives");
            assertEquals(7777, JSON.readTree(line).get("dest_port").asInt());
            assertTrue(received.isEmpty(), "only the flows matching its filter");
            assertTrue(registry.scrape().contains("sluice_flow_stream_dropped_subscribers_total 1\n"));
        }
        follow.body().close();
        reader.interrupt();
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.onSpinWait();
            Thread.sleep(1);
        }
    }

    /**
     * Found by {@code AgentHttpServerFuzzTest}: a bad %-escape in the path threw out of the router, so the request
     * got no response at all and the client waited.
     */
    @Test
    void aBadEscapeInThePathIsABadRequest() throws Exception
    {
        serve();
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            socket.setSoTimeout(30_000);
            final OutputStream out = socket.getOutputStream();
            out.write("GET /fl%zzows HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 400 "), response);
            assertTrue(response.contains("bad request path: "), response);
        }
        assertEquals(200, get("/healthz").statusCode(), "the server still serves");
    }
}
