package dev.sluice.control.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@code kubectl apply -k deploy/}'s output, applied with the real kubectl to {@link ManifestApiServer} (strict
 * field validation and the API server's rules these manifests could break): the server-side dry run accepts it and
 * stores nothing, the apply stores every object as written, a second apply changes nothing; a manifest broken in
 * one of the ways a hand edit breaks it is refused, naming the field.
 */
class KubectlApplyTest
{
    @TempDir
    Path dir;

    private ManifestApiServer server;

    @BeforeEach
    void start()
    {
        ExternalTools.requireCommand("kubectl", "kubernetes-client");
        server = new ManifestApiServer();
    }

    @AfterEach
    void stop()
    {
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void dryRunAcceptsTheKustomizationThenApplyStoresItAsWritten() throws Exception
    {
        final String manifests = Manifests.kustomize();
        final List<HasMetadata> objects = Manifests.parse(manifests);
        final Path file = write(manifests);

        final ExternalTools.Result dryRun = kubectl("apply", "--dry-run=server", "-f", file.toString());
        assertEquals(0, dryRun.exitCode(), dryRun + "\n" + server.requests());
        assertEquals(objects.size(), dryRun.stdout().lines().filter(l -> l.endsWith("(server dry run)")).count(),
            dryRun.stdout());
        try (KubernetesClient client = server.createClient())
        {
            assertNull(client.apps().daemonSets().inNamespace(Manifests.NAMESPACE).withName("sluice-agent").get(),
                "a dry run stores nothing");
        }

        final ExternalTools.Result apply = kubectl("apply", "-f", file.toString());
        assertEquals(0, apply.exitCode(), apply + "\n" + server.requests());
        assertEquals(objects.size(), apply.stdout().lines().filter(l -> l.endsWith(" created")).count(),
            apply.stdout());
        try (KubernetesClient client = server.createClient())
        {
            final String ns = Manifests.NAMESPACE;
            final DaemonSet ds = client.apps().daemonSets().inNamespace(ns).withName("sluice-agent").get();
            assertNotNull(ds);
            assertEquals(Manifests.only(DaemonSet.class, objects).getSpec(), ds.getSpec());
            assertEquals(Manifests.only(ConfigMap.class, objects).getData(),
                client.configMaps().inNamespace(ns).withName("sluice-agent").get().getData());
            assertNotNull(client.serviceAccounts().inNamespace(ns).withName("sluice-agent").get());
            assertEquals(Manifests.only(ClusterRole.class, objects).getRules(),
                client.rbac().clusterRoles().withName("sluice-agent").get().getRules());
            assertEquals(Manifests.only(ClusterRoleBinding.class, objects).getSubjects(),
                client.rbac().clusterRoleBindings().withName("sluice-agent").get().getSubjects());
            assertEquals(Manifests.only(CustomResourceDefinition.class, objects).getSpec(),
                client.apiextensions().v1().customResourceDefinitions().withName("networkloggings.sluice.dev").get()
                    .getSpec());
            assertTrue(Manifests.only(ServiceAccount.class, objects) != null);
        }

        final ExternalTools.Result again = kubectl("apply", "-f", file.toString());
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals(objects.size(), again.stdout().lines().filter(l -> l.endsWith(" unchanged")).count(),
            again.stdout());
    }

    @Test
    void aMisspelledFieldIsRefused() throws Exception
    {
        assertRefused("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", "readOnlyRootFileSystem");
    }

    @Test
    void aMountOfAMissingVolumeIsRefused() throws Exception
    {
        assertRefused("- name: run-sluice\n              mountPath: /run/sluice",
            "- name: run-sluyce\n              mountPath: /run/sluice", "run-sluyce");
    }

    @Test
    void noPrivilegeEscalationWithSysAdminIsRefused() throws Exception
    {
        assertRefused("            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n"
                + "              add:",
            "            readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n"
                + "            capabilities:\n              drop: [\"ALL\"]\n              add:",
            "allowPrivilegeEscalation");
    }

    @Test
    void aSelectorThatMissesTheTemplateIsRefused() throws Exception
    {
        assertRefused("  selector:\n    matchLabels:\n      app.kubernetes.io/name: sluice-agent",
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: sluice", "selector");
    }

    /**
     * Breaks daemonset.yaml in a copy of deploy/ (one text replacement), and expects the dry run to fail naming
     * {@code expected}.
     */
    private void assertRefused(final String from, final String to, final String expected) throws Exception
    {
        final Path copy = dir.resolve("deploy");
        copyTree(Manifests.DEPLOY, copy);
        final Path daemonSet = copy.resolve("daemonset.yaml");
        final String text = Files.readString(daemonSet);
        assertTrue(text.contains(from), "the test's anchor is in daemonset.yaml: " + from);
        Files.writeString(daemonSet, text.replace(from, to));
        final Path file = write(Manifests.kustomize(copy));
        final ExternalTools.Result result = kubectl("apply", "--dry-run=server", "-f", file.toString());
        assertNotEquals(0, result.exitCode(), result.toString());
        assertTrue(result.stderr().contains("The request is invalid"), result.toString());
        assertTrue(result.stderr().contains(expected), result.toString());
    }

    private Path write(final String manifests) throws Exception
    {
        final Path file = Files.createTempFile(dir, "manifests", ".yaml");
        Files.writeString(file, manifests);
        return file;
    }

    private ExternalTools.Result kubectl(final String... args) throws Exception
    {
        final Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: mock
              cluster:
                server: %s
            users:
            - name: mock
              user:
                token: mock
            contexts:
            - name: mock
              context:
                cluster: mock
                user: mock
            current-context: mock
            """.formatted(server.url()));
        // no OpenAPI documents are served: kubectl validates nothing itself, the server validates strictly
        final List<String> command = new ArrayList<>(List.of("env", "HOME=" + dir, "/usr/bin/kubectl",
            "--kubeconfig=" + kubeconfig, "--cache-dir=" + dir.resolve("cache"), "--request-timeout=20s"));
        command.addAll(List.of(args));
        command.add("--validate=false");
        return ExternalTools.run(command, null);
    }

    private static void copyTree(final Path from, final Path to) throws Exception
    {
        try (var paths = Files.walk(from))
        {
            for (final Path p : paths.toList())
            {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(p, target);
                }
            }
        }
    }
}
