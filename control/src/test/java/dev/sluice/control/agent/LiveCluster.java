package dev.sluice.control.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.sluice.control.endpoint.EndpointClient;
import dev.sluice.control.endpoint.EndpointCommand;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointRequest;
import dev.sluice.testkit.ExternalTools;

/**
 * A one-machine cluster for live agent tests, made of network namespaces this test owns (names carry a random
 * suffix): an underlay namespace with a bridge, and per node a namespace whose uplink {@code eth0}
 * (198.19.0.N/16) is a veth onto that bridge. Each node runs {@code sluice agent} as a child process started with
 * {@code ip netns exec} (the simplest way to give a whole JVM a network namespace: setns is per thread, and the
 * agent's threads - worker, control, endpoint server, netlink - must all be inside the node), offline on a state
 * file, with its endpoint socket in a scratch directory. Pods are namespaces on veths bound exactly as the CNI
 * plugin does it: veth pair, EndpointClient ADD, then address, routes and a permanent neighbour for the gateway MAC
 * the agent returned. {@link #close()} stops the agents (SIGTERM, then kill) and deletes every namespace.
 */
final class LiveCluster implements AutoCloseable
{
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Agent start on a loaded 2-vCPU machine (JVM start, BPF verifier, first tables). */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    final String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFFL);
    final String underlay = "sl-dpa-un-" + suffix;
    final Path dir;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();

    /** A running agent. */
    static final class Agent
    {
        final int index;
        final String netns;
        final Process process;
        final Path socket;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder output = new StringBuilder();
        int httpPort = -1;

        Agent(final int index, final String netns, final Process process, final Path socket)
        {
            this.index = index;
            this.netns = netns;
            this.process = process;
            this.socket = socket;
        }

        EndpointReply call(final EndpointCommand command, final Pod pod, final String ip) throws IOException
        {
            return new EndpointClient(socket, TIMEOUT).call(new EndpointRequest(EndpointRequest.VERSION, command,
                pod.containerId, "/var/run/netns/" + pod.netns, "eth0", pod.hostInterface, pod.namespace, pod.name,
                ip == null ? List.of() : List.of(ip), pod.mac));
        }

        synchronized String output()
        {
            return output.toString();
        }
    }

    /** A pod: its namespace, veth pair and identity. */
    static final class Pod
    {
        final String namespace;
        final String name;
        final String netns;
        final String hostInterface;
        final String containerId;
        final String mac;
        final String ip;

        Pod(final String namespace, final String name, final String netns, final String hostInterface,
            final String containerId, final String mac, final String ip)
        {
            this.namespace = namespace;
            this.name = name;
            this.netns = netns;
            this.hostInterface = hostInterface;
            this.containerId = containerId;
            this.mac = mac;
            this.ip = ip;
        }
    }

    LiveCluster(final Path dir)
    {
        ExternalTools.requireCommand("ip", "iproute2");
        ExternalTools.requireCommand("ethtool", "ethtool");
        ExternalTools.requireCommand("ping", "iputils-ping");
        this.dir = dir;
        addNetns(underlay);
        ip(underlay, "link", "add", "br0", "type", "bridge");
        ip(underlay, "link", "set", "br0", "up");
    }

    String nodeNetns(final int node)
    {
        return "sl-dpa-n" + node + "-" + suffix;
    }

    /**
     * Creates node N's namespace and uplink and starts its agent on the state file; returns once it is ready.
     */
    Agent startNode(final int node, final Path state) throws IOException, InterruptedException
    {
        final String ns = nodeNetns(node);
        addNetns(ns);
        run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "un-" + node, "netns", underlay);
        ip(underlay, "link", "set", "un-" + node, "master", "br0");
        ip(underlay, "link", "set", "un-" + node, "up");
        ip(ns, "addr", "add", "198.19.0." + node + "/16", "dev", "eth0");
        ip(ns, "link", "set", "eth0", "up");
        ip(ns, "link", "set", "lo", "up");
        return startAgent(node, state);
    }

    /**
     * Starts (again) the agent of an existing node namespace; returns once it is ready.
     */
    Agent startAgent(final int node, final Path state) throws IOException, InterruptedException
    {
        final String ns = nodeNetns(node);
        final Path socket = dir.resolve("node-" + node + ".sock");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Xmx256m", "-cp", classpath, "dev.sluice.control.cli.SluiceCli", "agent", "--node", "node-" + node,
            "--state", state.toString(), "--uplink", "eth0", "--endpoint-socket", socket.toString(),
            "--http-address", "127.0.0.1", "--http-port", "0", "--log-file",
            dir.resolve("policy-" + node + ".log").toString(), "--tick-ms", "10",
            "--endpoint-timeout-ms", "3000"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Agent agent = new Agent(node, ns, process, socket);
        agents.add(agent);
        Thread.ofPlatform().daemon().name("agent-" + node + "-output").start(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (agent)
                    {
                        agent.output.append(line).append('\n');
                    }
                    agent.lines.add(line);
                }
            }
            catch (final IOException ex)
            {
                agent.lines.add("output closed: " + ex);
            }
        });
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true)
        {
            final String line = agent.lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || !process.isAlive() && agent.lines.isEmpty())
            {
                final String threads = process.isAlive() ? ExternalTools.run(List.of(Path.of(
                    System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(process.pid()),
                    "Thread.print"), null).stdout() : "(exited " + process.exitValue() + ")";
                throw new IllegalStateException("agent of node " + node + " not ready within " + START_TIMEOUT
                    + ": " + agent.output() + "\n--- threads:\n" + threads);
            }
            final int at = line.indexOf("HTTP on port ");
            if (at >= 0)
            {
                agent.httpPort = Integer.parseInt(line.substring(at + 13).strip());
            }
            if (line.startsWith("ready"))
            {
                return agent;
            }
        }
    }

    /**
     * A host on the underlay that is no node (a NodePort client): its own namespace, {@code eth0} on the bridge.
     *
     * @param name a short name (part of the namespace's name).
     * @param cidr its address with prefix, e.g. 198.19.0.100/16.
     * @return the namespace.
     */
    String createUnderlayHost(final String name, final String cidr)
    {
        final String netns = "sl-dpa-" + name + "-" + suffix;
        addNetns(netns);
        final String peer = "uh-" + name;
        run("ip", "-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", underlay);
        ip(underlay, "link", "set", peer, "master", "br0");
        ip(underlay, "link", "set", peer, "up");
        ip(netns, "addr", "add", cidr, "dev", "eth0");
        ip(netns, "link", "set", "eth0", "up");
        ip(netns, "link", "set", "lo", "up");
        // a veth hands the peer CHECKSUM_PARTIAL frames, which reach the AF_XDP socket with the checksum unfinished;
        // a NIC on a real underlay sends finished checksums
        run("ip", "netns", "exec", netns, "ethtool", "-K", "eth0", "tx", "off");
        return netns;
    }

    /**
     * Makes a pod namespace and its veth pair on a node (host side named as the CNI names it), unconfigured.
     */
    Pod createPod(final int node, final String namespace, final String name, final String ip, final String mac)
    {
        final String netns = "sl-dpa-" + name + "-" + suffix;
        addNetns(netns);
        final String containerId = "c" + suffix + name;
        final String hostInterface = "sl" + sha256(containerId).substring(0, 10);
        run("ip", "-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", hostInterface, "netns",
            nodeNetns(node));
        ip(netns, "link", "set", "eth0", "address", mac);
        ip(nodeNetns(node), "link", "set", hostInterface, "up");
        return new Pod(namespace, name, netns, hostInterface, containerId, mac, ip);
    }

    /**
     * What the CNI plugin does in the pod after a successful ADD (TX checksum offload is left as it is: the agent
     * turns it off during ADD).
     */
    void configurePod(final Pod pod, final String gateway, final EndpointReply reply)
    {
        ip(pod.netns, "link", "set", "eth0", "mtu", Integer.toString(reply.mtu()));
        ip(pod.netns, "addr", "add", pod.ip + "/32", "dev", "eth0");
        ip(pod.netns, "link", "set", "eth0", "up");
        ip(pod.netns, "link", "set", "lo", "up");
        ip(pod.netns, "route", "add", gateway + "/32", "dev", "eth0", "scope", "link");
        ip(pod.netns, "route", "add", "default", "via", gateway, "dev", "eth0");
        ip(pod.netns, "neigh", "replace", gateway, "lladdr", reply.gatewayMac(), "dev", "eth0", "nud", "permanent");
    }

    ExternalTools.Result exec(final String netns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        return ExternalTools.run(full, null);
    }

    /** Kills an agent with SIGKILL (no cleanup at all, like a crash) and waits for it. */
    void kill(final Agent agent) throws InterruptedException
    {
        agent.process.destroyForcibly().waitFor();
    }

    /** Stops an agent with SIGTERM (its shutdown hook cleans up) and waits for it. */
    int stop(final Agent agent) throws InterruptedException
    {
        agent.process.destroy();
        if (!agent.process.waitFor(20, TimeUnit.SECONDS))
        {
            agent.process.destroyForcibly().waitFor();
        }
        return agent.process.exitValue();
    }

    void ip(final String netns, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "-n", netns));
        command.addAll(List.of(args));
        run(command.toArray(String[]::new));
    }

    static String run(final String... command)
    {
        final ExternalTools.Result result = ExternalTools.run(List.of(command), null);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + ": " + result.stderr() + result.stdout());
        }
        return result.stdout();
    }

    private void addNetns(final String name)
    {
        run("ip", "netns", "add", name);
        namespaces.add(name);
    }

    static String sha256(final String text)
    {
        try
        {
            final byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash);
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static Path writeState(final Path file, final String yaml) throws IOException
    {
        Files.writeString(file, yaml);
        return file;
    }

    @Override
    public void close()
    {
        for (final Agent agent : agents)
        {
            try
            {
                if (agent.process.isAlive())
                {
                    stop(agent);
                }
            }
            catch (final InterruptedException ex)
            {
                agent.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--)
        {
            ExternalTools.run(List.of("ip", "netns", "del", namespaces.get(i)), null);
        }
    }
}
