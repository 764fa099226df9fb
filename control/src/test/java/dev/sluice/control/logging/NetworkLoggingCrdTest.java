package dev.sluice.control.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.control.model.NetworkLoggingInfo;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The NetworkLogging CRD in deploy/crds: it parses as a CustomResourceDefinition, its schema is structural (every
 * node typed, no {@code additionalProperties} next to {@code properties}, defaults valid), and it accepts and
 * rejects sample objects as the API server would with strict field validation (types, required fields, unknown
 * fields), applying its defaults. CEL rules are not evaluated here; the one rule (name must be "default") is checked
 * to be present.
 */
class NetworkLoggingCrdTest
{
    private static final Path CRD = Path.of("../deploy/crds/networklogging.yaml");
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    private CustomResourceDefinition crd() throws Exception
    {
        try (InputStream in = Files.newInputStream(CRD))
        {
            return serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }

    private JSONSchemaProps schema() throws Exception
    {
        return crd().getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();
    }

    @Test
    void isAClusterScopedSluiceDevV1alpha1Crd() throws Exception
    {
        final CustomResourceDefinition crd = crd();
        assertEquals("networkloggings.sluice.dev", crd.getMetadata().getName());
        assertEquals("sluice.dev", crd.getSpec().getGroup());
        assertEquals("Cluster", crd.getSpec().getScope());
        assertEquals("NetworkLogging", crd.getSpec().getNames().getKind());
        assertEquals("networkloggings", crd.getSpec().getNames().getPlural());
        final List<CustomResourceDefinitionVersion> versions = crd.getSpec().getVersions();
        assertEquals(1, versions.size());
        assertEquals("v1alpha1", versions.getFirst().getName());
        assertTrue(versions.getFirst().getServed() && versions.getFirst().getStorage());
        assertEquals(NetworkLoggingInfo.API_VERSION, crd.getSpec().getGroup() + "/" + versions.getFirst().getName());
        assertEquals("self.metadata.name == 'default'",
            schema().getXKubernetesValidations().getFirst().getRule());
    }

    @Test
    void schemaIsStructuralAndItsDefaultsValidate() throws Exception
    {
        final List<String> problems = new ArrayList<>();
        structural(schema(), "openAPIV3Schema", problems);
        assertEquals(List.of(), problems);
    }

    private void structural(final JSONSchemaProps node, final String path, final List<String> problems)
    {
        if (node.getType() == null)
        {
            problems.add(path + ": no type");
        }
        if (node.getProperties() != null && !node.getProperties().isEmpty() && node.getAdditionalProperties() != null)
        {
            problems.add(path + ": additionalProperties next to properties");
        }
        if (node.getDefault() != null)
        {
            final List<String> errors = new ArrayList<>();
            validate(node, serialization.convertValue(node.getDefault(), Object.class), path + ".default", errors);
            problems.addAll(errors);
        }
        if (node.getProperties() != null)
        {
            node.getProperties().forEach((name, child) -> structural(child, path + ".properties." + name, problems));
        }
    }

    @Test
    void acceptsAFullObjectAndAnEmptySpecGetsTheDefaults() throws Exception
    {
        final Map<String, Object> full = object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            spec:
              cluster:
                allow: {log: true, delegate: true}
                deny: {log: true, delegate: false}
            """);
        assertEquals(List.of(), check(full));
        assertEquals(new NetworkLoggingConfig(true, true, true, false), config(full));

        final Map<String, Object> empty = object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            spec: {}
            """);
        assertEquals(List.of(), check(empty));
        assertEquals(Map.of("cluster", Map.of("allow", Map.of("log", false, "delegate", false),
            "deny", Map.of("log", false, "delegate", false))), empty.get("spec"));
        assertEquals(NetworkLoggingConfig.DISABLED, config(empty));
    }

    @Test
    void rejectsWrongTypesUnknownFieldsAndAMissingSpec() throws Exception
    {
        assertEquals(List.of("spec.cluster.allow.log: must be boolean, not string 'yes'"), check(object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            spec: {cluster: {allow: {log: "yes"}}}
            """)));
        assertEquals(List.of("spec.cluster.alow: unknown field"), check(object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            spec: {cluster: {alow: {log: true}}}
            """)));
        assertEquals(List.of("spec.cluster.deny: must be object, not boolean 'true'"), check(object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            spec: {cluster: {deny: true}}
            """)));
        assertEquals(List.of("spec: required"), check(object("""
            apiVersion: sluice.dev/v1alpha1
            kind: NetworkLogging
            metadata: {name: default}
            """)));
    }

    private Map<String, Object> object(final String yaml)
    {
        @SuppressWarnings("unchecked")
        final Map<String, Object> map = serialization.unmarshal(yaml, Map.class);
        return deepMutable(map);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepMutable(final Map<String, Object> map)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? deepMutable((Map<String, Object>)m) : v));
        return out;
    }

    private List<String> check(final Map<String, Object> object) throws Exception
    {
        final List<String> errors = new ArrayList<>();
        validate(schema(), object, "", errors);
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static NetworkLoggingConfig config(final Map<String, Object> object)
    {
        return NetworkLoggingConfig.from(new NetworkLoggingInfo("default", (Map<String, Object>)object.get("spec")));
    }

    /** Types, required fields, unknown fields (strict field validation); fills in defaults like the API server. */
    @SuppressWarnings("unchecked")
    private void validate(final JSONSchemaProps schema, final Object value, final String path, final List<String> errors)
    {
        final String type = schema.getType();
        final String actual = value instanceof Map ? "object" : value instanceof Boolean ? "boolean"
            : value instanceof String ? "string" : value instanceof List ? "array" : value instanceof Number ? "number"
            : "null";
        if (!type.equals(actual))
        {
            errors.add(path + ": must be " + type + ", not " + actual + " '" + value + "'");
            return;
        }
        if (!"object".equals(type))
        {
            return;
        }
        final Map<String, Object> map = (Map<String, Object>)value;
        final Map<String, JSONSchemaProps> properties = schema.getProperties() == null ? Map.of() : schema.getProperties();
        if (!path.isEmpty() || !properties.isEmpty())
        {
            for (final String key : map.keySet())
            {
                if (!properties.containsKey(key) && !(path.equals(".metadata") || path.equals("metadata")))
                {
                    errors.add(join(path, key) + ": unknown field");
                }
            }
        }
        if (schema.getRequired() != null)
        {
            for (final String key : schema.getRequired())
            {
                if (!map.containsKey(key))
                {
                    errors.add(join(path, key) + ": required");
                }
            }
        }
        properties.forEach((key, child) ->
        {
            if (!map.containsKey(key) && child.getDefault() != null)
            {
                final Object def = serialization.convertValue(child.getDefault(), Object.class);
                map.put(key, def instanceof Map<?, ?> m ? deepMutable((Map<String, Object>)m) : def);
            }
            if (map.containsKey(key))
            {
                validate(child, map.get(key), join(path, key), errors);
            }
        });
    }

    private static String join(final String path, final String key)
    {
        return path.isEmpty() ? key : path + "." + key;
    }

    @Test
    void theExampleStateFilesNetworkLoggingIsValidAndReadsAsDenyOnly() throws Exception
    {
        final NetworkLoggingInfo info = new dev.sluice.control.model.ClusterStateLoader()
            .load(Path.of("src/test/resources/examples/three-namespaces.yaml")).networkLogging().getFirst();
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", NetworkLoggingInfo.API_VERSION);
        object.put("kind", NetworkLoggingInfo.KIND);
        object.put("metadata", new LinkedHashMap<>(Map.of("name", info.name())));
        object.put("spec", deepMutable(info.spec()));
        assertEquals(List.of(), check(object));
        assertEquals(new NetworkLoggingConfig(false, false, true, false), NetworkLoggingConfig.from(List.of(info)));
    }
}
