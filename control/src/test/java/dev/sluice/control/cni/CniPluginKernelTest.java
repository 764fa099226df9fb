package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import dev.sluice.control.endpoint.EndpointCommand;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointRequest;
import dev.sluice.control.endpoint.EndpointServer;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the installed {@code sluice-cni} launcher exactly as a kubelet's runtime does (environment, configuration on
 * stdin, JSON on stdout), inside a "node" namespace of its own, against a real host-local IPAM and an in-test agent
 * ({@link EndpointServer}) that records what it is told, and checks the kernel state with {@code ip -j}.
 */
@KernelTest
class CniPluginKernelTest
{
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String GATEWAY = "198.18.77.1";
    private static final String GATEWAY_MAC = "02:53:4c:00:00:01";
    private static final int AGENT_MTU = 1400;

    @TempDir
    static Path binDir;
    private static Path launcher;

    @TempDir
    Path work;
    private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final String node = "sl-cni-node-" + suffix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<EndpointRequest> agentSaw = new CopyOnWriteArrayList<>();
    private String cniArgs = "IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_UID=0f0e";
    private EndpointServer agent;
    private Path socket;
    private Path ipamDir;

    /** What the in-test agent answers ADD with (tests may change it). */
    private volatile EndpointReply agentReply = EndpointReply.success(GATEWAY_MAC, AGENT_MTU, 7);

    @BeforeAll
    static void install() throws IOException
    {
        ExternalTools.requireCommand("ip", "iproute2");
        launcher = CniInstall.install(binDir);
    }

    @BeforeEach
    void startNodeAndAgent() throws IOException
    {
        netns(node);
        socket = work.resolve("run/agent.sock");
        ipamDir = work.resolve("ipam");
        agent = EndpointServer.start(socket, request ->
        {
            agentSaw.add(request);
            return request.command() == EndpointCommand.ADD ? agentReply : EndpointReply.success(null, 0, 0);
        }, Duration.ofSeconds(5));
    }

    @AfterEach
    void cleanUp() throws IOException
    {
        if (agent != null)
        {
            agent.close();
        }
        for (final String ns : namespaces)
        {
            ExternalTools.run(List.of("ip", "netns", "del", ns), null);
        }
    }

    @Test
    void addConfiguresThePodRegistersItAndPrintsTheSpecResult() throws Exception
    {
        final String pod = netns("sl-cni-pod-" + suffix);
        final String id = containerId();
        final Run add = plugin("ADD", id, pod, netconf(null, null));
        assertEquals(0, add.exit(), add::describe);

        final JsonNode result = JSON.readTree(add.stdout());
        assertEquals("1.0.0", result.get("cniVersion").stringValue());
        final String host = SluiceCniPlugin.hostInterfaceName(id);
        assertEquals(12, host.length());
        assertEquals(host, result.at("/interfaces/0/name").stringValue());
        assertTrue(result.at("/interfaces/0").get("sandbox") == null, "the host side is in no sandbox");
        assertEquals("eth0", result.at("/interfaces/1/name").stringValue());
        assertEquals("/var/run/netns/" + pod, result.at("/interfaces/1/sandbox").stringValue());
        final String podMac = result.at("/interfaces/1/mac").stringValue();
        assertTrue(podMac.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}"), podMac);
        assertEquals(1, result.get("ips").size());
        final String address = result.at("/ips/0/address").stringValue();
        assertTrue(address.matches("198\\.18\\.77\\.\\d+/32"), address);
        final String ip = address.substring(0, address.indexOf('/'));
        assertEquals(GATEWAY, result.at("/ips/0/gateway").stringValue());
        assertEquals(1, result.at("/ips/0/interface").intValue());
        assertEquals(JSON.readTree("[{\"dst\":\"198.18.77.1/32\"},{\"dst\":\"0.0.0.0/0\",\"gw\":\"198.18.77.1\"}]"),
            result.get("routes"));

        final JsonNode link = ipJson(pod, "addr", "show", "dev", "eth0").get(0);
        assertEquals(AGENT_MTU, link.get("mtu").intValue());
        assertTrue(strings(link.get("flags")).contains("UP"), link::toString);
        assertEquals(podMac, link.get("address").stringValue());
        final List<String> addresses = new ArrayList<>();
        link.get("addr_info").forEach(a -> addresses.add(a.get("local").stringValue() + "/" +
            a.get("prefixlen").intValue()));
        assertTrue(addresses.contains(ip + "/32"), addresses::toString);

        final JsonNode routes = ipJson(pod, "route", "show");
        assertTrue(contains(routes, "{\"dst\":\"default\",\"gateway\":\"198.18.77.1\",\"dev\":\"eth0\"}"),
            routes::toString);
        assertTrue(contains(routes, "{\"dst\":\"198.18.77.1\",\"dev\":\"eth0\",\"scope\":\"link\"}"),
            routes::toString);
        final JsonNode neighbours = ipJson(pod, "neigh", "show", "dev", "eth0");
        assertTrue(contains(neighbours, "{\"dst\":\"198.18.77.1\",\"lladdr\":\"" + GATEWAY_MAC +
            "\",\"state\":[\"PERMANENT\"]}"), neighbours::toString);

        final JsonNode hostLink = ipJson(node, "link", "show", "dev", host).get(0);
        assertEquals(AGENT_MTU, hostLink.get("mtu").intValue());
        assertTrue(strings(hostLink.get("flags")).contains("UP"), hostLink::toString);
        assertEquals(result.at("/interfaces/0/mac").stringValue(), hostLink.get("address").stringValue());

        assertEquals(1, agentSaw.size());
        final EndpointRequest request = agentSaw.getFirst();
        assertEquals(EndpointCommand.ADD, request.command());
        assertEquals(id, request.containerId());
        assertEquals(host, request.hostInterface());
        assertEquals("eth0", request.ifName());
        assertEquals("/var/run/netns/" + pod, request.netns());
        assertEquals("team-a", request.podNamespace());
        assertEquals("web-0", request.podName());
        assertEquals(List.of(ip), request.ips());
        assertEquals(podMac, request.mac());

        assertEquals(id, Files.readString(ipamDir.resolve("sluice").resolve(ip)).lines().findFirst().orElseThrow(),
            "host-local holds the lease for the container");
    }

    @Test
    void delRemovesEverythingReleasesTheAddressAndIsIdempotent() throws Exception
    {
        cniArgs = "K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0"; // no IgnoreUnknown: host-local must still accept
        final String range = "\"rangeStart\":\"198.18.77.10\",\"rangeEnd\":\"198.18.77.10\"";
        final String first = containerId();
        final String second = containerId();
        final String podA = netns("sl-cni-pa-" + suffix);
        final String podB = netns("sl-cni-pb-" + suffix);
        final Run addA = plugin("ADD", first, podA, netconf(range, null));
        assertEquals(0, addA.exit(), addA::describe);
        assertEquals("198.18.77.10/32", JSON.readTree(addA.stdout()).at("/ips/0/address").stringValue());

        final Run full = plugin("ADD", second, podB, netconf(range, null));
        assertEquals(1, full.exit(), full::describe);
        assertTrue(hostLinks().stream().noneMatch(n -> n.equals(SluiceCniPlugin.hostInterfaceName(second))),
            "a failed ADD leaves no veth");

        final Run del = plugin("DEL", first, podA, netconf(range, JSON.readTree(addA.stdout())));
        assertEquals(0, del.exit(), del::describe);
        assertEquals("", del.stdout().trim());
        assertFalse(hostLinks().contains(SluiceCniPlugin.hostInterfaceName(first)), hostLinks()::toString);
        assertFalse(ipJson(podA, "link", "show").toString().contains("eth0"), "the pod side went with the pair");
        assertFalse(Files.exists(ipamDir.resolve("sluice/198.18.77.10")), "lease released");
        assertEquals(EndpointCommand.DEL, agentSaw.getLast().command());
        assertEquals(first, agentSaw.getLast().containerId());

        final Run again = plugin("DEL", first, podA, netconf(range, null));
        assertEquals(0, again.exit(), again::describe);

        final Run addB = plugin("ADD", second, podB, netconf(range, null));
        assertEquals(0, addB.exit(), addB::describe);
        assertEquals("198.18.77.10/32", JSON.readTree(addB.stdout()).at("/ips/0/address").stringValue(),
            "the released address is allocated again");
    }

    @Test
    void delOfAnUnknownContainerOrAGoneNamespaceSucceeds()
    {
        final Run unknown = plugin("DEL", containerId(), "sl-cni-gone-" + suffix, netconf(null, null));
        assertEquals(0, unknown.exit(), unknown::describe);
        final Run noNetns = plugin("DEL", containerId(), null, netconf(null, null));
        assertEquals(0, noNetns.exit(), noNetns::describe);
    }

    @Test
    void checkPassesAfterAddAndFailsOnceARouteIsDeleted() throws Exception
    {
        final String pod = netns("sl-cni-pod-" + suffix);
        final String id = containerId();
        final Run add = plugin("ADD", id, pod, netconf(null, null));
        assertEquals(0, add.exit(), add::describe);
        final JsonNode result = JSON.readTree(add.stdout());

        final Run check = plugin("CHECK", id, pod, netconf(null, result));
        assertEquals(0, check.exit(), check::describe);
        assertEquals(EndpointCommand.CHECK, agentSaw.getLast().command());

        ExternalTools.run(List.of("ip", "-n", pod, "route", "del", "default"), null);
        final Run broken = plugin("CHECK", id, pod, netconf(null, result));
        assertEquals(1, broken.exit(), broken::describe);
        final JsonNode error = JSON.readTree(broken.stdout());
        assertEquals(CniException.CHECK_FAILED, error.get("code").intValue());
        assertTrue(error.get("msg").stringValue().contains("route 0.0.0.0/0 via 198.18.77.1"), broken::describe);

        final Run noPrev = plugin("CHECK", id, pod, netconf(null, null));
        assertEquals(CniException.INVALID_NETCONF, JSON.readTree(noPrev.stdout()).get("code").intValue());
    }

    @Test
    void dualStackAddConfiguresBothFamiliesAndChecks() throws Exception
    {
        final String pod = netns("sl-cni-pod-" + suffix);
        final String id = containerId();
        final String v6 = ",[{\"subnet\":\"2001:2:77::/64\",\"gateway\":\"2001:2:77::1\"}]";
        final Run add = plugin("ADD", id, pod, netconf(null, null, v6));
        assertEquals(0, add.exit(), add::describe);
        final JsonNode result = JSON.readTree(add.stdout());
        assertEquals(2, result.get("ips").size(), add::describe);
        final String address6 = result.at("/ips/1/address").stringValue();
        assertTrue(address6.matches("2001:2:77::[0-9a-f]+/128"), address6);
        assertEquals("2001:2:77::1", result.at("/ips/1/gateway").stringValue());
        assertEquals(1, result.at("/ips/1/interface").intValue());
        assertTrue(contains(result.get("routes"), "{\"dst\":\"2001:2:77::1/128\"}"), add::describe);
        assertTrue(contains(result.get("routes"), "{\"dst\":\"::/0\",\"gw\":\"2001:2:77::1\"}"), add::describe);

        final String ip6 = address6.substring(0, address6.indexOf('/'));
        final List<String> addresses = new ArrayList<>();
        ipJson(pod, "-6", "addr", "show", "dev", "eth0").get(0).get("addr_info").forEach(a ->
            addresses.add(a.get("local").stringValue() + "/" + a.get("prefixlen").intValue()));
        assertTrue(addresses.contains(ip6 + "/128"), addresses::toString);
        final JsonNode routes = ipJson(pod, "-6", "route", "show");
        assertTrue(contains(routes, "{\"dst\":\"default\",\"gateway\":\"2001:2:77::1\",\"dev\":\"eth0\"}"),
            routes::toString);
        assertTrue(contains(routes, "{\"dst\":\"2001:2:77::1\",\"dev\":\"eth0\"}"), routes::toString);
        assertTrue(contains(ipJson(pod, "-6", "neigh", "show", "dev", "eth0"), "{\"dst\":\"2001:2:77::1\"," +
            "\"lladdr\":\"" + GATEWAY_MAC + "\",\"state\":[\"PERMANENT\"]}"));
        assertEquals(2, agentSaw.getFirst().ips().size());
        assertEquals(ip6, agentSaw.getFirst().ips().get(1));

        final Run check = plugin("CHECK", id, pod, netconf(null, result, v6));
        assertEquals(0, check.exit(), check::describe);
        final Run del = plugin("DEL", id, pod, netconf(null, result, v6));
        assertEquals(0, del.exit(), del::describe);
        assertEquals(List.of(), leases());
    }

    @Test
    void agentDownIsTryAgainLaterAndLeavesNoVethNorLease() throws Exception
    {
        agent.close();
        agent = null;
        final String pod = netns("sl-cni-pod-" + suffix);
        final String id = containerId();
        final Run add = plugin("ADD", id, pod, netconf(null, null));
        assertEquals(1, add.exit(), add::describe);
        final JsonNode error = JSON.readTree(add.stdout());
        assertEquals(11, error.get("code").intValue(), add::describe);
        assertEquals("1.0.0", error.get("cniVersion").stringValue());
        assertTrue(error.get("msg").stringValue().contains("not reachable"), add::describe);
        assertFalse(hostLinks().contains(SluiceCniPlugin.hostInterfaceName(id)), hostLinks()::toString);
        assertFalse(ipJson(pod, "link", "show").toString().contains("eth0"));
        assertEquals(List.of(), leases(), "host-local lease released");
    }

    @Test
    void agentRefusalIsReportedWithItsCodeAndUndone() throws Exception
    {
        agentReply = EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "interface missing");
        final String pod = netns("sl-cni-pod-" + suffix);
        final String id = containerId();
        final Run add = plugin("ADD", id, pod, netconf(null, null));
        final JsonNode error = JSON.readTree(add.stdout());
        assertEquals(EndpointReply.CODE_DATAPLANE, error.get("code").intValue(), add::describe);
        assertTrue(error.get("msg").stringValue().contains("interface missing"), add::describe);
        assertEquals(List.of(EndpointCommand.ADD, EndpointCommand.DEL),
            agentSaw.stream().map(EndpointRequest::command).toList(), "the agent is told to forget it");
        assertFalse(hostLinks().contains(SluiceCniPlugin.hostInterfaceName(id)));
        assertEquals(List.of(), leases());
    }

    @Test
    void badInputGetsTheSpecErrorCodes() throws Exception
    {
        final String pod = netns("sl-cni-pod-" + suffix);
        final Run garbage = plugin("ADD", containerId(), pod, "{not json");
        assertEquals(1, garbage.exit());
        assertEquals(6, JSON.readTree(garbage.stdout()).get("code").intValue(), garbage::describe);

        final Run noName = plugin("ADD", containerId(), pod, "{\"cniVersion\":\"1.0.0\",\"type\":\"sluice-cni\"," +
            "\"ipam\":{\"type\":\"host-local\"}}");
        final JsonNode error = JSON.readTree(noName.stdout());
        assertEquals(7, error.get("code").intValue(), noName::describe);
        assertTrue(error.get("msg").stringValue().contains("name"), noName::describe);

        final ObjectNode old = (ObjectNode)JSON.readTree(netconf(null, null));
        old.put("cniVersion", "0.3.1");
        final Run version = plugin("ADD", containerId(), pod, old.toString());
        assertEquals(1, JSON.readTree(version.stdout()).get("code").intValue(), version::describe);

        final Run versionCommand = plugin("VERSION", null, null, "{\"cniVersion\":\"1.0.0\"}");
        assertEquals(0, versionCommand.exit());
        assertEquals(JSON.readTree("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"1.0.0\"]}"),
            JSON.readTree(versionCommand.stdout()));
        assertEquals(List.of(), agentSaw, "nothing reached the agent");
        assertEquals(List.of(), leases());
    }

    // ---------------------------------------------------------------------------------------------------------------

    record Run(int exit, String stdout, String stderr)
    {
        String describe()
        {
            return "exit " + exit + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private Run plugin(final String command, final String id, final String podNetns, final String stdin)
    {
        final ProcessBuilder builder = new ProcessBuilder("ip", "netns", "exec", node, launcher.toString());
        final Map<String, String> env = builder.environment();
        env.put("CNI_COMMAND", command);
        if (id != null)
        {
            env.put("CNI_CONTAINERID", id);
            env.put("CNI_IFNAME", "eth0");
            env.put("CNI_ARGS", cniArgs + ";K8S_POD_INFRA_CONTAINER_ID=" + id);
        }
        if (podNetns != null)
        {
            env.put("CNI_NETNS", "/var/run/netns/" + podNetns);
        }
        env.put("CNI_PATH", binDir + ":/usr/lib/cni");
        try
        {
            final Process process = builder.start();
            try (OutputStream in = process.getOutputStream())
            {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            final byte[] err;
            final byte[] out;
            try (InputStream stdout = process.getInputStream(); InputStream stderr = process.getErrorStream())
            {
                out = stdout.readAllBytes();
                err = stderr.readAllBytes();
            }
            return new Run(process.waitFor(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private String netconf(final String rangeExtra, final JsonNode prevResult)
    {
        return netconf(rangeExtra, prevResult, "");
    }

    private String netconf(final String rangeExtra, final JsonNode prevResult, final String moreRanges)
    {
        final ObjectNode conf = (ObjectNode)JSON.readTree("{\"cniVersion\":\"1.0.0\",\"name\":\"sluice\"," +
            "\"type\":\"sluice-cni\",\"agentSocket\":\"" + socket + "\",\"ipam\":{\"type\":\"host-local\"," +
            "\"ranges\":[[{\"subnet\":\"198.18.77.0/24\",\"gateway\":\"198.18.77.1\"" +
            (rangeExtra == null ? "" : "," + rangeExtra) + "}]" + moreRanges + "],\"dataDir\":\"" + ipamDir + "\"}}");
        if (prevResult != null)
        {
            conf.set("prevResult", prevResult);
        }
        return conf.toString();
    }

    private String netns(final String name)
    {
        final ExternalTools.Result result = ExternalTools.run(List.of("ip", "netns", "add", name), null);
        assertEquals(0, result.exitCode(), result::stderr);
        namespaces.add(name);
        return name;
    }

    private static String containerId()
    {
        return HexFormat.of().formatHex(ThreadLocalRandom.current().ints(16).mapToObj(i -> (byte)i)
            .collect(java.io.ByteArrayOutputStream::new, java.io.ByteArrayOutputStream::write, (a, b) -> { })
            .toByteArray());
    }

    private static JsonNode ipJson(final String ns, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "-n", ns, "-j"));
        command.addAll(List.of(args));
        final ExternalTools.Result result = ExternalTools.run(command, null);
        assertEquals(0, result.exitCode(), () -> command + ": " + result.stderr());
        return JSON.readTree(result.stdout().isBlank() ? "[]" : result.stdout());
    }

    private List<String> hostLinks()
    {
        final List<String> names = new ArrayList<>();
        ipJson(node, "link", "show").forEach(l -> names.add(l.get("ifname").stringValue()));
        return names;
    }

    private List<String> leases() throws IOException
    {
        final Path dir = ipamDir.resolve("sluice");
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir))
        {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+|[0-9a-f:]+")).toList();
        }
    }

    private static List<String> strings(final JsonNode array)
    {
        final List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.stringValue()));
        return out;
    }

    /** True when one element of {@code array} has every field of {@code expected} with the same value. */
    private static boolean contains(final JsonNode array, final String expected)
    {
        final JsonNode want = JSON.readTree(expected);
        for (final JsonNode element : array)
        {
            boolean all = true;
            for (final Map.Entry<String, JsonNode> field : want.properties())
            {
                all &= field.getValue().equals(element.get(field.getKey()));
            }
            if (all)
            {
                return true;
            }
        }
        return false;
    }

    static
    {
        assertNotNull(JSON);
    }
}
