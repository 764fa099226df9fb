package dev.sluice.control.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import org.junit.jupiter.api.Test;

/**
 * NetworkPolicy semantics as truth tables, in the style of the upstream Kubernetes netpol e2e suite: namespaces
 * x, y, z and pods a, b, c in each (fixture {@code conformance/xyz.yaml}); each case is a policy set and the
 * expected 9x9 table (rows = sources, columns = destinations, '.' allowed, 'X' denied). The tables are written
 * with spaces for readability and compared with the tab-separated output. A pod reaching itself is always
 * allowed (the diagonal).
 */
class NetworkPolicyConformanceTest
{
    private static final String BASE = resource("/conformance/xyz.yaml");

    @Test
    void noPoliciesAllowsEverything() throws Exception
    {
        assertMatrix("", 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void denyAllIngressInXIsolatesEveryPodOfX() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
            """;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void emptyIngressListIsTheSameAsAbsent() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
              ingress: []
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void ingressWithOneEmptyRuleAllowsAllEvenNextToDenyAll() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {}
              ingress: [{}]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void allowFromSameNamespaceWithEmptyPodSelectorPeer() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: same-ns, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - from: [{podSelector: {}}]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void emptyNamespaceSelectorPeerMeansEveryPodOfEveryNamespace() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: all-ns, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - from: [{namespaceSelector: {}}]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void allowFromNamespaceYByNamespaceSelector() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void namespaceAndPodSelectorInOnePeerAreAnded() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: y-and-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                  podSelector: {matchLabels: {pod: b}}
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c X   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void twoPeersAreOredAndAPodSelectorPeerMeansThePolicyNamespace() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: y-or-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                - podSelector: {matchLabels: {pod: b}}
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void matchExpressionsInNotInExistsDoesNotExist() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: not-x, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
                  podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: yz-not-c, namespace: x}
            spec:
              podSelector: {matchExpressions: [{key: pod, operator: In, values: [c]}]}
              ingress:
              - from:
                - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}
                  podSelector:
                    matchExpressions:
                    - {key: ns, operator: DoesNotExist}
                    - {key: pod, operator: NotIn, values: [c]}
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   X   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   X   .   .   .   .   .   .
            """);
    }

    @Test
    void egressDenyAllWithDnsAllowedOnUdp53() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-dns-only, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - ports: [{protocol: UDP, port: 53}]
            """;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b X   .   X   X   X   X   X   X   X
            x/c X   X   .   X   X   X   X   X   X
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 53, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 53, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b X   .   X   X   X   X   X   X   X
            x/c X   X   .   X   X   X   X   X   X
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void namedIngressPortResolvesOnEachDestinationPod() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-only, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - ports: [{port: web}]
            """;
        // 'web' is 80 on a, 81 on b, 82 on c.
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b .   .   X   .   .   .   .   .   .
            x/c .   X   .   .   .   .   .   .   .
            y/a .   X   X   .   .   .   .   .   .
            y/b .   X   X   .   .   .   .   .   .
            y/c .   X   X   .   .   .   .   .   .
            z/a .   X   X   .   .   .   .   .   .
            z/b .   X   X   .   .   .   .   .   .
            z/c .   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   X   .   .   .   .   .   .
            y/b X   .   X   .   .   .   .   .   .
            y/c X   .   X   .   .   .   .   .   .
            z/a X   .   X   .   .   .   .   .   .
            z/b X   .   X   .   .   .   .   .   .
            z/c X   .   X   .   .   .   .   .   .
            """);
        // The name is per protocol: 'web' is only declared on TCP.
        assertMatrix(policies, 80, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void namedEgressPortResolvesOnTheEgressDestinationPod() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-out, namespace: y}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - ports: [{port: web}]
            """, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a X   .   X   .   .   X   X   .   X
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void portRangeWithEndPort() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: range, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - ports: [{port: 79, endPort: 80}]
            """;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 79, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void aPolicyNamingOnlySctpStillIsolatesForTcp() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: sctp-only, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - ports: [{protocol: SCTP, port: 80}]
            """;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 80, Protocol.SCTP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    private static final String IP_BLOCKS = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: v4-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - ipBlock: {cidr: 198.18.0.0/16, except: [198.18.2.2/32, 198.18.3.0/24]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: v6-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          ingress:
          - from:
            - ipBlock: {cidr: '2001:2::/48', except: ['2001:2:0:3::2/128']}
        """;

    @Test
    void ipBlockWithExceptOverPodIpsWhenIpBlockMatchesPods() throws Exception
    {
        // 198.18.2.2 is y/b; z is IPv6-only, so z -> x/a uses IPv6 and misses the IPv4 block;
        // x/b is reached over IPv6 only from z, and 2001:2:0:3::2 is z/b.
        assertMatrix(IP_BLOCKS, 80, Protocol.TCP, IpBlockMode.ANY_ADDRESS, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   X   .   .   .   .   .   .   .
            y/a .   X   .   .   .   .   .   .   .
            y/b X   X   .   .   .   .   .   .   .
            y/c .   X   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   X   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void ipBlockDoesNotMatchPodIpsByDefault() throws Exception
    {
        assertMatrix(IP_BLOCKS, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   .   .   .   .   .   .   .
            y/b X   X   .   .   .   .   .   .   .
            y/c X   X   .   .   .   .   .   .   .
            z/a X   X   .   .   .   .   .   .   .
            z/b X   X   .   .   .   .   .   .   .
            z/c X   X   .   .   .   .   .   .   .
            """);
    }

    @Test
    void ipBlockWithExceptOverExternalAddressesIpv4AndIpv6() throws Exception
    {
        for (final IpBlockMode mode : IpBlockMode.values())
        {
            final PolicyEngine engine = new PolicyEngine(load(IP_BLOCKS), mode);
            final PeerAddress xa = engine.address(PodRef.parse("x/a"));
            final PeerAddress xb = engine.address(new PodRef("x", "b"));
            final PeerAddress xbV6 = new PeerAddress(InetAddress.ofLiteral("2001:2:0:1::2"), new PodRef("x", "b"));
            assertTrue(engine.evaluate(ip(engine, "198.18.200.1"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "198.18.3.5"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "198.19.0.1"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertTrue(engine.evaluate(ip(engine, "2001:2:0:9::1"), xbV6, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "2001:2:1::1"), xbV6, 80, Protocol.TCP).allowed(), mode.name());
            // An IPv6 block never matches an IPv4 source.
            assertFalse(engine.evaluate(ip(engine, "198.18.200.1"), xb, 80, Protocol.TCP).allowed(), mode.name());
        }
    }

    @Test
    void policyTypesEgressOnlyWithNoRulesDeniesAllEgressAndLeavesIngressOpen() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: no-egress, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void twoPoliciesSelectingOnePodAreUnioned() throws Exception
    {
        final String policies = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{podSelector: {matchLabels: {pod: b}}}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-z, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
            """;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   .   .   .   .   .   .   .
            y/b X   .   .   .   .   .   .   .   .
            y/c X   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        final PolicyEngine engine = new PolicyEngine(load(policies));
        final Verdict v = engine.evaluate(PodRef.parse("z/c"), engine.address(PodRef.parse("x/a")), 80, Protocol.TCP);
        assertEquals(List.of(new ObjectRef("x", "from-b"), new ObjectRef("x", "from-z")), v.ingress().isolatedBy());
        assertEquals(List.of(new ObjectRef("x", "from-z")), v.ingress().allowedBy());
        assertEquals("allowed: z/c egress not isolated; x/a ingress allowed by policy 'from-z'", v.explain());
    }

    @Test
    void aPolicySelectingNoPodsHasNoEffect() throws Exception
    {
        assertMatrix("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: selects-nothing, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: nope}}
              policyTypes: [Ingress, Egress]
            """, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void aPolicyOnlySelectsPodsOfItsOwnNamespace() throws Exception
    {
        // Same selector, policy in y: x is untouched, y is isolated.
        final ClusterState state = load("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: y}
            spec:
              podSelector: {}
            """);
        final PolicyEngine engine = new PolicyEngine(state);
        assertTrue(engine.isolatingPolicies(PodRef.parse("x/a"), Direction.INGRESS).isEmpty());
        assertEquals(List.of(new ObjectRef("y", "deny-all")),
            engine.isolatingPolicies(PodRef.parse("y/a"), Direction.INGRESS));
        assertTrue(engine.isolatingPolicies(PodRef.parse("y/a"), Direction.EGRESS).isEmpty());
    }

    @Test
    void deniedVerdictExplainsWhichDirectionIsolatedAndByWhichPolicy() throws Exception
    {
        final PolicyEngine engine = new PolicyEngine(load("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: no-egress, namespace: y}
            spec:
              podSelector: {matchLabels: {pod: b}}
              policyTypes: [Egress]
            """));
        final Verdict v = engine.evaluate(PodRef.parse("y/c"), engine.address(PodRef.parse("x/a")), 80, Protocol.TCP);
        assertFalse(v.allowed());
        assertEquals("denied by: x/a ingress isolated by policy 'deny-all'; no rule allows y/c on TCP/80", v.explain());
        final Verdict both = engine.evaluate(PodRef.parse("y/b"), engine.address(PodRef.parse("x/a")), 80,
            Protocol.TCP);
        assertEquals("denied by: y/b egress isolated by policy 'no-egress'; no rule allows x/a on TCP/80; "
            + "x/a ingress isolated by policy 'deny-all'; no rule allows y/b on TCP/80", both.explain());
        assertEquals(DirectionVerdict.Outcome.DENIED, both.egress().outcome());
        // Pod to an outside address: only the pod's egress is consulted.
        final Verdict out = engine.evaluate(PodRef.parse("y/b"), engine.address(InetAddress.ofLiteral("198.18.250.1")),
            443, Protocol.TCP);
        assertEquals(DirectionVerdict.Outcome.NOT_A_POD, out.ingress().outcome());
        assertEquals("denied by: y/b egress isolated by policy 'no-egress'; no rule allows 198.18.250.1 on TCP/443",
            out.explain());
    }

    private static PeerAddress ip(final PolicyEngine engine, final String literal)
    {
        return engine.address(InetAddress.ofLiteral(literal));
    }

    private static void assertMatrix(final String policies, final int port, final Protocol protocol,
        final String expected) throws ClusterStateException
    {
        assertMatrix(policies, port, protocol, IpBlockMode.EXTERNAL_ONLY, expected);
    }

    private static void assertMatrix(final String policies, final int port, final Protocol protocol,
        final IpBlockMode mode, final String expected) throws ClusterStateException
    {
        final PolicyMatrix matrix = PolicyMatrix.compute(new PolicyEngine(load(policies), mode), port, protocol);
        assertEquals(tabs(expected), matrix.toTable(), protocol + "/" + port + " " + mode);
    }

    /** The expected tables are written with spaces; the contract separates fields with one tab. */
    private static String tabs(final String spaced)
    {
        return spaced.lines()
            .map(line -> Arrays.stream(line.trim().split(" +")).collect(Collectors.joining("\t")))
            .collect(Collectors.joining("\n", "", "\n"));
    }

    static ClusterState load(final String policies) throws ClusterStateException
    {
        return new ClusterStateLoader().parse(BASE + "---\n" + policies, "xyz.yaml+policies");
    }

    private static String resource(final String name)
    {
        try (InputStream in = NetworkPolicyConformanceTest.class.getResourceAsStream(name))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException | NullPointerException ex)
        {
            throw new IllegalStateException("missing test resource " + name, ex);
        }
    }
}
