package dev.sluice.control.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.control.model.ContainerPortInfo;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodOwner;
import dev.sluice.control.model.PodRef;
import dev.sluice.wire.Addresses;

/**
 * Addresses and rule ids to Kubernetes metadata, workloads by the controllers' naming conventions.
 */
class ClusterFlowMetadataTest
{
    private static FlowEndpoint resolve(final FlowMetadata md, final String address)
    {
        final long[] a = Addresses.parse(address);
        return md.endpoint(a[0], a[1]);
    }

    @Test
    void resolvesEveryWorkloadKindFromTheState() throws Exception
    {
        final FlowMetadata md = LoggingFixtures.metadata();
        assertEquals(new FlowEndpoint("client-7d4b9c8f6d-abcde", "prod", "prod", "Deployment", "client", null),
            resolve(md, LoggingFixtures.CLIENT));
        assertEquals(new FlowEndpoint("web-0", "prod", "prod", "StatefulSet", "web", null),
            resolve(md, LoggingFixtures.WEB));
        assertEquals(new FlowEndpoint("agent-x7k2p", "dev", "dev", "DaemonSet", "agent", null),
            resolve(md, LoggingFixtures.AGENT));
        assertEquals(new FlowEndpoint("report-28930000-q4x8z", "dev", "dev", "CronJob", "report", null),
            resolve(md, LoggingFixtures.REPORT));
        assertEquals(new FlowEndpoint("bare", "dev", "dev", "Pod", "bare", null), resolve(md, LoggingFixtures.BARE));
        assertEquals(resolve(md, LoggingFixtures.BARE), resolve(md, "2001:2::50"), "every IP of a pod");
        assertEquals(FlowEndpoint.instance("198.19.7.7"), resolve(md, "198.19.7.7"));
        assertEquals(FlowEndpoint.instance("2001:2::1"), resolve(md, "2001:2::1"));
    }

    @Test
    void conventionsThatDoNotMatchKeepTheOwnerAsItIs()
    {
        assertEquals(new ClusterFlowMetadata.Workload("ReplicaSet", "manual-rs"),
            ClusterFlowMetadata.workload(pod(Map.of(), new PodOwner("ReplicaSet", "manual-rs"))));
        assertEquals(new ClusterFlowMetadata.Workload("ReplicaSet", "web-abc"),
            ClusterFlowMetadata.workload(pod(Map.of("pod-template-hash", "xyz"), new PodOwner("ReplicaSet", "web-abc"))));
        assertEquals(new ClusterFlowMetadata.Workload("Job", "migrate-2024"),
            ClusterFlowMetadata.workload(pod(Map.of(), new PodOwner("Job", "migrate-2024"))));
        assertEquals(new ClusterFlowMetadata.Workload("Rollout", "canary"),
            ClusterFlowMetadata.workload(pod(Map.of(), new PodOwner("Rollout", "canary"))));
    }

    private static PodInfo pod(final Map<String, String> labels, final PodOwner owner)
    {
        return new PodInfo(new PodRef("ns", "p"), labels, null, List.of(InetAddress.ofLiteral("198.18.9.9")),
            List.<ContainerPortInfo>of(), owner);
    }

    @Test
    void rulesAndDelegateAnnotations() throws Exception
    {
        final FlowMetadata md = LoggingFixtures.metadata();
        assertEquals(PolicyRef.networkPolicy("prod", "allow-web"), md.policy(7));
        assertNull(md.policy(-1));
        assertNull(md.policy(12345));
        assertTrue(md.allowLoggingDelegated(PolicyRef.networkPolicy("prod", "allow-web")));
        assertFalse(md.allowLoggingDelegated(PolicyRef.networkPolicy("dev", "allow-dev")));
        assertFalse(md.allowLoggingDelegated(PolicyRef.networkPolicy("prod", "missing")));
        assertTrue(md.denyLoggingDelegated("prod"));
        assertFalse(md.denyLoggingDelegated("dev"));
        assertFalse(md.denyLoggingDelegated("nope"));
        assertFalse(md.denyLoggingDelegated(null));
    }
}
