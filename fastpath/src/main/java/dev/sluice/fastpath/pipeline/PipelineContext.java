package dev.sluice.fastpath.pipeline;

import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.stage.PacketVector;

/**
 * What the node pipeline's stages tell each other about a packet beyond the {@link PacketVector} columns: the
 * source and destination endpoints, the conntrack handles, the service frontend a DNAT'ed packet was sent to, the
 * policy verdicts, a {@link #state} bit set and a {@link #trail} of the stages that handled it. Struct of arrays,
 * sized like the vector, allocated once; the endpoint stage (the first stage of this package) resets a packet's
 * columns. Also carries the duty cycle's clock, {@link #nowNs}, set before each vector.
 *
 * <p>Handles stay valid for the whole vector: no stage deletes conntrack entries while a vector is in flight (a
 * denied flow is made to expire instead, see {@link ConntrackTable#expireNow}).
 */
public final class PipelineContext
{
    /** {@link #state}: conntrack created the flow's entry with this packet. */
    public static final int STATE_NEW = 1;
    /** The packet travels in the reply direction of its flow. */
    public static final int STATE_REPLY = 1 << 1;
    /** The flow existed before this packet (either direction): policy is not evaluated again. */
    public static final int STATE_ESTABLISHED = 1 << 2;
    /** An ICMP error about a tracked flow. */
    public static final int STATE_RELATED = 1 << 3;
    /** Not tracked (a protocol without ports or echo ids, ICMPv6 neighbour discovery, ARP): checked every time. */
    public static final int STATE_UNTRACKED = 1 << 4;
    /** The service stage DNAT'ed the packet to a backend. */
    public static final int STATE_DNAT = 1 << 5;
    /** A pod reaching itself through a service: its source was masqueraded as the service address. */
    public static final int STATE_HAIRPIN = 1 << 6;
    /** The packet was turned into a reject (RST / ICMP unreachable) for a service without endpoints. */
    public static final int STATE_REJECTED = 1 << 7;
    /** A reply (or an ICMP error) of a NAT'ed flow, translated back to the frontend. */
    public static final int STATE_REVERSE_NAT = 1 << 8;
    /** An IPv6 link-local or unspecified source from a pod (neighbour discovery): only the host path. */
    public static final int STATE_LINK_LOCAL = 1 << 9;
    /** Plain (not Geneve) traffic from the underlay, e.g. a client of a NodePort: services use local backends. */
    public static final int STATE_FROM_UNDERLAY = 1 << 10;

    /** {@link #trail} bits, one per stage of this package that handled the packet. */
    public static final int TRAIL_ENDPOINT = 1;
    public static final int TRAIL_SERVICE = 1 << 1;
    public static final int TRAIL_CONNTRACK = 1 << 2;
    /** Policy was evaluated (new or untracked flows only). */
    public static final int TRAIL_POLICY = 1 << 3;
    public static final int TRAIL_FORWARD = 1 << 4;

    /** No endpoint / no handle. */
    public static final int NONE = -1;

    /** The duty cycle's clock, set by {@link NodePipeline#process} before the stages run. */
    public long nowNs;

    public final int[] state;
    public final int[] trail;
    /** Local endpoint the packet came from (its ingress port), or {@link #NONE}. */
    public final int[] srcEndpoint;
    /** Local endpoint the packet goes to (after NAT), or {@link #NONE}; filled by policy (new flows) or forward. */
    public final int[] dstEndpoint;
    /** Conntrack handle of the packet's flow, or a negative value. */
    public final long[] ctHandle;
    /** Conntrack handle of the pre-NAT service entry (client to frontend), or a negative value. */
    public final long[] preNatHandle;
    /** Conntrack home slot of the packet's tuple ({@link ConntrackTable#homeSlot}), computed by the conntrack stage's
     * first pass; meaningful only inside that stage. */
    public final int[] ctHomeSlot;
    /** Conntrack home slot of the pre-NAT tuple (client to frontend), computed by the service stage's first pass;
     * meaningful only inside that stage. */
    public final int[] preNatHomeSlot;
    /** Service frontend index the packet is addressed to (meaningful with {@link #STATE_DNAT} or
     * {@link #STATE_REJECTED}), or a negative value. */
    public final int[] frontend;
    /** Backend index chosen (DNAT'ed packets), or {@link #NONE}. */
    public final int[] backend;
    /** The frontend the client addressed (DNAT'ed packets). */
    public final long[] frontendHi;
    public final long[] frontendLo;
    public final int[] frontendPort;
    /** Egress and ingress verdicts ({@link dev.sluice.fastpath.policy.PolicyVerdict}) when policy was evaluated. */
    public final int[] egressVerdict;
    public final int[] ingressVerdict;

    /**
     * @param capacity the vector capacity.
     */
    public PipelineContext(final int capacity)
    {
        if (capacity < 1 || capacity > PacketVector.MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be in 1.." + PacketVector.MAX_CAPACITY + ": " + capacity);
        }
        state = new int[capacity];
        trail = new int[capacity];
        srcEndpoint = new int[capacity];
        dstEndpoint = new int[capacity];
        ctHandle = new long[capacity];
        preNatHandle = new long[capacity];
        ctHomeSlot = new int[capacity];
        preNatHomeSlot = new int[capacity];
        frontend = new int[capacity];
        backend = new int[capacity];
        frontendHi = new long[capacity];
        frontendLo = new long[capacity];
        frontendPort = new int[capacity];
        egressVerdict = new int[capacity];
        ingressVerdict = new int[capacity];
    }

    /** @return the capacity. */
    public int capacity()
    {
        return state.length;
    }

    void reset(final int i)
    {
        state[i] = 0;
        trail[i] = 0;
        srcEndpoint[i] = NONE;
        dstEndpoint[i] = NONE;
        ctHandle[i] = ConntrackTable.NOT_FOUND;
        preNatHandle[i] = ConntrackTable.NOT_FOUND;
        frontend[i] = NONE;
        backend[i] = NONE;
        egressVerdict[i] = 0;
        ingressVerdict[i] = 0;
    }
}
