package dev.sluice.geneve;

import dev.sluice.wire.Addresses;
import static dev.sluice.geneve.TunnelPeerTable.NO_PEER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelPeerTableTest
{
    private static int v4(final String text)
    {
        return Addresses.parseIpv4(text);
    }

    private static int v6(final TunnelPeerTable table, final String text)
    {
        return table.peerForIpv6(Addresses.parseIpv6Hi(text), Addresses.parseIpv6Lo(text));
    }

    private static TunnelPeerTable.Node node(final String name, final String ip, final String... cidrs)
    {
        return new TunnelPeerTable.Node(name, ip, List.of(cidrs), "02:00:00:00:00:01");
    }

    @Test
    void podAddressesMapToTheNodeOwningTheirCidr()
    {
        final TunnelPeerTable table = TestMesh.table();
        assertEquals(TestMesh.A, table.peerForIpv4(v4("198.18.0.7")));
        assertEquals(TestMesh.B, table.peerForIpv4(v4("198.18.1.0")));
        assertEquals(TestMesh.B, table.peerForIpv4(v4("198.18.1.255")));
        assertEquals(TestMesh.C, table.peerForIpv4(v4("198.18.2.9")));
        assertEquals(NO_PEER, table.peerForIpv4(v4("198.18.3.1")));
        assertEquals(NO_PEER, table.peerForIpv4(v4("198.19.0.2")));
        assertEquals(TestMesh.B, v6(table, "2001:2:0:b::1"));
        assertEquals(TestMesh.C, v6(table, "2001:2:0:c:ffff:ffff:ffff:ffff"));
        assertEquals(NO_PEER, v6(table, "2001:2:0:d::1"));
    }

    @Test
    void lookupProbesEveryPrefixLengthLongestFirst()
    {
        final TunnelPeerTable table = new TunnelPeerTable(List.of(
            node("n0", "198.19.0.1", "198.18.0.0/16"),
            node("n1", "198.19.0.2", "198.19.128.0/17", "2001:2:1::/48"),
            node("n2", "198.19.0.3", "198.19.64.0/18",
                "2001:2:0:1::/64", "2001:2:0:1:8000::/65")));
        assertEquals(0, table.peerForIpv4(v4("198.18.200.1")));
        assertEquals(1, table.peerForIpv4(v4("198.19.200.1")));
        assertEquals(2, table.peerForIpv4(v4("198.19.100.1")));
        assertEquals(NO_PEER, table.peerForIpv4(v4("198.19.1.1")));
        assertEquals(2, v6(table, "2001:2:0:1:8000::1"));
        assertEquals(2, v6(table, "2001:2:0:1::1"));
        assertEquals(1, v6(table, "2001:2:1:2::1"));
        assertEquals(NO_PEER, v6(table, "2001:2:0:2::1"));
        assertEquals(NO_PEER, v6(table, "2001:3::1"));
    }

    @Test
    void underlayAddressesIdentifyPeers()
    {
        final TunnelPeerTable table = TestMesh.table();
        assertEquals(TestMesh.B, table.peerByUnderlayIpv4(v4(TestMesh.B_UNDERLAY)));
        assertEquals(NO_PEER, table.peerByUnderlayIpv4(v4("198.19.0.99")));
        assertEquals(TestMesh.C, table.peerByUnderlayIpv6(Addresses.parseIpv6Hi(TestMesh.C_UNDERLAY),
            Addresses.parseIpv6Lo(TestMesh.C_UNDERLAY)));
        assertEquals(NO_PEER, table.peerByUnderlayIpv6(Addresses.parseIpv6Hi("2001:2::9"),
            Addresses.parseIpv6Lo("2001:2::9")));
        assertTrue(table.ipv6Underlay(TestMesh.C));
        assertEquals("node-c", table.nodeName(TestMesh.C));
        assertEquals(0x0200_0000_000BL, table.nextHopMac(TestMesh.B));
    }

    @Test
    void aThousandNodesLookUpCorrectly()
    {
        final List<TunnelPeerTable.Node> nodes = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            nodes.add(node("n" + i, "198.19." + (i >> 8) + "." + (i & 0xFF),
                "198.18." + (i >> 2) + "." + ((i & 3) << 6) + "/26",
                String.format("2001:2:0:%x::/64", i)));
        }
        final TunnelPeerTable table = new TunnelPeerTable(nodes);
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(i, table.peerForIpv4(v4("198.18." + (i >> 2) + "." + (((i & 3) << 6) + 5))));
            assertEquals(i, v6(table, String.format("2001:2:0:%x::77", i)));
            assertEquals(i, table.peerByUnderlayIpv4(v4("198.19." + (i >> 8) + "." + (i & 0xFF))));
        }
    }

    @Test
    void constructionErrorsNameTheOffendingValue()
    {
        assertMessage("198.18.0.0/33", () -> new TunnelPeerTable(List.of(node("n", "198.19.0.1", "198.18.0.0/33"))));
        assertMessage("198.18.0.1/24", () -> new TunnelPeerTable(List.of(node("n", "198.19.0.1", "198.18.0.1/24"))));
        assertMessage("198.18.0/24", () -> new TunnelPeerTable(List.of(node("n", "198.19.0.1", "198.18.0/24"))));
        assertMessage("2001:2::1/64", () -> new TunnelPeerTable(List.of(node("n", "198.19.0.1", "2001:2::1/64"))));
        assertMessage("nonsense", () -> new TunnelPeerTable(List.of(node("n", "nonsense", "198.18.0.0/24"))));
        assertMessage("198.18.1.0/24", () -> new TunnelPeerTable(List.of(
            node("n1", "198.19.0.1", "198.18.0.0/16"), node("n2", "198.19.0.2", "198.18.1.0/24"))));
        assertMessage("2001:2:0:1::/64", () -> new TunnelPeerTable(List.of(
            node("n1", "198.19.0.1", "2001:2::/48"), node("n2", "198.19.0.2", "2001:2:0:1::/64"))));
        assertMessage("198.19.0.1", () -> new TunnelPeerTable(List.of(
            node("n1", "198.19.0.1", "198.18.0.0/24"), node("n2", "198.19.0.1", "198.18.1.0/24"))));
        assertMessage("n1", () -> new TunnelPeerTable(List.of(
            node("n1", "198.19.0.1"), node("n1", "198.19.0.2"))));
        assertMessage("02:00:zz:00:00:01", () -> new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("n", "198.19.0.1", List.of(), "02:00:zz:00:00:01"))));
    }

    private static void assertMessage(final String offending, final Runnable construction)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().contains(offending), e.getMessage() + " should name " + offending);
    }
}
