package dev.sluice.control.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.control.agent.AgentConfig;
import dev.sluice.control.agent.ControlMetrics;
import dev.sluice.control.agent.NodeAgent;
import dev.sluice.control.agent.RecordingTableSink;
import dev.sluice.control.cluster.EmbeddedApiServer;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ObjectKey;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.PolicyEngine;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The agent's informers against fabric8's mock API server in CRUD mode (the {@link EmbeddedApiServer} fixture):
 * every kind flows into the installed snapshot, hostile objects are rejected one at a time with a Kubernetes Event,
 * readiness waits for the workers, an API server outage keeps the last state.
 */
class K8sWatcherTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private EmbeddedApiServer server;
    private KubernetesClient client;
    private RecordingTableSink sink;
    private NodeAgent agent;
    private final List<ObjectKey> counted = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start()
    {
        server = new EmbeddedApiServer();
        client = server.createClient();
        sink = new RecordingTableSink();
    }

    @AfterEach
    void stop()
    {
        if (agent != null)
        {
            agent.close();
        }
        client.close();
        server.close();
    }

    private void startAgent(final int maxPolicyPeers) throws InterruptedException
    {
        agent = NodeAgent.online(client, new AgentConfig("node-1", null, 1, List.of(), 10_000_000L, maxPolicyPeers),
            sink, new ControlMetrics()
            {
                @Override
                public void onRejected(final ObjectKey object)
                {
                    counted.add(object);
                }
            }).start();
        poll("agent ready", agent::ready);
    }

    @Test
    void readyOnlyAfterSyncAndTheFirstInstallInEveryWorker() throws Exception
    {
        create(namespace("x"), pod("x", "a", "198.18.1.1", "web"));
        sink.hold(true);
        agent = NodeAgent.online(client, AgentConfig.of("node-1"), sink, ControlMetrics.NONE).start();
        poll("first snapshot offered", () -> !sink.installs().isEmpty());
        assertFalse(agent.ready(), "ready before the workers installed the first snapshot");
        assertTrue(sink.last().pods().containsKey(new PodRef("x", "a")), "first snapshot holds the initial list");
        sink.hold(false);
        poll("agent ready", agent::ready);
        assertEquals(1, sink.installs().getFirst().generation());
    }

    @Test
    void createUpdateAndDeleteOfEveryKindChangeTheInstalledState() throws Exception
    {
        startAgent(1_000);
        create(namespace("x"),
            new NodeBuilder().withNewMetadata().withName("node-1").endMetadata().withNewSpec()
                .withPodCIDRs("198.18.0.0/17").endSpec().build(),
            pod("x", "a", "198.18.1.1", "web"), pod("x", "b", "198.18.1.2", "db"),
            new ServiceBuilder().withNewMetadata().withNamespace("x").withName("web").endMetadata().withNewSpec()
                .withClusterIP("198.18.100.1").withSelector(Map.of("role", "web")).addNewPort().withPort(80)
                .withNewTargetPort(80).withProtocol("TCP").endPort().endSpec().build(),
            new EndpointSliceBuilder().withNewMetadata().withNamespace("x").withName("web-1")
                .withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata().withAddressType("IPv4")
                .addNewEndpoint().withAddresses("198.18.1.1").endEndpoint()
                .addNewPort().withPort(80).withProtocol("TCP").endPort().build(),
            policy("x", "db-from-web", "db", List.of(selectorPeer("web"))));
        client.genericKubernetesResources(K8sWatcher.NETWORK_LOGGING).resource(new GenericKubernetesResourceBuilder()
            .withApiVersion("sluice.dev/v1alpha1").withKind("NetworkLogging").withNewMetadata().withName("default")
            .endMetadata().withAdditionalProperties(Map.of("spec", Map.of("cluster", Map.of("deny",
                Map.of("log", true))))).build()).create();
        ClusterState state = await("every kind", s -> s.nodes().containsKey("node-1") && s.pods().size() == 2
            && s.services().size() == 1 && s.endpointSlices().size() == 1 && s.policies().size() == 1
            && s.networkLogging().size() == 1);
        assertVerdict(state, "a", "b", true);
        assertVerdict(state, "b", "a", true);

        // update: the policy now admits nobody; a pod's label changes
        client.network().v1().networkPolicies().inNamespace("x").withName("db-from-web")
            .edit(p -> new NetworkPolicyBuilder(p).editSpec().withIngress(List.of()).endSpec().build());
        state = await("policy admits nobody", s -> s.policies().get(new ObjectRef("x", "db-from-web")).ingress().isEmpty());
        assertVerdict(state, "a", "b", false);
        client.pods().inNamespace("x").withName("b").edit(p -> new PodBuilder(p).editMetadata()
            .addToLabels("role", "cache").endMetadata().build());
        state = await("x/b relabelled", s -> "cache".equals(s.pod(new PodRef("x", "b")).labels().get("role")));
        assertVerdict(state, "a", "b", true);

        // delete each kind
        client.network().v1().networkPolicies().inNamespace("x").withName("db-from-web").delete();
        client.services().inNamespace("x").withName("web").delete();
        client.discovery().v1().endpointSlices().inNamespace("x").withName("web-1").delete();
        client.pods().inNamespace("x").withName("a").delete();
        client.nodes().withName("node-1").delete();
        client.genericKubernetesResources(K8sWatcher.NETWORK_LOGGING).withName("default").delete();
        state = await("deletions", s -> s.policies().isEmpty() && s.services().isEmpty()
            && s.endpointSlices().isEmpty() && s.pods().size() == 1 && s.nodes().isEmpty()
            && s.networkLogging().isEmpty());
        assertNotNull(state.pod(new PodRef("x", "b")));
    }

    @Test
    void hostileObjectsAreRejectedOneAtATimeWithAnEvent() throws Exception
    {
        startAgent(100);
        create(namespace("x"), pod("x", "a", "198.18.1.1", "web"), pod("x", "b", "198.18.1.2", "db"),
            policy("x", "good", "db", List.of(selectorPeer("web"))));
        await("good state", s -> s.policies().size() == 1 && s.pods().size() == 2);

        final List<NetworkPolicyPeer> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++)
        {
            many.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr("198.19." + (i / 256) % 256 + "."
                + i % 256 + "/32").endIpBlock().build());
        }
        final NetworkPolicy badCidr = policy("x", "bad-cidr", "db", List.of(new NetworkPolicyPeerBuilder()
            .withNewIpBlock().withCidr("198.18.0.0/33").endIpBlock().build()));
        final NetworkPolicy badOperator = policy("x", "bad-operator", "db", List.of(selectorPeer("web")));
        badOperator.getSpec().getPodSelector().setMatchExpressions(List.of(
            new io.fabric8.kubernetes.api.model.LabelSelectorRequirement("role", "Like", List.of("db"))));
        create(badCidr, badOperator, policy("x", "huge", "db", many), pod("x", "copy", "198.18.1.1", "web"),
            new ServiceBuilder().withNewMetadata().withNamespace("x").withName("named").endMetadata().withNewSpec()
                .withClusterIP("198.18.100.2").withSelector(Map.of("role", "web")).addNewPort().withPort(80)
                .withNewTargetPort("metrics").withProtocol("TCP").endPort().endSpec().build());
        // a broken update of the good policy leaves the good version in force
        client.network().v1().networkPolicies().inNamespace("x").withName("good").edit(p -> new NetworkPolicyBuilder(p)
            .editSpec().editFirstIngress().editFirstFrom().withNewIpBlock().withCidr("not-a-cidr").endIpBlock()
            .withPodSelector(null).endFrom().endIngress().endSpec().build());

        poll("five rejections", () -> agent.control().lastResult() != null
            && agent.control().lastResult().rejections().size() == 5);
        final ClusterState state = agent.control().lastState();
        assertEquals(List.of(new ObjectRef("x", "good")), List.copyOf(state.policies().keySet()));
        assertEquals(3, state.services().size() + state.pods().size(), "the service and the two good pods");
        assertNull(state.pod(new PodRef("x", "copy")), "the later claimant of 198.18.1.1 is left out");
        assertVerdict(state, "a", "b", true);
        assertTrue(state.warnings().stream().anyMatch(w -> w.contains("Service x/named: spec.ports[0].targetPort")
            && w.contains("'metrics'")), state.warnings()::toString);

        final Map<String, String> expected = Map.of(
            "bad-cidr", "spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR",
            "bad-operator", "spec.podSelector.matchExpressions[0].operator: unknown operator 'Like'",
            "huge", "spec.ingress[0].from: the policy has 10000 peers in its rules (10000 here), more than the limit of 100",
            "copy", "status.podIPs: 198.18.1.1 is also the IP of Pod x/a",
            "good", "spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR");
        for (final var entry : expected.entrySet())
        {
            poll("an event on " + entry.getKey(), () -> events(entry.getKey()).stream()
                .anyMatch(e -> e.getMessage().contains(entry.getValue())));
            final Event event = events(entry.getKey()).getFirst();
            assertEquals("Warning", event.getType());
            assertEquals(KubernetesEventRecorder.REASON, event.getReason());
        }
        assertTrue(events("good").getFirst().getMessage().endsWith("(the previous version stays in force)"));
        assertEquals(5, counted.size(), counted::toString);
    }

    @Test
    void anApiServerOutageKeepsTheLastStateAndChangesArriveAfterIt() throws Exception
    {
        startAgent(1_000);
        create(namespace("x"), pod("x", "a", "198.18.1.1", "web"));
        final ClusterState before = await("pod x/a", s -> s.pods().size() == 1);
        final long generation = agent.control().generation();

        server.stop();
        // nothing is cleared while the API server is away: no new generation, the same state
        final long deadline = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < deadline)
        {
            assertEquals(generation, agent.control().generation());
            assertTrue(agent.ready());
            Thread.sleep(20);
        }
        assertEquals(before.pods(), sink.last().pods());

        server.start();
        create(pod("x", "b", "198.18.1.2", "db"));
        final ClusterState after = await("pod x/b after the outage", s -> s.pods().size() == 2);
        assertNotNull(after.pod(new PodRef("x", "a")));
        final var latency = agent.applyLatency();
        System.out.printf("apply latency via informers (ns): events %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
            latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
            latency.getMaxValue() / 1e6);
    }

    private List<Event> events(final String name)
    {
        return client.v1().events().inNamespace("x").list().getItems().stream()
            .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    private void create(final HasMetadata... objects)
    {
        for (final HasMetadata object : objects)
        {
            client.resource(object).create();
        }
    }

    private ClusterState await(final String what, final java.util.function.Predicate<ClusterState> condition)
        throws InterruptedException
    {
        return sink.await(what, condition, DEADLINE);
    }

    private static void poll(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    private static void assertVerdict(final ClusterState state, final String from, final String to, final boolean allowed)
    {
        final PolicyEngine engine = new PolicyEngine(state);
        final var verdict = engine.evaluate(new PodRef("x", from), engine.address(new PodRef("x", to)), 80, Protocol.TCP);
        assertEquals(allowed, verdict.allowed(), verdict.explain());
    }

    private static HasMetadata namespace(final String name)
    {
        return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    private static Pod pod(final String namespace, final String name, final String ip, final String role)
    {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
            .withLabels(Map.of("role", role)).endMetadata()
            .withNewSpec().withNodeName("node-1").addNewContainer().withName("app").addNewPort().withName("http")
            .withContainerPort(80).endPort().endContainer().endSpec()
            .withNewStatus().withPhase("Running").withPodIP(ip).endStatus().build();
    }

    private static NetworkPolicyPeer selectorPeer(final String role)
    {
        return new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(Map.of("role", role))
            .endPodSelector().build();
    }

    private static NetworkPolicy policy(final String namespace, final String name, final String selected,
        final List<NetworkPolicyPeer> from)
    {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
            .withNewSpec().withNewPodSelector().withMatchLabels(Map.of("role", selected)).endPodSelector()
            .withPolicyTypes("Ingress").addNewIngress().withFrom(from).endIngress().endSpec().build();
    }
}
