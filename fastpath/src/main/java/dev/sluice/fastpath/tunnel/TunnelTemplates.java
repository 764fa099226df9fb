package dev.sluice.fastpath.tunnel;

import dev.sluice.geneve.OuterHeaderTemplate;
import dev.sluice.geneve.TunnelPeerTable;

/**
 * An immutable snapshot of everything the encap stage needs: the peer table and, per peer, the precomputed
 * {@link OuterHeaderTemplate} (local MAC and underlay address from the {@link TunnelConfig}, the peer's underlay
 * address from the table, the next-hop MAC from a {@link NextHopResolver}, usually the kernel's neighbour table).
 *
 * <p>Built on the control thread whenever the peers or a next-hop MAC change, and handed to the worker, which swaps
 * it in by reference between vectors ({@link EncapStage#install}); the old snapshot is never mutated, so a vector
 * in flight sees one consistent set. A peer without a resolved next hop, or with no local address of its underlay
 * family, has no template; this node's own entry (same underlay address) has none either.
 */
public final class TunnelTemplates
{
    private final TunnelConfig config;
    private final TunnelPeerTable peers;
    private final OuterHeaderTemplate[] templates;
    private final boolean[] self;
    private final long generation;
    private final int unresolved;

    private TunnelTemplates(
        final TunnelConfig config,
        final TunnelPeerTable peers,
        final OuterHeaderTemplate[] templates,
        final boolean[] self,
        final long generation,
        final int unresolved)
    {
        this.config = config;
        this.peers = peers;
        this.templates = templates;
        this.self = self;
        this.generation = generation;
        this.unresolved = unresolved;
    }

    /**
     * Builds the templates for every peer.
     *
     * @param config     this node's tunnel configuration.
     * @param peers      the peer table.
     * @param nextHops   resolves each peer's next-hop MAC.
     * @param generation a number that increases with every snapshot (reported by the stage, for tests and status).
     * @return the snapshot.
     */
    public static TunnelTemplates build(
        final TunnelConfig config, final TunnelPeerTable peers, final NextHopResolver nextHops, final long generation)
    {
        final int n = peers.size();
        final OuterHeaderTemplate[] templates = new OuterHeaderTemplate[n];
        final boolean[] self = new boolean[n];
        int unresolved = 0;
        for (int p = 0; p < n; p++)
        {
            final boolean ipv6 = peers.ipv6Underlay(p);
            self[p] = ipv6 ?
                config.hasLocalIpv6() && peers.underlayIpv6Hi(p) == config.localIpv6Hi() &&
                    peers.underlayIpv6Lo(p) == config.localIpv6Lo() :
                config.hasLocalIpv4() && peers.underlayIpv4(p) == config.localIpv4();
            if (self[p] || (ipv6 ? !config.hasLocalIpv6() : !config.hasLocalIpv4()))
            {
                continue;
            }
            final long mac = nextHops.nextHopMac(peers, p);
            if (mac == NextHopResolver.UNRESOLVED)
            {
                unresolved++;
                continue;
            }
            final OuterHeaderTemplate.Builder builder = new OuterHeaderTemplate.Builder()
                .localMac(config.localMac())
                .nextHopMac(mac)
                .udpPort(config.udpPort())
                .vni(config.vni())
                .identityOption(config.identityOption());
            if (config.hasLocalIpv4())
            {
                builder.localIpv4(config.localIpv4());
            }
            if (config.hasLocalIpv6())
            {
                builder.localIpv6(config.localIpv6Hi(), config.localIpv6Lo());
            }
            templates[p] = (ipv6 ?
                builder.peerIpv6(peers.underlayIpv6Hi(p), peers.underlayIpv6Lo(p)) :
                builder.peerIpv4(peers.underlayIpv4(p))).build();
        }
        return new TunnelTemplates(config, peers, templates, self, generation, unresolved);
    }

    /** @return the configuration the templates were built from. */
    public TunnelConfig config()
    {
        return config;
    }

    /** @return the peer table the indexes refer to. */
    public TunnelPeerTable peers()
    {
        return peers;
    }

    /**
     * @param peer a peer index.
     * @return its template, or null when it has none (unresolved next hop, no local address of its family, self).
     */
    public OuterHeaderTemplate template(final int peer)
    {
        return templates[peer];
    }

    /** @return number of peers (template slots). */
    public int size()
    {
        return templates.length;
    }

    /** @param peer a peer index. @return true when the peer is this node. */
    public boolean isSelf(final int peer)
    {
        return self[peer];
    }

    /** @return the generation given to {@link #build}. */
    public long generation()
    {
        return generation;
    }

    /** @return number of peers left without a template because their next hop is unresolved. */
    public int unresolvedCount()
    {
        return unresolved;
    }
}
