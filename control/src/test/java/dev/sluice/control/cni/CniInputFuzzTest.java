package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes what the container runtime hands the CNI plugin: the environment ({@link CniEnvironment#from},
 * {@code CNI_ARGS}), the network configuration on stdin ({@link NetConf#parse}) and the whole command
 * ({@link CniMain#run}: ADD, DEL, CHECK, VERSION).
 *
 * <p>Input format: the environment as {@code KEY=VALUE} lines, a NUL byte, then stdin (seeds in
 * {@code CniInputFuzzTestInputs/runtimeInput/} are what containerd and CRI-O pass: the conflist's configuration, with
 * a {@code prevResult} for CHECK).
 *
 * <p>Nothing touches the host: before {@link CniMain#run}, {@code CNI_NETNS} is replaced by a path that does not
 * exist (so ADD and CHECK stop before any interface is made), {@code CNI_PATH} by an empty directory (no IPAM plugin
 * can run), the configuration's {@code agentSocket} by a socket path nobody listens on (no agent is called), and a
 * DEL's container id gets a {@code sluice-fuzz-} prefix (the host veth DEL removes, {@code sl} + a hash of the id, can
 * be no real pod's).
 *
 * <p>Invariants: the environment and configuration parsers either succeed or throw {@link CniException} with a spec
 * error code and a message — never another exception; {@link CniMain#run} prints exactly one JSON object on stdout:
 * for VERSION the versions, else the spec's error object ({@code cniVersion}, {@code code} among the spec's and the
 * plugin's documented codes, a non-blank {@code msg}, optional {@code details}), with exit status 1 — never the
 * "internal error" of an escaped exception.
 */
@Tag("fuzz")
class CniInputFuzzTest
{
    /** The codes {@link CniException} documents (spec 1-7, 11; plugin 100-104). */
    private static final Set<Integer> CODES = Set.of(1, 2, 3, 4, 5, 6, 7, 11, 100, 101, 102, 103, 104);
    private static final Path SANDBOX;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    static
    {
        try
        {
            SANDBOX = Files.createTempDirectory("sluice-cni-fuzz");
            Files.createDirectory(SANDBOX.resolve("bin"));
            SANDBOX.toFile().deleteOnExit();
            SANDBOX.resolve("bin").toFile().deleteOnExit();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void runtimeInput(final byte[] data)
    {
        int split = 0;
        while (split < data.length && data[split] != 0)
        {
            split++;
        }
        final Map<String, String> env = new HashMap<>();
        for (final String line : new String(data, 0, split, StandardCharsets.UTF_8).split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        final byte[] stdin = split < data.length ? java.util.Arrays.copyOfRange(data, split + 1, data.length) :
            new byte[0];

        try
        {
            final CniEnvironment parsed = CniEnvironment.from(env);
            assertNotNull(parsed.command());
        }
        catch (final CniException ex)
        {
            checkException(ex);
        }
        try
        {
            final NetConf conf = NetConf.parse(stdin);
            assertTrue(conf.agentSocket().isAbsolute(), "agentSocket " + conf.agentSocket());
            assertTrue(NetConf.SUPPORTED_VERSIONS.contains(conf.cniVersion()));
        }
        catch (final CniException ex)
        {
            checkException(ex);
        }

        final Map<String, String> safe = new HashMap<>(env);
        safe.put("CNI_NETNS", SANDBOX.resolve("no-such-netns").toString());
        safe.put("CNI_PATH", SANDBOX.resolve("bin").toString());
        if ("DEL".equals(env.get("CNI_COMMAND")) && env.get("CNI_CONTAINERID") != null)
        {
            safe.put("CNI_CONTAINERID", "sluice-fuzz-" + env.get("CNI_CONTAINERID"));
        }
        byte[] safeStdin = stdin;
        try
        {
            final JsonNode root = NetConf.decode(stdin);
            ((ObjectNode)root).put("agentSocket", SANDBOX.resolve("no-agent.sock").toString());
            safeStdin = NetConf.JSON.writeValueAsBytes(root);
        }
        catch (final CniException ex)
        {
            // not a JSON object: the plugin refuses it before anything else.
        }

        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PrintStream err = System.err;
        final int exit;
        System.setErr(QUIET);
        try
        {
            exit = CniMain.run(safe, safeStdin, new PrintStream(out, true, StandardCharsets.UTF_8));
        }
        finally
        {
            System.setErr(err);
        }
        final String stdout = out.toString(StandardCharsets.UTF_8);
        final String[] lines = stdout.split("\n");
        assertEquals(1, lines.length, "one line on stdout: " + stdout);
        final JsonNode json = NetConf.JSON.readTree(lines[0]);
        assertTrue(json.isObject(), stdout);
        assertTrue(json.get("cniVersion") != null && json.get("cniVersion").isString(), stdout);
        if ("VERSION".equals(env.get("CNI_COMMAND")))
        {
            assertEquals(0, exit, stdout);
            assertTrue(json.get("supportedVersions").isArray(), stdout);
            return;
        }
        assertEquals(1, exit, "nothing can succeed without a namespace, IPAM or agent: " + stdout);
        final JsonNode code = json.get("code");
        assertTrue(code != null && code.isInt() && CODES.contains(code.intValue()), "code in " + stdout);
        final JsonNode msg = json.get("msg");
        assertTrue(msg != null && msg.isString() && !msg.stringValue().isBlank(), "msg in " + stdout);
        if (msg.stringValue().startsWith("internal error"))
        {
            fail("an exception escaped the plugin: " + stdout);
        }
        final JsonNode details = json.get("details");
        assertTrue(details == null || details.isString(), "details in " + stdout);
        assertTrue(json.size() <= 4, "extra fields in " + stdout);
    }

    private static void checkException(final CniException ex)
    {
        assertTrue(CODES.contains(ex.code()), "undocumented code " + ex.code() + ": " + ex.getMessage());
        assertNotNull(ex.getMessage());
        assertFalse(ex.getMessage().isBlank(), "a blank message");
    }
}
