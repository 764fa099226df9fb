package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_FIRST_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_ICMP_ECHO;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_PORTS;

import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.service.AffinityTable;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.NatRewriter;
import dev.sluice.fastpath.service.RejectBuilder;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * Service load balancing, before conntrack (so the flow's entry is created with the backend and can hold the
 * reverse-NAT information, as in Cilium). For each packet with ports addressed to a frontend:
 * <ol>
 *   <li>The <b>pre-NAT entry</b>: a conntrack entry keyed by the client-to-frontend tuple whose NAT fields hold the
 *       chosen backend (address, port, index). A later packet of the flow finds it and keeps its backend, even
 *       after a snapshot swap changed the Maglev tables, as long as that backend is still usable
 *       ({@link ServiceTable#backendUsable}) and is still the same address and port. The conntrack stage keeps
 *       its expiry in step with the flow's own entry, and policy makes it expire with a denied flow.</li>
 *   <li>Otherwise ClientIP affinity ({@link AffinityTable}, keyed by the frontend's backend group) when the
 *       service asks for it, then Maglev ({@link ServiceTable#selectBackend}).</li>
 *   <li>{@link ServiceTable#NO_BACKEND_REJECT}: the packet becomes the reject ({@link RejectBuilder}: RST for TCP,
 *       ICMP port unreachable otherwise) and is forwarded back to the client
 *       ({@link PipelineContext#STATE_REJECTED}: conntrack and policy skip it); a packet that must not be answered
 *       is dropped as {@link DropReason#SERVICE_REJECT_NOT_SENT}. {@link ServiceTable#NO_BACKEND_DROP}:
 *       {@link DropReason#SERVICE_NO_LOCAL_BACKEND}.</li>
 *   <li>DNAT to the backend ({@link NatRewriter}, checksums incremental; a rewrite that is not possible is
 *       {@link DropReason#NAT_FAILED}). Hairpin (the backend is the client itself): the source is masqueraded as the
 *       frontend address, keeping the source port, so the pod's reply comes back through the pipeline; the
 *       conntrack stage recognises such replies (their destination is the frontend) and translates both ends
 *       back.</li>
 * </ol>
 * Plain traffic from the underlay ({@link PipelineContext#STATE_FROM_UNDERLAY}: a NodePort client) is balanced over
 * the node's <b>local</b> endpoints only, whatever the externalTrafficPolicy: a remote backend would answer the
 * client directly with its own address, since nothing here masquerades the client (SNAT to the node address for
 * remote backends is not built). With no local endpoint the packet is {@link DropReason#SERVICE_NO_LOCAL_BACKEND}
 * (or the reject when the service has no endpoint at all), as for externalTrafficPolicy Local.
 * Fragments are not load balanced (the conntrack stage drops them). ICMP echo to a service address is not
 * translated (Kubernetes services have no ICMP ports).
 */
public final class ServiceStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_DNAT = 2;
    public static final int COUNTER_REJECTED = 3;
    public static final int COUNTER_HAIRPIN = 4;
    public static final int COUNTER_STICKY = 5;
    public static final int COUNTER_COUNT = 6;

    private final TablesHolder holder;
    private final PipelineContext ctx;
    private final ConntrackTable conntrack;
    private final AffinityTable affinity;
    private final NatRewriter nat;
    private final RejectBuilder reject;
    private final Counters drops;
    private final Counters counters = new Counters(COUNTER_COUNT);
    /** Sink for the touch pass's loads, so the JIT keeps them. */
    private long touched;

    /**
     * @param holder    the tables.
     * @param ctx       the pipeline's context columns.
     * @param conntrack the worker's conntrack table (pre-NAT entries).
     * @param affinity  the worker's ClientIP affinity table.
     * @param nat       the worker's NAT rewriter.
     * @param reject    the worker's reject builder.
     * @param drops     per-reason drop counters.
     */
    public ServiceStage(final TablesHolder holder, final PipelineContext ctx, final ConntrackTable conntrack,
        final AffinityTable affinity, final NatRewriter nat, final RejectBuilder reject, final Counters drops)
    {
        this.holder = holder;
        this.ctx = ctx;
        this.conntrack = conntrack;
        this.affinity = affinity;
        this.nat = nat;
        this.reject = reject;
        this.drops = drops;
    }

    @Override
    public String name()
    {
        return "service";
    }

    /** @return this stage's counters ({@code COUNTER_*}). */
    public Counters counters()
    {
        return counters;
    }

    /** @return the xor of every touched word (meaningless; keeps the touch loads alive). */
    public long touched()
    {
        return touched;
    }

    @Override
    public void process(final PacketVector v)
    {
        final ServiceTable services = holder.current().services();
        final PipelineContext ctx = this.ctx;
        final ConntrackTable ct = conntrack;
        final long nowNs = ctx.nowNs;
        final int size = v.size();
        int dropped = 0;
        int dnat = 0;
        int rejected = 0;
        int hairpin = 0;
        int sticky = 0;
        // Pass 1: frontend lookups, and a touch of each service packet's pre-NAT conntrack slot so the misses of
        // the vector overlap (as in the conntrack stage).
        // (The home slots are computed first and touched in a loop of bare loads: see ConntrackStage.)
        final int[] home = ctx.preNatHomeSlot;
        int touches = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                continue;
            }
            ctx.trail[i] |= PipelineContext.TRAIL_SERVICE;
            if ((v.flags[i] & (FLAG_PORTS | FLAG_ICMP_ECHO | FLAG_FRAGMENT | FLAG_FIRST_FRAGMENT)) != FLAG_PORTS)
            {
                continue;
            }
            final int f = services.lookup(v.protocol[i], v.dstHi[i], v.dstLo[i], v.dstPort[i]);
            ctx.frontend[i] = f;
            if (f != ServiceTable.NOT_FOUND)
            {
                home[i] = ct.homeSlot(v.protocol[i], v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i],
                    v.dstPort[i]);
                touches++;
            }
        }
        if (touches > 0)
        {
            long sink = 0;
            for (int i = 0; i < size; i++)
            {
                if (ctx.frontend[i] >= 0 && v.dropReason[i] == 0)
                {
                    sink ^= ct.touchSlot(home[i]);
                }
            }
            touched ^= sink;
        }

        for (int i = 0; i < size; i++)
        {
            final int f = ctx.frontend[i];
            if (v.dropReason[i] != 0 || f < 0)
            {
                continue;
            }
            final int protocol = v.protocol[i];
            final long srcHi = v.srcHi[i];
            final long srcLo = v.srcLo[i];
            final long dstHi = v.dstHi[i];
            final long dstLo = v.dstLo[i];
            final int srcPort = v.srcPort[i];
            final int dstPort = v.dstPort[i];
            final boolean fromLocalPod = ctx.srcEndpoint[i] >= 0;
            final boolean fromUnderlay = (ctx.state[i] & PipelineContext.STATE_FROM_UNDERLAY) != 0;

            int b = -1;
            long pre = ct.lookup(home[i], protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
            if (pre >= 0 && (ConntrackTable.isReply(pre) || ct.expiryNs(pre) <= nowNs))
            {
                pre = ConntrackTable.NOT_FOUND;
            }
            if (pre >= 0 && ct.isNat(pre))
            {
                final int remembered = ct.backendId(pre);
                if (remembered >= 0 && remembered < services.backendCount() &&
                    usable(services, f, remembered, fromLocalPod, fromUnderlay) &&
                    services.backendHi(remembered) == ct.natAddressHi(pre) &&
                    services.backendLo(remembered) == ct.natAddressLo(pre) &&
                    services.backendPort(remembered) == ct.natPort(pre))
                {
                    b = remembered;
                    sticky++;
                }
            }
            if (b < 0)
            {
                final boolean withAffinity = (services.flags(f) & ServiceTable.FLAG_AFFINITY) != 0;
                if (withAffinity)
                {
                    final int remembered = affinity.get(services.group(f), srcHi, srcLo, nowNs);
                    if (remembered != AffinityTable.MISS && remembered < services.backendCount() &&
                        usable(services, f, remembered, fromLocalPod, fromUnderlay))
                    {
                        b = remembered;
                    }
                }
                if (b < 0)
                {
                    b = select(services, f,
                        ServiceTable.flowHash(protocol, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort), fromLocalPod,
                        fromUnderlay);
                    if (b == ServiceTable.NO_BACKEND_REJECT)
                    {
                        if (reject.reject(v, i) == RejectBuilder.OK)
                        {
                            ctx.state[i] |= PipelineContext.STATE_REJECTED;
                            rejected++;
                        }
                        else
                        {
                            dropped += drop(v, i, DropReason.SERVICE_REJECT_NOT_SENT);
                        }
                        continue;
                    }
                    if (b == ServiceTable.NO_BACKEND_DROP)
                    {
                        dropped += drop(v, i, DropReason.SERVICE_NO_LOCAL_BACKEND);
                        continue;
                    }
                    if (withAffinity)
                    {
                        affinity.put(services.group(f), srcHi, srcLo, b, nowNs, services.affinityTimeoutNs(f));
                    }
                }
            }

            final long backendHi = services.backendHi(b);
            final long backendLo = services.backendLo(b);
            final int backendPort = services.backendPort(b);
            if (pre < 0)
            {
                pre = ct.create(home[i], protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, nowNs);
                if (pre < 0)
                {
                    dropped += drop(v, i, DropReason.CONNTRACK_FULL);
                    continue;
                }
            }
            ct.nat(pre, backendHi, backendLo, backendPort, services.revNatId(f), b);
            ctx.preNatHandle[i] = pre;
            if (nat.dnat(v, i, backendHi, backendLo, backendPort) != NatRewriter.OK)
            {
                ct.expireNow(pre, nowNs);
                dropped += drop(v, i, DropReason.NAT_FAILED);
                continue;
            }
            ctx.backend[i] = b;
            ctx.frontendHi[i] = dstHi;
            ctx.frontendLo[i] = dstLo;
            ctx.frontendPort[i] = dstPort;
            ctx.state[i] |= PipelineContext.STATE_DNAT;
            dnat++;
            if (backendHi == srcHi && backendLo == srcLo)
            {
                // Masquerade, or the pod would get a packet from its own address and answer itself directly.
                nat.snat(v, i, dstHi, dstLo, srcPort);
                ctx.state[i] |= PipelineContext.STATE_HAIRPIN;
                hairpin++;
            }
        }
        counters.addRelease(COUNTER_PACKETS, size);
        if ((dropped | dnat | rejected) != 0)
        {
            counters.addRelease(COUNTER_DROPPED, dropped);
            counters.addRelease(COUNTER_DNAT, dnat);
            counters.addRelease(COUNTER_REJECTED, rejected);
            counters.addRelease(COUNTER_HAIRPIN, hairpin);
            counters.addRelease(COUNTER_STICKY, sticky);
        }
    }

    private static int select(final ServiceTable services, final int f, final long flowHash,
        final boolean fromLocalPod, final boolean fromUnderlay)
    {
        if (!fromUnderlay)
        {
            return services.selectBackend(f, flowHash, fromLocalPod);
        }
        final int g = services.group(f);
        if (services.localCount(g) == 0)
        {
            return services.clusterCount(g) == 0 ? ServiceTable.NO_BACKEND_REJECT : ServiceTable.NO_BACKEND_DROP;
        }
        return services.localStart(g) + services.maglevEntry(g, true, Maglev.slot(flowHash, services.maglevSize()));
    }

    private static boolean usable(final ServiceTable services, final int f, final int backend,
        final boolean fromLocalPod, final boolean fromUnderlay)
    {
        if (!fromUnderlay)
        {
            return services.backendUsable(f, backend, fromLocalPod);
        }
        final int g = services.group(f);
        return backend >= services.localStart(g) && backend < services.localStart(g) + services.localCount(g);
    }

    private int drop(final PacketVector v, final int i, final DropReason reason)
    {
        v.dropReason[i] = reason.code();
        drops.incrementRelease(reason.code());
        return 1;
    }
}
