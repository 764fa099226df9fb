package dev.sluice.control.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sluice} command line. Every subcommand has {@code --help}.
 */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = "Sluice: a Kubernetes node dataplane on AF_XDP (NetworkPolicy, Services, conntrack, Geneve).",
    subcommands = {
        AgentCommand.class,
        CniCommand.class,
        DemoCommand.class,
        InspectCommand.class,
        ObserveCommand.class,
        PolicyCommand.class,
        StatusCommand.class,
        TraceCommand.class,
        CommandLine.HelpCommand.class
    })
public final class SluiceCli implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine()
    {
        return new CommandLine(new SluiceCli());
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /** Version from the jar manifest (set by the build), or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String v = SluiceCli.class.getPackage().getImplementationVersion();
            return new String[] { "sluice " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")" };
        }
    }
}
