package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.policy.ConformanceCases;
import dev.sluice.control.policy.IpBlockMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The compiled tables agree with the {@link dev.sluice.control.policy.PolicyEngine} (see {@link Differential}) on
 * every conformance case (shared fixtures, {@link ConformanceCases}), in both ipBlock modes, and on the example
 * state.
 */
class PolicyCompilerDifferentialTest
{
    static final List<ConformanceCases.Case> CASES = ConformanceCases.ALL;

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    void conformanceCaseTablesAgreeWithTheEngineInBothIpBlockModes(final ConformanceCases.Case c) throws Exception
    {
        final ClusterState state = ConformanceCases.load(c.policies());
        for (final IpBlockMode mode : IpBlockMode.values())
        {
            final List<String> problems = Differential.disagreements(state, mode);
            assertTrue(problems.isEmpty(), () -> c.name() + " " + mode + "\n" + String.join("\n", problems));
        }
    }

    @ParameterizedTest
    @EnumSource(IpBlockMode.class)
    void exampleStateTablesAgreeWithTheEngine(final IpBlockMode mode) throws Exception
    {
        final ClusterState state = new ClusterStateLoader().load(
            Path.of("src/test/resources/examples/three-namespaces.yaml"));
        final List<String> problems = Differential.disagreements(state, mode);
        assertTrue(problems.isEmpty(), () -> mode + "\n" + String.join("\n", problems));
    }
}
