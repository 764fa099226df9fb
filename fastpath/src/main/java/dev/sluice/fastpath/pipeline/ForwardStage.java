package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.geneve.TunnelPeerTable;
import org.agrona.MutableDirectBuffer;

/**
 * Decides where each surviving packet leaves (after NAT, so by its final destination):
 * <ol>
 *   <li>a local pod: {@link PacketVector#egressPort} = the pod's port, and the Ethernet header is rewritten to
 *       destination = the pod's MAC, source = the node's gateway MAC (the pod's default gateway answers with it);
 *       a pod whose veth is not bound yet: {@link DropReason#ENDPOINT_NO_PORT};</li>
 *   <li>an address in another node's pod CIDR: {@link PacketVector#tunnelPeer} = that node, for the encap stage
 *       (which sets the egress port and the outer headers), with the source identity filled for its Geneve option
 *       (from the ipcache when no earlier stage set it). A packet that came in through the tunnel is never
 *       sent back into it (except a reject answering it);</li>
 *   <li>anything else (the host, the outside world, ARP, neighbour discovery): the host port when one is
 *       configured. Handing frames to the host stack is not built (no host port on the live worker yet), so
 *       without one those packets are dropped and counted as {@link DropReason#NO_ROUTE_HOST}.</li>
 * </ol>
 * The IP TTL / hop limit is not decremented: pod to pod is one L3 hop that, like Cilium's, is not visible.
 */
public final class ForwardStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_LOCAL = 2;
    public static final int COUNTER_TUNNEL = 3;
    public static final int COUNTER_HOST = 4;
    public static final int COUNTER_COUNT = 5;

    private final TablesHolder holder;
    private final PipelineContext ctx;
    private final int hostPort;
    private final long gatewayMac;
    private final Counters drops;
    private final Counters counters = new Counters(COUNTER_COUNT);

    /**
     * @param holder     the tables.
     * @param ctx        the pipeline's context columns.
     * @param hostPort   the host port id, or -1 when there is none.
     * @param gatewayMac the MAC the node's gateway answers pods with (low 48 bits).
     * @param drops      per-reason drop counters.
     */
    public ForwardStage(final TablesHolder holder, final PipelineContext ctx, final int hostPort,
        final long gatewayMac, final Counters drops)
    {
        if ((gatewayMac >>> 48) != 0)
        {
            throw new IllegalArgumentException("gateway MAC wider than 48 bits: " + Long.toHexString(gatewayMac));
        }
        this.holder = holder;
        this.ctx = ctx;
        this.hostPort = hostPort;
        this.gatewayMac = gatewayMac;
        this.drops = drops;
    }

    @Override
    public String name()
    {
        return "forward";
    }

    /** @return this stage's counters ({@code COUNTER_*}). */
    public Counters counters()
    {
        return counters;
    }

    @Override
    public void process(final PacketVector v)
    {
        final NodeTables tables = holder.current();
        final PolicySnapshot policy = tables.policy();
        final LocalEndpoints endpoints = tables.endpoints();
        final TunnelTemplates tunnel = tables.tunnel();
        final TunnelPeerTable peers = tunnel == null ? null : tunnel.peers();
        final MutableDirectBuffer buffer = v.buffer();
        final PipelineContext ctx = this.ctx;
        final int size = v.size();
        int dropped = 0;
        int local = 0;
        int tunnelled = 0;
        int host = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                continue;
            }
            ctx.trail[i] |= PipelineContext.TRAIL_FORWARD;
            final int flags = v.flags[i];
            final int state = ctx.state[i];
            if ((flags & (FLAG_IPV4 | FLAG_IPV6)) != 0 && (state & PipelineContext.STATE_LINK_LOCAL) == 0)
            {
                final long dstHi = v.dstHi[i];
                final long dstLo = v.dstLo[i];
                final int endpoint = (ctx.trail[i] & PipelineContext.TRAIL_POLICY) != 0 ?
                    ctx.dstEndpoint[i] : policy.endpointOf(dstHi, dstLo);
                ctx.dstEndpoint[i] = endpoint;
                if (endpoint >= 0)
                {
                    final int port = endpoints.port(endpoint);
                    if (port == LocalEndpoints.NO_PORT)
                    {
                        dropped += drop(v, i, DropReason.ENDPOINT_NO_PORT);
                        continue;
                    }
                    v.egressPort[i] = port;
                    final int at = v.offset[i];
                    writeMac(buffer, at, endpoints.mac(endpoint));
                    writeMac(buffer, at + 6, gatewayMac);
                    local++;
                    continue;
                }
                if (peers != null && (v.ingressPeer[i] < 0 || (state & PipelineContext.STATE_REJECTED) != 0))
                {
                    final int peer = (flags & FLAG_IPV4) != 0 ?
                        peers.peerForIpv4((int)dstLo) : peers.peerForIpv6(dstHi, dstLo);
                    if (peer >= 0 && !tunnel.isSelf(peer))
                    {
                        if (v.sourceIdentity[i] == PacketVector.IDENTITY_UNKNOWN)
                        {
                            // For the Geneve identity option (policy looked it up already for new flows).
                            v.sourceIdentity[i] = policy.identityOf(v.srcHi[i], v.srcLo[i]);
                        }
                        v.tunnelPeer[i] = peer;
                        tunnelled++;
                        continue;
                    }
                }
            }
            if (hostPort >= 0)
            {
                v.egressPort[i] = hostPort;
                host++;
            }
            else
            {
                dropped += drop(v, i, DropReason.NO_ROUTE_HOST);
            }
        }
        counters.addRelease(COUNTER_PACKETS, size);
        if ((dropped | tunnelled | host) != 0)
        {
            counters.addRelease(COUNTER_DROPPED, dropped);
            counters.addRelease(COUNTER_TUNNEL, tunnelled);
            counters.addRelease(COUNTER_HOST, host);
        }
        counters.addRelease(COUNTER_LOCAL, local);
    }

    private static void writeMac(final MutableDirectBuffer buffer, final int at, final long mac)
    {
        buffer.putShort(at, (short)(mac >>> 32), BIG_ENDIAN);
        buffer.putInt(at + 2, (int)mac, BIG_ENDIAN);
    }

    private int drop(final PacketVector v, final int i, final DropReason reason)
    {
        v.dropReason[i] = reason.code();
        drops.incrementRelease(reason.code());
        return 1;
    }
}
