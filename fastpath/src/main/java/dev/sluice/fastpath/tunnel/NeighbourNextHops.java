package dev.sluice.fastpath.tunnel;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.geneve.TunnelPeerTable;

/**
 * Next hops from the kernel: the route to the peer's underlay address ({@link UnderlayRoutes}, gateway or on-link),
 * then that next hop's MAC in the {@link NeighbourTable} on the route's interface. A peer with no route, or whose
 * next hop has no usable neighbour entry yet, is {@link #UNRESOLVED}: its packets are dropped and counted
 * ({@code TUNNEL_NO_NEXT_HOP}) until the entry appears and the templates are rebuilt.
 *
 * <p>Sluice's own packets leave through AF_XDP, which the kernel's ARP/NDP never sees, so a next hop nobody else
 * talks to stays unresolved: the live agent ({@code dev.sluice.control.agent.NodeDataplane}) then sends one UDP
 * datagram to the peer's discard port through the kernel's stack, which resolves the next hop on the way, and
 * rebuilds the templates once the entry appears in the mirrored {@link NeighbourTable}.
 */
public final class NeighbourNextHops implements NextHopResolver
{
    private final NeighbourTable neighbours;
    private final UnderlayRoutes routes;

    /**
     * @param neighbours the mirrored neighbour table.
     * @param routes     route lookups in the same network namespace.
     */
    public NeighbourNextHops(final NeighbourTable neighbours, final UnderlayRoutes routes)
    {
        this.neighbours = neighbours;
        this.routes = routes;
    }

    @Override
    public long nextHopMac(final TunnelPeerTable peers, final int peer)
    {
        final UnderlayRoutes.Route route = peers.ipv6Underlay(peer) ?
            routes.lookupIpv6(peers.underlayIpv6Hi(peer), peers.underlayIpv6Lo(peer)) :
            routes.lookupIpv4(peers.underlayIpv4(peer));
        if (route == null)
        {
            return UNRESOLVED;
        }
        final long mac = PacketVector.isIpv4Mapped(route.nextHopHi(), route.nextHopLo()) ?
            neighbours.lookupIpv4(route.ifindex(), (int)route.nextHopLo()) :
            neighbours.lookupIpv6(route.ifindex(), route.nextHopHi(), route.nextHopLo());
        return mac == NeighbourTable.UNRESOLVED ? UNRESOLVED : mac;
    }
}
