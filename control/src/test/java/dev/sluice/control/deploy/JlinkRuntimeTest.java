package dev.sluice.control.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testkit.ExternalTools;

/**
 * The image's runtime: the Dockerfile's {@code JLINK_MODULES} is exactly what {@code jdeps --print-module-deps}
 * finds in the agent's classes and runtime dependencies (run here with the JDK running the test, 25), and a
 * runtime jlink'ed with that list runs the CLI: {@code sluice --version}, and an offline agent that loads a state
 * file, serves HTTP and exits once its first snapshot is installed. Costs: jdeps over ~80 jars about 30 s of CPU,
 * jlink about 9 s, the two runs about 2 s (wall time is several times that on a loaded 2-core machine).
 */
class JlinkRuntimeTest
{
    private static final Path DOCKERFILE = Manifests.DEPLOY.resolve("image/Dockerfile");
    /** Test-scoped artifacts of the control module (and of their dependencies): not in the image. */
    private static final List<String> TEST_ONLY = List.of("/org/junit/", "/org/opentest4j/", "/org/apiguardian/",
        "/net/jqwik/", "/com/code-intelligence/", "/test-classes", "-tests.jar");

    @TempDir
    Path dir;

    @Test
    void dockerfileModulesAreWhatJdepsFinds() throws Exception
    {
        final Path jdk = Path.of(System.getProperty("java.home"));
        final List<String> classpath = runtimeClasspath();
        final List<String> jdeps = new ArrayList<>(List.of(jdk.resolve("bin/jdeps").toString(), "--multi-release",
            String.valueOf(Runtime.version().feature()), "--ignore-missing-deps", "--print-module-deps"));
        jdeps.addAll(classpath);
        final ExternalTools.Result found = ExternalTools.run(jdeps, null);
        assertEquals(0, found.exitCode(), found.toString());
        assertEquals(found.stdout().strip(), dockerfileModules(), "JLINK_MODULES in " + DOCKERFILE);
    }

    @Test
    void aRuntimeOfTheDockerfileModulesRunsTheAgent() throws Exception
    {
        final Path jdk = Path.of(System.getProperty("java.home"));
        final List<String> classpath = runtimeClasspath();

        final Path runtime = dir.resolve("jre");
        final ExternalTools.Result jlink = ExternalTools.run(List.of(jdk.resolve("bin/jlink").toString(),
            "--add-modules", dockerfileModules(), "--strip-debug", "--no-header-files", "--no-man-pages",
            "--output", runtime.toString()), null);
        assertEquals(0, jlink.exitCode(), jlink.toString());

        final ExternalTools.Result version = sluice(runtime, classpath, "--version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.stdout().startsWith("sluice "), version.stdout());

        final Path state = Path.of(getClass().getResource("/examples/three-namespaces.yaml").toURI());
        final ExternalTools.Result agent = sluice(runtime, classpath, "agent", "--node", "node-1", "--state",
            state.toString(), "--http-port", "0", "--http-address", "127.0.0.1", "--log-file",
            dir.resolve("policy_action.log").toString(), "--exit-when-ready");
        assertEquals(0, agent.exitCode(), agent.toString());
        assertTrue(agent.stdout().contains("HTTP on port"), agent.stdout());
        assertTrue(agent.stdout().contains("ready: "), agent.stdout());
    }

    private static ExternalTools.Result sluice(final Path runtime, final List<String> classpath,
        final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(runtime.resolve("bin/java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-cp", String.join(File.pathSeparator, classpath), "dev.sluice.control.cli.SluiceCli"));
        command.addAll(List.of(args));
        return ExternalTools.run(command, null);
    }

    /**
     * @return the module list of the Dockerfile's {@code ARG JLINK_MODULES=...}.
     * @throws Exception when it cannot be read.
     */
    static String dockerfileModules() throws Exception
    {
        final Matcher m = Pattern.compile("(?m)^ARG JLINK_MODULES=(\\S+)$").matcher(Files.readString(DOCKERFILE));
        assertTrue(m.find(), "no ARG JLINK_MODULES= line in " + DOCKERFILE);
        return m.group(1);
    }

    /**
     * @return the control module's classes and its runtime dependencies: the test class path without the
     *         test-scoped entries.
     */
    static List<String> runtimeClasspath()
    {
        final String surefire = System.getProperty("surefire.test.class.path");
        final String path = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        final List<String> out = new ArrayList<>();
        for (final String entry : path.split(File.pathSeparator))
        {
            final String normalized = entry.replace(File.separatorChar, '/');
            if (!entry.isBlank() && TEST_ONLY.stream().noneMatch(normalized::contains)
                && !normalized.contains("surefire"))
            {
                out.add(entry);
            }
        }
        assertTrue(out.stream().anyMatch(e -> e.replace(File.separatorChar, '/').endsWith("control/target/classes")),
            "the control module's classes are on the class path: " + out);
        assertFalse(out.stream().anyMatch(e -> e.contains("junit")), out.toString());
        return out;
    }
}
