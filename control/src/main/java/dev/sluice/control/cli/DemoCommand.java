package dev.sluice.control.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/**
 * {@code sluice demo}: reserved for the main job — a two-node cluster on this machine with real traffic. Until
 * the pieces it drives exist (AF_XDP I/O, Geneve mesh, pipeline, agent, CNI), it says what it will do and exits
 * with status 2 so no script mistakes it for a successful demo.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the end-to-end demo: a 2-node cluster on this machine with real traffic (not built yet).")
public final class DemoCommand implements Callable<Integer>
{
    static final String PLAN = """
        sluice demo is not built yet. When it is, it will:
          1. build two nodes as network namespaces joined by an underlay (198.19.0.0/16),
             with pods from 198.18.0.0/16 created through the sluice CNI plugin;
          2. start one agent per node (AF_XDP fast path, Geneve mesh) against an embedded API server
             that the real kubectl can drive;
          3. run TCP and UDP traffic: pod to pod on one node, across nodes through Geneve, pod to a ClusterIP;
          4. apply a NetworkPolicy change with kubectl and show the traffic change;
          5. show policy action logs, `sluice observe` flows and a throughput/latency summary;
          6. tear everything down on exit, Ctrl-C or failure.
        What exists today: `sluice trace` (a capture through one node's full pipeline), `sluice policy
        matrix`, `sluice inspect`, `sluice agent` (against a kubeconfig or a state file), `sluice observe`,
        `sluice status`, and the test suite (`./sluice test`).
        """;

    @Override
    public Integer call()
    {
        System.out.print(PLAN);
        return 2;
    }
}
