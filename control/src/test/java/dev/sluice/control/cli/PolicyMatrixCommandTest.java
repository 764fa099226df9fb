package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Golden tests of {@code sluice policy matrix} through the real command line. */
class PolicyMatrixCommandTest
{
    private static final Path EXAMPLE = Path.of("src/test/resources/examples/three-namespaces.yaml");

    private record Run(int exitCode, String out, String err)
    {
    }

    private static Run run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cli = SluiceCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void exampleStateGivesTheGoldenTable() throws Exception
    {
        final Run r = run("policy", "matrix", "--state", EXAMPLE.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(Files.readString(Path.of("src/test/resources/examples/three-namespaces.matrix.txt")), r.out());
        assertEquals("", r.err());
    }

    @Test
    void udpPortOfTheExample()
    {
        // x is isolated for ingress on everything but TCP serve-80-tcp from y; z/b may send UDP/53 only.
        final Run r = run("policy", "matrix", "--state", EXAMPLE.toString(), "--port", "81", "--protocol", "UDP");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("""
            -	x/a	x/b	y/a	y/b	z/a	z/b
            x/a	.	X	.	.	.	.
            x/b	X	.	.	.	.	.
            y/a	X	X	.	.	.	.
            y/b	X	X	.	.	.	.
            z/a	X	X	.	.	.	.
            z/b	X	X	X	X	X	.
            """, r.out());
    }

    @Test
    void jsonFormListsPodsRowsAndTheReasonOfEveryDeniedCell()
    {
        final Run r = run("policy", "matrix", "--state", EXAMPLE.toString(), "--output", "json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("""
            {
              "port": 80,
              "protocol": "TCP",
              "pods": ["x/a", "x/b", "y/a", "y/b", "z/a", "z/b"],
              "matrix": [
                ".X....",
                "X.....",
                ".X....",
                ".X....",
                "XX....",
                "XXXXX."
              ],
              "denied": [
                {"from": "x/a", "to": "x/b", "reason": "denied by: x/b ingress isolated by policy 'deny-all'; \
            no rule allows x/a on TCP/80"},
            """), r.out());
        assertTrue(r.out().contains("""
                {"from": "z/b", "to": "z/a", "reason": "denied by: z/b egress isolated by policy 'b-dns-only'; \
            no rule allows z/a on TCP/80"}
              ]
            }
            """), r.out());
        assertEquals(11, r.out().split("\"reason\"", -1).length - 1);
    }

    @Test
    void stateFileErrorsExitWithStatus2AndAreListedOnStderr(@TempDir final Path dir) throws Exception
    {
        final Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x}
            status: {podIP: 198.18.1.1}
            ---
            apiVersion: v1
            kind: Gadget
            metadata: {name: g}
            """);
        final Run r = run("policy", "matrix", "--state", bad.toString());
        assertEquals(2, r.exitCode());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("sluice policy matrix: 2 error(s) in " + bad + ":\n"), r.err());
        assertTrue(r.err().contains("  bad.yaml document 2: Gadget g: kind: unsupported kind 'Gadget'"), r.err());
        assertTrue(r.err().contains("  bad.yaml document 1: Pod x/a: metadata.namespace: namespace 'x' has no "
            + "Namespace object in the state"), r.err());
    }

    @Test
    void badArgumentsExitWithStatus2()
    {
        assertEquals(2, run("policy", "matrix", "--state", EXAMPLE.toString(), "--port", "0").exitCode());
        assertEquals(2, run("policy", "matrix", "--state", EXAMPLE.toString(), "--protocol", "ICMP").exitCode());
        assertEquals(2, run("policy", "matrix").exitCode());
    }

    @Test
    void helpStatesRowsAreSourcesAndColumnsDestinations()
    {
        final Run r = run("policy", "matrix", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("Rows are SOURCES, columns are DESTINATIONS"), r.out());
        assertTrue(r.out().contains("--protocol=TCP|UDP|SCTP"), r.out());
    }
}
