package dev.sluice.control.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.agent.AgentProcess;
import dev.sluice.control.cli.AgentCommand;
import dev.sluice.control.cli.SluiceCli;
import dev.sluice.control.cluster.EmbeddedApiServer;
import dev.sluice.control.k8s.KubernetesEventRecorder;
import dev.sluice.testkit.ExternalTools;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The ClusterRole in deploy/rbac.yaml is derived, not hand-copied: the real agent ({@code sluice agent} as the
 * container runs it, against {@link EmbeddedApiServer}: K8sWatcher's informers, the Event recorder, the
 * NetworkLogging informer) and the init container's script (deploy/image/sluice-init.sh, reading its Node's pod
 * CIDR) do their work, every request they make is turned into {@code apiGroup/resource verb}, and the ClusterRole
 * must grant exactly that set: nothing missing, nothing extra.
 */
class RbacDerivationTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String NODE = "node-1";
    /** Every resource K8sWatcher watches (list + watch each). */
    private static final Set<String> WATCHED = Set.of("/namespaces", "/nodes", "/pods", "/services",
        "discovery.k8s.io/endpointslices", "networking.k8s.io/networkpolicies", "sluice.dev/networkloggings");

    @TempDir
    Path dir;

    private EmbeddedApiServer server;

    @BeforeEach
    void startServer()
    {
        server = new EmbeddedApiServer();
    }

    @AfterEach
    void stopServer()
    {
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void clusterRoleGrantsExactlyWhatTheAgentAndTheInitContainerUse() throws Exception
    {
        ExternalTools.requireCommand("curl", "curl");
        ExternalTools.requireCommand("jq", "jq");
        try (KubernetesClient client = server.createClient())
        {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata()
                .build()).create();
            client.nodes().resource(node("node-0", "198.18.2.0/24")).create();
            client.nodes().resource(node(NODE, "198.18.3.0/24")).create();
            // two peers where the agent accepts one: rejected, and reported as an Event
            client.network().v1().networkPolicies().inNamespace("x").resource(new NetworkPolicyBuilder()
                .withNewMetadata().withName("too-many-peers").withNamespace("x").endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().addNewIngress()
                .addNewFrom().withNewPodSelector().addToMatchLabels("a", "1").endPodSelector().endFrom()
                .addNewFrom().withNewPodSelector().addToMatchLabels("b", "2").endPodSelector().endFrom()
                .endIngress().endSpec().build()).create();
        }
        final int setupRequests = server.requests().size();

        final Path conf = dir.resolve("net.d");
        final ExternalTools.Result init = runInit(conf);
        assertEquals(0, init.exitCode(), init.toString());
        final Map<?, ?> conflist = new KubernetesSerialization().unmarshal(
            Files.readString(conf.resolve("10-sluice.conflist")), Map.class);
        final Map<?, ?> range = (Map<?, ?>)((List<?>)((List<?>)((Map<?, ?>)((Map<?, ?>)((List<?>)conflist
            .get("plugins")).getFirst()).get("ipam")).get("ranges")).getFirst()).getFirst();
        assertEquals(Map.of("subnet", "198.18.3.0/24", "gateway", "198.18.3.1"), range, "the Node " + NODE
            + " selected, not node-0");

        final AgentCommand command = (AgentCommand)SluiceCli.commandLine().parseArgs("agent",
            "--kubeconfig=" + server.writeKubeconfig(dir), "--node=" + NODE, "--no-dataplane", "--http-port=0",
            "--http-address=127.0.0.1", "--log-file=" + dir.resolve("policy_action.log"), "--max-policy-peers=1")
            .subcommand().commandSpec().userObject();
        try (AgentProcess agent = command.launch())
        {
            final long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!(agent.agent().ready() && requested(setupRequests).containsAll(expectedWork())))
            {
                assertTrue(System.nanoTime() < deadline, "agent not ready or not watching in " + DEADLINE
                    + ": " + requested(setupRequests) + "\n" + String.join("\n", server.requests()));
                Thread.sleep(10);
            }
        }
        final Set<String> used = requested(setupRequests);
        final ClusterRole role = Manifests.only(ClusterRole.class, Manifests.load("rbac.yaml"));
        assertEquals(used, Manifests.grants(role), "the ClusterRole must grant what was used, no more:\n"
            + String.join("\n", server.requests().subList(setupRequests, server.requests().size())));
    }

    @Test
    void initContainerFailsOnANodeWithoutPodCidr() throws Exception
    {
        ExternalTools.requireCommand("curl", "curl");
        ExternalTools.requireCommand("jq", "jq");
        try (KubernetesClient client = server.createClient())
        {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
                .create();
        }
        final Path conf = dir.resolve("net.d");
        final ExternalTools.Result init = runInit(conf);
        assertNotEquals(0, init.exitCode());
        assertTrue(init.stderr().contains("node " + NODE + " has no spec.podCIDR"), init.toString());
        assertTrue(!Files.exists(conf.resolve("10-sluice.conflist")));
    }

    /** What the agent must have done before the test stops it: list and watch everything, one Event. */
    private static Set<String> expectedWork()
    {
        final Set<String> out = new TreeSet<>();
        for (final String resource : WATCHED)
        {
            final int slash = resource.indexOf('/');
            out.add(Manifests.grant(resource.substring(0, slash), resource.substring(slash + 1), "list"));
            out.add(Manifests.grant(resource.substring(0, slash), resource.substring(slash + 1), "watch"));
        }
        out.add(Manifests.grant("", "events", "create"));
        return out;
    }

    private ExternalTools.Result runInit(final Path conf) throws Exception
    {
        final Path account = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(account.resolve("token"), "sluice-embedded");
        final List<String> command = new ArrayList<>(List.of("env",
            "NODE_NAME=" + NODE,
            "SLUICE_API_SERVER=" + server.url(),
            "SLUICE_SA_DIR=" + account,
            "CNI_CONF_DIR=" + conf,
            "SLUICE_CONFLIST_TEMPLATE=" + Manifests.DEPLOY.resolve("cni/10-sluice.conflist"),
            "sh", Manifests.DEPLOY.resolve("image/sluice-init.sh").toString(), "conflist"));
        return ExternalTools.run(command, null);
    }

    /**
     * @param from the first request of interest.
     * @return the requests since then as {@code apiGroup/resource verb}; discovery ({@code /api}, {@code /apis},
     *         {@code /version}, {@code /openapi}) is left out: every authenticated client may read it
     *         (system:discovery), no ClusterRole grants it.
     */
    private Set<String> requested(final int from)
    {
        final Set<String> out = new TreeSet<>();
        final List<String> requests = server.requests();
        for (final String request : requests.subList(from, requests.size()))
        {
            final String grant = toGrant(request);
            if (grant != null)
            {
                out.add(grant);
            }
        }
        return out;
    }

    /**
     * @param request {@code METHOD path [content type] -> status}, as {@link EmbeddedApiServer#requests()} logs.
     * @return the RBAC {@code apiGroup/resource verb} it needs, or null for discovery.
     */
    static String toGrant(final String request)
    {
        final String method = request.substring(0, request.indexOf(' '));
        final String target = request.substring(method.length() + 1).split(" ")[0];
        final String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        final String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
        final List<String> segments = List.of(path.substring(1).split("/"));
        final String group;
        final List<String> rest;
        if (segments.size() > 2 && segments.get(0).equals("api"))
        {
            group = "";
            rest = segments.subList(2, segments.size());
        }
        else if (segments.size() > 3 && segments.get(0).equals("apis"))
        {
            group = segments.get(1);
            rest = segments.subList(3, segments.size());
        }
        else
        {
            assertTrue(path.equals("/api") || path.equals("/apis") || path.startsWith("/apis/")
                || path.startsWith("/api/") || path.equals("/version") || path.startsWith("/openapi"),
                "not a Kubernetes API request: " + request);
            return null;
        }
        final boolean namespaced = rest.get(0).equals("namespaces") && rest.size() >= 3;
        final String resource = namespaced ? rest.get(2) : rest.get(0);
        final int nameIndex = namespaced ? 3 : 1;
        final boolean named = rest.size() > nameIndex;
        final String subresource = rest.size() > nameIndex + 1 ? "/" + rest.get(nameIndex + 1) : "";
        final boolean watch = List.of(query.split("&")).contains("watch=true")
            || List.of(query.split("&")).contains("watch=1");
        final String verb = switch (method)
        {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method in " + request);
        };
        return Manifests.grant(group, resource + subresource, verb);
    }

    private static io.fabric8.kubernetes.api.model.Node node(final String name, final String cidr)
    {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withPodCIDR(cidr)
            .withPodCIDRs(cidr).endSpec().build();
    }

    @Test
    void requestsMapToVerbs()
    {
        assertEquals("/pods list", toGrant("GET /api/v1/pods?resourceVersion=0 -> 200"));
        assertEquals("/pods watch", toGrant("GET /api/v1/pods?allowWatchBookmarks=true&watch=true -> 200"));
        assertEquals("/events create", toGrant("POST /api/v1/namespaces/x/events [application/json] -> 201"));
        assertEquals("/namespaces get", toGrant("GET /api/v1/namespaces/x -> 200"));
        assertEquals("/namespaces list", toGrant("GET /api/v1/namespaces -> 200"));
        assertEquals("apps/daemonsets patch", toGrant("PATCH /apis/apps/v1/namespaces/k/daemonsets/d -> 200"));
        assertEquals("/pods/status update", toGrant("PUT /api/v1/namespaces/x/pods/p/status -> 200"));
        assertEquals("sluice.dev/networkloggings watch",
            toGrant("GET /apis/sluice.dev/v1alpha1/networkloggings?watch=true -> 200"));
        assertEquals(null, toGrant("GET /apis/sluice.dev/v1alpha1 -> 200"));
        assertEquals(null, toGrant("GET /version -> 200"));
    }
}
