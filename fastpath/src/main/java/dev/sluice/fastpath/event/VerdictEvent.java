package dev.sluice.fastpath.event;

/**
 * One verdict of the fast path about one flow, as it travels from a worker to the flow log and the flow stream.
 * A mutable slot pre-allocated in the ring ({@link VerdictEvents}); workers fill it in place, consumers copy what
 * they keep. Addresses are 128-bit (IPv4 mapped into {@code ::ffff:0:0/96}); identities and endpoint ids are the
 * compiled tables' numbers, which the control side maps back to Kubernetes objects.
 */
public final class VerdictEvent
{
    /** The flow was allowed (by policy, or because the endpoint is not isolated in that direction). */
    public static final int VERDICT_ALLOW = 1;
    /** The flow was denied by policy, or dropped for another reason ({@link #dropReason}). */
    public static final int VERDICT_DENY = 2;

    public static final int DIRECTION_EGRESS = 1;
    public static final int DIRECTION_INGRESS = 2;

    /** First packet of a connection (conntrack created the entry). */
    public static final int FLAG_NEW = 1;
    /** The packet travelled in the reply direction of its connection. */
    public static final int FLAG_REPLY = 1 << 1;
    /** Destination was a Service frontend, DNAT'ed to a backend: {@link #serviceHi}/{@link #serviceLo}/{@link #servicePort} hold the frontend. */
    public static final int FLAG_SERVICE = 1 << 2;
    /** Arrived from or leaves to another node through the Geneve tunnel. */
    public static final int FLAG_TUNNEL = 1 << 3;

    /** Monotonic nanoseconds at the worker (its duty cycle's nowNs). */
    public long timestampNs;
    public int worker;
    public int verdict;
    public int direction;
    public int flags;
    /** {@link dev.sluice.fastpath.status.DropReason} code when denied, else 0. */
    public int dropReason;
    public int protocol;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    public long serviceHi;
    public long serviceLo;
    public int servicePort;
    public int srcIdentity;
    public int dstIdentity;
    /** Local endpoint id the verdict was taken for (source for egress, destination for ingress), -1 if none. */
    public int endpointId;
    /** Policy rule id that allowed the flow, or -1 (not isolated, or denied). */
    public int ruleId;
    public long packets;
    public long bytes;

    /** Copies every field of {@code other} into this event. */
    public void copyFrom(final VerdictEvent other)
    {
        timestampNs = other.timestampNs;
        worker = other.worker;
        verdict = other.verdict;
        direction = other.direction;
        flags = other.flags;
        dropReason = other.dropReason;
        protocol = other.protocol;
        srcHi = other.srcHi;
        srcLo = other.srcLo;
        dstHi = other.dstHi;
        dstLo = other.dstLo;
        srcPort = other.srcPort;
        dstPort = other.dstPort;
        serviceHi = other.serviceHi;
        serviceLo = other.serviceLo;
        servicePort = other.servicePort;
        srcIdentity = other.srcIdentity;
        dstIdentity = other.dstIdentity;
        endpointId = other.endpointId;
        ruleId = other.ruleId;
        packets = other.packets;
        bytes = other.bytes;
    }
}
