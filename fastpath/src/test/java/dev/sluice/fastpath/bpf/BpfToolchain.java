package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.testkit.ExternalTools;

/**
 * Test helper: class-path resources to files, clang (the same compiler the build uses for the program), and C ABI
 * probes (a host program that prints {@code name value} lines for the ABI tests to compare with the Java side).
 */
public final class BpfToolchain
{
    /** Debian keeps asm/types.h here; {@code -target bpf} does not search it by default. */
    public static final String MULTIARCH_INCLUDE = "/usr/include/x86_64-linux-gnu";

    private BpfToolchain()
    {
    }

    /**
     * Copies a class-path resource into a directory.
     *
     * @param resource absolute resource name.
     * @param directory target directory.
     * @return the file written (named after the resource's last path element).
     */
    public static Path extract(final String resource, final Path directory)
    {
        try (InputStream in = BpfToolchain.class.getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource missing from the test class path: " + resource);
            }
            final Path file = directory.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.write(file, in.readAllBytes());
            return file;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs clang and fails the test with its diagnostics when it fails.
     *
     * @param args arguments after {@code clang}.
     */
    public static void clang(final String... args)
    {
        ExternalTools.requireCommand("clang", "clang");
        final List<String> command = new ArrayList<>();
        command.add("clang");
        command.addAll(List.of(args));
        final ExternalTools.Result result = ExternalTools.run(command, null);
        assertEquals(0, result.exitCode(), () -> String.join(" ", command) + "\n" + result.stderr());
    }

    /**
     * Compiles BPF C the way the xdp-redirect-bpf build does.
     *
     * @param source the C file.
     * @param includeDir where its headers are.
     * @return the object file's bytes.
     */
    public static byte[] compileBpf(final Path source, final Path includeDir)
    {
        final Path object = source.resolveSibling(source.getFileName() + ".o");
        clang("-O2", "-g", "-target", "bpf", "-I" + MULTIARCH_INCLUDE, "-I" + includeDir, "-c", source.toString(),
            "-o", object.toString());
        try
        {
            return Files.readAllBytes(object);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles a C ABI probe from the class path with {@code clang -Wall -Werror}, runs it (with
     * {@link ExternalTools#run}'s deadline) and parses its output: one {@code name value} per line, split at the
     * last space so a name may contain spaces (an expression) but a value may not.
     *
     * @param directory scratch directory for the sources, headers and the binary.
     * @param source absolute resource name of the probe's C source.
     * @param headers absolute resource names of headers it includes with quotes; they are extracted beside it and
     *                that directory is passed with {@code -I}.
     * @return each name mapped to the value the probe printed, sorted by name.
     */
    public static Map<String, String> runProbe(final Path directory, final String source, final String... headers)
    {
        for (final String header : headers)
        {
            extract(header, directory);
        }
        final Path file = extract(source, directory);
        final String name = file.getFileName().toString();
        final Path probe = directory.resolve(name.endsWith(".c") ? name.substring(0, name.length() - 2) : name);
        clang("-Wall", "-Werror", "-I" + directory, "-o", probe.toString(), file.toString());
        final ExternalTools.Result result = ExternalTools.run(List.of(probe.toString()), null);
        assertEquals(0, result.exitCode(), () -> probe + " exited with " + result.exitCode() + "\n" + result.stderr());
        final Map<String, String> values = new TreeMap<>();
        for (final String line : result.stdout().split("\n"))
        {
            final int space = line.lastIndexOf(' ');
            if (space <= 0 || space == line.length() - 1)
            {
                throw new IllegalStateException(source + " printed a line that is not 'name value': '" + line + "'");
            }
            final String key = line.substring(0, space);
            final String previous = values.put(key, line.substring(space + 1));
            if (previous != null)
            {
                throw new IllegalStateException(source + " printed " + key + " twice: " + previous + " and " +
                    values.get(key));
            }
        }
        return values;
    }
}
