package dev.sluice.control.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Reads a cluster state file: plain multi-document Kubernetes YAML (as {@code kubectl get -o yaml} writes it; a
 * {@code kind: List} document is flattened). Each document is turned into fabric8's typed object with fabric8's
 * own serialization, then fed to a {@link ClusterStateBuilder}. Problems in one document (a field of the wrong
 * type, a missing kind) are reported with the document number and do not hide problems in the others.
 */
public final class ClusterStateLoader
{
    private static final Pattern FIELD = Pattern.compile("\\[\"([^\"]+)\"\\]|ArrayList\\[(\\d+)\\]");

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    /**
     * @param file a state file.
     * @return the validated model.
     * @throws ClusterStateException listing every problem (including an unreadable file).
     */
    public ClusterState load(final Path file) throws ClusterStateException
    {
        return parse(read(file), file.getFileName().toString());
    }

    /**
     * Read a state file's objects without validating them (the agent's offline mode feeds them to its control loop,
     * which rejects invalid ones one at a time).
     *
     * @param file a state file.
     * @return its objects, in file order.
     * @throws ClusterStateException when the file cannot be read or a document is not a Kubernetes object.
     */
    public List<HasMetadata> readObjects(final Path file) throws ClusterStateException
    {
        final List<HasMetadata> objects = new ArrayList<>();
        final ClusterStateBuilder errors = new ClusterStateBuilder();
        collect(read(file), file.getFileName().toString(), errors, (object, origin) -> objects.add(object));
        if (!errors.errors().isEmpty())
        {
            throw new ClusterStateException(errors.errors());
        }
        return objects;
    }

    private static String read(final Path file) throws ClusterStateException
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final IOException ex)
        {
            throw new ClusterStateException(List.of(file + ": cannot read: " + ex.getMessage()));
        }
        return text;
    }

    /**
     * @param yaml       the state file's text.
     * @param sourceName the name used in error messages (e.g. the file name).
     * @return the validated model.
     * @throws ClusterStateException listing every problem.
     */
    public ClusterState parse(final String yaml, final String sourceName) throws ClusterStateException
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        collect(yaml, sourceName, builder, builder::add);
        return builder.build();
    }

    private void collect(final String yaml, final String sourceName, final ClusterStateBuilder builder,
        final java.util.function.BiConsumer<HasMetadata, String> sink) throws ClusterStateException
    {
        final List<Object> documents = new ArrayList<>();
        try
        {
            new Load(LoadSettings.builder().setLabel(sourceName).build()).loadAllFromString(yaml)
                .forEach(documents::add);
        }
        catch (final RuntimeException ex)
        {
            throw new ClusterStateException(List.of(sourceName + ": not valid YAML: " + ex.getMessage()));
        }
        for (int i = 0; i < documents.size(); i++)
        {
            final Object document = documents.get(i);
            final String origin = sourceName + " document " + (i + 1);
            if (document == null)
            {
                continue;
            }
            if (!(document instanceof Map<?, ?> map) || map.get("kind") == null || map.get("apiVersion") == null)
            {
                builder.reportError(origin + ": not a Kubernetes object (needs apiVersion, kind and metadata)");
                continue;
            }
            final KubernetesResource resource;
            try
            {
                resource = serialization.convertValue(document, KubernetesResource.class);
            }
            catch (final RuntimeException ex)
            {
                builder.reportError(origin + ": " + describe(map) + ": " + conversionError(ex));
                continue;
            }
            if (resource instanceof KubernetesList list)
            {
                final List<HasMetadata> items = list.getItems();
                for (int j = 0; j < items.size(); j++)
                {
                    sink.accept(items.get(j), origin + " items[" + j + "]");
                }
            }
            else if (resource instanceof HasMetadata object)
            {
                sink.accept(object, origin);
            }
            else
            {
                builder.reportError(origin + ": " + describe(map) + ": kind: unsupported kind '" + map.get("kind") + "'");
            }
        }
    }

    private static String describe(final Map<?, ?> document)
    {
        String ref = "<no name>";
        if (document.get("metadata") instanceof Map<?, ?> meta && meta.get("name") != null)
        {
            ref = (meta.get("namespace") == null ? "" : meta.get("namespace") + "/") + meta.get("name");
        }
        return document.get("kind") + " " + ref;
    }

    /** Jackson names the failing field as a reference chain; turn it into a field path like the API server's. */
    private static String conversionError(final RuntimeException ex)
    {
        final String message = String.valueOf(ex.getMessage());
        final int chain = message.indexOf("(through reference chain:");
        final StringBuilder path = new StringBuilder();
        if (chain >= 0)
        {
            final Matcher m = FIELD.matcher(message.substring(chain));
            while (m.find())
            {
                if (m.group(1) != null)
                {
                    path.append(path.isEmpty() ? "" : ".").append(m.group(1));
                }
                else
                {
                    path.append('[').append(m.group(2)).append(']');
                }
            }
        }
        final String reason = message.lines().findFirst().orElse(message).replace("java.lang.", "");
        return (path.isEmpty() ? "" : path + ": ") + reason;
    }
}
