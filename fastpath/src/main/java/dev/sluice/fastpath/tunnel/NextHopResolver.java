package dev.sluice.fastpath.tunnel;

import dev.sluice.geneve.TunnelPeerTable;

/**
 * Where the underlay frame towards a tunnel peer goes: the MAC of the next hop. Called by
 * {@link TunnelTemplates#build} on the control thread, once per peer per rebuild; never on the packet path.
 */
@FunctionalInterface
public interface NextHopResolver
{
    /** Result meaning "not resolved (yet)": the peer gets no template and its packets are dropped and counted. */
    long UNRESOLVED = -1;

    /**
     * @param peers the peer table.
     * @param peer  a peer index.
     * @return the next-hop MAC in the low 48 bits, or {@link #UNRESOLVED}.
     */
    long nextHopMac(TunnelPeerTable peers, int peer);

    /** The MACs written in the peer table itself (static configuration, tests, offline {@code trace}). */
    NextHopResolver FROM_PEER_TABLE = TunnelPeerTable::nextHopMac;
}
