package dev.sluice.fastpath.pipeline;

import java.util.List;
import java.util.Objects;

import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.service.AffinityTable;
import dev.sluice.fastpath.service.NatRewriter;
import dev.sluice.fastpath.service.RejectBuilder;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.DecapStage;
import dev.sluice.fastpath.tunnel.EncapStage;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.geneve.GeneveDescriptor;
import dev.sluice.geneve.TunnelPeerTable;

/**
 * The one pipeline of a node, used by the worker, by {@code sluice trace} and by the benchmarks:
 * <pre>
 *   decap (uplink only) -&gt; parse -&gt; endpoint -&gt; service -&gt; conntrack -&gt; policy -&gt; forward -&gt; encap
 * </pre>
 * Stages read the {@link NodeTables} from a {@link TablesHolder}; {@link #install} swaps it (and the tunnel
 * stages' peer table and templates) and must be called between vectors only. Per-stage runtime is kept by the
 * {@link Pipeline}, per-reason drops in {@link #drops()}, each stage's own counters on the stage.
 *
 * <p>Cost ({@code dev.sluice.perf.jmh.PipelineBenchmark}: 10k pods, 1k policies, 10k services x 10 backends, 1M
 * conntrack entries, vector 64), measured once on a shared 2-vCPU VM at load 4-5, so upper bounds: established
 * packets best 487 ns, mean 662 ns; new flows best ~1.6-1.7 us, mean 2.2 us; dominated by the conntrack entries'
 * cache and TLB misses (see the README). Nothing is allocated per packet ({@code NodePipelineAllocationTest}).
 *
 * <p>After {@link #process}, a live packet's {@link PacketVector#egressPort} says where it leaves (a pod's port,
 * the uplink, or the host port); a dropped packet has its {@link PacketVector#dropReason}.
 */
public final class NodePipeline
{
    /**
     * Construction parameters.
     *
     * @param uplinkPort       port id of the uplink (Geneve in, encapsulated packets out).
     * @param hostPort         port id towards the host stack, or -1 when there is none (then such packets are
     *                         {@link DropReason#NO_ROUTE_HOST} drops).
     * @param gatewayMac       the MAC pods see as their gateway's (source MAC of frames delivered to pods).
     * @param frameSize        frame slot size of the vector's buffer, a power of two &gt;= 2048 (the UMEM chunk).
     * @param headroom         bytes before each frame's start in its slot (room for the Geneve headers).
     * @param workerId         worker number in verdict events, also varies the outer IPv4 id.
     * @param affinityCapacity ClientIP affinity table slots, a power of two.
     */
    public record Config(int uplinkPort, int hostPort, long gatewayMac, int frameSize, int headroom, int workerId,
        int affinityCapacity)
    {
        /** Validates. */
        public Config
        {
            if (uplinkPort < 0)
            {
                throw new IllegalArgumentException("uplink port must be >= 0: " + uplinkPort);
            }
            if (hostPort < -1 || hostPort == uplinkPort)
            {
                throw new IllegalArgumentException("bad host port: " + hostPort);
            }
            if (frameSize < 2048 || Integer.bitCount(frameSize) != 1)
            {
                throw new IllegalArgumentException("frame size must be a power of two >= 2048: " + frameSize);
            }
            if (headroom < 0 || headroom > frameSize - 1024)
            {
                throw new IllegalArgumentException("headroom out of range: " + headroom);
            }
        }

        /**
         * @param uplinkPort the uplink's port id.
         * @param gatewayMac the gateway MAC.
         * @return a config with no host port, 4 KiB frames with 256 bytes of headroom, worker 0, 64Ki affinity slots.
         */
        public static Config of(final int uplinkPort, final long gatewayMac)
        {
            return new Config(uplinkPort, -1, gatewayMac, 4096, 256, 0, 1 << 16);
        }

        /** @param port the host port id. @return a copy with it. */
        public Config withHostPort(final int port)
        {
            return new Config(uplinkPort, port, gatewayMac, frameSize, headroom, workerId, affinityCapacity);
        }

        /** @param size frame slot size. @param room headroom. @return a copy with them. */
        public Config withFrames(final int size, final int room)
        {
            return new Config(uplinkPort, hostPort, gatewayMac, size, room, workerId, affinityCapacity);
        }
    }

    /** Longest frame the parse stage accepts: a 64 KiB IP packet behind an Ethernet + 802.1Q header. */
    private static final int MAX_PARSE_LENGTH = 65535 + 18;

    private final Config config;
    private final TablesHolder holder;
    private final PipelineContext context;
    private final ConntrackTable conntrack;
    private final AffinityTable affinity;
    private final Counters drops = new Counters(DropReason.MAX_CODES);
    private final DecapStage decap;
    private final ParseStage parse;
    private final EndpointStage endpoint;
    private final ServiceStage service;
    private final ConntrackStage conntrackStage;
    private final PolicyStage policy;
    private final ForwardStage forward;
    private final EncapStage encap;
    private final Pipeline pipeline;
    private final TunnelTemplates noTunnel;

    /**
     * @param initial   the first tables.
     * @param conntrack the worker's conntrack table (owned by the caller, single writer: this pipeline).
     * @param events    the verdict ring, or null for no events.
     * @param config    ports, MACs and frame geometry.
     */
    public NodePipeline(final NodeTables initial, final ConntrackTable conntrack, final VerdictEvents events,
        final Config config)
    {
        this.config = Objects.requireNonNull(config, "config");
        this.conntrack = Objects.requireNonNull(conntrack, "conntrack");
        holder = new TablesHolder(initial);
        context = new PipelineContext(PacketVector.MAX_CAPACITY);
        affinity = new AffinityTable(config.affinityCapacity());
        final int maxFrame = config.frameSize() - config.headroom();
        noTunnel = TunnelTemplates.build(new TunnelConfig.Builder().uplinkPort(config.uplinkPort())
            .localMac(mac(config.gatewayMac())).localIpv4("0.0.0.0").underlayMtu(1500).build(),
            new TunnelPeerTable(List.of()), NextHopResolver.FROM_PEER_TABLE, 0);
        final TunnelTemplates tunnel = initial.tunnel() == null ? noTunnel : initial.tunnel();
        decap = new DecapStage(config.uplinkPort(), tunnel.peers(), GeneveDescriptor.DEFAULT_UDP_PORT, true, true,
            drops);
        parse = new ParseStage(Math.min(maxFrame, MAX_PARSE_LENGTH), drops);
        endpoint = new EndpointStage(holder, context, config.uplinkPort(), config.hostPort(), drops);
        final NatRewriter nat = new NatRewriter(65535);
        service = new ServiceStage(holder, context, conntrack, affinity, nat, new RejectBuilder(maxFrame), drops);
        conntrackStage = new ConntrackStage(context, conntrack, nat, drops);
        policy = new PolicyStage(holder, context, conntrack, events, config.workerId(), drops);
        forward = new ForwardStage(holder, context, config.hostPort(), config.gatewayMac(), drops);
        encap = new EncapStage(tunnel, config.frameSize(), config.workerId() << 12, drops);
        pipeline = new Pipeline(List.of(decap, parse, endpoint, service, conntrackStage, policy, forward, encap));
    }

    private static String mac(final long mac)
    {
        final StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            text.append(String.format("%02x", (mac >>> shift) & 0xFF)).append(shift == 0 ? "" : ":");
        }
        return text.toString();
    }

    /**
     * Swaps in new tables. Worker thread, between vectors only.
     *
     * @param tables the new snapshot (generation not older than the installed one).
     */
    public void install(final NodeTables tables)
    {
        final TunnelTemplates before = holder.current().tunnel();
        holder.install(tables);
        final TunnelTemplates after = tables.tunnel() == null ? noTunnel : tables.tunnel();
        if (after != before)
        {
            if (after.peers() != decap.peers())
            {
                decap.install(after.peers());
            }
            encap.install(after);
        }
    }

    /**
     * Runs every stage over the vector.
     *
     * @param vector the packets (capacity at most {@link PacketVector#MAX_CAPACITY}).
     * @param nowNs  the duty cycle's clock.
     */
    public void process(final PacketVector vector, final long nowNs)
    {
        context.nowNs = nowNs;
        pipeline.process(vector);
    }

    /**
     * Expiry work for the end of a duty cycle (never during a vector).
     *
     * @param nowNs  the clock.
     * @param budget slots to scan in each table.
     * @return entries removed.
     */
    public int expire(final long nowNs, final int budget)
    {
        return conntrack.expire(nowNs, budget) + affinity.expire(nowNs, budget);
    }

    public Config config()
    {
        return config;
    }

    public TablesHolder tables()
    {
        return holder;
    }

    /** @return per-packet results of the last vector beyond the vector's own columns. */
    public PipelineContext context()
    {
        return context;
    }

    public ConntrackTable conntrack()
    {
        return conntrack;
    }

    public AffinityTable affinity()
    {
        return affinity;
    }

    /** @return drop counters indexed by {@link DropReason#code()}. */
    public Counters drops()
    {
        return drops;
    }

    /** @return the stage chain with its runtime accounting. */
    public Pipeline pipeline()
    {
        return pipeline;
    }

    public DecapStage decapStage()
    {
        return decap;
    }

    public ParseStage parseStage()
    {
        return parse;
    }

    public EndpointStage endpointStage()
    {
        return endpoint;
    }

    public ServiceStage serviceStage()
    {
        return service;
    }

    public ConntrackStage conntrackStage()
    {
        return conntrackStage;
    }

    public PolicyStage policyStage()
    {
        return policy;
    }

    public ForwardStage forwardStage()
    {
        return forward;
    }

    public EncapStage encapStage()
    {
        return encap;
    }
}
