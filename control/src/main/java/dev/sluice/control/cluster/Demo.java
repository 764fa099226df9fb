package dev.sluice.control.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;

/**
 * The scenario of {@code sluice demo}: a 2-node {@link ClusterTopology}, namespaces x and y, a Service over pods
 * on both nodes, one NetworkPolicy; then real traffic step by step (TCP and UDP on one node, across nodes through
 * Geneve, to the ClusterIP), a latency/throughput summary, a policy change with the real kubectl and the traffic
 * it changes, the policy action logs and {@code sluice observe}. Everything is torn down at the end, after a
 * failure and on Ctrl-C.
 */
public final class Demo
{
    /** The Service's ClusterIP. */
    public static final String CLUSTER_IP = "198.18.250.10";

    private static final Duration PROBE = Duration.ofSeconds(2);
    private static final int STEPS = 8;

    /** Vert.x warns about its event loop on a loaded machine; the demo's output is for the user. Held: loggers are
     *  weak. */
    private static final java.util.logging.Logger VERTX_CHECKER =
        java.util.logging.Logger.getLogger("io.vertx.core.impl.BlockedThreadChecker");

    private final PrintStream out;
    private final Path runDir;
    private final Path kubeconfig;
    private final boolean keep;
    private final long startNs = System.nanoTime();
    private volatile ClusterTopology cluster;
    private int step;

    /**
     * @param out        where the story is told.
     * @param runDir     logs, kubeconfig, generated files.
     * @param kubeconfig a real cluster, or null for the embedded API server.
     * @param keep       whether to keep the cluster running until Ctrl-C after the steps.
     */
    public Demo(final PrintStream out, final Path runDir, final Path kubeconfig, final boolean keep)
    {
        this.out = out;
        this.runDir = runDir;
        this.kubeconfig = kubeconfig;
        this.keep = keep;
        VERTX_CHECKER.setLevel(java.util.logging.Level.SEVERE);
    }

    /**
     * Run the whole demo.
     *
     * @return 0 when every step behaved as told, 1 when one did not (the cluster is torn down either way).
     * @throws IOException          when the cluster cannot be built or a tool is missing.
     * @throws InterruptedException when interrupted (Ctrl-C).
     */
    public int run() throws IOException, InterruptedException
    {
        final long t0 = System.nanoTime();
        step("Building a 2-node cluster on this machine");
        say("Two network namespaces are the nodes, joined by a bridge (the underlay, 198.19.0.0/16); each runs a");
        say("sluice agent on its uplink eth0; pods are namespaces wired by the sluice-cni plugin as a kubelet would.");
        final ClusterTopology.Options options = ClusterTopology.Options.of(ClusterLayout.standard(), 2, runDir,
            line -> print("  " + line)).withKubeconfig(kubeconfig);
        try (ClusterTopology cluster = ClusterTopology.start(options))
        {
            this.cluster = cluster;
            final int failures = scenario(cluster);
            say("");
            say(String.format("Demo finished in %.0f s%s.", (System.nanoTime() - t0) / 1e9,
                failures == 0 ? "" : " with " + failures + " unexpected result(s)"));
            pokeAround(cluster);
            if (keep)
            {
                say("--keep: the cluster stays up until Ctrl-C.");
                new CountDownLatch(1).await();
            }
            return failures == 0 ? 0 : 1;
        }
    }

    private int scenario(final ClusterTopology cluster) throws IOException, InterruptedException
    {
        int failures = 0;
        step("Namespaces, pods, a Service and a NetworkPolicy");
        cluster.createNamespace("x", Map.of("team", "x"));
        cluster.createNamespace("y", Map.of("team", "y"));
        cluster.client().genericKubernetesResources("sluice.dev/v1alpha1", "NetworkLogging")
            .resource(new GenericKubernetesResourceBuilder().withApiVersion("sluice.dev/v1alpha1")
                .withKind("NetworkLogging").withNewMetadata().withName("default").endMetadata()
                .addToAdditionalProperties("spec", Map.of("cluster", Map.of(
                    "allow", Map.of("log", true, "delegate", false),
                    "deny", Map.of("log", true, "delegate", false))))
                .build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
        // side by side, as a kubelet starts pods
        final ClusterTopology.PodHandle xa;
        final ClusterTopology.PodHandle xb;
        final ClusterTopology.PodHandle ya;
        final ClusterTopology.PodHandle yb;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor())
        {
            final Future<ClusterTopology.PodHandle> fxa =
                pool.submit(() -> cluster.createPod("x", "a", 1, Map.of("app", "web")));
            final Future<ClusterTopology.PodHandle> fxb =
                pool.submit(() -> cluster.createPod("x", "b", 2, Map.of("app", "web")));
            final Future<ClusterTopology.PodHandle> fya =
                pool.submit(() -> cluster.createPod("y", "a", 1, Map.of("app", "client")));
            final Future<ClusterTopology.PodHandle> fyb =
                pool.submit(() -> cluster.createPod("y", "b", 2, Map.of("app", "client")));
            xa = join(fxa);
            xb = join(fxb);
            ya = join(fya);
            yb = join(fyb);
        }
        cluster.createService("x", "web", CLUSTER_IP, 80, Map.of("app", "web"));
        say("  Service x/web " + CLUSTER_IP + ":80 -> pods app=web (x/a on node-1, x/b on node-2), TCP and UDP");
        final Path allowWeb = runDir.resolve("allow-web.yaml");
        Files.writeString(allowWeb, policy("team in (x, y)"));
        final Shell.Result applied = cluster.kubectl("apply", "--validate=false", "-f", allowWeb.toString());
        failures += expect(applied.ok(), "kubectl apply " + allowWeb + ": " + applied.describe());
        say("  NetworkPolicy x/allow-web: pods app=web accept only namespaces with team in (x, y)");
        say("  (kubectl apply -f " + allowWeb + ")");
        final ClusterTopology.Probe ready = awaitProbe(() -> cluster.tcp(ya, xb.ip(), 8080, PROBE), true,
            Duration.ofSeconds(20));
        failures += expect(ready.ok(), "y/a -> x/b does not answer: " + ready.detail());

        step("Pod to pod on one node (node-1): y/a -> x/a");
        failures += show(cluster, ya, "curl http://" + xa.ip() + ":8080/", cluster.tcp(ya, xa.ip(), 8080, PROBE), true);
        failures += show(cluster, ya, "UDP " + xa.ip() + ":5353", cluster.udp(ya, xa.ip(), 5353, PROBE), true);

        step("Pod to pod across nodes: y/a (node-1) -> x/b (node-2), through Geneve on the underlay");
        final ChildProcesses.Child capture = captureGeneve(cluster);
        failures += show(cluster, ya, "curl http://" + xb.ip() + ":8080/", cluster.tcp(ya, xb.ip(), 8080, PROBE), true);
        failures += show(cluster, ya, "UDP " + xb.ip() + ":5353", cluster.udp(ya, xb.ip(), 5353, PROBE), true);
        failures += show(cluster, ya, "ping " + yb.ip() + " (y/b, not isolated: NetworkPolicy has no ICMP rules)",
            cluster.ping(ya, yb.ip(), PROBE), true);
        if (capture != null)
        {
            cluster.stop(capture, Duration.ofSeconds(5));
            say("  tshark on br0 in " + cluster.layout().underlayNetns() + " (first frames):");
            Files.readString(capture.stdout()).lines().limit(4).forEach(l -> say("    " + l.strip()));
        }

        step("Pod to ClusterIP " + CLUSTER_IP + ":80 from y/b (node-2): Maglev over a local and a remote backend");
        final List<String> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            final ClusterTopology.Probe p = cluster.tcp(yb, CLUSTER_IP, 80, PROBE);
            answers.add(p.ok() ? p.output() : "FAILED");
        }
        say("  8 x curl http://" + CLUSTER_IP + "/ answered by: " + String.join(" ", answers));
        failures += expect(!answers.contains("FAILED"), "a ClusterIP connection failed");
        failures += show(cluster, yb, "UDP " + CLUSTER_IP + ":80", cluster.udp(yb, CLUSTER_IP, 80, PROBE), true);

        step("Latency and throughput (a few seconds)");
        say("  TCP round trips, 64 bytes, one connection (python client in the pod):");
        failures += roundTrips(cluster, "same node   y/a -> x/a", ya, xa);
        failures += roundTrips(cluster, "cross node  y/a -> x/b", ya, xb);
        say("  Throughput y/a -> x/b (iperf3, 3 s, TCP): " + iperf(cluster, ya, xb));

        step("A policy change with kubectl: web now accepts only namespace x");
        final Path onlyX = runDir.resolve("allow-web-only-x.yaml");
        Files.writeString(onlyX, policy("team in (x)"));
        say("  before: " + verdict(cluster.tcp(ya, xa.ip(), 8080, PROBE)) + "  y/a -> x/a:8080");
        say("  $ KUBECONFIG=" + cluster.kubeconfig() + " kubectl apply -f " + onlyX);
        final long applyNs = System.nanoTime();
        final Shell.Result changed = cluster.kubectl("apply", "--validate=false", "-f", onlyX.toString());
        say("  " + (changed.ok() ? changed.stdout().strip() : changed.describe()));
        failures += expect(changed.ok(), "kubectl apply failed");
        final long[] probeStartNs = new long[1];
        final ClusterTopology.Probe denied = awaitProbe(() ->
        {
            probeStartNs[0] = System.nanoTime();
            return cluster.tcp(ya, xa.ip(), 8080, PROBE);
        }, false, Duration.ofSeconds(20));
        say(String.format("  after:  %s  y/a -> x/a:8080 (by the probe started %.2f s after kubectl apply "
            + "returned)", verdict(denied), (probeStartNs[0] - applyNs) / 1e9));
        failures += expect(!denied.ok(), "y/a -> x/a is still allowed");
        failures += show(cluster, ya, "curl http://" + xb.ip() + ":8080/ (across nodes)",
            cluster.tcp(ya, xb.ip(), 8080, PROBE), false);
        failures += show(cluster, ya, "UDP " + xb.ip() + ":5353", cluster.udp(ya, xb.ip(), 5353, PROBE), false);
        failures += show(cluster, xb, "curl http://" + xa.ip() + ":8080/ (x/b -> x/a, still allowed)",
            cluster.tcp(xb, xa.ip(), 8080, PROBE), true);

        step("Policy action logs (JSON lines written by each agent)");
        for (final ClusterTopology.NodeHandle node : cluster.nodes())
        {
            final List<String> lines = Files.exists(node.policyLog())
                ? Files.readAllLines(node.policyLog()) : List.of();
            say("  " + node.policyLog() + " (" + lines.size() + " records), last 3:");
            lines.subList(Math.max(0, lines.size() - 3), lines.size()).forEach(l -> say("    " + l));
        }
        say("  sluice observe on node-1 (the agent's /flows, last 8):");
        final List<String> observe = new ArrayList<>(List.of("ip", "netns", "exec", cluster.node(1).netns()));
        observe.addAll(ClusterTopology.javaCommand(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1")));
        observe.addAll(List.of("observe", "--server", cluster.node(1).agentUrl(), "--last", "8"));
        final Shell.Result flows = Shell.run(observe, Map.of(), null, Duration.ofSeconds(30));
        (flows.ok() ? flows.stdout() : flows.describe()).lines().forEach(l -> say("    " + l));
        failures += expect(flows.ok(), "sluice observe failed");
        return failures;
    }

    private void pokeAround(final ClusterTopology cluster)
    {
        final ClusterLayout layout = cluster.layout();
        say("");
        say("Poke at it" + (keep ? "" : " (next time with --keep, the cluster stays up)") + ":");
        say("  export KUBECONFIG=" + cluster.kubeconfig());
        say("  kubectl get nodes,pods -A -o wide; kubectl get netpol -A; kubectl get endpointslices -n x");
        say("  ip netns exec " + layout.podNetns(1, "y", "a") + " curl http://" + CLUSTER_IP + "/");
        say("  ip netns exec " + layout.nodeNetns(1) + " curl -s http://127.0.0.1:" + ClusterTopology.AGENT_HTTP_PORT
            + "/status");
        say("  ip netns exec " + layout.underlayNetns() + " tshark -i br0 -f 'udp port 6081'");
        say("  logs: " + cluster.runDir() + " (agents: node-N/agent.err, policy actions: node-N/policy_action.log)");
    }

    private static String policy(final String teams)
    {
        return """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: allow-web
              namespace: x
            spec:
              podSelector:
                matchLabels: {app: web}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: team, operator: In, values: [%s]}
                ports:
                - {protocol: TCP, port: 8080}
                - {protocol: UDP, port: 5353}
                - {protocol: TCP, port: 9000}
                - {protocol: TCP, port: 5201}
            """.formatted(quoted(teams.substring(teams.indexOf('(') + 1, teams.indexOf(')'))));
    }

    /** {@code x, y} -> {@code "x", "y"}: a bare {@code y} is a YAML 1.1 boolean to kubectl. */
    private static String quoted(final String values)
    {
        final List<String> out = new ArrayList<>();
        for (final String value : values.split(","))
        {
            out.add('"' + value.strip() + '"');
        }
        return String.join(", ", out);
    }

    private ChildProcesses.Child captureGeneve(final ClusterTopology cluster) throws IOException, InterruptedException
    {
        if (!Shell.run("sh", "-c", "command -v tshark").ok())
        {
            say("  (tshark is not installed: no capture on the underlay)");
            return null;
        }
        final ChildProcesses.Child capture = cluster.startInNetns(cluster.layout().underlayNetns(), "demo-tshark",
            "tshark", "-n", "-l", "-i", "br0", "-c", "4", "-f", "udp port 6081", "-d", "udp.port==5353,data",
            "-T", "fields",
            "-e", "ip.src", "-e", "ip.dst", "-e", "geneve.vni", "-e", "geneve.option.class",
            "-e", "geneve.option.type", "-e", "_ws.col.Info", "-E", "separator=/s", "-E", "occurrence=a");
        final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!Files.readString(capture.stderr()).contains("Capturing on") && capture.process().isAlive()
            && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        return capture;
    }

    private String iperf(final ClusterTopology cluster, final ClusterTopology.PodHandle client,
        final ClusterTopology.PodHandle server) throws IOException, InterruptedException
    {
        if (!Shell.run("sh", "-c", "command -v iperf3").ok())
        {
            return "(iperf3 is not installed)";
        }
        final ChildProcesses.Child iperfServer = cluster.startInPod(server, "iperf3", "iperf3", "-s", "-1");
        try
        {
            Shell.Result r = null;
            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline)
            {
                r = cluster.exec(client, Duration.ofSeconds(20), "iperf3", "-c", server.ip(), "-t", "3", "-f", "m");
                if (r.ok() || !r.stderr().contains("connect"))
                {
                    break;
                }
                Thread.sleep(100);
            }
            if (r == null || !r.ok())
            {
                return "failed: " + (r == null ? "no run" : r.describe());
            }
            return r.stdout().lines().filter(l -> l.contains("receiver")).map(l -> l.replaceAll("\\s+", " ").strip())
                .findFirst().orElse(r.stdout().strip());
        }
        finally
        {
            cluster.stop(iperfServer, Duration.ofSeconds(2));
        }
    }

    private int roundTrips(final ClusterTopology cluster, final String what, final ClusterTopology.PodHandle from,
        final ClusterTopology.PodHandle to)
    {
        try
        {
            say("    " + what + ": " + cluster.roundTrips(from, to.ip(), 2000));
            return 0;
        }
        catch (final IOException ex)
        {
            return expect(false, what + ": " + ex.getMessage());
        }
    }

    private static ClusterTopology.PodHandle join(final Future<ClusterTopology.PodHandle> pod)
        throws IOException, InterruptedException
    {
        try
        {
            return pod.get();
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof IOException io ? io
                : new IOException(String.valueOf(ex.getCause().getMessage()), ex.getCause());
        }
    }

    @FunctionalInterface
    private interface ProbeCall
    {
        ClusterTopology.Probe call() throws IOException;
    }

    private static ClusterTopology.Probe awaitProbe(final ProbeCall probe, final boolean wanted,
        final Duration timeout) throws IOException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        ClusterTopology.Probe last = probe.call();
        while (last.ok() != wanted && System.nanoTime() < deadline)
        {
            last = probe.call();
        }
        return last;
    }

    private int show(final ClusterTopology cluster, final ClusterTopology.PodHandle from, final String what,
        final ClusterTopology.Probe probe, final boolean expected)
    {
        say("  " + verdict(probe) + "  " + from.key() + "$ " + what + (probe.ok() ? "  -> " + firstLine(probe.output())
            : ""));
        return expect(probe.ok() == expected, what + " was " + (probe.ok() ? "allowed" : "denied") + ", expected "
            + (expected ? "allowed" : "denied") + ": " + probe.detail());
    }

    private static String firstLine(final String text)
    {
        // ping: the reply line, not the banner
        final String line = text.lines().filter(l -> l.contains("bytes from")).findFirst()
            .orElse(text.lines().findFirst().orElse(""));
        return line.length() > 100 ? line.substring(0, 100) + "..." : line;
    }

    private static String verdict(final ClusterTopology.Probe probe)
    {
        return probe.ok() ? "ALLOWED" : "DENIED ";
    }

    private int expect(final boolean ok, final String message)
    {
        if (!ok)
        {
            say("  !! unexpected: " + message);
        }
        return ok ? 0 : 1;
    }

    private void step(final String title)
    {
        step++;
        if (cluster != null && cluster.closing())
        {
            return;
        }
        out.println();
        out.printf("== %d/%d %s  [%.0f s]%n", step, STEPS, title, (System.nanoTime() - startNs) / 1e9);
        out.flush();
    }

    private void say(final String line)
    {
        // after Ctrl-C the steps still running only see the cluster vanish: their output would mislead
        final ClusterTopology current = cluster;
        if (current == null || !current.closing())
        {
            print(line);
        }
    }

    private void print(final String line)
    {
        out.println(line);
        out.flush();
    }
}
