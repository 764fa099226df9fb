package dev.sluice.fastpath.conntrack;

import java.util.concurrent.TimeUnit;

/**
 * How long an entry lives after its last packet, per state, in nanoseconds. Each packet that updates an entry sets
 * its expiry to {@code nowNs + timeout(new state)}.
 *
 * @param tcpSynNs           SYN_SENT and SYN_RECV (handshake in progress)
 * @param tcpEstablishedNs   ESTABLISHED once assured
 * @param tcpUnassuredNs     a TCP flow picked up mid-stream that has not yet seen a packet from the other side
 * @param tcpFinNs           FIN_WAIT and LAST_ACK
 * @param tcpTimeWaitNs      TIME_WAIT
 * @param tcpClosedNs        CLOSED (after RST)
 * @param udpNs              UDP (and other protocols without a state machine) before a reply is seen
 * @param udpAssuredNs       UDP once a reply has been seen
 * @param icmpEchoNs         ICMP/ICMPv6 echo
 */
public record ConntrackTimeouts(
    long tcpSynNs,
    long tcpEstablishedNs,
    long tcpUnassuredNs,
    long tcpFinNs,
    long tcpTimeWaitNs,
    long tcpClosedNs,
    long udpNs,
    long udpAssuredNs,
    long icmpEchoNs)
{
    /**
     * Defaults: SYN 60 s, established 6 h (Cilium's TCP lifetime: longer than the 2 h default TCP keepalive, so an
     * idle connection with keepalives stays tracked, yet dead flows leave the table within hours rather than the
     * 5 days of Linux or the 24 h kube-proxy sets), unassured pickup 60 s, FIN 120 s, TIME_WAIT 120 s, closed
     * 10 s, UDP 30 s one-way / 120 s answered, ICMP echo 30 s.
     */
    public static final ConntrackTimeouts DEFAULTS = new ConntrackTimeouts(
        TimeUnit.SECONDS.toNanos(60),
        TimeUnit.HOURS.toNanos(6),
        TimeUnit.SECONDS.toNanos(60),
        TimeUnit.SECONDS.toNanos(120),
        TimeUnit.SECONDS.toNanos(120),
        TimeUnit.SECONDS.toNanos(10),
        TimeUnit.SECONDS.toNanos(30),
        TimeUnit.SECONDS.toNanos(120),
        TimeUnit.SECONDS.toNanos(30));

    public ConntrackTimeouts
    {
        requirePositive("tcpSynNs", tcpSynNs);
        requirePositive("tcpEstablishedNs", tcpEstablishedNs);
        requirePositive("tcpUnassuredNs", tcpUnassuredNs);
        requirePositive("tcpFinNs", tcpFinNs);
        requirePositive("tcpTimeWaitNs", tcpTimeWaitNs);
        requirePositive("tcpClosedNs", tcpClosedNs);
        requirePositive("udpNs", udpNs);
        requirePositive("udpAssuredNs", udpAssuredNs);
        requirePositive("icmpEchoNs", icmpEchoNs);
    }

    /** The timeout for a TCP entry in {@code state}; {@code assured} selects established vs unassured pickup. */
    public long tcpTimeoutNs(final int state, final boolean assured)
    {
        return switch (state)
        {
            case TcpState.SYN_SENT, TcpState.SYN_RECV -> tcpSynNs;
            case TcpState.ESTABLISHED -> assured ? tcpEstablishedNs : tcpUnassuredNs;
            case TcpState.FIN_WAIT, TcpState.LAST_ACK -> tcpFinNs;
            case TcpState.TIME_WAIT -> tcpTimeWaitNs;
            default -> tcpClosedNs;
        };
    }

    private static void requirePositive(final String name, final long valueNs)
    {
        if (valueNs <= 0)
        {
            throw new IllegalArgumentException(name + " must be positive: " + valueNs);
        }
    }
}
