package dev.sluice.control.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import dev.sluice.control.endpoint.EndpointClient;
import dev.sluice.fastpath.sys.Errno;

/**
 * Installs the {@code sluice-cni} plugin into a CNI bin directory:
 * <pre>
 *   DIR/sluice-cni                    a /bin/sh launcher: exec JAVA [start-up flags] -cp ... CniMain
 *   DIR/sluice-cni.d/lib/*.jar        only what a plugin run loads: control (this package and the endpoint
 *                                     protocol), fastpath (libc and netlink bindings), Jackson
 *   DIR/sluice-cni.d/sluice-cni.aot   the AOT cache (JDK 25, JEP 483/514: classes loaded and linked, from a
 *                                     training run of {@link CniTraining}) that makes a plugin start fast
 * </pre>
 * The JDK is the one running this method ({@code java.home}). Jars are rewritten only when their bytes change and
 * the cache only when a jar or the JDK changed, so installing again is cheap and a running plugin never sees a
 * half-written file (everything is written beside and moved into place). A cache that does not match (another JDK,
 * changed jars) is ignored by the JVM, never fatal: the plugin then starts without it.
 */
public final class CniInstall
{
    /** The plugin's file name (the {@code type} of its network configuration). */
    public static final String BINARY = "sluice-cni";
    /** The directory beside the launcher that holds the jars and the cache. */
    public static final String SUPPORT_DIR = "sluice-cni.d";
    /** The cache's file name inside {@link #SUPPORT_DIR}. */
    public static final String CACHE = "sluice-cni.aot";
    /** The main class the launcher runs. */
    public static final String MAIN_CLASS = "dev.sluice.control.cni.CniMain";

    /**
     * JVM options of every plugin run: the interpreter only (a run lasts a fraction of a second; measured by
     * {@code CniAddLatencyKernelTest}, compiling even with C1 alone costs more CPU than it saves), the serial
     * collector, no perf-data file, JVM logging to stderr only (stdout carries the CNI result).
     */
    public static final List<String> JVM_OPTIONS = List.of(
        "-Xint",
        "-XX:+UseSerialGC",
        "-XX:-UsePerfData",
        "-Xlog:disable",
        "-Xlog:all=warning:stderr",
        "--enable-native-access=ALL-UNNAMED");

    private static final Class<?>[] ANCHORS = {
        CniMain.class, EndpointClient.class, Errno.class, tools.jackson.databind.ObjectMapper.class,
        tools.jackson.core.JsonParser.class, com.fasterxml.jackson.annotation.JsonProperty.class };
    private static final long TRAINING_TIMEOUT_SECONDS = 120;

    private CniInstall()
    {
    }

    /**
     * Installs the plugin into {@code binDir} with the running JDK.
     *
     * @param binDir the CNI bin directory (created if missing).
     * @return the launcher's path.
     * @throws IOException when a file cannot be written or the training run fails.
     */
    public static Path install(final Path binDir) throws IOException
    {
        return install(binDir, Path.of(System.getProperty("java.home")));
    }

    /**
     * @param binDir   the CNI bin directory (created if missing).
     * @param javaHome the JDK (25 or later) the plugin runs on.
     * @return the launcher's path.
     * @throws IOException when a file cannot be written or the training run fails.
     */
    public static Path install(final Path binDir, final Path javaHome) throws IOException
    {
        final Path bin = binDir.toAbsolutePath();
        final Path java = javaHome.resolve("bin").resolve("java");
        if (!Files.isExecutable(java))
        {
            throw new IOException("no java at " + java);
        }
        final Path support = bin.resolve(SUPPORT_DIR);
        final Path lib = support.resolve("lib");
        Files.createDirectories(lib);
        boolean changed = false;
        final List<Path> classpath = new ArrayList<>();
        for (final Map.Entry<String, byte[]> jar : jars().entrySet())
        {
            final Path target = lib.resolve(jar.getKey());
            classpath.add(target);
            if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), jar.getValue()))
            {
                writeAtomically(target, jar.getValue());
                changed = true;
            }
        }
        try (Stream<Path> existing = Files.list(lib))
        {
            for (final Path stale : existing.filter(p -> !classpath.contains(p)).toList())
            {
                Files.delete(stale);
                changed = true;
            }
        }
        final String cp = String.join(":", classpath.stream().map(Path::toString).toList());
        final Path cache = support.resolve(CACHE);
        final Path stamp = support.resolve("install.stamp");
        final String stampText = java + "\n" + Runtime.version() + "\n" + cp + "\n" + JVM_OPTIONS + "\n";
        if (changed || !Files.isRegularFile(cache) || !Files.isRegularFile(stamp) ||
            !stampText.equals(Files.readString(stamp)))
        {
            train(java, cp, cache);
            writeAtomically(stamp, stampText.getBytes(StandardCharsets.UTF_8));
        }
        final Path launcher = bin.resolve(BINARY);
        writeAtomically(launcher, launcher(java, cp, cache).getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    /**
     * @param java      the java executable.
     * @param classpath the class path.
     * @param cache     the AOT cache.
     * @return the launcher script's text.
     */
    static String launcher(final Path java, final String classpath, final Path cache)
    {
        final StringBuilder script = new StringBuilder();
        script.append("#!/bin/sh\n");
        script.append("# sluice-cni: the Sluice CNI plugin (CNI spec 1.0.0). Written by `sluice cni install`;\n");
        script.append("# installing again rewrites it.\n");
        script.append("exec ").append(quote(java.toString()));
        script.append(" -XX:AOTCache=").append(quote(cache.toString()));
        for (final String option : JVM_OPTIONS)
        {
            script.append(' ').append(option);
        }
        script.append(" -cp ").append(quote(classpath)).append(' ').append(MAIN_CLASS).append(" \"$@\"\n");
        return script.toString();
    }

    private static void train(final Path java, final String classpath, final Path cache) throws IOException
    {
        final Path partial = cache.resolveSibling(cache.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        final List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-XX:AOTCacheOutput=" + partial);
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", classpath, MAIN_CLASS, "--train"));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("CNI_"));
        final Process process = builder.start();
        final byte[] output;
        try (InputStream in = process.getInputStream())
        {
            output = in.readAllBytes();
        }
        try
        {
            if (!process.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException("the sluice-cni training run did not finish in " + TRAINING_TIMEOUT_SECONDS +
                    " s: " + command);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during the sluice-cni training run", ex);
        }
        final String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0 || !text.contains("supportedVersions") || !Files.isRegularFile(partial))
        {
            throw new IOException("the sluice-cni training run failed (exit " + process.exitValue() + "): " +
                command + "\n" + text);
        }
        Files.move(partial, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return jar file name to bytes, in class path order. */
    private static Map<String, byte[]> jars() throws IOException
    {
        final Map<String, byte[]> jars = new LinkedHashMap<>();
        for (final Class<?> anchor : ANCHORS)
        {
            final Path source;
            try
            {
                source = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            }
            catch (final URISyntaxException | NullPointerException ex)
            {
                throw new IOException("cannot find where " + anchor.getName() + " was loaded from", ex);
            }
            if (Files.isDirectory(source))
            {
                jars.putIfAbsent(directoryJarName(source), jarOf(source));
            }
            else
            {
                jars.putIfAbsent(source.getFileName().toString(), Files.readAllBytes(source));
            }
        }
        return jars;
    }

    /** {@code .../control/target/classes} becomes {@code control-classes.jar}. */
    private static String directoryJarName(final Path directory)
    {
        final Path parent = directory.getParent();
        final Path module = parent == null ? null : parent.getParent();
        return (module != null && module.getFileName() != null ? module.getFileName() + "-" : "") +
            directory.getFileName() + ".jar";
    }

    /** A jar of a class directory with fixed entry times, so the same classes give the same bytes. */
    private static byte[] jarOf(final Path directory) throws IOException
    {
        final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(1 << 20);
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(directory))
        {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (JarOutputStream jar = new JarOutputStream(buffer))
        {
            for (final Path file : files)
            {
                final JarEntry entry = new JarEntry(directory.relativize(file).toString().replace('\\', '/'));
                entry.setLastModifiedTime(FileTime.fromMillis(0));
                jar.putNextEntry(entry);
                Files.copy(file, jar);
                jar.closeEntry();
            }
        }
        return buffer.toByteArray();
    }

    private static void writeAtomically(final Path target, final byte[] bytes) throws IOException
    {
        final Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (OutputStream out = Files.newOutputStream(partial))
        {
            out.write(bytes);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String quote(final String text)
    {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
