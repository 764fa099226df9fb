package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.testkit.ExternalTools;

/** Test helper: class-path resources to files, and clang (the same compiler the build uses for the program). */
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
}
