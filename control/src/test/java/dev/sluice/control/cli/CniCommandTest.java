package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CniCommandTest
{
    @TempDir
    Path dir;

    @Test
    void installPrintsTheLauncherItWrote()
    {
        final CommandLine cli = SluiceCli.commandLine();
        final StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        final Path bin = dir.resolve("opt/cni/bin");
        assertEquals(0, cli.execute("cni", "install", "--dir", bin.toString()));
        assertEquals(bin.resolve("sluice-cni").toAbsolutePath().toString(), out.toString().trim());
        assertTrue(Files.isExecutable(bin.resolve("sluice-cni")));
    }

    @Test
    void aJavaHomeWithoutJavaIsRefused()
    {
        final CommandLine cli = SluiceCli.commandLine();
        final StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        final Path jdk = dir.resolve("no-jdk");
        assertEquals(1, cli.execute("cni", "install", "--dir", dir.resolve("bin").toString(), "--java-home",
            jdk.toString()));
        assertTrue(err.toString().contains("no java at " + jdk.resolve("bin/java")), err.toString());
    }

    @Test
    void installNeedsADirectory()
    {
        final CommandLine cli = SluiceCli.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("cni", "install"));
    }
}
