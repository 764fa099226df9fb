package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.policy.Identities;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests: each {@code compile/policy*.yaml} state (and the README example) compiled for each of its nodes
 * must dump ({@link PolicyTableDump}) exactly as {@code <state>.<node>.dump}. Run with
 * {@code -Dsluice.golden.update=true} to rewrite the expected files after a deliberate change, then review the diff.
 */
class PolicyCompilerGoldenTest
{
    private static final Path DIR = Path.of("src/test/resources/compile");

    static Stream<Path> states() throws Exception
    {
        final List<Path> states = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR))
        {
            files.filter(f -> f.getFileName().toString().matches("policy.*\\.yaml")).sorted().forEach(states::add);
        }
        states.add(Path.of("src/test/resources/examples/three-namespaces.yaml"));
        return states.stream();
    }

    @ParameterizedTest
    @MethodSource("states")
    void everyNodeDumpsAsItsGoldenFile(final Path state) throws Exception
    {
        final ClusterState cluster = new ClusterStateLoader().load(state);
        final String base = state.getFileName().toString().replace(".yaml", "");
        for (final String node : cluster.nodes().keySet())
        {
            final String dump = PolicyTableDump.dump(new PolicyCompiler().compile(cluster, node, 1),
                Identities.of(cluster));
            final Path expected = DIR.resolve(base + "." + node + ".dump");
            if (Boolean.getBoolean("sluice.golden.update"))
            {
                Files.writeString(expected, dump, StandardCharsets.UTF_8);
            }
            assertEquals(Files.readString(expected, StandardCharsets.UTF_8), dump, expected.toString());
        }
    }
}
