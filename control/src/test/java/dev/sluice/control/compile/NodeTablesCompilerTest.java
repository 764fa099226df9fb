package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.wire.Addresses;
import org.junit.jupiter.api.Test;

/**
 * The example state compiled into node-1's tables: its three pods as endpoints with the ports and MACs the caller
 * assigns, the service frontend, both nodes as tunnel peers (node-1 itself without a template), deterministic.
 */
class NodeTablesCompilerTest
{
    private static final Path EXAMPLE = Path.of("src/test/resources/examples/three-namespaces.yaml");

    private static NodeTables compile(final ClusterState state, final long generation)
    {
        final TunnelConfig tunnel = new TunnelConfig.Builder().uplinkPort(0).localMac("02:00:c6:13:00:01")
            .localIpv4("198.19.0.1").underlayMtu(1500).build();
        return NodeTablesCompiler.compile(state, "node-1", generation, NodeTablesCompiler.EndpointPorts.sequential(2),
            tunnel, null);
    }

    @Test
    void compilesNodeOneOfTheExample() throws Exception
    {
        final ClusterState state = new ClusterStateLoader().load(EXAMPLE);
        final NodeTables tables = compile(state, 7);
        assertEquals(7, tables.generation());
        final List<String> names = new ArrayList<>();
        for (int e = 0; e < tables.policy().endpointCount(); e++)
        {
            names.add(tables.policy().endpointName(e));
            assertEquals(2 + e, tables.endpoints().port(e));
            assertEquals(0x0200_0000_0000L | (e + 1), tables.endpoints().mac(e));
        }
        assertEquals(List.of("x/a", "y/a", "z/a"), names.stream().sorted().toList());
        final int xa = tables.policy().endpointOf(0, PacketVector.ipv4Mapped(Addresses.parseIpv4("198.18.1.1")));
        assertEquals("x/a", tables.policy().endpointName(xa));

        assertTrue(tables.services().lookup(IpProtocol.TCP, 0,
            PacketVector.ipv4Mapped(Addresses.parseIpv4("198.18.100.10")), 80) != ServiceTable.NOT_FOUND);

        assertEquals(2, tables.tunnel().size());
        assertEquals("node-1", tables.tunnel().peers().nodeName(0));
        assertTrue(tables.tunnel().isSelf(0));
        assertNull(tables.tunnel().template(0));
        assertEquals(1, tables.tunnel().peers().peerForIpv4(Addresses.parseIpv4("198.18.130.2")));
        assertTrue(tables.tunnel().template(1) != null, "node-2 has an outer header template");

        final NodeTables again = compile(state, 7);
        for (int e = 0; e < tables.policy().endpointCount(); e++)
        {
            assertEquals(tables.policy().endpointName(e), again.policy().endpointName(e), "deterministic");
        }
        assertNull(NodeTablesCompiler.compile(state, "node-2", 1, NodeTablesCompiler.EndpointPorts.sequential(2))
            .tunnel(), "no tunnel asked for");
    }

    @Test
    void unknownNodeIsAnError() throws Exception
    {
        final ClusterState state = new ClusterStateLoader().load(EXAMPLE);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeTablesCompiler.compile(state, "node-7", 1, NodeTablesCompiler.EndpointPorts.sequential(2)));
        assertTrue(e.getMessage().contains("node-7"), e.getMessage());
    }
}
