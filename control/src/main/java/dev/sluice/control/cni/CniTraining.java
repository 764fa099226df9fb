package dev.sluice.control.cni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.sluice.control.endpoint.EndpointClient;
import dev.sluice.control.endpoint.EndpointCommand;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointRequest;
import dev.sluice.control.endpoint.EndpointServer;

/**
 * The training run behind the class data archive ({@link CniInstall}): walks the code a real ADD/DEL/CHECK runs
 * through without changing anything on the machine (a configuration parsed, a result and an error written, one
 * request to a throw-away agent socket, read-only rtnetlink dumps, a child process, the own namespace entered and
 * left when allowed), so that those classes are in the archive. Prints the VERSION answer at the end.
 */
final class CniTraining
{
    private CniTraining()
    {
    }

    static void run() throws IOException
    {
        final String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"sluice\",\"type\":\"sluice-cni\"," +
            "\"agentSocket\":\"/run/sluice/agent.sock\",\"mtu\":1450,\"ipam\":{\"type\":\"host-local\"," +
            "\"ranges\":[[{\"subnet\":\"198.18.1.0/24\",\"gateway\":\"198.18.1.1\"}]]}," +
            "\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"," +
            "\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"/var/run/netns/x\"}],\"ips\":[{\"address\":" +
            "\"198.18.1.5/32\",\"gateway\":\"198.18.1.1\",\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\"," +
            "\"gw\":\"198.18.1.1\"}]}}";
        final NetConf netconf;
        final CniEnvironment env;
        try
        {
            netconf = NetConf.parse(conf.getBytes(StandardCharsets.UTF_8));
            env = CniEnvironment.from(Map.of("CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "training",
                "CNI_NETNS", "/proc/thread-self/ns/net", "CNI_IFNAME", "eth0", "CNI_PATH", "/bin",
                "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=x;K8S_POD_NAME=a"));
        }
        catch (final CniException ex)
        {
            throw new IllegalStateException("training configuration rejected: " + ex.getMessage(), ex);
        }
        final CniResult prev = CniResult.fromJson(netconf.prevResult());
        final PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        sink.println(prev.toJson());
        sink.println(CniMain.errorJson("1.0.0", CniException.TRY_AGAIN_LATER, "training", "details"));
        sink.println(SluiceCniPlugin.hostInterfaceName(env.containerId()));
        sink.println(Macs.parse("02:00:00:00:00:01").length + env.podName() + env.podNamespace());
        CniMain.run(Map.of("CNI_COMMAND", "ADD"), new byte[0], sink);
        CniMain.run(Map.of("CNI_COMMAND", "VERSION"), conf.getBytes(StandardCharsets.UTF_8), sink);

        final Path dir = Files.createTempDirectory("sluice-cni-train");
        final Path socket = dir.resolve("agent.sock");
        try (EndpointServer server = EndpointServer.start(socket,
            request -> EndpointReply.success("02:00:00:00:00:02", 1450, 1), Duration.ofSeconds(5)))
        {
            final EndpointReply reply = new EndpointClient(socket, Duration.ofSeconds(5)).call(new EndpointRequest(
                EndpointRequest.VERSION, EndpointCommand.ADD, env.containerId(), env.netns().toString(),
                env.ifName(), "sltraining", env.podNamespace(), env.podName(), List.of("198.18.1.5"),
                "02:00:00:00:00:01"));
            sink.println(reply + "" + server.requests());
        }
        finally
        {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        try
        {
            new EndpointClient(socket, Duration.ofSeconds(1)).call(new EndpointRequest(EndpointRequest.VERSION,
                EndpointCommand.DEL, env.containerId(), null, env.ifName(), null, null, null, List.of(), null));
        }
        catch (final IOException expected)
        {
            sink.println(expected.getMessage());
        }

        try (Rtnl rtnl = Rtnl.openCurrent())
        {
            sink.println(rtnl.link("lo"));
            sink.println(rtnl.addresses().size() + rtnl.routes().size() + rtnl.neighbours().size());
            sink.println(rtnl.link("sl-no-such-if"));
        }
        try (NetNamespace own = NetNamespace.open(Path.of("/proc/thread-self/ns/net")); Rtnl inside = own.openNetlink())
        {
            sink.println(inside.link("lo"));
        }
        catch (final IOException notAllowed)
        {
            sink.println(notAllowed.getMessage());
        }
        try
        {
            IpamDelegate.find("true", List.of(Path.of("/bin"), Path.of("/usr/bin")), Map.of(), new byte[0])
                .run("VERSION");
        }
        catch (final CniException ex)
        {
            sink.println(ex.getMessage());
        }
        System.out.println(CniMain.versionJson(conf.getBytes(StandardCharsets.UTF_8)));
    }
}
