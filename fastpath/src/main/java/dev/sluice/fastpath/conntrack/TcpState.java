package dev.sluice.fastpath.conntrack;

/**
 * TCP states of a tracked connection, as stored in {@link ConntrackDescriptor#TCP_STATE_OFFSET}. A simplification
 * of the Linux nf_conntrack TCP states (include/uapi/linux/netfilter/nf_conntrack_tcp.h): no LISTEN/SYN_SENT2, and
 * CLOSE_WAIT folded into {@link #FIN_WAIT} (one side has sent FIN) since a middlebox cannot tell them apart
 * without tracking which side has acknowledged what. Values are stable (they are stored in entries).
 *
 * <pre>
 *   (none) --SYN--> SYN_SENT --SYN+ACK(reply)--> SYN_RECV --ACK(orig)--> ESTABLISHED --FIN--> FIN_WAIT
 *   FIN_WAIT --FIN(other side)--> LAST_ACK --ACK(from the side of the first FIN)--> TIME_WAIT
 *   any --RST--> CLOSED;  TIME_WAIT/CLOSED --SYN--> SYN_SENT (a new connection reuses the tuple)
 * </pre>
 */
public final class TcpState
{
    /** Not a TCP entry (UDP, ICMP, other protocols). */
    public static final int NONE = 0;
    public static final int SYN_SENT = 1;
    public static final int SYN_RECV = 2;
    public static final int ESTABLISHED = 3;
    /** One side has sent FIN (covers Linux FIN_WAIT and CLOSE_WAIT). */
    public static final int FIN_WAIT = 4;
    /** Both sides have sent FIN; the final ACK is pending. */
    public static final int LAST_ACK = 5;
    public static final int TIME_WAIT = 6;
    /** Closed by RST. */
    public static final int CLOSED = 7;

    private static final String[] NAMES =
        { "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSED" };

    /** TCP header flag bits (RFC 9293 section 3.1), as in {@code PacketVector.tcpFlags}. */
    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;

    private TcpState()
    {
    }

    /** The state's name, for dumps and tests; not for the packet path. */
    public static String name(final int state)
    {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "UNKNOWN(" + state + ")";
    }
}
