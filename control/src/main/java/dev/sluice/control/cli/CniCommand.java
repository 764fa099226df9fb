package dev.sluice.control.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.sluice.control.cni.CniInstall;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice cni}: the CNI plugin's tools.
 */
@Command(name = "cni", mixinStandardHelpOptions = true,
    description = "The sluice-cni plugin (CNI spec 1.0.0).",
    subcommands = { CniCommand.Install.class, CommandLine.HelpCommand.class })
public final class CniCommand implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code sluice cni install --dir DIR}. */
    @Command(name = "install", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Install the sluice-cni plugin into a CNI bin directory: DIR/sluice-cni (a launcher that runs this JDK), "
                + "DIR/sluice-cni.d/ (the jars a plugin run needs and its AOT cache, built by a training run so "
                + "that a plugin starts fast). Installing again rewrites only what changed.",
            ""
        },
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = { "0:installed (the launcher's path is printed)", "1:the installation failed" })
    static final class Install implements Callable<Integer>
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "The CNI bin directory, e.g. /opt/cni/bin (created if missing).")
        Path dir;

        @Option(names = "--java-home", paramLabel = "JDK",
            description = "The JDK (25 or later) the plugin runs on; it must exist where the plugin runs (on a "
                + "node: a host path). Default: the JDK running this command.")
        Path javaHome;

        @Override
        public Integer call()
        {
            try
            {
                spec.commandLine().getOut().println(javaHome == null ? CniInstall.install(dir) :
                    CniInstall.install(dir, javaHome));
                return 0;
            }
            catch (final IOException ex)
            {
                spec.commandLine().getErr().println("sluice cni install: " + ex.getMessage());
                return 1;
            }
        }
    }
}
