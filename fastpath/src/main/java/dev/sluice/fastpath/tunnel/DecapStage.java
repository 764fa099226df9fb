package dev.sluice.fastpath.tunnel;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.Stage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.GeneveDecap;
import dev.sluice.geneve.GeneveDescriptor;
import dev.sluice.geneve.GeneveOutcome;
import dev.sluice.geneve.TunnelPeerTable;
import org.agrona.MutableDirectBuffer;

/**
 * Strips the Geneve encapsulation of packets that arrived on the uplink port, so that the rest of the pipeline sees
 * the inner (pod) frame. Runs first, before {@link dev.sluice.fastpath.stage.ParseStage}: decap -> parse -> ...
 *
 * <p>For each live packet whose {@link PacketVector#ingressPort} is the uplink, {@link GeneveDecap} validates the
 * outer frame (see its class comment for the checks and their order). On success the frame columns
 * ({@code offset}, {@code length}) are moved onto the inner Ethernet frame, and {@link PacketVector#sourceIdentity}
 * (from Sluice's option, 0 when absent), {@link PacketVector#vni} and {@link PacketVector#ingressPeer} (the sending
 * node's index in the peer table) are filled; the header offset columns are relative, and the parse stage that
 * runs next fills them for the inner frame. A failure is a drop with the {@link TunnelDropReasons mapped reason},
 * counted in the worker's drop counters; an O-bit (control) packet is counted as
 * {@link DropReason#TUNNEL_GENEVE_OAM} and never delivered. Packets from other ports are untouched.
 *
 * <p>With {@code passPlain} (the node pipeline's setting), an uplink packet that is not UDP or not to the Geneve
 * port is not a tunnel packet at all but plain underlay traffic that the uplink's XDP program handed over (TCP, UDP
 * or SCTP to a NodePort of the node's address): it is left as it is, with no tunnel peer
 * ({@link PacketVector#ingressPeer} stays {@link PacketVector#TUNNEL_PEER_NONE}), counted as
 * {@link #COUNTER_PLAIN}, and the stages after treat it as coming from the underlay.
 *
 * <p>The peer table comes in through {@link #install}, on the worker thread between vectors (the table swap point
 * of the duty cycle). Allocation free per packet; no locks; nothing thrown for any packet content.
 *
 * <p>Cost ({@code dev.sluice.perf.jmh.TunnelStageBenchmark.decapParse}: decap + parse, vector 64, 64-byte inner
 * frames), measured on a shared 2-vCPU VM under load 8-12, so upper bounds: best 1-s iteration 62 ns/packet over an
 * IPv4 underlay, of which parse alone is ~35-44 ns; JMH averages 131-248 ns with error bars as large as the
 * scores. The stage adds a loop and five column writes to {@link GeneveDecap}'s own cost. See the README.
 */
public final class DecapStage implements Stage
{
    /** Stage counter: packets from the uplink that were examined. */
    public static final int COUNTER_UPLINK_PACKETS = 0;
    /** Stage counter: packets decapsulated. */
    public static final int COUNTER_DECAPSULATED = 1;
    /** Stage counter: packets dropped by this stage. */
    public static final int COUNTER_DROPPED = 2;
    /** Stage counter: plain (not Geneve) uplink packets passed on unchanged ({@code passPlain}). */
    public static final int COUNTER_PLAIN = 3;
    /** Number of stage counters. */
    public static final int COUNTER_COUNT = 4;

    private final int uplinkPort;
    private final int udpPort;
    private final boolean verifyChecksums;
    private final boolean passPlain;
    private final Counters dropCounters;
    private final Counters stageCounters = new Counters(COUNTER_COUNT);
    private GeneveDecap decap;
    private TunnelPeerTable peers;

    /**
     * Decap on UDP port 6081 with checksum verification.
     *
     * @param uplinkPort   the port id of the uplink (the {@link PacketVector#ingressPort} value of underlay packets).
     * @param peers        the initial tunnel peer table.
     * @param dropCounters per-reason drop counters of the worker, indexed by {@link DropReason#code()}.
     */
    public DecapStage(final int uplinkPort, final TunnelPeerTable peers, final Counters dropCounters)
    {
        this(uplinkPort, peers, GeneveDescriptor.DEFAULT_UDP_PORT, true, dropCounters);
    }

    /**
     * @param uplinkPort      the port id of the uplink.
     * @param peers           the initial tunnel peer table.
     * @param udpPort         the Geneve UDP destination port.
     * @param verifyChecksums verify outer IPv4 header and UDP checksums (see {@link GeneveDecap}).
     * @param dropCounters    per-reason drop counters of the worker, indexed by {@link DropReason#code()}.
     */
    public DecapStage(
        final int uplinkPort,
        final TunnelPeerTable peers,
        final int udpPort,
        final boolean verifyChecksums,
        final Counters dropCounters)
    {
        this(uplinkPort, peers, udpPort, verifyChecksums, false, dropCounters);
    }

    /**
     * @param uplinkPort      the port id of the uplink.
     * @param peers           the initial tunnel peer table.
     * @param udpPort         the Geneve UDP destination port.
     * @param verifyChecksums verify outer IPv4 header and UDP checksums (see {@link GeneveDecap}).
     * @param passPlain       pass uplink packets that are not UDP to the Geneve port on unchanged instead of
     *                        dropping them (see the class comment).
     * @param dropCounters    per-reason drop counters of the worker, indexed by {@link DropReason#code()}.
     */
    public DecapStage(
        final int uplinkPort,
        final TunnelPeerTable peers,
        final int udpPort,
        final boolean verifyChecksums,
        final boolean passPlain,
        final Counters dropCounters)
    {
        if (uplinkPort < 0)
        {
            throw new IllegalArgumentException("uplink port id must be >= 0: " + uplinkPort);
        }
        if (dropCounters.count() < DropReason.MAX_CODES)
        {
            throw new IllegalArgumentException("drop counters need " + DropReason.MAX_CODES + " slots: " +
                dropCounters.count());
        }
        this.uplinkPort = uplinkPort;
        this.udpPort = udpPort;
        this.verifyChecksums = verifyChecksums;
        this.passPlain = passPlain;
        this.dropCounters = dropCounters;
        install(peers);
    }

    /**
     * Replaces the peer table. Call on the worker thread between vectors only.
     *
     * @param peers the new table (immutable).
     */
    public void install(final TunnelPeerTable peers)
    {
        this.decap = new GeneveDecap(peers, udpPort, verifyChecksums);
        this.peers = peers;
    }

    /** @return the installed peer table (the one {@link PacketVector#ingressPeer} indexes after decap). */
    public TunnelPeerTable peers()
    {
        return peers;
    }

    /** @return the port id treated as the uplink. */
    public int uplinkPort()
    {
        return uplinkPort;
    }

    @Override
    public String name()
    {
        return "decap";
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
        final GeneveDecap decap = this.decap;
        final int size = v.size();
        int uplink = 0;
        int decapsulated = 0;
        int dropped = 0;
        int plain = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0 || v.ingressPort[i] != uplinkPort)
            {
                continue;
            }
            uplink++;
            final int offset = v.offset[i];
            final int length = v.length[i];
            // The codec reads within [offset, offset + length): that range must lie inside the buffer.
            if (offset < 0 || length < 0 || offset > buffer.capacity() - length)
            {
                v.dropReason[i] = DropReason.FRAME_TOO_LONG.code();
                dropCounters.incrementRelease(DropReason.FRAME_TOO_LONG.code());
                dropped++;
                continue;
            }
            final int outcome = decap.decap(buffer, offset, length);
            if (outcome == GeneveOutcome.OK)
            {
                v.offset[i] = decap.innerOffset();
                v.length[i] = decap.innerLength();
                v.sourceIdentity[i] = decap.sourceIdentity();
                v.vni[i] = decap.vni();
                v.ingressPeer[i] = decap.peer();
                decapsulated++;
            }
            else if (passPlain && (outcome == GeneveOutcome.NOT_UDP || outcome == GeneveOutcome.UDP_WRONG_PORT))
            {
                plain++;
            }
            else
            {
                final int code = TunnelDropReasons.of(outcome).code();
                v.dropReason[i] = code;
                dropCounters.incrementRelease(code);
                dropped++;
            }
        }
        if (uplink != 0)
        {
            stageCounters.addRelease(COUNTER_UPLINK_PACKETS, uplink);
            stageCounters.addRelease(COUNTER_DECAPSULATED, decapsulated);
        }
        if (dropped != 0)
        {
            stageCounters.addRelease(COUNTER_DROPPED, dropped);
        }
        if (plain != 0)
        {
            stageCounters.addRelease(COUNTER_PLAIN, plain);
        }
    }
}
