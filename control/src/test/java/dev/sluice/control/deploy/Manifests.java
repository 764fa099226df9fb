package dev.sluice.control.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The manifests in {@code deploy/} as fabric8 typed objects, and the real {@code kubectl kustomize} over them.
 */
final class Manifests
{
    /** The deploy directory (tests run in the control module's directory). */
    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    /** Every file kustomization.yaml lists, in its order. */
    static final List<String> RESOURCES = List.of("crds/networklogging.yaml", "rbac.yaml", "configmap.yaml",
        "daemonset.yaml");
    /** The namespace everything namespaced goes to. */
    static final String NAMESPACE = "kube-system";

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private Manifests()
    {
    }

    /**
     * @param file a file under deploy/.
     * @return its documents, each unmarshalled into its fabric8 class (by apiVersion and kind).
     * @throws IOException when it cannot be read.
     */
    static List<HasMetadata> load(final String file) throws IOException
    {
        return parse(Files.readString(DEPLOY.resolve(file)));
    }

    /**
     * @param yaml one or more YAML documents separated by {@code ---} lines.
     * @return each document as its fabric8 class.
     */
    static List<HasMetadata> parse(final String yaml)
    {
        final List<HasMetadata> out = new ArrayList<>();
        for (final String document : yaml.split("(?m)^---\\s*$"))
        {
            if (document.lines().anyMatch(line -> !line.isBlank() && !line.stripLeading().startsWith("#")))
            {
                final Object object = JSON.unmarshal(document);
                if (!(object instanceof HasMetadata typed))
                {
                    throw new AssertionError("not a Kubernetes object: " + object);
                }
                out.add(typed);
            }
        }
        return out;
    }

    /**
     * @return the output of {@code kubectl kustomize deploy/}.
     * @throws IOException          when kubectl fails.
     * @throws InterruptedException when interrupted.
     */
    static String kustomize() throws IOException, InterruptedException
    {
        return kustomize(DEPLOY);
    }

    /**
     * @param dir a kustomization directory.
     * @return the output of {@code kubectl kustomize dir}.
     * @throws IOException          when kubectl fails.
     * @throws InterruptedException when interrupted.
     */
    static String kustomize(final Path dir) throws IOException, InterruptedException
    {
        final Path err = Files.createTempFile("kustomize", ".err");
        try
        {
            final Process process = new ProcessBuilder("/usr/bin/kubectl", "kustomize", dir.toString())
                .redirectError(err.toFile()).start();
            final String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                throw new IOException("kubectl kustomize " + dir + " failed: " + Files.readString(err));
            }
            return out;
        }
        finally
        {
            Files.deleteIfExists(err);
        }
    }

    /**
     * @param type    the class wanted.
     * @param objects the objects.
     * @param <T>     the class.
     * @return the one object of that class.
     */
    static <T extends HasMetadata> T only(final Class<T> type, final List<HasMetadata> objects)
    {
        final List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
        if (matching.size() != 1)
        {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + matching.size());
        }
        return matching.getFirst();
    }

    /**
     * @param role a ClusterRole.
     * @return what it grants, one {@code apiGroup/resource verb} string per combination (group "" is core).
     */
    static Set<String> grants(final ClusterRole role)
    {
        final Set<String> out = new TreeSet<>();
        for (final PolicyRule rule : role.getRules())
        {
            if (rule.getNonResourceURLs() != null && !rule.getNonResourceURLs().isEmpty()
                || rule.getResourceNames() != null && !rule.getResourceNames().isEmpty())
            {
                throw new AssertionError("rule with non-resource URLs or resource names: " + rule);
            }
            for (final String group : rule.getApiGroups())
            {
                for (final String resource : rule.getResources())
                {
                    for (final String verb : rule.getVerbs())
                    {
                        out.add(grant(group, resource, verb));
                    }
                }
            }
        }
        return out;
    }

    /**
     * @param group    the API group ("" for core).
     * @param resource the resource (plural).
     * @param verb     the verb.
     * @return the grant's string form.
     */
    static String grant(final String group, final String resource, final String verb)
    {
        return group + "/" + resource + " " + verb;
    }
}
