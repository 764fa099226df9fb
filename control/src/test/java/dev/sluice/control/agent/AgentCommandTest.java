package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.sluice.control.cli.SluiceCli;
import picocli.CommandLine;

class AgentCommandTest
{
    @Test
    void offlineAgentInstallsTheStateFileAndBecomesReady() throws Exception
    {
        final Path state = Path.of(getClass().getResource("/examples/three-namespaces.yaml").toURI());
        final CommandLine cli = SluiceCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute("agent", "--node", "node-1", "--state", state.toString(), "--exit-when-ready");
        assertEquals(0, exit, err::toString);
        assertTrue(out.toString().contains("ready: install generation 1 on node node-1: 3 namespaces, 2 nodes, 6 pods"),
            out::toString);
    }

    @Test
    void aMissingNodeNameIsABadArgument()
    {
        final CommandLine cli = SluiceCli.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("agent", "--node", "", "--state", "nothing.yaml", "--exit-when-ready"));
    }
}
