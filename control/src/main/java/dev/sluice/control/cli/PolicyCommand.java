package dev.sluice.control.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sluice policy}: NetworkPolicy tools that run offline on a cluster state file.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
    description = "NetworkPolicy tools over a cluster state file (offline).",
    subcommands = { PolicyMatrixCommand.class, CommandLine.HelpCommand.class })
public final class PolicyCommand implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
