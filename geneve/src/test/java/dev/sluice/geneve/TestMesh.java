package dev.sluice.geneve;

import dev.sluice.wire.Addresses;
import java.util.List;

/**
 * A small mesh used across the tests: node-a (this node, IPv4 underlay), node-b (IPv4 underlay) and node-c (IPv6
 * underlay), shared with the fast path's tunnel stage tests. Addresses only from 198.18.0.0/15 (pods 198.18.x.x, underlay 198.19.x.x) and 2001:2::/48.
 */
public final class TestMesh
{
    public static final String A_UNDERLAY = "198.19.0.1";
    public static final String B_UNDERLAY = "198.19.0.2";
    public static final String C_UNDERLAY = "2001:2:0:ff::3";
    public static final String A_UNDERLAY_V6 = "2001:2:0:ff::1";
    public static final String LOCAL_MAC = "02:00:00:00:00:0a";
    public static final String B_MAC = "02:00:00:00:00:0b";
    public static final String C_MAC = "02:00:00:00:00:0c";
    public static final int A = 0;
    public static final int B = 1;
    public static final int C = 2;

    public static final List<TunnelPeerTable.Node> NODES = List.of(
        new TunnelPeerTable.Node("node-a", A_UNDERLAY, List.of("198.18.0.0/24", "2001:2:0:a::/64"), LOCAL_MAC),
        new TunnelPeerTable.Node("node-b", B_UNDERLAY, List.of("198.18.1.0/24", "2001:2:0:b::/64"), B_MAC),
        new TunnelPeerTable.Node("node-c", C_UNDERLAY, List.of("198.18.2.0/24", "2001:2:0:c::/64"), C_MAC));

    private TestMesh()
    {
    }

    public static TunnelPeerTable table()
    {
        return new TunnelPeerTable(NODES);
    }

    /**
     * Template for sending from node-a to {@code peer}; node-a has an IPv6 underlay address too, for node-c.
     */
    static OuterHeaderTemplate.Builder templateFromA(final TunnelPeerTable table, final int peer)
    {
        return new OuterHeaderTemplate.Builder()
            .localMac(Addresses.parseMac(LOCAL_MAC))
            .localIpv4(Addresses.parseIpv4(A_UNDERLAY))
            .localIpv6(Addresses.parseIpv6Hi(A_UNDERLAY_V6), Addresses.parseIpv6Lo(A_UNDERLAY_V6))
            .peer(table, peer);
    }

    /**
     * Peer table as seen by a receiver: the sender node-a is known by both its IPv4 and (as a separate entry, the
     * way a dual-stack underlay would list it) its IPv6 underlay address.
     */
    static TunnelPeerTable receiverTable()
    {
        return new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-a", A_UNDERLAY, List.of("198.18.0.0/24", "2001:2:0:a::/64"), LOCAL_MAC),
            new TunnelPeerTable.Node("node-a-v6", A_UNDERLAY_V6, List.of(), LOCAL_MAC),
            new TunnelPeerTable.Node("node-b", B_UNDERLAY, List.of("198.18.1.0/24", "2001:2:0:b::/64"), B_MAC),
            new TunnelPeerTable.Node("node-c", C_UNDERLAY, List.of("198.18.2.0/24", "2001:2:0:c::/64"), C_MAC)));
    }
}
