package dev.sluice.control.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.sluice.control.compile.CompiledReachability;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.PolicyEngine;
import dev.sluice.control.policy.PolicyMatrix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice policy matrix}: the reachability truth table of every pod pair (the DESIGN.md contract), decided
 * by the compiled fast-path policy tables ({@link CompiledReachability}) and explained by the policy engine.
 * Exit status 0 on success, 2 when the state file has errors (listed on stderr) or the arguments are wrong.
 */
@Command(name = "matrix", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print which pods may reach which, on one port and protocol, under the NetworkPolicies of a cluster state "
            + "file (plain multi-document Kubernetes YAML).",
        "",
        "Table form (the layout of the upstream Kubernetes netpol e2e truth tables): the first line is '-' followed "
            + "by the column labels; then one line per pod. Rows are SOURCES, columns are DESTINATIONS. Labels are "
            + "namespace/pod, sorted. A cell is '.' (allowed) or 'X' (denied). Fields are separated by one tab.",
        "",
        "JSON form: {\"port\": N, \"protocol\": P, \"pods\": [labels], \"matrix\": [one string of ./X per source "
            + "row], \"denied\": [{\"from\", \"to\", \"reason\"} for every denied cell]}.",
        "",
        "Semantics: Kubernetes networking.k8s.io/v1. Pods without an IP are left out (listed as warnings on "
            + "stderr). ipBlock matches only addresses outside the pod network (as Cilium does). A pod reaching "
            + "itself is always allowed.",
        ""
    },
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = { "0:the matrix was printed", "2:errors in the state file (listed on stderr) or bad arguments" })
public final class PolicyMatrixCommand implements Callable<Integer>
{
    /** Output formats. */
    enum Format
    {
        table, json
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--state", required = true, paramLabel = "FILE", description = "The cluster state file.")
    Path state;

    @Option(names = "--port", defaultValue = "80", paramLabel = "N",
        description = "Destination port (1-65535). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--protocol", defaultValue = "TCP", paramLabel = "TCP|UDP|SCTP",
        description = "Protocol. Default: ${DEFAULT-VALUE}.")
    Protocol protocol;

    @Option(names = "--output", defaultValue = "table", paramLabel = "table|json",
        description = "Output format. Default: ${DEFAULT-VALUE}.")
    Format output;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (port < 1 || port > 65_535)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--port must be 1..65535, not " + port);
        }
        final ClusterState clusterState;
        try
        {
            clusterState = new ClusterStateLoader().load(state);
        }
        catch (final ClusterStateException ex)
        {
            err.println("sluice policy matrix: " + ex.errors().size() + " error(s) in " + state + ":");
            ex.errors().forEach(e -> err.println("  " + e));
            err.flush();
            return 2;
        }
        clusterState.warnings().forEach(w -> err.println("warning: " + w));
        err.flush();
        // The cells come from the compiled fast-path tables; the engine explains the denied ones.
        final PolicyMatrix matrix = PolicyMatrix.compute(new PolicyEngine(clusterState), port, protocol,
            new CompiledReachability(clusterState, new PolicyCompiler()));
        out.print(output == Format.json ? matrix.toJson() : matrix.toTable());
        out.flush();
        return 0;
    }
}
