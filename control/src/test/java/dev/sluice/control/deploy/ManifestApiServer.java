package dev.sluice.control.deploy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * A stand-in for {@code kubectl apply --dry-run=server} against a real API server, for the kinds deploy/ holds:
 * fabric8's CRUD mock server with legacy API discovery for those kinds (the real kubectl needs it), and what a
 * real API server checks on a create or update, as far as these manifests go:
 * <ul>
 *   <li>strict field validation ({@code fieldValidation=Strict}): the body must map onto the kind's fabric8 typed
 *       class with no unknown field anywhere (fabric8 keeps unknown fields in {@code additionalProperties});</li>
 *   <li>a handful of the API server's own validation rules that these manifests could break: a DaemonSet's
 *       selector matches its template's labels, every volume mount names a volume, container names are unique,
 *       {@code allowPrivilegeEscalation: false} is refused with {@code privileged} or {@code CAP_SYS_ADMIN};
 *       a ClusterRoleBinding refers to a ClusterRole; a CRD is named {@code plural.group}; the object's namespace
 *       matches the request's;</li>
 *   <li>{@code dryRun=All}: validated and answered, not stored.</li>
 * </ul>
 * A refused object gets 422 (a Status of reason Invalid naming the fields), as from a real API server.
 */
final class ManifestApiServer implements AutoCloseable
{
    /** group/version -> plural -> kind, and whether namespaced. */
    private static final Map<String, Map<String, Object[]>> RESOURCES = new LinkedHashMap<>();

    static
    {
        RESOURCES.put("v1", Map.of("namespaces", new Object[] { "Namespace", false },
            "serviceaccounts", new Object[] { "ServiceAccount", true },
            "configmaps", new Object[] { "ConfigMap", true }));
        RESOURCES.put("apps/v1", Map.of("daemonsets", new Object[] { "DaemonSet", true }));
        RESOURCES.put("rbac.authorization.k8s.io/v1", Map.of(
            "clusterroles", new Object[] { "ClusterRole", false },
            "clusterrolebindings", new Object[] { "ClusterRoleBinding", false }));
        RESOURCES.put("apiextensions.k8s.io/v1", Map.of(
            "customresourcedefinitions", new Object[] { "CustomResourceDefinition", false }));
    }

    private final KubernetesSerialization json = new KubernetesSerialization();
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of());
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final KubernetesMockServer server;

    ManifestApiServer()
    {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Front(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    /** @return a client of this server (close it). */
    KubernetesClient createClient()
    {
        return server.createClient();
    }

    /** @return the server URL. */
    String url()
    {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** @return every request as {@code METHOD path -> status}. */
    List<String> requests()
    {
        return List.copyOf(requests);
    }

    @Override
    public void close()
    {
        server.destroy();
    }

    /**
     * @param object an object as the API would receive it.
     * @return what a real API server would refuse in it (empty: accepted).
     */
    static List<String> validate(final HasMetadata object)
    {
        final List<String> errors = new ArrayList<>();
        unknownFields(object, object.getKind(), errors, 0);
        if (object.getMetadata() == null || object.getMetadata().getName() == null
            || object.getMetadata().getName().isEmpty())
        {
            errors.add("metadata.name: Required value");
        }
        if (object instanceof DaemonSet ds)
        {
            daemonSet(ds, errors);
        }
        if (object instanceof ClusterRoleBinding binding && !"ClusterRole".equals(binding.getRoleRef().getKind()))
        {
            errors.add("roleRef.kind: Unsupported value: " + binding.getRoleRef().getKind());
        }
        if (object instanceof CustomResourceDefinition crd && !object.getMetadata().getName().equals(
            crd.getSpec().getNames().getPlural() + "." + crd.getSpec().getGroup()))
        {
            errors.add("metadata.name: Invalid value: must be spec.names.plural+\".\"+spec.group");
        }
        return errors;
    }

    private static void daemonSet(final DaemonSet ds, final List<String> errors)
    {
        final Map<String, String> selector = ds.getSpec().getSelector().getMatchLabels();
        final Map<String, String> labels = ds.getSpec().getTemplate().getMetadata().getLabels();
        if (selector == null || selector.isEmpty() || labels == null
            || !labels.entrySet().containsAll(selector.entrySet()))
        {
            errors.add("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
        }
        final PodSpec pod = ds.getSpec().getTemplate().getSpec();
        final Set<String> volumes = new HashSet<>();
        for (final Volume volume : pod.getVolumes())
        {
            if (!volumes.add(volume.getName()))
            {
                errors.add("spec.template.spec.volumes: Duplicate value: " + volume.getName());
            }
        }
        final Set<String> names = new HashSet<>();
        final List<Container> containers = new ArrayList<>(pod.getInitContainers());
        containers.addAll(pod.getContainers());
        for (final Container c : containers)
        {
            if (!names.add(c.getName()))
            {
                errors.add("spec.template.spec.containers: Duplicate value: " + c.getName());
            }
            for (final VolumeMount mount : c.getVolumeMounts())
            {
                if (!volumes.contains(mount.getName()))
                {
                    errors.add("spec.template.spec.containers[" + c.getName() + "].volumeMounts.name: Not found: "
                        + mount.getName());
                }
            }
            final SecurityContext sc = c.getSecurityContext();
            if (sc != null && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()))
            {
                if (Boolean.TRUE.equals(sc.getPrivileged()) || sc.getCapabilities() != null
                    && sc.getCapabilities().getAdd() != null && sc.getCapabilities().getAdd().stream()
                    .anyMatch(cap -> cap.equals("SYS_ADMIN") || cap.equals("CAP_SYS_ADMIN")))
                {
                    errors.add("spec.template.spec.containers[" + c.getName() + "].securityContext: Invalid value: "
                        + "cannot set `allowPrivilegeEscalation` to false and `privileged` to true or "
                        + "`capabilities.Add` CAP_SYS_ADMIN");
                }
            }
        }
    }

    /** Walks a fabric8 model object; any {@code additionalProperties} entry is a field the kind does not have. */
    private static void unknownFields(final Object value, final String path, final List<String> errors,
        final int depth)
    {
        if (value == null || depth > 64)
        {
            return;
        }
        if (value instanceof List<?> list)
        {
            for (int i = 0; i < list.size(); i++)
            {
                unknownFields(list.get(i), path + "[" + i + "]", errors, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map)
        {
            map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", errors, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model"))
        {
            return;
        }
        for (final Method method : value.getClass().getMethods())
        {
            if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
                || method.getDeclaringClass() == Object.class || !method.getName().startsWith("get"))
            {
                continue;
            }
            final Object child;
            try
            {
                child = method.invoke(value);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new IllegalStateException(method.toString(), ex);
            }
            if (method.getName().equals("getAdditionalProperties"))
            {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty())
                {
                    for (final Object key : extra.keySet())
                    {
                        errors.add(path + "." + key + ": field not declared in schema");
                    }
                }
                continue;
            }
            final String field = method.getName().substring(3);
            unknownFields(child, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), errors,
                depth + 1);
        }
    }

    /** Discovery, validation and dry run in front of the CRUD dispatcher. */
    private final class Front extends Dispatcher
    {
        @Override
        public MockResponse dispatch(final RecordedRequest request)
        {
            final MockResponse response = route(request);
            requests.add(request.getMethod() + " " + request.getPath() + " -> " + response.code());
            return response;
        }

        private MockResponse route(final RecordedRequest request)
        {
            final String path = request.getPath();
            final String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            final String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
            final String contentType = request.getHeader("Content-Type");
            if (contentType != null && contentType.contains("protobuf"))
            {
                return status(415, "UnsupportedMediaType", List.of("send JSON"));
            }
            if ("GET".equals(request.getMethod()))
            {
                final MockResponse discovery = discovery(bare);
                if (discovery != null)
                {
                    return discovery;
                }
            }
            if ("POST".equals(request.getMethod()) || "PUT".equals(request.getMethod()))
            {
                // reading the body consumes it: the CRUD dispatcher gets a copy
                final String body = request.getUtf8Body();
                final HasMetadata object;
                try
                {
                    object = json.unmarshal(body, HasMetadata.class);
                }
                catch (final RuntimeException ex)
                {
                    return status(400, "BadRequest", List.of(String.valueOf(ex.getMessage())));
                }
                final List<String> errors = validate(object);
                final String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
                if (bare.contains("/namespaces/") && namespace != null && !bare.contains("/namespaces/" + namespace
                    + "/"))
                {
                    errors.add("metadata.namespace: Invalid value: " + namespace + " does not match the request");
                }
                if (!errors.isEmpty())
                {
                    return status(422, "Invalid", errors);
                }
                if (List.of(query.split("&")).contains("dryRun=All"))
                {
                    return new MockResponse().setResponseCode("POST".equals(request.getMethod()) ? 201 : 200)
                        .setHeader("Content-Type", "application/json").setBody(body);
                }
                return crud.dispatch(new RecordedRequest(request.getHttpVersion(),
                    io.fabric8.mockwebserver.dsl.HttpMethod.valueOf(request.getMethod()), path, request.getHeaders(),
                    new io.fabric8.mockwebserver.http.Buffer(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            }
            if (("PATCH".equals(request.getMethod()) || "DELETE".equals(request.getMethod()))
                && List.of(query.split("&")).contains("dryRun=All"))
            {
                return status(501, "NotImplemented", List.of("dry-run " + request.getMethod() + " is not served"));
            }
            return crud.dispatch(request);
        }

        private MockResponse discovery(final String path)
        {
            if (path.equals("/version"))
            {
                return ok(Map.of("major", "1", "minor", "32", "gitVersion", "v1.32.0-sluice-mock",
                    "platform", "linux/amd64"));
            }
            if (path.startsWith("/openapi"))
            {
                return status(404, "NotFound", List.of("no OpenAPI documents"));
            }
            if (path.equals("/api"))
            {
                return ok(Map.of("kind", "APIVersions", "versions", List.of("v1"), "serverAddressByClientCIDRs",
                    List.of(Map.of("clientCIDR", "0.0.0.0/0", "serverAddress", url().substring(7)))));
            }
            if (path.equals("/apis"))
            {
                final List<Object> groups = new ArrayList<>();
                RESOURCES.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv ->
                {
                    final Map<String, Object> version = Map.of("groupVersion", gv,
                        "version", gv.substring(gv.indexOf('/') + 1));
                    groups.add(Map.of("name", gv.substring(0, gv.indexOf('/')), "versions", List.of(version),
                        "preferredVersion", version));
                });
                return ok(Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", groups));
            }
            final String gv = path.equals("/api/v1") ? "v1"
                : path.startsWith("/apis/") && path.chars().filter(c -> c == '/').count() == 3 ? path.substring(6)
                : null;
            if (gv == null)
            {
                return null;
            }
            if (!RESOURCES.containsKey(gv))
            {
                return status(404, "NotFound", List.of("no group version " + gv));
            }
            final List<Object> resources = new ArrayList<>();
            RESOURCES.get(gv).forEach((plural, kind) -> resources.add(Map.of("name", plural,
                "singularName", ((String)kind[0]).toLowerCase(), "namespaced", kind[1], "kind", kind[0],
                "verbs", List.of("create", "delete", "get", "list", "patch", "update", "watch"))));
            return ok(Map.of("kind", "APIResourceList", "apiVersion", "v1", "groupVersion", gv,
                "resources", resources));
        }

        private MockResponse ok(final Object body)
        {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(json.asJson(body));
        }

        private MockResponse status(final int code, final String reason, final List<String> causes)
        {
            final List<Object> details = new ArrayList<>();
            causes.forEach(c -> details.add(Map.of("message", c)));
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(json.asJson(Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", code,
                    "reason", reason, "message", reason + ": " + String.join("; ", causes), "metadata", Map.of(),
                    "details", Map.of("causes", details))));
        }
    }
}
