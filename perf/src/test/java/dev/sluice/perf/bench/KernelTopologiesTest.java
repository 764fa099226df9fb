package dev.sluice.perf.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import dev.sluice.testkit.KernelTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short real runs (1 s at 20 kpps after a 0.5 s warm-up) of the generator and sink through the kernel with
 * kube-proxy's rules and through the XDP ceiling, in throw-away namespaces.
 */
@KernelTest
class KernelTopologiesTest
{
    private static final long RATE_PPS = 20_000;
    private final XdpTrafficRunner runner = new XdpTrafficRunner(Duration.ofMillis(500), 0, 8);

    @Test
    void kubeProxyNftablesRulesDnatEveryFrameToTheBackendsAndNewFlowsFillConntrack() throws Exception
    {
        serviceTopologyDnatsAndTracksNewFlows("kernel-nft-1000");
    }

    @Test
    void kubeProxyIptablesRulesDnatEveryFrameToTheBackendsAndNewFlowsFillConntrack() throws Exception
    {
        serviceTopologyDnatsAndTracksNewFlows("kernel-ipt-1000");
    }

    @Test
    void xdpRedirectCeilingDeliversWithPlausibleLatency() throws Exception
    {
        final KernelTopologies.KernelTopology topology =
            (KernelTopologies.KernelTopology)KernelTopologies.byId("ceiling-xdp-redirect").open();
        try (topology)
        {
            assertEquals("ceiling", topology.group());
            assertFalse(topology.path().dataplanePids().isEmpty(), "the NAPI kthread is the DUT");
            final XdpTrafficRunner.Detail detail = runner.runDetailed(topology,
                new Measurement(64, Measurement.Flows.ESTABLISHED, RATE_PPS, Duration.ofSeconds(1)),
                topology.deliveredCidr(), topology.deliveredPort());
            assertDelivered(detail);
            assertEquals(detail.result().received(), detail.matched());
        }
        assertGone(topology);
    }

    @Test
    void largeFramesCarryTheRightLengthsThroughTheKernelForwarder() throws Exception
    {
        final KernelTopologies.KernelTopology topology =
            (KernelTopologies.KernelTopology)KernelTopologies.byId("kernel-forward").open();
        try (topology)
        {
            // the kernel drops IPv4 whose total length disagrees with the frame, or whose header checksum is wrong
            final XdpTrafficRunner.Detail detail = runner.runDetailed(topology,
                new Measurement(1400, Measurement.Flows.NEW, RATE_PPS, Duration.ofSeconds(1)),
                topology.deliveredCidr(), topology.deliveredPort());
            assertDelivered(detail);
            assertEquals(detail.result().received(), detail.matched());
        }
        assertGone(topology);
    }

    private void serviceTopologyDnatsAndTracksNewFlows(final String id) throws Exception
    {
        final KernelTopologies.KernelTopology topology = (KernelTopologies.KernelTopology)KernelTopologies.byId(id)
            .open();
        try (topology)
        {
            assertEquals("kernel", topology.group());
            assertEquals(1000, topology.services());
            assertEquals(KubeProxyRules.clusterIp(1000), topology.path().destinationIp());
            assertEquals(80, topology.path().destinationPort());

            final long before = topology.conntrackCount();
            final XdpTrafficRunner.Detail established = runner.runDetailed(topology,
                new Measurement(64, Measurement.Flows.ESTABLISHED, RATE_PPS, Duration.ofSeconds(1)),
                topology.deliveredCidr(), topology.deliveredPort());
            assertDelivered(established);
            // sent to the ClusterIP:80, every frame arrived addressed to a backend (198.18.1.0/29) port 8080
            assertEquals(established.result().received(), established.matched(), "DNAT of every frame");
            final long afterEstablished = topology.conntrackCount();
            // one flow (a handful of entries at most, against ~30k frames); the listing says what they are
            assertTrue(afterEstablished - before < 16, "one flow: " + before + " -> " + afterEstablished + "\n"
                + ChildProcess.run(BenchTools.inNetns(topology.dutNetns(), "sh", "-c",
                "head -20 /proc/net/nf_conntrack 2>&1 || true"), "", Duration.ofSeconds(10)));

            final XdpTrafficRunner.Detail fresh = runner.runDetailed(topology,
                new Measurement(64, Measurement.Flows.NEW, RATE_PPS, Duration.ofSeconds(1)),
                topology.deliveredCidr(), topology.deliveredPort());
            assertDelivered(fresh);
            assertEquals(fresh.result().received(), fresh.matched(), "DNAT of every new flow");
            final long afterNew = topology.conntrackCount();
            assertTrue(afterNew - afterEstablished >= fresh.result().received() * 9 / 10,
                "each frame a new conntrack entry: " + afterEstablished + " -> " + afterNew + " for "
                    + fresh.result().received() + " frames");
        }
        assertGone(topology);
    }

    private static void assertDelivered(final XdpTrafficRunner.Detail detail)
    {
        final ScenarioResult result = detail.result();
        assertTrue(result.sent() > 0, "sent " + result);
        assertTrue(result.received() > 0, "received " + result);
        assertTrue(result.received() <= result.sent() + RATE_PPS / 100, "more received than sent: " + result);
        assertEquals(0, detail.early(), "frames that arrived before they were due");
        final Histogram latency = result.latencyNs();
        assertNotNull(latency, "no latency recorded");
        assertEquals(result.received(), latency.getTotalCount());
        assertTrue(latency.getMinValue() > 0, "min latency " + latency.getMinValue());
        assertTrue(latency.getMaxValue() < 1_000_000_000L, "max latency " + latency.getMaxValue());
    }

    private static void assertGone(final KernelTopologies.KernelTopology topology) throws IOException
    {
        final String prefix = topology.dutNetns().substring(0, topology.dutNetns().length() - "-dut".length());
        final String namespaces = ChildProcess.run(List.of("ip", "netns", "list"), "", Duration.ofSeconds(10));
        assertFalse(namespaces.contains(prefix), "left behind: " + namespaces);
    }
}
