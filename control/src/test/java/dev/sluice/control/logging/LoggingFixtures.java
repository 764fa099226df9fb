package dev.sluice.control.logging;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.wire.Addresses;

/**
 * A small cluster with one pod of every workload kind, two policies (one annotated for allow logging) and two
 * namespaces (one annotated for deny logging), plus helpers to publish verdict events.
 */
public final class LoggingFixtures
{
    public static final String STATE = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: prod
          annotations: {policy.sluice.dev/enable-deny-logging: "true"}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: dev}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: client-7d4b9c8f6d-abcde
          namespace: prod
          labels: {app: client, pod-template-hash: 7d4b9c8f6d}
          ownerReferences:
          - {apiVersion: apps/v1, kind: ReplicaSet, name: client-7d4b9c8f6d, uid: u1, controller: true}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {podIP: 198.18.0.10}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-0
          namespace: prod
          labels: {app: web}
          ownerReferences:
          - {apiVersion: apps/v1, kind: StatefulSet, name: web, uid: u2, controller: true}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {podIP: 198.18.0.20}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent-x7k2p
          namespace: dev
          ownerReferences:
          - {apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: u3, controller: true}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {podIP: 198.18.0.30}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: report-28930000-q4x8z
          namespace: dev
          ownerReferences:
          - {apiVersion: batch/v1, kind: Job, name: report-28930000, uid: u4, controller: true}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {podIP: 198.18.0.40}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: bare, namespace: dev}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {podIP: 198.18.0.50, podIPs: [{ip: 198.18.0.50}, {ip: "2001:2::50"}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: allow-web
          namespace: prod
          annotations: {policy.sluice.dev/enable-logging: "true"}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-dev, namespace: dev}
        spec:
          podSelector: {}
          ingress: [{}]
        """;

    public static final String CLIENT = "198.18.0.10";
    public static final String WEB = "198.18.0.20";
    public static final String AGENT = "198.18.0.30";
    public static final String REPORT = "198.18.0.40";
    public static final String BARE = "198.18.0.50";
    public static final String OUTSIDE = "198.19.7.7";

    /** Rule 7 belongs to prod/allow-web (annotated), rule 8 to dev/allow-dev (not annotated). */
    public static final RuleNames RULES = ruleId -> Map.of(
        7, PolicyRef.networkPolicy("prod", "allow-web"),
        8, PolicyRef.networkPolicy("dev", "allow-dev")).get(ruleId);

    private LoggingFixtures()
    {
    }

    public static ClusterState state() throws Exception
    {
        return new ClusterStateLoader().parse(STATE, "logging-fixture.yaml");
    }

    public static ClusterFlowMetadata metadata() throws Exception
    {
        return new ClusterFlowMetadata(state(), RULES);
    }

    /** A clock the test moves; starts at an arbitrary non-zero instant. */
    public static final class ManualClock
    {
        final AtomicLong nowNs = new AtomicLong(1_000_000_000_000L);

        /** @return now. */
        public long nanoTime()
        {
            return nowNs.get();
        }

        /** @param ms milliseconds to move forward. */
        public void advanceMs(final long ms)
        {
            nowNs.addAndGet(ms * 1_000_000L);
        }
    }

    /** Claims, fills and publishes one event; fails when the ring is full. */
    public static void publish(final VerdictEvents events, final int verdict, final int direction, final int flags,
        final String src, final int srcPort, final String dst, final int dstPort, final int protocol, final int ruleId,
        final int dropReason)
    {
        final long seq = events.tryClaim();
        if (seq < 0)
        {
            throw new AssertionError("verdict ring full");
        }
        final VerdictEvent e = events.get(seq);
        final long[] s = Addresses.parse(src);
        final long[] d = Addresses.parse(dst);
        e.timestampNs = 0;
        e.worker = 0;
        e.verdict = verdict;
        e.direction = direction;
        e.flags = flags;
        e.dropReason = dropReason;
        e.protocol = protocol;
        e.srcHi = s[0];
        e.srcLo = s[1];
        e.dstHi = d[0];
        e.dstLo = d[1];
        e.srcPort = srcPort;
        e.dstPort = dstPort;
        e.serviceHi = 0;
        e.serviceLo = 0;
        e.servicePort = 0;
        e.srcIdentity = 0;
        e.dstIdentity = 0;
        e.endpointId = -1;
        e.ruleId = ruleId;
        e.packets = 1;
        e.bytes = 60;
        events.publish(seq);
    }

    public static void allowNew(final VerdictEvents events, final int direction, final String src, final int srcPort,
        final String dst, final int dstPort, final int ruleId)
    {
        publish(events, VerdictEvent.VERDICT_ALLOW, direction, VerdictEvent.FLAG_NEW, src, srcPort, dst, dstPort, 6,
            ruleId, 0);
    }

    public static void deny(final VerdictEvents events, final int direction, final String src, final int srcPort,
        final String dst, final int dstPort)
    {
        publish(events, VerdictEvent.VERDICT_DENY, direction, VerdictEvent.FLAG_NEW, src, srcPort, dst, dstPort, 6,
            -1, 0);
    }
}
