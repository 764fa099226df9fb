package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.sluice.testkit.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniInstallTest
{
    @TempDir
    Path bin;

    @Test
    void writesAnExecutableLauncherWhoseCacheTheJvmAccepts() throws Exception
    {
        final Path launcher = CniInstall.install(bin);
        assertEquals(bin.resolve("sluice-cni").toAbsolutePath(), launcher);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(launcher)));
        final String script = Files.readString(launcher);
        assertTrue(script.startsWith("#!/bin/sh\n"), script);
        assertTrue(script.contains("'" + Path.of(System.getProperty("java.home"), "bin", "java") + "'"), script);
        assertTrue(script.contains("-XX:AOTCache='" + bin.toAbsolutePath() + "/sluice-cni.d/sluice-cni.aot'"), script);
        assertTrue(script.contains(" " + CniInstall.MAIN_CLASS + " \"$@\""), script);
        try (var jars = Files.list(bin.resolve("sluice-cni.d/lib")))
        {
            final List<String> names = jars.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("jackson-databind")), names::toString);
            assertTrue(names.stream().noneMatch(n -> n.startsWith("picocli") || n.startsWith("kubernetes")),
                "a plugin run loads no CLI or Kubernetes classes: " + names);
        }

        // -XX:AOTMode=on makes the JVM fail instead of silently starting without a cache it cannot use.
        final Path strict = bin.resolve("strict");
        Files.writeString(strict, script.replace(" -Xint ", " -XX:AOTMode=on -Xint "));
        Files.setPosixFilePermissions(strict, PosixFilePermissions.fromString("rwx------"));
        final ExternalTools.Result version = ExternalTools.run(List.of("env", "CNI_COMMAND=VERSION", strict.toString()),
            "{\"cniVersion\":\"1.0.0\"}");
        assertEquals(0, version.exitCode(), version::stderr);
        assertEquals("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"1.0.0\"]}", version.stdout().trim());
    }

    @Test
    void installingAgainKeepsTheCacheAndAMissingCacheIsRebuilt() throws Exception
    {
        CniInstall.install(bin);
        final Path cache = bin.resolve(CniInstall.SUPPORT_DIR).resolve(CniInstall.CACHE);
        final FileTime first = Files.getLastModifiedTime(cache);
        CniInstall.install(bin);
        assertEquals(first, Files.getLastModifiedTime(cache), "nothing changed, so no new training run");
        Files.delete(cache);
        CniInstall.install(bin);
        assertTrue(Files.size(cache) > 0);
    }
}
