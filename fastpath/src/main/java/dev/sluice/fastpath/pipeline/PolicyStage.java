package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_ICMP_ECHO;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_PORTS;

import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * Kubernetes NetworkPolicy, statefully: only packets that start a flow ({@link PipelineContext#STATE_NEW}) and
 * untracked packets are judged; established flows, replies and related ICMP errors pass (their flow was allowed
 * when it started). Runs after DNAT, so policy sees the backend pod, not the service address. One exception to
 * "established passes": a flow created earlier in the same vector and denied by this stage (conntrack ran over the
 * whole vector first, so the later packets found its entry alive): its later packets are judged too (and its
 * reply-direction packets, which cannot really exist yet, are {@link DropReason#CONNTRACK_INVALID}).
 * <ul>
 *   <li>Egress at a local source endpoint: {@code checkEgress(srcEndpoint, identityOf(dst), dst, proto, port)}.</li>
 *   <li>Then ingress at a local destination endpoint: {@code checkIngress(dstEndpoint, sourceIdentity, src, proto,
 *       port)}, with the identity the endpoint stage found (local pod, Geneve option or ipcache).</li>
 *   <li>Deny: {@link DropReason#POLICY_DENIED_EGRESS} / {@link DropReason#POLICY_DENIED_INGRESS}, and the flow's
 *       conntrack entries (and the pre-NAT service entry) are made to expire now, so the next packet is judged
 *       again (and nothing is deleted mid-vector); a deny event for every denied packet.</li>
 *   <li>Allow: the rule ids that allowed it are stored in the conntrack entry, and one allow event per enforced
 *       direction is published for the new connection.</li>
 *   <li>Hairpin flows (a pod reaching itself through its service) are allowed, as the policy engine's loopback
 *       rule says; ARP is not subject to NetworkPolicy.</li>
 * </ul>
 * Events are claimed, filled and published on the ring; a full ring drops the event (counted by the ring), never
 * the packet.
 */
public final class PolicyStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_CHECKED = 2;
    public static final int COUNTER_COUNT = 3;

    private final TablesHolder holder;
    private final PipelineContext ctx;
    private final ConntrackTable conntrack;
    private final VerdictEvents events;
    private final int worker;
    private final Counters drops;
    private final Counters counters = new Counters(COUNTER_COUNT);

    /**
     * @param holder    the tables.
     * @param ctx       the pipeline's context columns.
     * @param conntrack the worker's conntrack table.
     * @param events    the verdict event ring (null: no events).
     * @param worker    the worker id written into events.
     * @param drops     per-reason drop counters.
     */
    public PolicyStage(final TablesHolder holder, final PipelineContext ctx, final ConntrackTable conntrack,
        final VerdictEvents events, final int worker, final Counters drops)
    {
        this.holder = holder;
        this.ctx = ctx;
        this.conntrack = conntrack;
        this.events = events;
        this.worker = worker;
        this.drops = drops;
    }

    @Override
    public String name()
    {
        return "policy";
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
        final long nowNs = ctx.nowNs;
        final int size = v.size();
        int dropped = 0;
        int checked = 0;
        for (int i = 0; i < size; i++)
        {
            final int state = ctx.state[i];
            if (v.dropReason[i] != 0 ||
                (state & (PipelineContext.STATE_REJECTED | PipelineContext.STATE_HAIRPIN)) != 0 ||
                (v.flags[i] & (FLAG_IPV4 | FLAG_IPV6)) == 0)
            {
                continue;
            }
            if ((state & (PipelineContext.STATE_NEW | PipelineContext.STATE_UNTRACKED)) == 0)
            {
                // Conntrack ran over the whole vector before policy: a later packet of a flow that an earlier
                // packet of this vector created found the entry alive, although policy has since denied that
                // flow (its entry now expires at nowNs). Such a packet is judged like the first one.
                final long young = ctx.ctHandle[i];
                if ((state & PipelineContext.STATE_ESTABLISHED) == 0 || young < 0 ||
                    conntrack.createdNs(young) != nowNs || conntrack.expiryNs(young) > nowNs)
                {
                    continue;
                }
                if ((state & PipelineContext.STATE_REPLY) != 0)
                {
                    v.dropReason[i] = DropReason.CONNTRACK_INVALID.code();
                    drops.incrementRelease(DropReason.CONNTRACK_INVALID.code());
                    dropped++;
                    continue;
                }
            }
            ctx.trail[i] |= PipelineContext.TRAIL_POLICY;
            checked++;
            final int flags = v.flags[i];
            final int protocol = v.protocol[i];
            final int port = (flags & (FLAG_PORTS | FLAG_ICMP_ECHO)) == FLAG_PORTS ? v.dstPort[i] : 0;
            final int srcEndpoint = ctx.srcEndpoint[i];
            final int dstEndpoint = policy.endpointOf(v.dstHi[i], v.dstLo[i]);
            ctx.dstEndpoint[i] = dstEndpoint;
            int egress = PolicyVerdict.ALLOW_NOT_ISOLATED;
            int ingress = PolicyVerdict.ALLOW_NOT_ISOLATED;
            int dstIdentity = 0;
            if (srcEndpoint >= 0)
            {
                dstIdentity = policy.identityOf(v.dstHi[i], v.dstLo[i]);
                egress = policy.checkEgress(srcEndpoint, dstIdentity, v.dstHi[i], v.dstLo[i], protocol, port);
            }
            if (v.sourceIdentity[i] == PacketVector.IDENTITY_UNKNOWN)
            {
                // A local pod's identity, or a remote one without Sluice's Geneve option: from the ipcache.
                v.sourceIdentity[i] = policy.identityOf(v.srcHi[i], v.srcLo[i]);
            }
            if (egress != PolicyVerdict.DENY && dstEndpoint >= 0)
            {
                ingress = policy.checkIngress(dstEndpoint, v.sourceIdentity[i], v.srcHi[i], v.srcLo[i], protocol,
                    port);
            }
            ctx.egressVerdict[i] = egress;
            ctx.ingressVerdict[i] = ingress;
            final long h = ctx.ctHandle[i];
            if (egress == PolicyVerdict.DENY || ingress == PolicyVerdict.DENY)
            {
                final boolean egressDenied = egress == PolicyVerdict.DENY;
                final DropReason reason = egressDenied ?
                    DropReason.POLICY_DENIED_EGRESS : DropReason.POLICY_DENIED_INGRESS;
                v.dropReason[i] = reason.code();
                drops.incrementRelease(reason.code());
                dropped++;
                if (h >= 0 && ConntrackTable.isNew(h))
                {
                    conntrack.expireNow(h, nowNs);
                }
                if (ctx.preNatHandle[i] >= 0)
                {
                    conntrack.expireNow(ctx.preNatHandle[i], nowNs);
                }
                publish(v, i, VerdictEvent.VERDICT_DENY,
                    egressDenied ? VerdictEvent.DIRECTION_EGRESS : VerdictEvent.DIRECTION_INGRESS,
                    egressDenied ? srcEndpoint : dstEndpoint, -1, dstIdentity, reason.code(), nowNs);
                continue;
            }
            if (h >= 0 && ConntrackTable.isNew(h))
            {
                conntrack.verdict(h, egress, ingress);
                if (srcEndpoint >= 0)
                {
                    publish(v, i, VerdictEvent.VERDICT_ALLOW, VerdictEvent.DIRECTION_EGRESS, srcEndpoint,
                        egress, dstIdentity, 0, nowNs);
                }
                if (dstEndpoint >= 0)
                {
                    publish(v, i, VerdictEvent.VERDICT_ALLOW, VerdictEvent.DIRECTION_INGRESS, dstEndpoint,
                        ingress, dstIdentity, 0, nowNs);
                }
            }
        }
        counters.addRelease(COUNTER_PACKETS, size);
        if (checked != 0)
        {
            counters.addRelease(COUNTER_CHECKED, checked);
            counters.addRelease(COUNTER_DROPPED, dropped);
        }
    }

    private void publish(final PacketVector v, final int i, final int verdict, final int direction,
        final int endpointId, final int ruleVerdict, final int dstIdentity, final int dropReason, final long nowNs)
    {
        if (events == null)
        {
            return;
        }
        final long sequence = events.tryClaim();
        if (sequence < 0)
        {
            return;
        }
        final VerdictEvent e = events.get(sequence);
        final int state = ctx.state[i];
        e.timestampNs = nowNs;
        e.worker = worker;
        e.verdict = verdict;
        e.direction = direction;
        e.flags = ((state & PipelineContext.STATE_NEW) != 0 ? VerdictEvent.FLAG_NEW : 0) |
            ((state & PipelineContext.STATE_DNAT) != 0 ? VerdictEvent.FLAG_SERVICE : 0) |
            (v.ingressPeer[i] >= 0 ? VerdictEvent.FLAG_TUNNEL : 0);
        e.dropReason = dropReason;
        e.protocol = v.protocol[i];
        e.srcHi = v.srcHi[i];
        e.srcLo = v.srcLo[i];
        e.dstHi = v.dstHi[i];
        e.dstLo = v.dstLo[i];
        e.srcPort = v.srcPort[i];
        e.dstPort = v.dstPort[i];
        final boolean service = (state & PipelineContext.STATE_DNAT) != 0;
        e.serviceHi = service ? ctx.frontendHi[i] : 0;
        e.serviceLo = service ? ctx.frontendLo[i] : 0;
        e.servicePort = service ? ctx.frontendPort[i] : 0;
        e.srcIdentity = v.sourceIdentity[i];
        e.dstIdentity = dstIdentity;
        e.endpointId = endpointId;
        e.ruleId = ruleVerdict >= 0 ? ruleVerdict : -1;
        e.packets = 1;
        e.bytes = v.l3Length[i];
        events.publish(sequence);
    }
}
