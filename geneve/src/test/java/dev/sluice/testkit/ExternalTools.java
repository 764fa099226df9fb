package dev.sluice.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real, independent peers for wire formats: scapy (Debian {@code python3-scapy}, run with the system
 * {@code /usr/bin/python3}) builds frames, {@code tshark} decodes what we write. A missing tool skips the test
 * with a reason, or fails it under {@code SLUICE_STRICT=1}.
 */
public final class ExternalTools
{
    public static final String SYSTEM_PYTHON = "/usr/bin/python3";
    private static final long TIMEOUT_SECONDS = 120;

    private ExternalTools()
    {
    }

    /** Skips (or, when strict, fails) unless scapy is importable by the system python. */
    public static void requireScapy()
    {
        final boolean ok = TestEnvironment.findExecutable(SYSTEM_PYTHON) != null &&
            run(List.of(SYSTEM_PYTHON, "-c", "import scapy"), null).exitCode == 0;
        require(ok, "scapy (Debian package python3-scapy for " + SYSTEM_PYTHON + ")");
    }

    /** Skips (or, when strict, fails) unless {@code command} is on the PATH. */
    public static void requireCommand(final String command, final String debianPackage)
    {
        require(TestEnvironment.findExecutable(command) != null, command + " (Debian package " + debianPackage + ")");
    }

    private static void require(final boolean present, final String what)
    {
        if (!present && TestEnvironment.strict())
        {
            throw new IllegalStateException("SLUICE_STRICT=1 but " + what + " is missing");
        }
        assumeTrue(present, () -> "skipped: needs " + what);
    }

    /**
     * Builds one frame per scapy expression (each evaluated after {@code from scapy.all import *}) in a single
     * python process and returns their bytes in order.
     */
    public static List<byte[]> scapyFrames(final List<String> expressions)
    {
        requireScapy();
        final StringBuilder script = new StringBuilder()
            .append("import sys, logging\n")
            .append("logging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n")
            .append("from scapy.all import *\n")
            .append("from scapy.contrib.geneve import GENEVE\n")
            .append("exprs = sys.stdin.read().split('\\n\\x00\\n')\n")
            .append("for e in exprs:\n")
            .append("    if e.strip():\n")
            .append("        print(bytes(eval(e)).hex())\n");
        final String input = String.join("\n\u0000\n", expressions);
        final Result r = run(List.of(SYSTEM_PYTHON, "-c", script.toString()), input);
        if (r.exitCode != 0)
        {
            throw new IllegalStateException("scapy failed (" + r.exitCode + "): " + r.stderr);
        }
        final List<byte[]> frames = new ArrayList<>();
        for (final String line : r.stdout.split("\n"))
        {
            if (!line.isBlank())
            {
                frames.add(HexFormat.of().parseHex(line.trim()));
            }
        }
        if (frames.size() != expressions.size())
        {
            throw new IllegalStateException("scapy returned " + frames.size() + " frames for " +
                expressions.size() + " expressions: " + r.stderr);
        }
        return frames;
    }

    public static byte[] scapyFrame(final String expression)
    {
        return scapyFrames(List.of(expression)).getFirst();
    }

    /** Runs a python script under the system python with scapy available; returns stdout. */
    public static String scapyScript(final String script)
    {
        requireScapy();
        final Result r = run(List.of(SYSTEM_PYTHON, "-c", script), null);
        if (r.exitCode != 0)
        {
            throw new IllegalStateException("python failed (" + r.exitCode + "): " + r.stderr);
        }
        return r.stdout;
    }

    /**
     * {@code tshark -r pcap -T fields -E separator=| -e f1 -e f2 ...}: one row per frame, one column per field.
     */
    public static List<String[]> tsharkFields(final Path pcap, final String... fields)
    {
        requireCommand("tshark", "tshark");
        final List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(), "-T", "fields",
            "-E", "separator=|", "-E", "occurrence=a"));
        for (final String f : fields)
        {
            cmd.add("-e");
            cmd.add(f);
        }
        final Result r = run(cmd, null);
        if (r.exitCode != 0)
        {
            throw new IllegalStateException("tshark failed (" + r.exitCode + "): " + r.stderr);
        }
        final List<String[]> rows = new ArrayList<>();
        for (final String line : r.stdout.split("\n"))
        {
            if (!line.isEmpty())
            {
                rows.add(line.split("\\|", -1));
            }
        }
        return rows;
    }

    /** Runs tshark with arbitrary arguments; returns stdout (fails the test on a non-zero exit). */
    public static String tshark(final String... args)
    {
        requireCommand("tshark", "tshark");
        final List<String> cmd = new ArrayList<>();
        cmd.add("tshark");
        cmd.addAll(List.of(args));
        final Result r = run(cmd, null);
        if (r.exitCode != 0)
        {
            throw new IllegalStateException("tshark failed (" + r.exitCode + "): " + r.stderr);
        }
        return r.stdout;
    }

    public record Result(int exitCode, String stdout, String stderr)
    {
    }

    /** Runs a process with a deadline, feeding {@code stdin} if given. */
    public static Result run(final List<String> command, final String stdin)
    {
        try
        {
            final Path err = Files.createTempFile("sluice-tool", ".err");
            try
            {
                final Process p = new ProcessBuilder(command)
                    .redirectError(err.toFile())
                    .start();
                if (stdin != null)
                {
                    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                p.getOutputStream().close();
                final String out = readAll(p.getInputStream());
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out after " + TIMEOUT_SECONDS + "s: " + command);
                }
                return new Result(p.exitValue(), out, Files.readString(err));
            }
            finally
            {
                Files.deleteIfExists(err);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
