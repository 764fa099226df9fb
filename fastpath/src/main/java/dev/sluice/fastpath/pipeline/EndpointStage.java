package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_ARP;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;

import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * Says where each packet comes from: the source endpoint from the ingress port, and anti-spoofing. Runs after parse
 * (and decap); resets the packet's {@link PipelineContext} columns. The source security identity (a local pod's,
 * the Geneve option's, or the ipcache's) is needed by policy only, for new flows: the policy stage looks it up
 * there ({@link PacketVector#sourceIdentity} stays as decap left it), so established packets never pay an ipcache
 * lookup.
 * <ul>
 *   <li>Uplink (already decapsulated) and the host port (when configured): no local source. A plain uplink packet
 *       (no tunnel peer: not Geneve, e.g. a NodePort client's) is marked
 *       {@link PipelineContext#STATE_FROM_UNDERLAY}.</li>
 *   <li>A pod's port: the packet (IP or ARP) must carry that pod's own address as source, else
 *       {@link DropReason#SPOOFED_SOURCE}. IPv6 link-local and unspecified sources (neighbour discovery) are let
 *       through for the host path only ({@link PipelineContext#STATE_LINK_LOCAL}).</li>
 *   <li>Any other port: {@link DropReason#UNKNOWN_INGRESS_PORT}.</li>
 * </ul>
 */
public final class EndpointStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_FROM_PODS = 2;
    public static final int COUNTER_COUNT = 3;

    private static final long LINK_LOCAL_MASK = 0xFFC0_0000_0000_0000L;
    private static final long LINK_LOCAL_PREFIX = 0xFE80_0000_0000_0000L;

    private final TablesHolder holder;
    private final PipelineContext ctx;
    private final int uplinkPort;
    private final int hostPort;
    private final Counters drops;
    private final Counters counters = new Counters(COUNTER_COUNT);

    /**
     * @param holder     the tables.
     * @param ctx        the pipeline's context columns.
     * @param uplinkPort the uplink's port id.
     * @param hostPort   the host port id, or -1 when there is none.
     * @param drops      per-reason drop counters.
     */
    public EndpointStage(final TablesHolder holder, final PipelineContext ctx, final int uplinkPort,
        final int hostPort, final Counters drops)
    {
        this.holder = holder;
        this.ctx = ctx;
        this.uplinkPort = uplinkPort;
        this.hostPort = hostPort;
        this.drops = drops;
    }

    @Override
    public String name()
    {
        return "endpoint";
    }

    /** @return this stage's counters ({@code COUNTER_*}). */
    public Counters counters()
    {
        return counters;
    }

    @Override
    public void process(final PacketVector v)
    {
        final PolicySnapshot policy = holder.current().policy();
        final PipelineContext ctx = this.ctx;
        final int size = v.size();
        int dropped = 0;
        int fromPods = 0;
        for (int i = 0; i < size; i++)
        {
            ctx.reset(i);
            if (v.dropReason[i] != 0)
            {
                continue;
            }
            ctx.trail[i] = PipelineContext.TRAIL_ENDPOINT;
            final int port = v.ingressPort[i];
            final long srcHi = v.srcHi[i];
            final long srcLo = v.srcLo[i];
            final int flags = v.flags[i];
            final boolean hasAddress = (flags & (FLAG_IPV4 | FLAG_IPV6 | FLAG_ARP)) != 0;
            if (port == uplinkPort || port == hostPort)
            {
                if (port == uplinkPort && v.ingressPeer[i] == PacketVector.TUNNEL_PEER_NONE)
                {
                    ctx.state[i] |= PipelineContext.STATE_FROM_UNDERLAY;
                }
                // Identity (Geneve option, else the ipcache) is looked up by policy, for new flows only.
                continue;
            }
            final int endpoint = holder.endpointOfPort(port);
            if (endpoint < 0)
            {
                dropped += drop(v, i, DropReason.UNKNOWN_INGRESS_PORT);
                continue;
            }
            ctx.srcEndpoint[i] = endpoint;
            fromPods++;
            if (!hasAddress)
            {
                continue;
            }
            if ((flags & FLAG_IPV6) != 0 && ((srcHi & LINK_LOCAL_MASK) == LINK_LOCAL_PREFIX || (srcHi | srcLo) == 0))
            {
                ctx.state[i] |= PipelineContext.STATE_LINK_LOCAL;
            }
            else if (policy.endpointOf(srcHi, srcLo) != endpoint)
            {
                dropped += drop(v, i, DropReason.SPOOFED_SOURCE);
                continue;
            }
        }
        counters.addRelease(COUNTER_PACKETS, size);
        if (dropped != 0)
        {
            counters.addRelease(COUNTER_DROPPED, dropped);
        }
        if (fromPods != 0)
        {
            counters.addRelease(COUNTER_FROM_PODS, fromPods);
        }
    }

    private int drop(final PacketVector v, final int i, final DropReason reason)
    {
        v.dropReason[i] = reason.code();
        drops.incrementRelease(reason.code());
        return 1;
    }
}
