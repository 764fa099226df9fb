package dev.sluice.control.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * fabric8's KubernetesMockServer in CRUD mode, made good enough for the real {@code /usr/bin/kubectl}:
 * <ul>
 *   <li>API discovery: {@code /api}, {@code /apis} (legacy lists, or the aggregated {@code apidiscovery.k8s.io/v2}
 *       documents when the Accept header asks for them, as kubectl 1.3x does), {@code /api/v1} and
 *       {@code /apis/GROUP/VERSION} resource lists for the kinds the agent reads (plus Events), {@code /version};
 *       {@code /openapi/*} answers 404 (kubectl then validates nothing client-side).</li>
 *   <li>A request whose body is protobuf gets 415 Unsupported Media Type, so a client falls back to JSON.</li>
 *   <li>PATCH bodies are applied here as an RFC 7386 JSON merge patch and stored with a PUT (the CRUD
 *       dispatcher's own merge appends to lists instead of replacing them). The types kubectl sends are turned
 *       into one:
 *       {@code application/strategic-merge-patch+json} (kubectl apply, label, annotate) loses its
 *       {@code $}-directives ({@code $setElementOrder/...}, {@code $patch}, {@code $retainKeys}); lists are then
 *       replaced rather than merged by key, which is what those commands send for the lists they change;
 *       {@code application/apply-patch+yaml} (server-side apply) is converted from YAML to JSON and merged, or
 *       created with a POST to the collection when the object does not exist yet.</li>
 * </ul>
 * The server listens on one address over plain HTTP (127.0.0.1 by default; the one-machine cluster binds the
 * root-netns end of the underlay's API veth so that agents in node namespaces reach it); {@link #stop()} and
 * {@link #start()} simulate an API server outage (the stored objects survive, open watches are cut). It is the
 * embedded API server of {@code sluice demo} and of the end-to-end tests: objects live in memory only, nothing
 * (no scheduler, no controllers) acts on them.
 */
public final class EmbeddedApiServer implements AutoCloseable
{
    /** Where the real kubectl lives. */
    public static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    /** fabric8's MockWebServer logs every request at INFO; held here so the level sticks (loggers are weak). */
    private static final java.util.logging.Logger MOCK_LOG =
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

    private static final String AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /** group/version -> resources (plural, kind, namespaced). */
    private static final Map<String, List<Resource>> RESOURCES = new LinkedHashMap<>();

    static
    {
        RESOURCES.put("v1", List.of(
            new Resource("namespaces", "Namespace", false, "ns"),
            new Resource("nodes", "Node", false, "no"),
            new Resource("pods", "Pod", true, "po"),
            new Resource("services", "Service", true, "svc"),
            new Resource("events", "Event", true, "ev")));
        RESOURCES.put("networking.k8s.io/v1", List.of(new Resource("networkpolicies", "NetworkPolicy", true, "netpol")));
        RESOURCES.put("discovery.k8s.io/v1", List.of(new Resource("endpointslices", "EndpointSlice", true, null)));
        RESOURCES.put("events.k8s.io/v1", List.of(new Resource("events", "Event", true, "ev")));
        RESOURCES.put("sluice.dev/v1alpha1", List.of(new Resource("networkloggings", "NetworkLogging", false, null)));
    }

    private final KubernetesSerialization json = new KubernetesSerialization();
    private final KubernetesCrudDispatcher crud;
    private final List<String> requestLog = new CopyOnWriteArrayList<>();
    private final InetAddress address;
    private KubernetesMockServer server;
    private int port;

    /**
     * Start a mock API server on 127.0.0.1 and a free port.
     */
    public EmbeddedApiServer()
    {
        this(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Start a mock API server.
     *
     * @param address the local address to listen on (must already be configured on an interface).
     * @param port    the port, or 0 for a free one.
     */
    public EmbeddedApiServer(final InetAddress address, final int port)
    {
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.address = address;
        this.port = port;
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        this.crud = new KubernetesCrudDispatcher(List.of(new CustomResourceDefinitionContext.Builder()
            .withGroup("sluice.dev").withVersion("v1alpha1").withPlural("networkloggings").withKind("NetworkLogging")
            .withScope("Cluster").build()));
        start();
    }

    /**
     * (Re)start the server on its port (a new port the first time); the stored objects are kept.
     */
    public synchronized void start()
    {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Translator(),
            false);
        server.init(address, port);
        port = server.getPort();
    }

    /**
     * Stop the server: every connection and watch is cut, requests are refused until {@link #start()}.
     */
    public synchronized void stop()
    {
        server.destroy();
    }

    /**
     * Serves one request as the running server would, without the network (the fuzz target of the PATCH
     * translation calls this).
     *
     * @param request the request.
     * @return the response.
     */
    MockResponse dispatch(final RecordedRequest request)
    {
        return new Translator().dispatch(request);
    }

    /**
     * @return a fabric8 client for this server (close it when done).
     */
    public KubernetesClient createClient()
    {
        return server.createClient();
    }

    /**
     * @return the server URL.
     */
    public String url()
    {
        return "http://" + hostPort();
    }

    /**
     * @return every request served, as {@code METHOD path [content-type] -> status}.
     */
    public List<String> requests()
    {
        return List.copyOf(requestLog);
    }

    /**
     * @return {@code address:port} as a URL authority.
     */
    public String hostPort()
    {
        final String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Write a kubeconfig for this server as {@code dir/kubeconfig}.
     *
     * @param dir where to put it.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public Path writeKubeconfig(final Path dir) throws IOException
    {
        return writeKubeconfigFile(dir.resolve("kubeconfig"));
    }

    /**
     * Write a kubeconfig for this server (plain HTTP, a token the server ignores, namespace {@code default}).
     *
     * @param file the file to write (replaced when it exists).
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public Path writeKubeconfigFile(final Path file) throws IOException
    {
        Files.writeString(file, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sluice
              cluster:
                server: %s
            users:
            - name: sluice
              user:
                token: sluice-embedded
            contexts:
            - name: sluice
              context:
                cluster: sluice
                user: sluice
                namespace: default
            current-context: sluice
            """.formatted(url()));
        return file;
    }

    /**
     * Run the real kubectl against this server.
     *
     * @param dir  a scratch directory (holds the kubeconfig and kubectl's cache).
     * @param args kubectl's arguments.
     * @return its exit status and output.
     * @throws IOException          when kubectl cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public Result kubectl(final Path dir, final String... args) throws IOException, InterruptedException
    {
        final Path config = writeKubeconfig(dir);
        final List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig=" + config,
            "--cache-dir=" + dir.resolve("kubectl-cache"), "--request-timeout=20s"));
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("HOME", dir.toString());
        builder.environment().remove("KUBECONFIG");
        final Path out = dir.resolve("kubectl.out");
        final Path err = dir.resolve("kubectl.err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
            Path.of("/dev/null").toFile()));
        final Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("kubectl " + String.join(" ", args) + " did not finish in 60 s: "
                + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * Stops the server at the end of a test. fabric8's MockWebServer waits a bounded time for its connections to
     * close and throws when a client's watch connection lingers past it (seen on a loaded 2-core machine); by then
     * the test has asserted what it tests, so a slow close is reported on stderr rather than failing the test.
     */
    @Override
    public void close()
    {
        try
        {
            stop();
        }
        catch (final IllegalStateException e)
        {
            if (!(e.getCause() instanceof java.util.concurrent.TimeoutException))
            {
                throw e;
            }
            System.err.println("EmbeddedApiServer: slow shutdown (" + e.getMessage() + "), continuing");
        }
    }

    /**
     * kubectl's outcome.
     *
     * @param exitCode its exit status.
     * @param stdout   what it printed.
     * @param stderr   what it complained about.
     */
    public record Result(int exitCode, String stdout, String stderr)
    {
        /**
         * @return this result, when kubectl succeeded.
         * @throws AssertionError naming its output otherwise.
         */
        public Result ok()
        {
            if (exitCode != 0)
            {
                throw new AssertionError("kubectl exited " + exitCode + ": " + stderr + stdout);
            }
            return this;
        }
    }

    private record Resource(String plural, String kind, boolean namespaced, String shortName)
    {
        List<String> shortNames()
        {
            return shortName == null ? List.of() : List.of(shortName);
        }
    }

    /** Discovery, protobuf refusal and patch translation in front of the CRUD dispatcher. */
    private final class Translator extends Dispatcher
    {
        @Override
        public MockResponse dispatch(final RecordedRequest request)
        {
            final MockResponse response = route(request);
            requestLog.add(request.getMethod() + " " + request.getPath()
                + (request.getHeader("Content-Type") == null ? "" : " [" + request.getHeader("Content-Type") + "]")
                + " -> " + (response == null ? "null" : response.code()));
            return response;
        }

        private MockResponse route(final RecordedRequest request)
        {
            final String path = request.getPath();
            final String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            final String contentType = request.getHeader("Content-Type");
            if (contentType != null && contentType.contains("protobuf"))
            {
                return jsonResponse(415, status(415, "UnsupportedMediaType", "protobuf is not served, send JSON"),
                    "application/json");
            }
            if ("GET".equals(request.getMethod()))
            {
                final MockResponse discovery = discovery(bare, request.getHeader("Accept"));
                if (discovery != null)
                {
                    return discovery;
                }
            }
            if ("PATCH".equals(request.getMethod()) && contentType != null)
            {
                final boolean strategic = contentType.startsWith("application/strategic-merge-patch+json");
                final boolean merge = contentType.startsWith("application/merge-patch+json");
                final boolean apply = contentType.startsWith("application/apply-patch+yaml");
                if (!strategic && !merge && !apply)
                {
                    return crud.dispatch(request);
                }
                // A body that does not parse, or is not an object, is the client's error (400 like the API server),
                // never an exception out of the dispatcher.
                final Object patch;
                try
                {
                    patch = apply ? new Load(LoadSettings.builder().build()).loadFromString(request.getUtf8Body()) :
                        json.unmarshal(request.getUtf8Body(), Map.class);
                }
                catch (final RuntimeException ex)
                {
                    return badRequest(contentType, ex);
                }
                if (!(patch instanceof Map<?, ?>))
                {
                    return jsonResponse(400, status(400, "BadRequest", contentType + " body is not an object"),
                        "application/json");
                }
                try
                {
                    return patch(request, bare, strategic ? withoutDirectives(patch) : patch, apply);
                }
                catch (final RuntimeException ex)
                {
                    return jsonResponse(422, status(422, "Invalid", "the patched object is invalid: " +
                        firstLine(ex)), "application/json");
                }
            }
            return crud.dispatch(request);
        }

        private MockResponse badRequest(final String contentType, final RuntimeException ex)
        {
            return jsonResponse(400, status(400, "BadRequest", "cannot parse the " + contentType + " body: " +
                firstLine(ex)), "application/json");
        }

        private String firstLine(final Throwable ex)
        {
            Throwable cause = ex;
            while (cause.getCause() != null && cause.getCause() != cause)
            {
                cause = cause.getCause();
            }
            final String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            return message.lines().findFirst().orElse(message);
        }

        /**
         * Applies a parsed patch: server-side apply creates a missing object; everything else is a JSON merge patch.
         */
        private MockResponse patch(final RecordedRequest request, final String bare, final Object patch,
            final boolean apply)
        {
            if (apply)
            {
                final MockResponse existing = crud.dispatch(copy(request, "GET", bare, null, ""));
                if (existing.code() == 404)
                {
                    final String collection = bare.substring(0, bare.lastIndexOf('/'));
                    final MockResponse created = crud.dispatch(copy(request, "POST", collection,
                        "application/json", json.asJson(patch)));
                    return created.code() == 201 || created.code() == 200 ? created.setResponseCode(201) : created;
                }
            }
            return mergePatch(request, bare, patch);
        }

        /**
         * RFC 7386 JSON merge patch (objects merge, {@code null} deletes, anything else, lists included, replaces),
         * applied here and stored with a PUT: the CRUD dispatcher's own merge appends lists.
         */
        private MockResponse mergePatch(final RecordedRequest request, final String bare, final Object patch)
        {
            final MockResponse current = crud.dispatch(copy(request, "GET", bare, null, ""));
            if (current.code() != 200)
            {
                return current;
            }
            final Object merged = merge(json.unmarshal(current.getBody().readUtf8(), Map.class), patch);
            final MockResponse stored = crud.dispatch(copy(request, "PUT", bare, "application/json",
                json.asJson(merged)));
            return stored.code() == 200 || stored.code() == 201 ? stored.setResponseCode(200) : stored;
        }

        private MockResponse discovery(final String path, final String accept)
        {
            final boolean aggregated = accept != null && accept.contains("g=apidiscovery.k8s.io;v=v2");
            if (path.equals("/version"))
            {
                return jsonResponse(200, Map.of("major", "1", "minor", "32", "gitVersion", "v1.32.0-sluice-mock",
                    "platform", "linux/amd64"), "application/json");
            }
            if (path.startsWith("/openapi"))
            {
                return jsonResponse(404, status(404, "NotFound", "no OpenAPI documents"), "application/json");
            }
            if (path.equals("/api"))
            {
                return aggregated
                    ? jsonResponse(200, aggregatedList(true), AGGREGATED)
                    : jsonResponse(200, Map.of("kind", "APIVersions", "versions", List.of("v1"),
                        "serverAddressByClientCIDRs", List.of(Map.of("clientCIDR", "0.0.0.0/0",
                            "serverAddress", hostPort()))), "application/json");
            }
            if (path.equals("/apis"))
            {
                if (aggregated)
                {
                    return jsonResponse(200, aggregatedList(false), AGGREGATED);
                }
                final List<Object> groups = new ArrayList<>();
                RESOURCES.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv ->
                {
                    final String group = gv.substring(0, gv.indexOf('/'));
                    final Map<String, Object> version = Map.of("groupVersion", gv,
                        "version", gv.substring(gv.indexOf('/') + 1));
                    groups.add(Map.of("name", group, "versions", List.of(version), "preferredVersion", version));
                });
                return jsonResponse(200, Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", groups),
                    "application/json");
            }
            final String gv = path.equals("/api/v1") ? "v1"
                : path.startsWith("/apis/") && path.chars().filter(c -> c == '/').count() == 3 ? path.substring(6)
                : null;
            if (gv != null && RESOURCES.containsKey(gv))
            {
                final List<Object> resources = new ArrayList<>();
                for (final Resource r : RESOURCES.get(gv))
                {
                    resources.add(Map.of("name", r.plural(), "singularName", r.kind().toLowerCase(),
                        "namespaced", r.namespaced(), "kind", r.kind(), "shortNames", r.shortNames(),
                        "verbs", List.of("create", "delete", "get", "list", "patch", "update", "watch")));
                }
                return jsonResponse(200, Map.of("kind", "APIResourceList", "apiVersion", "v1", "groupVersion", gv,
                    "resources", resources), "application/json");
            }
            return null;
        }

        private Map<String, Object> aggregatedList(final boolean core)
        {
            final Map<String, List<String>> groups = new LinkedHashMap<>();
            for (final String gv : RESOURCES.keySet())
            {
                if (core == !gv.contains("/"))
                {
                    final String group = core ? "" : gv.substring(0, gv.indexOf('/'));
                    groups.computeIfAbsent(group, g -> new ArrayList<>()).add(gv);
                }
            }
            final List<Object> items = new ArrayList<>();
            groups.forEach((group, versions) ->
            {
                final List<Object> versionDocs = new ArrayList<>();
                for (final String gv : versions)
                {
                    final List<Object> resources = new ArrayList<>();
                    for (final Resource r : RESOURCES.get(gv))
                    {
                        resources.add(Map.of(
                            "resource", r.plural(),
                            "responseKind", Map.of("group", group, "version", gv.substring(gv.indexOf('/') + 1),
                                "kind", r.kind()),
                            "scope", r.namespaced() ? "Namespaced" : "Cluster",
                            "singularResource", r.kind().toLowerCase(),
                            "shortNames", r.shortNames(),
                            "verbs", List.of("create", "delete", "get", "list", "patch", "update", "watch")));
                    }
                    versionDocs.add(Map.of("version", gv.substring(gv.indexOf('/') + 1), "resources", resources,
                        "freshness", "Current"));
                }
                items.add(Map.of("metadata", Map.of("name", group), "versions", versionDocs));
            });
            return Map.of("kind", "APIGroupDiscoveryList", "apiVersion", "apidiscovery.k8s.io/v2",
                "metadata", Map.of(), "items", items);
        }

        private MockResponse jsonResponse(final int code, final Object body, final String contentType)
        {
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", contentType)
                .setBody(json.asJson(body));
        }

        private Map<String, Object> status(final int code, final String reason, final String message)
        {
            return Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", code,
                "reason", reason, "message", message, "metadata", Map.of());
        }

        private RecordedRequest copy(final RecordedRequest request, final String method, final String path,
            final String contentType, final String body)
        {
            final Headers.Builder headers = request.getHeaders().newBuilder();
            headers.removeAll("Content-Type");
            if (contentType != null)
            {
                headers.add("Content-Type", contentType);
            }
            return new RecordedRequest(request.getHttpVersion(),
                io.fabric8.mockwebserver.dsl.HttpMethod.valueOf(method), path, headers.build(),
                new Buffer(body.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static Object merge(final Object target, final Object patch)
    {
        if (!(patch instanceof Map<?, ?> patchMap))
        {
            return patch;
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        if (target instanceof Map<?, ?> targetMap)
        {
            targetMap.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        patchMap.forEach((k, v) ->
        {
            final String key = String.valueOf(k);
            if (v == null)
            {
                out.remove(key);
            }
            else
            {
                out.put(key, merge(out.get(key), v));
            }
        });
        return out;
    }

    /** Strategic merge patch -> JSON merge patch: drop every {@code $}-directive key, recursively. */
    private static Object withoutDirectives(final Object value)
    {
        if (value instanceof Map<?, ?> map)
        {
            final Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) ->
            {
                if (!String.valueOf(k).startsWith("$"))
                {
                    out.put(String.valueOf(k), withoutDirectives(v));
                }
            });
            return out;
        }
        if (value instanceof List<?> list)
        {
            final List<Object> out = new ArrayList<>();
            for (final Object item : list)
            {
                if (!(item instanceof Map<?, ?> m && m.keySet().stream().anyMatch(k -> String.valueOf(k).startsWith("$patch"))))
                {
                    out.add(withoutDirectives(item));
                }
            }
            return out;
        }
        return value;
    }
}
