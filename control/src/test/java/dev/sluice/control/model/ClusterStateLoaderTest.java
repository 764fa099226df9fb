package dev.sluice.control.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/**
 * The state file contract: what is read into the model, and every kind of bad input reported with the object
 * (Kind namespace/name) and the field, all errors together, never a partial model.
 */
class ClusterStateLoaderTest
{
    private static final String NS_X = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: x, labels: {ns: x}}
        ---
        """;

    @Test
    void readsPodsWithDualStackIpsPortsAndNamespaceLabels() throws Exception
    {
        final ClusterState state = parse(NS_X + """
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x, labels: {pod: a}}
            spec:
              nodeName: node-1
              containers:
              - name: c
                ports:
                - {name: http, containerPort: 80}
                - {containerPort: 53, protocol: UDP}
            status:
              podIP: 198.18.1.1
              podIPs: [{ip: 198.18.1.1}, {ip: '2001:2::1'}]
            """);
        final PodInfo pod = state.pod(new PodRef("x", "a"));
        assertEquals(List.of(InetAddress.ofLiteral("198.18.1.1"), InetAddress.ofLiteral("2001:2::1")), pod.ips());
        assertEquals(List.of(new ContainerPortInfo("http", 80, Protocol.TCP), new ContainerPortInfo(null, 53, Protocol.UDP)),
            pod.ports());
        assertEquals("node-1", pod.nodeName());
        assertEquals(Map.of("pod", "a"), pod.labels());
        assertEquals(80, pod.namedPort("http", Protocol.TCP));
        assertEquals(-1, pod.namedPort("http", Protocol.UDP));
        assertEquals(pod, state.podByIp(InetAddress.ofLiteral("2001:2::1")));
        assertEquals(Map.of("ns", "x", NamespaceInfo.NAME_LABEL, "x"), state.namespace("x").labels());
        assertTrue(state.warnings().isEmpty());
    }

    @Test
    void readsTheExampleStateFileWithEveryKind() throws Exception
    {
        final ClusterState state = new ClusterStateLoader().load(
            java.nio.file.Path.of("src/test/resources/examples/three-namespaces.yaml"));
        assertEquals(List.of("x", "y", "z"), List.copyOf(state.namespaces().keySet()));
        assertEquals(List.of("node-1", "node-2"), List.copyOf(state.nodes().keySet()));
        assertEquals(List.of(InetAddress.ofLiteral("198.19.0.2")), state.nodes().get("node-2").internalIps());
        assertEquals(6, state.pods().size());
        assertEquals(3, state.policies().size());
        final ServiceInfo web = state.services().get(new ObjectRef("x", "web"));
        assertEquals(List.of(InetAddress.ofLiteral("198.18.100.10")), web.clusterIps());
        assertEquals(new ServiceInfo.Port("http", Protocol.TCP, 80, 0, "serve-80-tcp", 0), web.ports().getFirst());
        final EndpointSliceInfo slice = state.endpointSlices().get(new ObjectRef("x", "web-1"));
        assertEquals("web", slice.serviceName());
        assertEquals(new PodRef("x", "a"), slice.endpoints().getFirst().pod());
        assertTrue(slice.endpoints().getFirst().ready());
        assertEquals(List.of("default"), state.networkLogging().stream().map(NetworkLoggingInfo::name).toList());
        assertEquals(Map.of("allow", Map.of("log", false, "delegate", false), "deny", Map.of("log", true, "delegate", false)),
            state.networkLogging().getFirst().spec().get("cluster"));
    }

    @Test
    void appliesPolicyDefaults() throws Exception
    {
        final ClusterState state = parse(NS_X + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              egress: [{}]
            """);
        final NetworkPolicyInfo p = state.policies().get(new ObjectRef("x", "p"));
        assertTrue(p.podSelector().isEmpty(), "missing podSelector = all pods");
        assertTrue(p.ingressType());
        assertTrue(p.egressType(), "egress rules present => Egress");
        assertTrue(p.ingress().isEmpty());
    }

    @Test
    void podsWithoutIpHostNetworkOrFinishedAreLeftOutWithAWarning() throws Exception
    {
        final ClusterState state = parse(NS_X + """
            apiVersion: v1
            kind: Pod
            metadata: {name: pending, namespace: x}
            status: {phase: Pending}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: hostnet, namespace: x}
            spec: {hostNetwork: true}
            status: {podIP: 198.19.0.1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: done, namespace: x}
            status: {phase: Succeeded, podIP: 198.18.1.9}
            """);
        assertTrue(state.pods().isEmpty());
        assertEquals(List.of(
            "test.yaml document 2: Pod x/pending: status.podIP: no IP yet (pending?), left out",
            "test.yaml document 3: Pod x/hostnet: spec.hostNetwork is true: not a pod-network endpoint, left out",
            "test.yaml document 4: Pod x/done: status.phase is Succeeded: its IP is released, left out"),
            state.warnings());
    }

    @Test
    void flattensAKubectlList() throws Exception
    {
        final ClusterState state = parse("""
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: Namespace, metadata: {name: x}}
            - {apiVersion: v1, kind: Namespace, metadata: {name: y}}
            """);
        assertEquals(List.of("x", "y"), List.copyOf(state.namespaces().keySet()));
    }

    @Test
    void builderAcceptsObjectsOneByOne() throws Exception
    {
        final ClusterState state = new ClusterStateBuilder()
            .add(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata().build())
            .add(new PodBuilder().withNewMetadata().withName("a").withNamespace("x").endMetadata()
                .withNewStatus().withPodIP("198.18.1.1").endStatus().build())
            .build();
        assertEquals(InetAddress.ofLiteral("198.18.1.1"), state.pod(new PodRef("x", "a")).primaryIp());
    }

    @Test
    void invalidIpBlockCidrs()
    {
        assertErrors(NS_X + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              ingress:
              - from:
                - ipBlock: {cidr: 198.18.0.0/33}
                - ipBlock: {cidr: 198.18.0.0}
                - ipBlock: {cidr: 198.18.0.0/16, except: [198.19.0.0/24, 198.18.0.0/16, '2001:2::/64', 198.18.1.0/24]}
            """,
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR: "
                + "'198.18.0.0/33' is not a CIDR (prefix length > 32)",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[1].ipBlock.cidr: invalid CIDR: "
                + "'198.18.0.0' is not a CIDR (no /prefix length)",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[2].ipBlock.except[0]: "
                + "'198.19.0.0/24' is not strictly inside cidr '198.18.0.0/16'",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[2].ipBlock.except[1]: "
                + "'198.18.0.0/16' is not strictly inside cidr '198.18.0.0/16'",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[2].ipBlock.except[2]: "
                + "'2001:2::/64' is not strictly inside cidr '198.18.0.0/16'");
    }

    @Test
    void unknownKindsAndApiVersions()
    {
        assertErrors("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d, namespace: x}
            ---
            apiVersion: v1
            kind: Frobnicator
            metadata: {name: f}
            ---
            apiVersion: sluice.dev/v1
            kind: NetworkLogging
            metadata: {name: default}
            ---
            metadata: {name: no-kind}
            """,
            "test.yaml document 1: Deployment x/d: kind: unsupported kind 'Deployment' (apiVersion apps/v1); "
                + "a state file holds Namespace, Node, Pod (v1), Service (v1), EndpointSlice (discovery.k8s.io/v1), "
                + "NetworkPolicy (networking.k8s.io/v1), NetworkLogging (sluice.dev/v1alpha1)",
            "test.yaml document 2: Frobnicator f: kind: unsupported kind 'Frobnicator' (apiVersion v1); "
                + "a state file holds Namespace, Node, Pod (v1), Service (v1), EndpointSlice (discovery.k8s.io/v1), "
                + "NetworkPolicy (networking.k8s.io/v1), NetworkLogging (sluice.dev/v1alpha1)",
            "test.yaml document 3: NetworkLogging default: kind: unsupported kind 'NetworkLogging' (apiVersion "
                + "sluice.dev/v1); a state file holds Namespace, Node, Pod (v1), Service (v1), EndpointSlice "
                + "(discovery.k8s.io/v1), NetworkPolicy (networking.k8s.io/v1), NetworkLogging (sluice.dev/v1alpha1)",
            "test.yaml document 4: not a Kubernetes object (needs apiVersion, kind and metadata)");
    }

    @Test
    void badSelectorOperatorsAndValues()
    {
        assertErrors(NS_X + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector:
                matchExpressions:
                - {key: pod, operator: Equals, values: [a]}
                - {key: pod, operator: In}
                - {key: pod, operator: NotIn, values: []}
                - {key: pod, operator: Exists, values: [a]}
                - {key: pod, operator: DoesNotExist, values: [a]}
            """,
            "test.yaml document 2: NetworkPolicy x/p: spec.podSelector.matchExpressions[0].operator: "
                + "unknown operator 'Equals' (In, NotIn, Exists, DoesNotExist)",
            "test.yaml document 2: NetworkPolicy x/p: spec.podSelector.matchExpressions[1].values: "
                + "must be non-empty for operator In",
            "test.yaml document 2: NetworkPolicy x/p: spec.podSelector.matchExpressions[2].values: "
                + "must be non-empty for operator NotIn",
            "test.yaml document 2: NetworkPolicy x/p: spec.podSelector.matchExpressions[3].values: "
                + "must be empty for operator Exists",
            "test.yaml document 2: NetworkPolicy x/p: spec.podSelector.matchExpressions[4].values: "
                + "must be empty for operator DoesNotExist");
    }

    @Test
    void duplicatePodIpsNameBothPods()
    {
        assertErrors(NS_X + """
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x}
            status: {podIP: 198.18.1.1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: b, namespace: x}
            status: {podIPs: [{ip: '2001:2::5'}, {ip: 198.18.1.1}]}
            """,
            "Pod x/b: status.podIPs: 198.18.1.1 is also the IP of Pod x/a");
    }

    @Test
    void badPortNamesRangesAndProtocols()
    {
        assertErrors(NS_X + """
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x}
            spec:
              containers:
              - name: c
                ports:
                - {name: Http, containerPort: 80}
                - {name: 8080, containerPort: 8080}
                - {name: web--1, containerPort: 81}
                - {name: a-very-long-port-name, containerPort: 82}
                - {name: ok, containerPort: 70000}
                - {name: icmp, containerPort: 7, protocol: ICMP}
            status: {podIP: 198.18.1.1}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              ingress:
              - ports:
                - {port: 90, endPort: 80}
                - {port: web, endPort: 90}
                - {port: 53, protocol: udp}
                - {port: -web}
            """,
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[0].name: 'Http' is not a valid port name "
                + "(IANA_SVC_NAME: 1-15 lower-case letters, digits and '-', at least one letter, no leading, "
                + "trailing or double '-')",
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[1].name: '8080' is not a valid port name "
                + "(IANA_SVC_NAME: 1-15 lower-case letters, digits and '-', at least one letter, no leading, "
                + "trailing or double '-')",
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[2].name: 'web--1' is not a valid port name "
                + "(IANA_SVC_NAME: 1-15 lower-case letters, digits and '-', at least one letter, no leading, "
                + "trailing or double '-')",
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[3].name: 'a-very-long-port-name' is not a "
                + "valid port name (IANA_SVC_NAME: 1-15 lower-case letters, digits and '-', at least one letter, "
                + "no leading, trailing or double '-')",
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[4].containerPort: 70000 is not a port number "
                + "(1..65535)",
            "test.yaml document 2: Pod x/a: spec.containers[0].ports[5].protocol: unknown protocol 'ICMP' "
                + "(TCP, UDP or SCTP)",
            "test.yaml document 3: NetworkPolicy x/p: spec.ingress[0].ports[0].endPort: 80 is less than port 90",
            "test.yaml document 3: NetworkPolicy x/p: spec.ingress[0].ports[1].endPort: may only be set with a "
                + "numeric port",
            "test.yaml document 3: NetworkPolicy x/p: spec.ingress[0].ports[2].protocol: unknown protocol 'udp' "
                + "(TCP, UDP or SCTP)",
            "test.yaml document 3: NetworkPolicy x/p: spec.ingress[0].ports[3].port: '-web' is not a valid port "
                + "name (IANA_SVC_NAME: 1-15 lower-case letters, digits and '-', at least one letter, no leading, "
                + "trailing or double '-')");
    }

    @Test
    void badPeersUnknownPolicyFieldsAndPolicyTypes()
    {
        assertErrors(NS_X + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              policyTypes: [Ingress, Outgress]
              ingress:
              - from:
                - {}
                - {ipBlock: {cidr: 198.18.0.0/16}, podSelector: {}}
                - {namespaceselector: {}}
            """,
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[0]: must specify podSelector, "
                + "namespaceSelector or ipBlock",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[1]: ipBlock may not be combined with "
                + "podSelector or namespaceSelector",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[2]: unknown field(s) [namespaceselector]",
            "test.yaml document 2: NetworkPolicy x/p: spec.ingress[0].from[2]: must specify podSelector, "
                + "namespaceSelector or ipBlock",
            "test.yaml document 2: NetworkPolicy x/p: spec.policyTypes[1]: must be Ingress or Egress, not 'Outgress'");
    }

    @Test
    void badIpsMissingNamespacesDuplicatesAndWrongTypesAreAllReportedTogether()
    {
        assertErrors("""
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: nowhere}
            status: {podIP: 198.18.1.300}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: b}
            status: {podIP: 198.18.1.2}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: c, namespace: nowhere}
            spec:
              containers:
              - name: c
                ports: [{containerPort: eighty}]
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: dup}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: dup}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: s, namespace: dup}
            addressType: IPv4
            endpoints: [{addresses: ['2001:2::1']}]
            """,
            "test.yaml document 1: Pod nowhere/a: status.podIP: '198.18.1.300' is not an IP address",
            "test.yaml document 2: Pod b: metadata.namespace: is required in a cluster state",
            "test.yaml document 3: Pod nowhere/c: spec.containers[0].ports[0].containerPort: Cannot deserialize "
                + "value of type `Integer` from String \"eighty\": not a valid `Integer` value",
            "test.yaml document 5: Namespace dup: metadata.name: duplicate object (the same kind, namespace and "
                + "name appear twice)",
            "test.yaml document 6: EndpointSlice dup/s: endpoints[0].addresses[0]: '2001:2::1' is not an IPv4 address",
            "test.yaml document 1: Pod nowhere/a: metadata.namespace: namespace 'nowhere' has no Namespace object "
                + "in the state");
    }

    @Test
    void invalidYamlIsOneClearError()
    {
        final ClusterStateException ex = assertThrows(ClusterStateException.class,
            () -> new ClusterStateLoader().parse("kind: [unclosed\n", "bad.yaml"));
        assertEquals(1, ex.errors().size());
        assertTrue(ex.errors().getFirst().startsWith("bad.yaml: not valid YAML: "), ex.errors().getFirst());
    }

    @Test
    void cidrParsingAndContainment()
    {
        final Cidr block = Cidr.parse("198.18.1.7/24");
        assertEquals("198.18.1.0/24", block.toString());
        assertTrue(block.contains(InetAddress.ofLiteral("198.18.1.255")));
        assertFalse(block.contains(InetAddress.ofLiteral("198.18.2.0")));
        assertFalse(block.contains(InetAddress.ofLiteral("2001:2::1")));
        final Cidr v6 = Cidr.parse("2001:2::/48");
        assertTrue(v6.contains(InetAddress.ofLiteral("2001:2:0:ffff::1")));
        assertFalse(v6.contains(InetAddress.ofLiteral("2001:2:1::1")));
        assertTrue(v6.contains(Cidr.parse("2001:2:0:3::2/128")));
        assertFalse(Cidr.parse("198.18.1.0/24").contains(Cidr.parse("198.18.0.0/16")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.ofLiteral("198.19.0.1")));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("198.18.0.0/8a"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
    }

    private static ClusterState parse(final String yaml) throws ClusterStateException
    {
        return new ClusterStateLoader().parse(yaml, "test.yaml");
    }

    private static void assertErrors(final String yaml, final String... expected)
    {
        final ClusterStateException ex = assertThrows(ClusterStateException.class, () -> parse(yaml));
        assertEquals(List.of(expected), ex.errors());
    }
}
