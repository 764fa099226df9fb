package dev.sluice.control.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.control.cli.SluiceCli;
import dev.sluice.control.endpoint.EndpointClient;
import dev.sluice.testkit.ExternalTools;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import picocli.CommandLine;

/**
 * Every manifest in deploy/, and {@code kubectl kustomize deploy/}, parses into fabric8's typed objects, and those
 * objects say what the node agent needs: host network, the exact capabilities, not privileged, the host paths at
 * the same paths inside, NODE_NAME from the downward API, every taint tolerated, system-node-critical, a rolling
 * update one node at a time, probes on the agent's HTTP port, and settings the agent's own command line accepts.
 */
class ManifestsTest
{
    /** The capabilities the agent has, and nothing else (deploy/README.md says why each). */
    static final Set<String> AGENT_CAPABILITIES = Set.of("NET_ADMIN", "NET_RAW", "BPF", "PERFMON", "IPC_LOCK",
        "SYS_RESOURCE", "SYS_ADMIN");

    /** Host path -> whether the agent container mounts it (else only the init container does). */
    static final Map<String, Boolean> HOST_PATHS = Map.of("/run/sluice", true, "/var/log/network", true,
        "/run/netns", true, "/opt/cni/bin", false, "/etc/cni/net.d", false, "/opt/sluice", false);

    @TempDir
    Path dir;

    @Test
    void everyFileParsesIntoTypedObjects() throws Exception
    {
        final Map<String, String> kinds = new HashMap<>();
        for (final String file : Manifests.RESOURCES)
        {
            for (final HasMetadata object : Manifests.load(file))
            {
                assertFalse(object.getClass().getName().contains("Generic"), file + ": " + object.getKind()
                    + " did not map to a typed class");
                kinds.put(object.getKind() + "/" + object.getMetadata().getName(), file);
            }
        }
        assertEquals(Set.of("CustomResourceDefinition/networkloggings.sluice.dev", "ServiceAccount/sluice-agent",
            "ClusterRole/sluice-agent", "ClusterRoleBinding/sluice-agent", "ConfigMap/sluice-agent",
            "DaemonSet/sluice-agent"), kinds.keySet());
    }

    @Test
    void kustomizeOutputHasTheSameObjectsWithTheImageSet() throws Exception
    {
        ExternalTools.requireCommand("kubectl", "kubernetes-client");
        final List<HasMetadata> built = Manifests.parse(Manifests.kustomize());
        final Set<String> fromFiles = new TreeSet<>();
        for (final String file : Manifests.RESOURCES)
        {
            Manifests.load(file).forEach(o -> fromFiles.add(o.getKind() + "/" + o.getMetadata().getName()));
        }
        assertEquals(fromFiles, built.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
            .collect(Collectors.toCollection(TreeSet::new)));
        for (final HasMetadata object : built)
        {
            final boolean clusterScoped = object instanceof CustomResourceDefinition || object instanceof ClusterRole
                || object instanceof ClusterRoleBinding;
            assertEquals(clusterScoped ? null : Manifests.NAMESPACE, object.getMetadata().getNamespace(),
                object.getKind());
        }
        final DaemonSet daemonSet = Manifests.only(DaemonSet.class, built);
        final String image = kustomizationImage();
        for (final Container c : allContainers(daemonSet.getSpec().getTemplate().getSpec()))
        {
            assertEquals(image, c.getImage(), c.getName());
        }
    }

    @Test
    void daemonSetRunsOnTheHostNetworkWithExactlyTheAgentCapabilities() throws Exception
    {
        final DaemonSet ds = Manifests.only(DaemonSet.class, Manifests.load("daemonset.yaml"));
        assertEquals(Manifests.NAMESPACE, ds.getMetadata().getNamespace());
        final PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getHostNetwork());
        assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy());
        assertTrue(pod.getHostPID() == null || !pod.getHostPID(), "hostPID: netns paths come from /run/netns");
        assertTrue(pod.getHostIPC() == null || !pod.getHostIPC());
        assertEquals("system-node-critical", pod.getPriorityClassName());
        assertEquals(ds.getSpec().getSelector().getMatchLabels(), ds.getSpec().getTemplate().getMetadata().getLabels()
            .entrySet().stream().filter(e -> ds.getSpec().getSelector().getMatchLabels().containsKey(e.getKey()))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));

        final List<Toleration> tolerations = pod.getTolerations();
        assertEquals(1, tolerations.size());
        assertEquals("Exists", tolerations.getFirst().getOperator());
        assertNull(tolerations.getFirst().getKey(), "an empty key with Exists tolerates every taint");
        assertNull(tolerations.getFirst().getEffect(), "no effect: every effect");

        assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
        assertEquals(1, ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());

        final Container agent = container(pod.getContainers(), "agent");
        assertEquals(1, pod.getContainers().size());
        assertFalse(agent.getSecurityContext().getPrivileged());
        assertEquals(List.of("ALL"), agent.getSecurityContext().getCapabilities().getDrop());
        assertEquals(AGENT_CAPABILITIES, Set.copyOf(agent.getSecurityContext().getCapabilities().getAdd()));
        assertEquals(AGENT_CAPABILITIES.size(), agent.getSecurityContext().getCapabilities().getAdd().size());
        // the API server refuses allowPrivilegeEscalation: false together with CAP_SYS_ADMIN
        assertNull(agent.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, agent.getSecurityContext().getReadOnlyRootFilesystem());
        assertNodeName(agent);

        final Container init = container(pod.getInitContainers(), "install-cni");
        assertEquals(1, pod.getInitContainers().size());
        assertEquals(List.of("/usr/local/bin/sluice-init"), init.getCommand());
        assertFalse(init.getSecurityContext().getPrivileged());
        assertEquals(List.of("ALL"), init.getSecurityContext().getCapabilities().getDrop());
        assertTrue(init.getSecurityContext().getCapabilities().getAdd().isEmpty(), "the installer needs no capability");
        assertNodeName(init);

        assertNotNull(agent.getResources().getRequests().get("cpu"));
        assertNotNull(agent.getResources().getRequests().get("memory"));
        assertNotNull(agent.getResources().getLimits().get("memory"));
        assertNull(agent.getResources().getLimits().get("cpu"), "a CPU limit would throttle the busy worker");
    }

    @Test
    void hostPathsAreMountedWhereTheyAreOnTheHost() throws Exception
    {
        final PodSpec pod = Manifests.only(DaemonSet.class, Manifests.load("daemonset.yaml")).getSpec()
            .getTemplate().getSpec();
        final Map<String, Volume> volumes = pod.getVolumes().stream()
            .collect(Collectors.toMap(Volume::getName, v -> v));
        final Set<String> hostPaths = new TreeSet<>();
        for (final Container c : allContainers(pod))
        {
            for (final VolumeMount mount : c.getVolumeMounts())
            {
                final Volume volume = volumes.get(mount.getName());
                assertNotNull(volume, c.getName() + " mounts unknown volume " + mount.getName());
                if (volume.getHostPath() != null)
                {
                    // the CNI launcher names absolute paths, and CNI_NETNS paths are host paths
                    assertEquals(volume.getHostPath().getPath(), mount.getMountPath(), mount.getName());
                    hostPaths.add(volume.getHostPath().getPath());
                    assertEquals(HOST_PATHS.get(mount.getMountPath()), c.getName().equals("agent"),
                        c.getName() + " mounts " + mount.getMountPath());
                }
            }
        }
        assertEquals(HOST_PATHS.keySet(), hostPaths);
        final VolumeMount netns = container(pod.getContainers(), "agent").getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/run/netns")).findFirst().orElseThrow();
        assertEquals("HostToContainer", netns.getMountPropagation(), "namespaces created after the agent started");
    }

    @Test
    void configMapHoldsAgentOptionsTheAgentAccepts() throws Exception
    {
        final ConfigMap config = Manifests.only(ConfigMap.class, Manifests.load("configmap.yaml"));
        final DaemonSet ds = Manifests.only(DaemonSet.class, Manifests.load("daemonset.yaml"));
        final PodSpec pod = ds.getSpec().getTemplate().getSpec();
        final Container agent = container(pod.getContainers(), "agent");

        // the container's argument file is the ConfigMap's key at the ConfigMap volume's mount path
        final Volume volume = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst()
            .orElseThrow();
        assertEquals(config.getMetadata().getName(), volume.getConfigMap().getName());
        final String mountPath = agent.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName()))
            .findFirst().orElseThrow().getMountPath();
        assertEquals(List.of("agent", "@" + mountPath + "/agent.args"), agent.getArgs());
        assertEquals(Set.of("agent.args"), config.getData().keySet());

        final Path args = dir.resolve("agent.args");
        Files.writeString(args, config.getData().get("agent.args"));
        // picocli expands the @file the way the container does; an option the agent does not have throws here
        final CommandLine.ParseResult parsed = SluiceCli.commandLine().parseArgs("agent", "@" + args);
        final CommandLine.ParseResult options = parsed.subcommand();
        assertEquals("agent", options.commandSpec().name());
        final long lines = config.getData().get("agent.args").lines().map(String::strip)
            .filter(l -> l.startsWith("--")).count();
        assertEquals(lines, options.matchedOptions().size(), "every line is one option the agent matched");

        final int port = options.matchedOptionValue("--http-port", -1);
        for (final Probe probe : List.of(agent.getLivenessProbe(), agent.getReadinessProbe(), agent.getStartupProbe()))
        {
            assertEquals(port, probe.getHttpGet().getPort().getIntVal());
        }
        assertEquals("/healthz", agent.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", agent.getReadinessProbe().getHttpGet().getPath());
        assertEquals(port, agent.getPorts().getFirst().getContainerPort());
        assertNotNull(options.matchedOptionValue("--uplink", null), "the live dataplane needs an uplink");
        assertEquals(1, (int)options.matchedOptionValue("--workers", 0), "the live agent refuses other counts");
        assertEquals(Path.of(EndpointClient.DEFAULT_SOCKET), options.matchedOptionValue("--endpoint-socket", null));
        final Path logFile = options.matchedOptionValue("--log-file", null);
        assertTrue(logFile.startsWith("/var/log/network"), logFile.toString());
    }

    @Test
    void bindingGivesTheRoleToTheDaemonSetsServiceAccount() throws Exception
    {
        final List<HasMetadata> rbac = Manifests.load("rbac.yaml");
        final ServiceAccount account = Manifests.only(ServiceAccount.class, rbac);
        final ClusterRole role = Manifests.only(ClusterRole.class, rbac);
        final ClusterRoleBinding binding = Manifests.only(ClusterRoleBinding.class, rbac);
        assertEquals("ClusterRole", binding.getRoleRef().getKind());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().getFirst().getKind());
        assertEquals(account.getMetadata().getName(), binding.getSubjects().getFirst().getName());
        assertEquals(account.getMetadata().getNamespace(), binding.getSubjects().getFirst().getNamespace());
        assertEquals(account.getMetadata().getName(), Manifests.only(DaemonSet.class, Manifests.load("daemonset.yaml"))
            .getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void crdIsTheNetworkLoggingResourceTheAgentWatches() throws Exception
    {
        final CustomResourceDefinition crd = Manifests.only(CustomResourceDefinition.class,
            Manifests.load("crds/networklogging.yaml"));
        final var context = dev.sluice.control.k8s.K8sWatcher.NETWORK_LOGGING;
        assertEquals(context.getGroup(), crd.getSpec().getGroup());
        assertEquals(context.getPlural(), crd.getSpec().getNames().getPlural());
        assertEquals(context.getKind(), crd.getSpec().getNames().getKind());
        assertEquals("Cluster", crd.getSpec().getScope());
        assertTrue(crd.getSpec().getVersions().stream().anyMatch(v -> v.getName().equals(context.getVersion())
            && v.getServed() && v.getStorage()));
    }

    private static void assertNodeName(final Container container)
    {
        final EnvVar env = container.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst()
            .orElseThrow(() -> new AssertionError(container.getName() + " has no NODE_NAME"));
        assertNull(env.getValue());
        assertEquals("spec.nodeName", env.getValueFrom().getFieldRef().getFieldPath());
    }

    private static String kustomizationImage() throws Exception
    {
        final Map<?, ?> kustomization = new org.snakeyaml.engine.v2.api.Load(
            org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
            .loadFromString(Files.readString(Manifests.DEPLOY.resolve("kustomization.yaml"))) instanceof Map<?, ?> m
            ? m : Map.of();
        assertEquals(Manifests.RESOURCES, kustomization.get("resources"));
        final Map<?, ?> image = (Map<?, ?>)((List<?>)kustomization.get("images")).getFirst();
        return image.get("newName") + ":" + image.get("newTag");
    }

    static List<Container> allContainers(final PodSpec pod)
    {
        final List<Container> out = new java.util.ArrayList<>(pod.getInitContainers());
        out.addAll(pod.getContainers());
        return out;
    }

    static Container container(final List<Container> containers, final String name)
    {
        return containers.stream().filter(c -> c.getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no container " + name));
    }
}
