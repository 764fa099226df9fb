package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.wire.Addresses;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.ServiceTable;
import org.junit.jupiter.api.Test;

/**
 * The service compiler against golden dumps (YAML state in, table dump out), its determinism, and the compiled
 * table's behaviour for every frontend kind.
 */
class ServiceCompilerTest
{
    private static final Path RESOURCES = Path.of("src/test/resources/compile");
    private static final int TCP = IpProtocol.TCP;

    private static ClusterState load(final String name) throws Exception
    {
        return new ClusterStateLoader().load(RESOURCES.resolve(name));
    }

    private static String golden(final String name) throws Exception
    {
        return Files.readString(RESOURCES.resolve(name), StandardCharsets.UTF_8);
    }

    @Test
    void compilesTheGoldenStateForNode1() throws Exception
    {
        final String dump = ServiceTableDump.dump(new ServiceCompiler(251).compile(load("services.yaml"), "node-1"));
        assertEquals(golden("services.node-1.dump.txt"), dump);
    }

    @Test
    void compilesTheGoldenStateForNode2() throws Exception
    {
        final String dump = ServiceTableDump.dump(new ServiceCompiler(251).compile(load("services.yaml"), "node-2"));
        assertEquals(golden("services.node-2.dump.txt"), dump);
    }

    @Test
    void theSameStateCompilesToTheSameTables() throws Exception
    {
        final CompiledServices a = new ServiceCompiler().compile(load("services.yaml"), "node-1");
        final CompiledServices b = new ServiceCompiler().compile(load("services.yaml"), "node-1");
        assertEquals(ServiceTableDump.dump(a), ServiceTableDump.dump(b));
        // Reusing the previous compile's Maglev tables changes nothing (node-2's compile shares some sets).
        final ClusterState state = load("services.yaml");
        final CompiledServices other = new ServiceCompiler().compile(state, "node-2");
        assertEquals(ServiceTableDump.dump(a),
            ServiceTableDump.dump(new ServiceCompiler().compile(state, "node-1", other)));
        final ServiceTable ta = a.table();
        final ServiceTable tb = b.table();
        for (int g = 0; g < ta.groupCount(); g++)
        {
            for (final boolean local : new boolean[] { false, true })
            {
                assertEquals(ta.maglevSize(g, local), tb.maglevSize(g, local));
                for (int s = 0; s < ta.maglevSize(g, local); s++)
                {
                    assertEquals(ta.maglevEntry(g, local, s), tb.maglevEntry(g, local, s));
                }
            }
        }
    }

    @Test
    void eachSetGetsATableSizedForItsBackendCount() throws Exception
    {
        final ServiceTable t = new ServiceCompiler().compile(load("services.yaml"), "node-1").table();
        assertEquals(0, t.maglevSize(), "adaptive");
        int sets = 0;
        for (int g = 0; g < t.groupCount(); g++)
        {
            for (final boolean local : new boolean[] { false, true })
            {
                final int count = local ? t.localCount(g) : t.clusterCount(g);
                assertEquals(count == 0 ? 0 : Maglev.sizeFor(count), t.maglevSize(g, local), "group " + g);
                sets += count == 0 ? 0 : 1;
            }
        }
        assertTrue(sets > 0);
        assertTrue(ServiceTableDump.dump(new ServiceCompiler().compile(load("services.yaml"), "node-1"))
            .contains("  cluster-maglev m=1021 digest="));
    }

    @Test
    void aCompilerGivesTheSameTablesAgainWhenServicesSlicesPodsAndNodeAreUnchanged() throws Exception
    {
        final ClusterState state = load("services.yaml");
        final ServiceCompiler compiler = new ServiceCompiler();
        final CompiledServices first = compiler.compile(state, "node-1");
        // An equal state parsed again (other map instances): reused.
        assertSame(first, compiler.compile(load("services.yaml"), "node-1"));
        // Another node: compiled, and equal to a fresh compile.
        final CompiledServices node2 = compiler.compile(state, "node-2");
        assertNotSame(first, node2);
        assertEquals(ServiceTableDump.dump(new ServiceCompiler().compile(state, "node-2")),
            ServiceTableDump.dump(node2));
    }

    @Test
    void everyFrontendKindLeadsToItsBackends() throws Exception
    {
        final ServiceTable t = new ServiceCompiler().compile(load("services.yaml"), "node-1").table();

        // Dual-stack ClusterIP with per-endpoint named target ports.
        assertEquals(Set.of("198.18.1.1:8080", "198.18.1.3:8080", "198.18.129.1:9090"),
            backends(t, t.lookup(TCP, 0, ip("198.18.100.10")[1], 80), false));
        final long[] v6 = ip("2001:2:0:100::10");
        assertEquals(Set.of("[2001:2:0:1::1]:8080"), backends(t, t.lookup(TCP, v6[0], v6[1], 80), false));

        // NodePort on this node's IPv4 address, externalTrafficPolicy Local; none on its IPv6 address (single stack).
        final int np = t.lookup(TCP, 0, ip("198.19.0.1")[1], 30080);
        assertEquals(ServiceTable.KIND_NODE_PORT, t.kind(np));
        assertEquals(Set.of("198.18.1.1:8080"), backends(t, np, false), "external client: local endpoints");
        assertEquals(Set.of("198.18.1.1:8080", "198.18.129.1:8080"), backends(t, np, true), "local pod: all");
        final long[] node6 = ip("2001:2:0:ff::1");
        assertEquals(ServiceTable.NOT_FOUND, t.lookup(TCP, node6[0], node6[1], 30080));

        // LoadBalancer: ExternalIP, ingress IP and NodePort, ClientIP affinity with its timeout.
        for (final String frontend : new String[] {"198.19.200.1:443", "198.19.201.1:443", "198.19.0.1:30443",
            "198.18.100.12:443"})
        {
            final String[] hp = frontend.split(":");
            final int f = t.lookup(TCP, 0, ip(hp[0])[1], Integer.parseInt(hp[1]));
            assertTrue(f >= 0, frontend);
            assertEquals(ServiceTable.FLAG_AFFINITY, t.flags(f) & ServiceTable.FLAG_AFFINITY);
            assertEquals(600_000_000_000L, t.affinityTimeoutNs(f));
            assertEquals(Set.of("198.18.1.1:8443"), backends(t, f, false), "terminating b is not used");
        }

        // Terminating-only fallback, UDP.
        assertEquals(Set.of("198.18.1.1:5353"),
            backends(t, t.lookup(IpProtocol.UDP, 0, ip("198.18.100.13")[1], 53), false));

        // No endpoints: reject, TCP and SCTP.
        final int empty = t.lookup(TCP, 0, ip("198.18.100.14")[1], 80);
        assertEquals(ServiceTable.FLAG_REJECT, t.flags(empty) & ServiceTable.FLAG_REJECT);
        assertEquals(ServiceTable.NO_BACKEND_REJECT, t.selectBackend(empty, 1, true));
        assertTrue(t.lookup(IpProtocol.SCTP, 0, ip("198.18.100.14")[1], 38412) >= 0);

        // internalTrafficPolicy Local without a local endpoint: drop.
        final int itp = t.lookup(TCP, 0, ip("198.18.100.15")[1], 80);
        assertEquals(ServiceTable.NO_BACKEND_DROP, t.selectBackend(itp, 1, true));

        // Headless and ExternalName services have no frontend; the clashing service lost its frontend.
        assertEquals(ServiceTable.NOT_FOUND, t.lookup(TCP, 0, ip("198.18.100.99")[1], 80));
    }

    @Test
    void aTargetPortNamingNothingOnAPodSkipsThatEndpointWithAWarning() throws Exception
    {
        final CompiledServices c = new ServiceCompiler().compile(load("services.yaml"), "node-1");
        final ServiceTable t = c.table();
        assertEquals(Set.of("198.18.1.1:9100"), backends(t, t.lookup(TCP, 0, ip("198.18.100.16")[1], 9100), false));
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("x/metrics") && w.contains("metrics/TCP/9100") &&
            w.contains("pod x/c")), c.warnings().toString());
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("x/zz-clash") && w.contains("x/web")),
            c.warnings().toString());
    }

    @Test
    void nodeLocalityFollowsTheNodeCompiledFor() throws Exception
    {
        final ClusterState state = load("services.yaml");
        final ServiceTable t2 = new ServiceCompiler().compile(state, "node-2").table();
        final int np = t2.lookup(TCP, 0, ip("198.19.0.2")[1], 30080);
        assertEquals(Set.of("198.18.129.1:8080"), backends(t2, np, false));
        assertEquals(ServiceTable.NOT_FOUND, t2.lookup(TCP, 0, ip("198.19.0.1")[1], 30080),
            "node-1's address is not a node port frontend on node-2");
        final int itp = t2.lookup(TCP, 0, ip("198.18.100.15")[1], 80);
        assertEquals(Set.of("198.18.129.1:9090"), backends(t2, itp, true));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ServiceCompiler().compile(state, "node-9"));
        assertTrue(e.getMessage().contains("node-9"), e.getMessage());
    }

    @Test
    void theExampleClusterCompiles() throws Exception
    {
        final ClusterState state = new ClusterStateLoader().load(Path.of("src/test/resources/examples/three-namespaces.yaml"));
        final CompiledServices c = new ServiceCompiler().compile(state, "node-1");
        final ServiceTable t = c.table();
        final int f = t.lookup(TCP, 0, ip("198.18.100.10")[1], 80);
        assertNotEquals(ServiceTable.NOT_FOUND, f);
        assertEquals(Set.of("198.18.1.1:80"), backends(t, f, false));
    }

    private static long[] ip(final String text)
    {
        return Addresses.parse(text);
    }

    /** Every backend the frontend hands out, over many flows. */
    private static Set<String> backends(final ServiceTable t, final int f, final boolean fromLocalPod)
    {
        assertTrue(f >= 0, "frontend not found");
        final Set<String> seen = new HashSet<>();
        final SplittableRandom r = new SplittableRandom(f);
        for (int k = 0; k < 3000; k++)
        {
            final int b = t.selectBackend(f, r.nextLong(), fromLocalPod);
            assertTrue(b >= 0, "no backend: " + b);
            final String host = Addresses.format(t.backendHi(b), t.backendLo(b));
            seen.add((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + t.backendPort(b));
        }
        return seen;
    }
}
