package dev.sluice.fastpath.xsk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sockets and BPF objects this process holds open, by their {@code /proc/self/fd} link targets
 * ({@code socket:[inode]}, {@code anon_inode:bpf-prog}, ...). Leak checks compare these rather than the raw fd count,
 * which other JVM activity (class loading, a jar closed by another thread) changes at any moment.
 */
final class OpenKernelObjects
{
    private OpenKernelObjects()
    {
    }

    /** fd number + link target of every open socket and BPF object. */
    static Set<String> snapshot() throws IOException
    {
        final Set<String> objects = new TreeSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd")))
        {
            for (final Path fd : (Iterable<Path>)fds::iterator)
            {
                try
                {
                    final String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:") || target.startsWith("anon_inode:bpf") ||
                        target.startsWith("anon_inode:[bpf") || target.contains("xdp"))
                    {
                        objects.add(fd.getFileName() + " -> " + target);
                    }
                }
                catch (final IOException gone)
                {
                    // closed between list and readlink: not open any more
                }
            }
        }
        return objects;
    }

    /** The objects in {@code after} that were not open {@code before}: what leaked. */
    static Set<String> leaked(final Set<String> before, final Set<String> after)
    {
        final Set<String> leaked = new TreeSet<>(after);
        leaked.removeAll(before);
        return leaked;
    }
}
