package dev.sluice.control.logging;

import static dev.sluice.control.logging.LoggingFixtures.AGENT;
import static dev.sluice.control.logging.LoggingFixtures.BARE;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.model.NetworkLoggingInfo;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Policy action logging driven through the real verdict ring with an injected clock: what is logged, how often,
 * in which exact JSON shape, and where it goes.
 */
class PolicyActionLoggerTest
{
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long WALL_BASE_NS = 1_795_000_000_123_456_789L;

    @TempDir
    Path dir;

    private final LoggingFixtures.ManualClock clock = new LoggingFixtures.ManualClock();
    private final VerdictEvents events = new VerdictEvents(1024);
    private final List<PolicyActionLogger> loggers = new ArrayList<>();

    @BeforeEach
    void start()
    {
        loggers.clear();
    }

    @AfterEach
    void stop()
    {
        loggers.forEach(PolicyActionLogger::close);
    }

    private PolicyActionLogger logger(final NetworkLoggingConfig config, final long rate, final long maxBytes,
        final int backups) throws Exception
    {
        final PolicyActionLogger.Settings settings = new PolicyActionLogger.Settings("node-a", dir.resolve("policy_action.log"),
            maxBytes, backups, 5_000_000_000L, rate, 1000);
        final PolicyActionLogger logger = new PolicyActionLogger(events, settings, LoggingFixtures.metadata(),
            clock::nanoTime, () -> WALL_BASE_NS + clock.nanoTime(), null);
        logger.config(config);
        loggers.add(logger);
        return logger;
    }

    private PolicyActionLogger logger(final NetworkLoggingConfig config) throws Exception
    {
        return logger(config, 500, 10 << 20, 3);
    }

    private List<JsonNode> records() throws Exception
    {
        final List<JsonNode> out = new ArrayList<>();
        for (final String line : Files.readAllLines(dir.resolve("policy_action.log")))
        {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static final NetworkLoggingConfig ALLOW = new NetworkLoggingConfig(true, false, false, false);
    private static final NetworkLoggingConfig DENY = new NetworkLoggingConfig(false, false, true, false);

    @Test
    void allowIsLoggedOncePerConnectionWithEveryFieldExactly() throws Exception
    {
        final PolicyActionLogger logger = logger(ALLOW);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 8080, 7);
        // The same connection's later packets and its replies carry no FLAG_NEW: not logged again.
        publish(events, VerdictEvent.VERDICT_ALLOW, DIRECTION_INGRESS, 0, CLIENT, 40000, WEB, 8080, 6, 7, 0);
        publish(events, VerdictEvent.VERDICT_ALLOW, DIRECTION_INGRESS, VerdictEvent.FLAG_REPLY, WEB, 8080, CLIENT,
            40000, 6, 7, 0);
        assertEquals(3, logger.doWork());

        final List<String> lines = Files.readAllLines(dir.resolve("policy_action.log"));
        assertEquals(1, lines.size());
        final String expected = "{\"connection\":{\"src_ip\":\"198.18.0.10\",\"dest_ip\":\"198.18.0.20\","
            + "\"src_port\":40000,\"dest_port\":8080,\"protocol\":\"tcp\",\"direction\":\"ingress\"},"
            + "\"disposition\":\"allow\","
            + "\"policies\":[{\"name\":\"allow-web\",\"namespace\":\"prod\",\"kind\":\"NetworkPolicy\"}],"
            + "\"src\":{\"pod_name\":\"client-7d4b9c8f6d-abcde\",\"pod_namespace\":\"prod\",\"namespace\":\"prod\","
            + "\"workload_kind\":\"Deployment\",\"workload_name\":\"client\"},"
            + "\"dest\":{\"pod_name\":\"web-0\",\"pod_namespace\":\"prod\",\"namespace\":\"prod\","
            + "\"workload_kind\":\"StatefulSet\",\"workload_name\":\"web\"},"
            + "\"count\":1,\"node_name\":\"node-a\",\"timestamp\":\"2026-11-18T11:23:20.123456789Z\"}";
        final JsonNode record = JSON.readTree(lines.getFirst());
        assertEquals(JSON.readTree(expected), record);
        assertEquals(expected, lines.getFirst(), "field order as documented");
        assertEquals(WALL_BASE_NS + clock.nanoTime(), FlowText.parseRfc3339(record.get("timestamp").asString()));
        assertEquals(1, logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
        assertEquals(3, logger.counter(PolicyActionLogger.COUNTER_EVENTS));
    }

    @Test
    void allowWithoutARuleIsNoPolicyActionAndNonPodsAreInstances() throws Exception
    {
        final PolicyActionLogger logger = logger(ALLOW);
        allowNew(events, DIRECTION_EGRESS, BARE, 1234, OUTSIDE, 53, -1);
        publish(events, VerdictEvent.VERDICT_ALLOW, DIRECTION_INGRESS, VerdictEvent.FLAG_NEW, "2001:2::99", 5555,
            "2001:2::50", 443, 17, 8, 0);
        logger.doWork();
        final List<JsonNode> records = records();
        assertEquals(1, records.size());
        final JsonNode r = records.getFirst();
        assertEquals("2001:2::99", r.get("connection").get("src_ip").asString());
        assertEquals("udp", r.get("connection").get("protocol").asString());
        assertEquals(JSON.readTree("{\"instance\":\"2001:2::99\"}"), r.get("src"));
        assertEquals("bare", r.get("dest").get("pod_name").asString());
        assertEquals("Pod", r.get("dest").get("workload_kind").asString());
        assertEquals("bare", r.get("dest").get("workload_name").asString());
        assertEquals("allow-dev", r.get("policies").get(0).get("name").asString());
    }

    @Test
    void deniesAreAggregatedPerWindowWithACount() throws Exception
    {
        final PolicyActionLogger logger = logger(DENY);
        final long opened = clock.nanoTime();
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50000, WEB, 8080);
        logger.doWork();
        clock.advanceMs(1000);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50001, WEB, 8080); // another source port: same aggregate
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50002, WEB, 9090); // another destination port: its own
        logger.doWork();
        clock.advanceMs(2000);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50003, WEB, 8080);
        logger.doWork();
        clock.advanceMs(1999); // 4.999 s after the first deny: the window is still open
        logger.doWork();
        assertEquals(0, Files.size(dir.resolve("policy_action.log")));
        assertEquals(2, logger.openDenyAggregates());

        clock.advanceMs(1);
        logger.doWork();
        List<JsonNode> records = records();
        assertEquals(1, records.size());
        final JsonNode first = records.getFirst();
        assertEquals("deny", first.get("disposition").asString());
        assertEquals(3, first.get("count").asLong());
        assertEquals(50000, first.get("connection").get("src_port").asInt());
        assertEquals(8080, first.get("connection").get("dest_port").asInt());
        assertEquals(0, first.get("policies").size());
        assertEquals(JSON.readTree("{\"instance\":\"198.19.7.7\"}"), first.get("src"));
        assertEquals(WALL_BASE_NS + opened, FlowText.parseRfc3339(first.get("timestamp").asString()));

        clock.advanceMs(1000);
        logger.doWork();
        records = records();
        assertEquals(2, records.size());
        assertEquals(9090, records.get(1).get("connection").get("dest_port").asInt());
        assertEquals(1, records.get(1).get("count").asLong());

        // After its window closed, the next deny of the same key opens a new window.
        deny(events, DIRECTION_INGRESS, OUTSIDE, 50004, WEB, 8080);
        logger.doWork();
        assertEquals(1, logger.openDenyAggregates());
        assertEquals(2, logger.counter(PolicyActionLogger.COUNTER_DENY_LOGGED));
    }

    @Test
    void parseDropsAreNotPolicyActions() throws Exception
    {
        final PolicyActionLogger logger = logger(DENY);
        publish(events, VerdictEvent.VERDICT_DENY, DIRECTION_INGRESS, 0, OUTSIDE, 1, WEB, 80, 6, -1,
            dev.sluice.fastpath.status.DropReason.IPV4_BAD_CHECKSUM.code());
        logger.doWork();
        assertEquals(0, logger.openDenyAggregates());
    }

    @Test
    void rateLimitSuppressesRecordsAndCountsAllowAndDenySeparately() throws Exception
    {
        final PolicyActionLogger logger = logger(new NetworkLoggingConfig(true, false, true, false), 2, 1 << 20, 1);
        for (int i = 0; i < 5; i++)
        {
            allowNew(events, DIRECTION_INGRESS, CLIENT, 41000 + i, WEB, 8080, 7);
        }
        logger.doWork();
        assertEquals(2, logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
        assertEquals(3, logger.counter(PolicyActionLogger.COUNTER_ALLOW_SUPPRESSED));

        // Three deny windows open now; when they close 5 s later the bucket holds 2 tokens (one second's worth).
        deny(events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 1);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 2);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 3);
        logger.doWork();
        clock.advanceMs(5000);
        logger.doWork();
        assertEquals(2, logger.counter(PolicyActionLogger.COUNTER_DENY_LOGGED));
        assertEquals(1, logger.counter(PolicyActionLogger.COUNTER_DENY_SUPPRESSED));
        assertEquals(3, logger.counter(PolicyActionLogger.COUNTER_ALLOW_SUPPRESSED));

        // Half a second refills one token.
        clock.advanceMs(500);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 42000, WEB, 8080, 7);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 42001, WEB, 8080, 7);
        logger.doWork();
        assertEquals(3, logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
        assertEquals(4, logger.counter(PolicyActionLogger.COUNTER_ALLOW_SUPPRESSED));
        assertEquals(5, records().size());
    }

    @Test
    void allowDelegateLogsOnlyAnnotatedPolicies() throws Exception
    {
        final PolicyActionLogger logger = logger(new NetworkLoggingConfig(true, true, false, false));
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 8080, 7);    // prod/allow-web: annotated
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40001, AGENT, 8080, 8);  // dev/allow-dev: not annotated
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40002, AGENT, 8080, 99); // unknown rule: no policy to ask
        logger.doWork();
        final List<JsonNode> records = records();
        assertEquals(1, records.size());
        assertEquals("allow-web", records.getFirst().get("policies").get(0).get("name").asString());

        // Without delegate every rule's allows are logged.
        logger.config(ALLOW);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40001, AGENT, 8080, 8);
        logger.doWork();
        assertEquals(2, records().size());
    }

    @Test
    void denyDelegateAsksTheDestinationNamespaceForIngressAndTheSourceNamespaceForEgress() throws Exception
    {
        final PolicyActionLogger logger = logger(new NetworkLoggingConfig(false, false, true, true));
        deny(events, DIRECTION_INGRESS, AGENT, 1, WEB, 80);      // into prod (annotated): logged
        deny(events, DIRECTION_INGRESS, CLIENT, 2, REPORT, 81);  // into dev: not
        deny(events, DIRECTION_EGRESS, AGENT, 3, WEB, 82);       // out of dev: not
        deny(events, DIRECTION_EGRESS, CLIENT, 4, OUTSIDE, 83);  // out of prod: logged
        deny(events, DIRECTION_INGRESS, OUTSIDE, 5, CLIENT, 84); // into prod from a non-pod: logged
        deny(events, DIRECTION_EGRESS, OUTSIDE, 6, CLIENT, 85);  // "source" is no pod: no namespace to ask
        logger.doWork();
        clock.advanceMs(5000);
        logger.doWork();
        final List<Integer> ports = records().stream().map(r -> r.get("connection").get("dest_port").asInt()).toList();
        assertEquals(List.of(80, 83, 84), ports);
        final JsonNode report = JSON.readTree(Files.readAllLines(dir.resolve("policy_action.log")).get(0));
        assertEquals("egress", records().get(1).get("connection").get("direction").asString());
        assertEquals("DaemonSet", report.get("src").get("workload_kind").asString());
        assertEquals("agent", report.get("src").get("workload_name").asString());
    }

    @Test
    void nothingIsLoggedWhenDisabled() throws Exception
    {
        final PolicyActionLogger logger = logger(NetworkLoggingConfig.DISABLED);
        allowNew(events, DIRECTION_INGRESS, CLIENT, 40000, WEB, 8080, 7);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 80);
        logger.doWork();
        clock.advanceMs(6000);
        logger.doWork();
        assertEquals(0, Files.size(dir.resolve("policy_action.log")));
        assertEquals(2, logger.counter(PolicyActionLogger.COUNTER_EVENTS));
    }

    @Test
    void rotatesBySizeKeepingNumberedBackups() throws Exception
    {
        // Allow records of this fixture are 574 bytes with the newline (5-digit source ports): four fit in 2300.
        final PolicyActionLogger logger = logger(ALLOW, 1000, 2300, 2);
        for (int i = 0; i < 14; i++)
        {
            allowNew(events, DIRECTION_INGRESS, CLIENT, 40000 + i, WEB, 8080, 7);
        }
        logger.doWork();
        final Path log = dir.resolve("policy_action.log");
        assertTrue(Files.exists(log.resolveSibling("policy_action.log.1")));
        assertTrue(Files.exists(log.resolveSibling("policy_action.log.2")));
        assertFalse(Files.exists(log.resolveSibling("policy_action.log.3")));
        // 14 records: 4 (dropped with the oldest file) + 4 (.2) + 4 (.1) + 2 (current).
        assertEquals(List.of(40004, 40005, 40006, 40007), srcPorts(log.resolveSibling("policy_action.log.2")));
        assertEquals(List.of(40008, 40009, 40010, 40011), srcPorts(log.resolveSibling("policy_action.log.1")));
        assertEquals(List.of(40012, 40013), srcPorts(log));
        assertEquals(4 * 574, Files.size(log.resolveSibling("policy_action.log.1")));
        assertEquals(2 * 574, Files.size(log));
        for (final String name : List.of("policy_action.log", "policy_action.log.1", "policy_action.log.2"))
        {
            assertTrue(Files.size(dir.resolve(name)) <= 2300, name + " is " + Files.size(dir.resolve(name)));
        }
        assertEquals(14, logger.counter(PolicyActionLogger.COUNTER_ALLOW_LOGGED));
    }

    private static List<Integer> srcPorts(final Path file) throws Exception
    {
        final List<Integer> out = new ArrayList<>();
        for (final String line : Files.readAllLines(file))
        {
            out.add(JSON.readTree(line).get("connection").get("src_port").asInt());
        }
        return out;
    }

    @Test
    void echoesToStdoutAndWritesOpenWindowsOnClose() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PolicyActionLogger.Settings settings = new PolicyActionLogger.Settings("node-b", null, 1, 0,
            5_000_000_000L, 500, 1000);
        final PolicyActionLogger logger = new PolicyActionLogger(events, settings, LoggingFixtures.metadata(),
            clock::nanoTime, clock::nanoTime, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        logger.config(DENY);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 1, WEB, 80);
        deny(events, DIRECTION_INGRESS, OUTSIDE, 2, WEB, 80);
        logger.doWork();
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
        logger.close();
        final String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(1, lines.length);
        final JsonNode record = JSON.readTree(lines[0]);
        assertEquals(2, record.get("count").asLong());
        assertEquals("node-b", record.get("node_name").asString());
    }

    @Test
    void configComesFromTheObjectNamedDefaultWithCrdDefaults()
    {
        assertEquals(NetworkLoggingConfig.DISABLED, NetworkLoggingConfig.from(List.of()));
        assertEquals(NetworkLoggingConfig.DISABLED, NetworkLoggingConfig.from(List.of(new NetworkLoggingInfo("other",
            java.util.Map.of("cluster", java.util.Map.of("allow", java.util.Map.of("log", true)))))));
        assertEquals(new NetworkLoggingConfig(true, false, true, true), NetworkLoggingConfig.from(List.of(
            new NetworkLoggingInfo("default", java.util.Map.of("cluster", java.util.Map.of(
                "allow", java.util.Map.of("log", true),
                "deny", java.util.Map.of("log", true, "delegate", true)))))));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
            NetworkLoggingConfig.from(new NetworkLoggingInfo("default",
                java.util.Map.of("cluster", java.util.Map.of("deny", java.util.Map.of("log", "yes"))))));
        assertEquals("NetworkLogging spec.cluster.deny.log must be a boolean, not 'yes'", e.getMessage());
    }
}
