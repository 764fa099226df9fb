package dev.sluice.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the machine running the tests offers. Tests that need root, the kernel or an external tool skip with a
 * stated reason when it is missing; under {@code SLUICE_STRICT=1} (set by {@code ./sluice test} when run as root,
 * i.e. in CI) a missing prerequisite fails the test instead, so CI can never go green by skipping.
 */
public final class TestEnvironment
{
    private TestEnvironment()
    {
    }

    public static boolean strict()
    {
        return "1".equals(System.getenv("SLUICE_STRICT"));
    }

    public static boolean isRoot()
    {
        try
        {
            final String status = Files.readString(Path.of("/proc/self/status"));
            for (final String line : status.split("\n"))
            {
                if (line.startsWith("Uid:"))
                {
                    final String[] fields = line.substring(4).trim().split("\\s+");
                    return "0".equals(fields[1]); // effective uid
                }
            }
        }
        catch (final Exception ignore)
        {
            // not Linux or no procfs: not root as far as the tests are concerned
        }
        return false;
    }

    /** Absolute path of {@code command} on the PATH (or the given absolute path), or null. */
    public static Path findExecutable(final String command)
    {
        if (command.startsWith("/"))
        {
            final Path p = Path.of(command);
            return Files.isExecutable(p) ? p : null;
        }
        final String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (final String dir : (path + ":/usr/sbin:/sbin").split(":"))
        {
            if (!dir.isEmpty())
            {
                final Path p = Path.of(dir, command);
                if (Files.isExecutable(p))
                {
                    return p;
                }
            }
        }
        return null;
    }
}
