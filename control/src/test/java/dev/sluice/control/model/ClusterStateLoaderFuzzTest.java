package dev.sluice.control.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.control.compile.NodeTablesCompiler;
import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the cluster state file: {@link ClusterStateLoader#parse} (YAML documents, fabric8's typed objects,
 * {@link ClusterStateBuilder}'s validation) over arbitrary text, then the compilers over every state it accepts.
 *
 * <p>Invariants: the loader either returns a state or throws {@link ClusterStateException} — never another
 * exception; every error in it names where it is (the source name, a document, or the object as
 * {@code Kind namespace/name} and the field) and is not a leaked exception text (no {@code Cannot invoke},
 * {@code NullPointerException}, {@code java.lang.}); a state it accepts compiles without exception: the policy for the
 * whole cluster, and the node tables (policy, services, tunnel) of (up to three of) its nodes. Seeds
 * ({@code ClusterStateLoaderFuzzTestInputs/loadAndCompile/}) are the state files of the examples, compiler golden
 * tests, conformance suite and kubectl tests, and a few refused documents.
 */
@Tag("fuzz")
class ClusterStateLoaderFuzzTest
{
    private static final String SOURCE = "fuzz.yaml";
    private static final Pattern OBJECT_ERROR = Pattern.compile("[A-Z][A-Za-z]* \\S+: \\S.*: .+");
    private static final List<String> LEAKS = List.of("Cannot invoke", "NullPointerException", "java.lang.",
        "IndexOutOfBounds", "ClassCastException");
    private static final TunnelConfig TUNNEL = new TunnelConfig.Builder().uplinkPort(0)
        .localMac("02:00:c6:13:00:01").localIpv4("198.19.0.1").underlayMtu(1500).build();

    @FuzzTest(maxDuration = "2m")
    void loadAndCompile(final byte[] data)
    {
        final String yaml = new String(data, StandardCharsets.UTF_8);
        final ClusterState state;
        try
        {
            state = new ClusterStateLoader().parse(yaml, SOURCE);
        }
        catch (final ClusterStateException ex)
        {
            assertFalse(ex.errors().isEmpty(), "an exception without errors");
            for (final String error : ex.errors())
            {
                assertNotNull(error);
                assertTrue(error.startsWith(SOURCE) || OBJECT_ERROR.matcher(error).matches(),
                    "an error that names neither the source nor the object and field: " + error);
                for (final String leak : LEAKS)
                {
                    if (error.contains(leak))
                    {
                        fail("an exception's text leaked into the error: " + error);
                    }
                }
            }
            return;
        }
        assertNotNull(state);
        new PolicyCompiler().compile(state, null, 1);
        state.nodes().keySet().stream().limit(3).forEach(node ->
        {
            final NodeTables tables = NodeTablesCompiler.compile(state, node, 1,
                NodeTablesCompiler.EndpointPorts.sequential(2), TUNNEL, null);
            assertNotNull(tables);
        });
    }
}
