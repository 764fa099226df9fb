package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_FIRST_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_ICMP_ECHO;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_ICMP_ERROR;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_PORTS;

import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.NatRewriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;

/**
 * Connection tracking, after service DNAT (the flow's entry holds the post-NAT tuple) and before policy (which
 * then only judges new flows: stateful policy).
 *
 * <p>Three passes over the vector. The first computes each packet's home slot ({@link ConntrackTable#homeSlot}),
 * the second only {@link ConntrackTable#touchSlot touches} those slots (both cache lines), so the CPU overlaps the
 * cache misses of the whole vector (measured ~2.3x faster tracking at 1M entries with a touch pass that also
 * hashed; a loop of bare loads keeps more misses in flight); the third tracks, from the computed home slots:
 * <ul>
 *   <li>TCP by its state machine, UDP/SCTP as datagram flows, ICMP/ICMPv6 echo by id. A new flow is
 *       {@link PipelineContext#STATE_NEW}; when the service stage DNAT'ed it, the entry records the frontend
 *       ({@link ConntrackTable#nat}) for reverse NAT. Others are {@link PipelineContext#STATE_ESTABLISHED}
 *       (plus {@link PipelineContext#STATE_REPLY} in the reply direction).</li>
 *   <li>Replies of a NAT'ed flow get their source translated back to the frontend; a hairpin reply (destination =
 *       the frontend, the masquerade address) also gets its destination back to the pod.</li>
 *   <li>ICMP errors are matched to the flow they quote ({@link ConntrackTable#lookupRelated},
 *       {@link PipelineContext#STATE_RELATED}) and, for NAT'ed flows, reverse-NATed (towards the client) or
 *       DNAT'ed (towards the backend), quoted packet included. Unmatched: {@link DropReason#ICMP_ERROR_UNRELATED}.</li>
 *   <li>A packet that may not start a flow: {@link DropReason#CONNTRACK_INVALID}; a full table:
 *       {@link DropReason#CONNTRACK_FULL}. Both fail closed.</li>
 *   <li>Fragments (first and later): {@link DropReason#FRAGMENT_UNTRACKED}. Later fragments carry no ports, so
 *       they cannot be matched to a flow, NAT'ed or judged by a port-based policy without a fragment-id table,
 *       which is not built; delivering only the first fragment would be useless, so both are dropped. Pods reach
 *       each other with PMTU discovery (the encap stage sends the ICMP errors it needs) and unfragmented
 *       datagrams.</li>
 *   <li>IP packets of other protocols, and ICMP that is neither echo nor error (neighbour discovery), are
 *       {@link PipelineContext#STATE_UNTRACKED}: policy judges each of them; ARP too.</li>
 * </ul>
 * Nothing here deletes an entry: handles stay valid for the vector.
 */
public final class ConntrackStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_NEW = 2;
    public static final int COUNTER_ESTABLISHED = 3;
    public static final int COUNTER_REVERSE_NAT = 4;
    public static final int COUNTER_RELATED = 5;
    public static final int COUNTER_UNTRACKED = 6;
    public static final int COUNTER_COUNT = 7;

    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMPV6_ECHO_REQUEST = 128;

    private final PipelineContext ctx;
    private final ConntrackTable conntrack;
    private final NatRewriter nat;
    private final Counters drops;
    private final Counters counters = new Counters(COUNTER_COUNT);
    /** Sink for the touch pass's loads, so the JIT keeps them. */
    private long touched;

    /**
     * @param ctx       the pipeline's context columns.
     * @param conntrack the worker's conntrack table.
     * @param nat       the worker's NAT rewriter.
     * @param drops     per-reason drop counters.
     */
    public ConntrackStage(final PipelineContext ctx, final ConntrackTable conntrack, final NatRewriter nat,
        final Counters drops)
    {
        this.ctx = ctx;
        this.conntrack = conntrack;
        this.nat = nat;
        this.drops = drops;
    }

    @Override
    public String name()
    {
        return "conntrack";
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
        final PipelineContext ctx = this.ctx;
        final ConntrackTable ct = conntrack;
        final long nowNs = ctx.nowNs;
        final int size = v.size();

        // Pass 1: every home slot. Pass 2: a loop of nothing but loads of those slots, so the CPU keeps many of
        // the vector's misses in flight at once (hashing in the same loop would fill its reorder window after a
        // few). Pass 3 then finds the entries in cache.
        final int[] home = ctx.ctHomeSlot;
        int touches = 0;
        for (int i = 0; i < size; i++)
        {
            home[i] = -1;
            if (v.dropReason[i] != 0 || (ctx.state[i] & PipelineContext.STATE_REJECTED) != 0)
            {
                continue;
            }
            final int flags = v.flags[i];
            if ((flags & FLAG_ICMP_ERROR) != 0)
            {
                home[i] = ct.homeSlot(v.innerProtocol[i], v.innerSrcHi[i], v.innerSrcLo[i], v.innerDstHi[i],
                    v.innerDstLo[i], v.innerSrcPort[i], v.innerDstPort[i]);
                touches++;
            }
            else if ((flags & FLAG_PORTS) != 0)
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
                final int slot = home[i];
                if (slot >= 0)
                {
                    sink ^= ct.touchSlot(slot);
                }
            }
            touched ^= sink;
        }

        int dropped = 0;
        int created = 0;
        int established = 0;
        int reverseNat = 0;
        int related = 0;
        int untracked = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0 || (ctx.state[i] & PipelineContext.STATE_REJECTED) != 0)
            {
                continue;
            }
            ctx.trail[i] |= PipelineContext.TRAIL_CONNTRACK;
            final int flags = v.flags[i];
            if ((flags & (FLAG_IPV4 | FLAG_IPV6)) == 0)
            {
                ctx.state[i] |= PipelineContext.STATE_UNTRACKED;
                untracked++;
                continue;
            }
            if ((flags & (FLAG_FRAGMENT | FLAG_FIRST_FRAGMENT)) != 0)
            {
                dropped += drop(v, i, DropReason.FRAGMENT_UNTRACKED);
                continue;
            }
            if ((flags & FLAG_ICMP_ERROR) != 0)
            {
                final long h = ct.lookupRelated(home[i], v.innerProtocol[i], v.innerSrcHi[i], v.innerSrcLo[i],
                    v.innerDstHi[i], v.innerDstLo[i], v.innerSrcPort[i], v.innerDstPort[i], nowNs);
                if (h < 0)
                {
                    dropped += drop(v, i, DropReason.ICMP_ERROR_UNRELATED);
                    continue;
                }
                ctx.ctHandle[i] = h;
                ctx.state[i] |= PipelineContext.STATE_RELATED;
                related++;
                if (ct.isNat(h))
                {
                    final int result = ConntrackTable.isReply(h) ?
                        nat.reverseNatIcmpError(v, i, ct.natAddressHi(h), ct.natAddressLo(h), ct.natPort(h)) :
                        nat.dnatIcmpError(v, i, ct.dstHi(h), ct.dstLo(h), ct.dstPort(h));
                    if (result == NatRewriter.UNSUPPORTED)
                    {
                        dropped += drop(v, i, DropReason.NAT_FAILED);
                        continue;
                    }
                    ctx.state[i] |= PipelineContext.STATE_REVERSE_NAT;
                    reverseNat++;
                }
                continue;
            }

            final int protocol = v.protocol[i];
            final long h;
            if ((flags & FLAG_ICMP_ECHO) != 0)
            {
                final int type = v.icmpTypeCode[i] >> 8;
                h = ct.trackIcmpEcho(protocol, v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i],
                    type == ICMP_ECHO_REQUEST || type == ICMPV6_ECHO_REQUEST, v.l3Length[i], nowNs);
            }
            else if ((flags & FLAG_PORTS) == 0)
            {
                ctx.state[i] |= PipelineContext.STATE_UNTRACKED;
                untracked++;
                continue;
            }
            else if (protocol == IpProtocol.TCP)
            {
                h = ct.trackTcp(home[i], v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i], v.dstPort[i],
                    v.tcpFlags[i], v.l3Length[i], nowNs);
            }
            else
            {
                h = ct.trackDatagram(home[i], protocol, v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i], v.srcPort[i],
                    v.dstPort[i], v.l3Length[i], nowNs);
            }
            final long pre = ctx.preNatHandle[i];
            if (h < 0)
            {
                if (pre >= 0)
                {
                    ct.expireNow(pre, nowNs);
                }
                dropped += drop(v, i, h == ConntrackTable.FULL ? DropReason.CONNTRACK_FULL :
                    DropReason.CONNTRACK_INVALID);
                continue;
            }
            ctx.ctHandle[i] = h;
            if (ConntrackTable.isNew(h))
            {
                ctx.state[i] |= PipelineContext.STATE_NEW;
                created++;
                if ((ctx.state[i] & PipelineContext.STATE_DNAT) != 0)
                {
                    ct.nat(h, ctx.frontendHi[i], ctx.frontendLo[i], ctx.frontendPort[i], ctx.frontend[i] + 1,
                        ctx.backend[i]);
                }
            }
            else
            {
                ctx.state[i] |= ConntrackTable.isReply(h) ?
                    PipelineContext.STATE_ESTABLISHED | PipelineContext.STATE_REPLY : PipelineContext.STATE_ESTABLISHED;
                established++;
                if (ConntrackTable.isReply(h) && ct.isNat(h))
                {
                    if (!reverseNat(v, i, ct, h))
                    {
                        dropped += drop(v, i, DropReason.NAT_FAILED);
                        continue;
                    }
                    ctx.state[i] |= PipelineContext.STATE_REVERSE_NAT;
                    reverseNat++;
                }
            }
            if (pre >= 0)
            {
                ct.extendExpiry(pre, ct.expiryNs(h));
            }
        }
        counters.addRelease(COUNTER_PACKETS, size);
        if ((dropped | created | reverseNat | related | untracked) != 0)
        {
            counters.addRelease(COUNTER_DROPPED, dropped);
            counters.addRelease(COUNTER_NEW, created);
            counters.addRelease(COUNTER_REVERSE_NAT, reverseNat);
            counters.addRelease(COUNTER_RELATED, related);
            counters.addRelease(COUNTER_UNTRACKED, untracked);
        }
        counters.addRelease(COUNTER_ESTABLISHED, established);
    }

    private boolean reverseNat(final PacketVector v, final int i, final ConntrackTable ct, final long h)
    {
        final long frontendHi = ct.natAddressHi(h);
        final long frontendLo = ct.natAddressLo(h);
        if (v.dstHi[i] == frontendHi && v.dstLo[i] == frontendLo)
        {
            // Hairpin: the pod is both ends; its reply goes back to itself, from the frontend.
            if (nat.dnat(v, i, v.srcHi[i], v.srcLo[i], v.dstPort[i]) != NatRewriter.OK)
            {
                return false;
            }
        }
        return nat.snat(v, i, frontendHi, frontendLo, ct.natPort(h)) == NatRewriter.OK;
    }

    private int drop(final PacketVector v, final int i, final DropReason reason)
    {
        v.dropReason[i] = reason.code();
        drops.incrementRelease(reason.code());
        return 1;
    }
}
