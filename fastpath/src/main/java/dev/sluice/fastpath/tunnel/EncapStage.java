package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.stage.PacketVector.FLAG_DONT_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_FIRST_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_FRAGMENT;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_ICMP_ERROR;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV4;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_IPV6;
import static dev.sluice.fastpath.stage.PacketVector.FLAG_PORTS;
import static dev.sluice.fastpath.stage.PacketVector.TUNNEL_PEER_LOOKUP;
import static dev.sluice.fastpath.stage.PacketVector.TUNNEL_PEER_NONE;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.GeneveEncap;
import dev.sluice.geneve.GeneveOutcome;
import dev.sluice.geneve.OuterHeaderTemplate;
import dev.sluice.geneve.TunnelPeerTable;
import org.agrona.MutableDirectBuffer;

/**
 * Encapsulates the packets that the forwarding step sends to another node: every live packet whose
 * {@link PacketVector#tunnelPeer} is a peer index, or {@link PacketVector#TUNNEL_PEER_LOOKUP} (then the peer is the
 * node whose pod CIDR holds the inner destination, {@link TunnelPeerTable#peerForIpv4}/{@code peerForIpv6}; none is
 * a {@link DropReason#TUNNEL_NO_PEER} drop). The forward stage only sets that column; this stage does the rest:
 * <ol>
 *   <li>the peer's precomputed {@link OuterHeaderTemplate} from the installed {@link TunnelTemplates} (none:
 *       {@link DropReason#TUNNEL_NO_NEXT_HOP}; our own node: {@link DropReason#TUNNEL_TO_SELF});</li>
 *   <li>the path MTU check: the inner frame (Ethernet padding trimmed) plus the template's overhead must fit the
 *       underlay MTU; see "Too big" below;</li>
 *   <li>{@link GeneveEncap} prepends the template in the frame's headroom, with UDP source port from
 *       {@link #flowHash} and Sluice's identity option = {@link PacketVector#sourceIdentity};</li>
 *   <li>{@code offset}/{@code length} now describe the outer frame and {@link PacketVector#egressPort} is the uplink.
 *       The header offset and tuple columns keep describing the inner packet (for trace and flow logs); no later
 *       stage re-parses.</li>
 * </ol>
 *
 * <p><b>Too big.</b> RFC 1191 / RFC 8201 behaviour, so that PMTU discovery works through the overlay:
 * <ul>
 *   <li>IPv4 with DF, and every IPv6 packet: the frame is rewritten in place into an ICMP "fragmentation needed"
 *       (type 3 code 4) / ICMPv6 "packet too big" back to the source pod, reporting the tunnel's inner MTU
 *       (underlay MTU minus the template's overhead minus an inner 802.1Q tag), from the configured gateway address,
 *       and sent out of the port it came in by ({@code egressPort = ingressPort}). Counted in
 *       {@link #COUNTER_ICMP_SENT}.</li>
 *   <li>IPv4 without DF: dropped as {@link DropReason#TUNNEL_MTU_EXCEEDED}. Not fragmented, because one frame in
 *       must stay one frame out (a worker has no spare UMEM frame per packet, and fragments would need their own
 *       TX descriptors and IP ids); and such packets only exist when a pod's interface MTU is larger than the
 *       tunnel's pod MTU ({@link dev.sluice.geneve.TunnelMtu}), which the CNI sets. Then the pod's own stack
 *       fragments to its MTU, so this drop only shows a misconfigured pod MTU, visibly, in a counter.</li>
 *   <li>No ICMP error about an ICMP error, about a non-first fragment, or without a configured gateway address of
 *       the family (RFC 1122 section 3.2.2): those are {@link DropReason#TUNNEL_MTU_EXCEEDED} drops too. ICMP
 *       errors are not rate limited here: each one answers a packet the pod sent.</li>
 * </ul>
 *
 * <p><b>Headroom.</b> Frames live in {@code frameSize}-aligned slots of the vector's buffer (AF_XDP aligned mode:
 * the UMEM address of a chunk is a multiple of the chunk size), so the writable bytes before a frame are
 * {@code offset & (frameSize - 1)}; too few is {@link DropReason#TUNNEL_NO_HEADROOM}.
 *
 * <p>Templates are swapped in by {@link #install} on the worker thread between vectors. Allocation free, no
 * locks, nothing thrown per packet.
 *
 * <p>Cost ({@code dev.sluice.perf.jmh.TunnelStageBenchmark.encap}: peer lookup, MTU check, flow hash and
 * template, vector 64, 64-byte inner frames), measured on a shared 2-vCPU VM under load 8-12, so upper bounds:
 * best 1-s iterations 70-94 ns/packet; JMH averages 88-335 ns (IPv4 underlay) and 73-141 ns (IPv6, with the UDP
 * checksum), with error bars as large as the scores, while the codec alone measured 52-86 ns in the same windows.
 * Re-measure on a quiet machine; see the README.
 */
public final class EncapStage implements Stage
{
    /** Stage counter: packets marked for the tunnel. */
    public static final int COUNTER_TUNNEL_PACKETS = 0;
    /** Stage counter: packets encapsulated. */
    public static final int COUNTER_ENCAPSULATED = 1;
    /** Stage counter: packets rewritten into an ICMP/ICMPv6 too-big error back to their source. */
    public static final int COUNTER_ICMP_SENT = 2;
    /** Stage counter: packets dropped by this stage. */
    public static final int COUNTER_DROPPED = 3;
    /** Number of stage counters. */
    public static final int COUNTER_COUNT = 4;

    private static final int ETH_HEADER_LENGTH = 14;

    private final int frameMask;
    private final Counters dropCounters;
    private final Counters stageCounters = new Counters(COUNTER_COUNT);
    private final GeneveEncap encap;
    private TunnelTemplates templates;

    /**
     * @param templates    the initial templates (and with them the config and peer table).
     * @param frameSize    size of a frame slot in the buffer, a power of two (the UMEM chunk size).
     * @param firstIpv4Id  first outer IPv4 identification (vary it per worker).
     * @param dropCounters per-reason drop counters of the worker, indexed by {@link DropReason#code()}.
     */
    public EncapStage(
        final TunnelTemplates templates, final int frameSize, final int firstIpv4Id, final Counters dropCounters)
    {
        if (frameSize < 2048 || Integer.bitCount(frameSize) != 1)
        {
            throw new IllegalArgumentException("frame size must be a power of two >= 2048: " + frameSize);
        }
        if (dropCounters.count() < DropReason.MAX_CODES)
        {
            throw new IllegalArgumentException("drop counters need " + DropReason.MAX_CODES + " slots: " +
                dropCounters.count());
        }
        this.frameMask = frameSize - 1;
        this.dropCounters = dropCounters;
        this.encap = new GeneveEncap(firstIpv4Id);
        install(templates);
    }

    /**
     * Swaps in a new snapshot. Call on the worker thread between vectors only.
     *
     * @param templates the new snapshot.
     */
    public void install(final TunnelTemplates templates)
    {
        this.templates = templates;
    }

    /** @return the installed snapshot. */
    public TunnelTemplates templates()
    {
        return templates;
    }

    @Override
    public String name()
    {
        return "encap";
    }

    /** @return this stage's counters ({@code COUNTER_*}). */
    public Counters counters()
    {
        return stageCounters;
    }

    @Override
    public void process(final PacketVector v)
    {
        final MutableDirectBuffer buffer = v.buffer();
        final TunnelTemplates templates = this.templates;
        final TunnelPeerTable peers = templates.peers();
        final TunnelConfig config = templates.config();
        final int underlayMtu = config.underlayMtu();
        final int uplink = config.uplinkPort();
        final int size = v.size();
        int marked = 0;
        int encapsulated = 0;
        int icmp = 0;
        int dropped = 0;
        for (int i = 0; i < size; i++)
        {
            int peer = v.tunnelPeer[i];
            if (peer == TUNNEL_PEER_NONE || v.dropReason[i] != 0)
            {
                continue;
            }
            marked++;
            final int flags = v.flags[i];
            final boolean ipv4 = (flags & FLAG_IPV4) != 0;
            if (!ipv4 && (flags & FLAG_IPV6) == 0)
            {
                dropped += drop(v, i, DropReason.TUNNEL_NOT_IP_INNER);
                continue;
            }
            if (peer == TUNNEL_PEER_LOOKUP)
            {
                peer = ipv4 ? peers.peerForIpv4((int)v.dstLo[i]) : peers.peerForIpv6(v.dstHi[i], v.dstLo[i]);
                v.tunnelPeer[i] = peer;
            }
            if (peer < 0 || peer >= templates.size())
            {
                dropped += drop(v, i, DropReason.TUNNEL_NO_PEER);
                continue;
            }
            final OuterHeaderTemplate template = templates.template(peer);
            if (template == null)
            {
                dropped += drop(v, i, templates.isSelf(peer) ? DropReason.TUNNEL_TO_SELF : DropReason.TUNNEL_NO_NEXT_HOP);
                continue;
            }

            final int offset = v.offset[i];
            final int l3 = v.l3Offset[i];
            // The IP packet and the L2 header before it; Ethernet padding after the IP packet is not carried.
            final int innerLength = l3 + v.l3Length[i];
            // The outer Ethernet header does not count against the MTU; the inner frame (with its L2 header) does.
            if (template.length() - ETH_HEADER_LENGTH + innerLength > underlayMtu)
            {
                final int mtu = underlayMtu - template.length() + ETH_HEADER_LENGTH - l3;
                final int newLength = tooBig(v, buffer, i, flags, ipv4, config, mtu);
                if (newLength < 0)
                {
                    dropped += drop(v, i, DropReason.TUNNEL_MTU_EXCEEDED);
                }
                else
                {
                    v.length[i] = newLength;
                    v.egressPort[i] = v.ingressPort[i];
                    icmp++;
                }
                continue;
            }

            final int outcome = encap.encap(buffer, offset, innerLength, offset & frameMask, template,
                flowHash(v, i), v.sourceIdentity[i]);
            if (outcome == GeneveOutcome.OK)
            {
                v.offset[i] = encap.frameOffset();
                v.length[i] = encap.frameLength();
                v.egressPort[i] = uplink;
                encapsulated++;
            }
            else
            {
                dropped += drop(v, i, TunnelDropReasons.of(outcome));
            }
        }
        if (marked != 0)
        {
            stageCounters.addRelease(COUNTER_TUNNEL_PACKETS, marked);
            stageCounters.addRelease(COUNTER_ENCAPSULATED, encapsulated);
        }
        if (icmp != 0)
        {
            stageCounters.addRelease(COUNTER_ICMP_SENT, icmp);
        }
        if (dropped != 0)
        {
            stageCounters.addRelease(COUNTER_DROPPED, dropped);
        }
    }

    /** Rewrites the packet into its ICMP error; returns the new frame length, or -1 when no error is due. */
    private static int tooBig(
        final PacketVector v,
        final MutableDirectBuffer buffer,
        final int i,
        final int flags,
        final boolean ipv4,
        final TunnelConfig config,
        final int mtu)
    {
        if ((flags & (FLAG_DONT_FRAGMENT | FLAG_ICMP_ERROR | FLAG_FRAGMENT)) != FLAG_DONT_FRAGMENT)
        {
            return -1;
        }
        if (ipv4)
        {
            return config.hasGatewayIpv4() ? PacketTooBig.ipv4FragmentationNeeded(buffer, v.offset[i], v.l3Offset[i],
                v.l3Length[i], config.gatewayIpv4(), mtu) : -1;
        }
        return config.hasGatewayIpv6() ? PacketTooBig.ipv6PacketTooBig(buffer, v.offset[i], v.l3Offset[i],
            v.l3Length[i], config.gatewayIpv6Hi(), config.gatewayIpv6Lo(), mtu) : -1;
    }

    private int drop(final PacketVector v, final int i, final DropReason reason)
    {
        v.dropReason[i] = reason.code();
        dropCounters.incrementRelease(reason.code());
        return 1;
    }

    /**
     * The inner flow's hash, which picks the outer UDP source port (and so the ECMP path and the receiver's RSS
     * queue). Over addresses, protocol and, when the packet has them and is not a fragment, ports: fragments of
     * one datagram (only the first has ports) must hash alike or they could take different paths and arrive out
     * of order. Not symmetric, on purpose: the two directions of a flow are encapsulated by different nodes with
     * swapped outer addresses, so they never share an outer 5-tuple anyway, and a symmetric hash (commutative
     * mixing of the two ends) would only collide more. A few multiplies and shifts over the parsed columns;
     * no allocation, no table.
     *
     * @param v the vector (parsed).
     * @param i the packet.
     * @return a 32-bit hash.
     */
    public static int flowHash(final PacketVector v, final int i)
    {
        long h = v.srcHi[i] * 0x9E37_79B9_7F4A_7C15L ^ v.srcLo[i];
        h = (h ^ h >>> 29) * 0xBF58_476D_1CE4_E5B9L ^ v.dstHi[i];
        h = (h ^ h >>> 31) * 0x94D0_49BB_1331_11EBL ^ v.dstLo[i];
        long ports = v.protocol[i];
        if ((v.flags[i] & (FLAG_PORTS | FLAG_FRAGMENT | FLAG_FIRST_FRAGMENT)) == FLAG_PORTS)
        {
            ports |= (long)v.srcPort[i] << 16 | (long)v.dstPort[i] << 32;
        }
        h = (h ^ h >>> 29) * 0xBF58_476D_1CE4_E5B9L ^ ports;
        h = (h ^ h >>> 32) * 0x94D0_49BB_1331_11EBL;
        return (int)(h ^ h >>> 32);
    }
}
