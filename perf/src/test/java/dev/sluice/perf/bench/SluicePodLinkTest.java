package dev.sluice.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The pieces of the Sluice topologies that need no kernel: reading a pod's link from {@code ip -json} output (as
 * iproute2 6.x prints it), the extra Services' ClusterIPs, option checks.
 */
class SluicePodLinkTest
{
    private static final String LINK = "[{\"ifindex\":2,\"link_index\":7,\"ifname\":\"eth0\",\"flags\":[\"BROADCAST\","
        + "\"MULTICAST\",\"UP\",\"LOWER_UP\"],\"mtu\":1450,\"qdisc\":\"noqueue\",\"operstate\":\"UP\","
        + "\"linkmode\":\"DEFAULT\",\"group\":\"default\",\"link_type\":\"ether\",\"address\":\"de:25:c0:b1:3c:28\","
        + "\"broadcast\":\"ff:ff:ff:ff:ff:ff\",\"link_netnsid\":0}]";

    @Test
    void readsTheInterfaceMacAndThePermanentGatewayNeighbour() throws IOException
    {
        final String neighbours = "[{\"dst\":\"198.18.1.7\",\"lladdr\":\"aa:bb:cc:dd:ee:01\",\"state\":[\"STALE\"]},"
            + "{\"dst\":\"198.18.1.1\",\"lladdr\":\"36:97:1b:e6:e9:bb\",\"state\":[\"PERMANENT\"]}]";
        assertEquals(new SluicePodLink("de:25:c0:b1:3c:28", "36:97:1b:e6:e9:bb"),
            SluicePodLink.parse(LINK, neighbours, "198.18.1.1"));
    }

    @Test
    void aGatewayLearnedByArpIsNotTheOneTheCniPluginInstalled()
    {
        final String neighbours = "[{\"dst\":\"198.18.1.1\",\"lladdr\":\"36:97:1b:e6:e9:bb\",\"state\":[\"REACHABLE\"]}]";
        final IOException ex = assertThrows(IOException.class, () -> SluicePodLink.parse(LINK, neighbours,
            "198.18.1.1"));
        assertTrue(ex.getMessage().contains("198.18.1.1"), ex.getMessage());
        assertThrows(IOException.class, () -> SluicePodLink.parse("[]", "[]", "198.18.1.1"));
        assertThrows(IllegalArgumentException.class, () -> new SluicePodLink("de:25:c0:b1:3c", "36:97:1b:e6:e9:bb"));
    }

    @Test
    void extraClusterIpsAreDistinctAndStayOutOfPodCidrsAndTheTargetAddress()
    {
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < SluiceTopologies.MAX_EXTRA_SERVICES; i++)
        {
            final String ip = SluiceTopologies.extraClusterIp(i);
            assertTrue(seen.add(ip), ip);
            final String[] octets = ip.split("\\.");
            assertEquals("198.18", octets[0] + "." + octets[1], ip);
            final int third = Integer.parseInt(octets[2]);
            final int fourth = Integer.parseInt(octets[3]);
            assertTrue(third >= 200 && third <= 249 && fourth >= 1 && fourth <= 250, ip);
        }
        assertEquals("198.18.200.1", SluiceTopologies.extraClusterIp(0));
        assertEquals("198.18.239.250", SluiceTopologies.extraClusterIp(9999));
        assertTrue(!seen.contains(SluiceTopologies.TARGET_CLUSTER_IP));
        assertThrows(IllegalArgumentException.class, () -> SluiceTopologies.extraClusterIp(-1));
        assertThrows(IllegalArgumentException.class,
            () -> SluiceTopologies.extraClusterIp(SluiceTopologies.MAX_EXTRA_SERVICES));
    }

    @Test
    void optionsRejectServiceCountsWithoutAddressesAndNamesTheValue()
    {
        final SluiceTopologies.Options options = SluiceTopologies.Options.of(Path.of("/tmp"), line -> { });
        final IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> options.withServiceCounts(List.of(0)));
        assertTrue(zero.getMessage().endsWith(": 0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> options.withServiceCounts(List.of(SluiceTopologies.MAX_EXTRA_SERVICES + 2)));
        assertEquals(List.of("--workers", "1", "--cpus", "0", "--conntrack-udp-timeout-s", "1"),
            SluiceTopologies.Placement.SPLIT.agentArguments(1));
        assertEquals(List.of("--workers", "1", "--cpus", "1", "--conntrack-udp-timeout-s", "1"),
            SluiceTopologies.Placement.SPLIT.agentArguments(2));
    }
}
