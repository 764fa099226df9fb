package dev.sluice.fastpath.tunnel;

import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.GeneveOutcome;

/**
 * The fixed mapping from {@link GeneveOutcome} drop codes (the codec's) to {@link DropReason}s (the fast path's
 * counter ids, 64-95). One reason per outcome, so every decap/encap failure is counted under its own key; the
 * mapping is a table, not arithmetic, so that either side can append codes without renumbering the other.
 */
public final class TunnelDropReasons
{
    private static final DropReason[] BY_OUTCOME = new DropReason[GeneveOutcome.COUNT];

    static
    {
        BY_OUTCOME[GeneveOutcome.FRAME_TOO_SHORT] = DropReason.TUNNEL_FRAME_TOO_SHORT;
        BY_OUTCOME[GeneveOutcome.NOT_IP] = DropReason.TUNNEL_NOT_IP;
        BY_OUTCOME[GeneveOutcome.IPV4_BAD_HEADER] = DropReason.TUNNEL_IPV4_BAD_HEADER;
        BY_OUTCOME[GeneveOutcome.IPV4_BAD_CHECKSUM] = DropReason.TUNNEL_IPV4_BAD_CHECKSUM;
        BY_OUTCOME[GeneveOutcome.IPV4_BAD_LENGTH] = DropReason.TUNNEL_IPV4_BAD_LENGTH;
        BY_OUTCOME[GeneveOutcome.IPV4_FRAGMENT] = DropReason.TUNNEL_IPV4_FRAGMENT;
        BY_OUTCOME[GeneveOutcome.IPV6_BAD_HEADER] = DropReason.TUNNEL_IPV6_BAD_HEADER;
        BY_OUTCOME[GeneveOutcome.IPV6_BAD_LENGTH] = DropReason.TUNNEL_IPV6_BAD_LENGTH;
        BY_OUTCOME[GeneveOutcome.NOT_UDP] = DropReason.TUNNEL_NOT_UDP;
        BY_OUTCOME[GeneveOutcome.UDP_BAD_LENGTH] = DropReason.TUNNEL_UDP_BAD_LENGTH;
        BY_OUTCOME[GeneveOutcome.UDP_WRONG_PORT] = DropReason.TUNNEL_UDP_WRONG_PORT;
        BY_OUTCOME[GeneveOutcome.UDP_BAD_CHECKSUM] = DropReason.TUNNEL_UDP_BAD_CHECKSUM;
        BY_OUTCOME[GeneveOutcome.UNKNOWN_PEER] = DropReason.TUNNEL_UNKNOWN_PEER;
        BY_OUTCOME[GeneveOutcome.GENEVE_TRUNCATED] = DropReason.TUNNEL_GENEVE_TRUNCATED;
        BY_OUTCOME[GeneveOutcome.GENEVE_BAD_VERSION] = DropReason.TUNNEL_GENEVE_BAD_VERSION;
        BY_OUTCOME[GeneveOutcome.GENEVE_OAM] = DropReason.TUNNEL_GENEVE_OAM;
        BY_OUTCOME[GeneveOutcome.GENEVE_BAD_PROTOCOL] = DropReason.TUNNEL_GENEVE_BAD_PROTOCOL;
        BY_OUTCOME[GeneveOutcome.GENEVE_CRITICAL_FLAG] = DropReason.TUNNEL_GENEVE_CRITICAL_FLAG;
        BY_OUTCOME[GeneveOutcome.GENEVE_BAD_OPTION] = DropReason.TUNNEL_GENEVE_BAD_OPTION;
        BY_OUTCOME[GeneveOutcome.GENEVE_UNKNOWN_CRITICAL_OPTION] = DropReason.TUNNEL_GENEVE_UNKNOWN_CRITICAL_OPTION;
        BY_OUTCOME[GeneveOutcome.INNER_TOO_SHORT] = DropReason.TUNNEL_INNER_TOO_SHORT;
        BY_OUTCOME[GeneveOutcome.ENCAP_NO_HEADROOM] = DropReason.TUNNEL_NO_HEADROOM;
        BY_OUTCOME[GeneveOutcome.ENCAP_TOO_LONG] = DropReason.TUNNEL_TOO_LONG;
        for (int code = 1; code < BY_OUTCOME.length; code++)
        {
            if (BY_OUTCOME[code] == null)
            {
                throw new IllegalStateException("GeneveOutcome " + GeneveOutcome.name(code) + " has no DropReason");
            }
        }
    }

    private TunnelDropReasons()
    {
    }

    /**
     * @param outcome a {@link GeneveOutcome} drop code (not {@link GeneveOutcome#OK}).
     * @return its drop reason.
     * @throws IllegalArgumentException for OK or an unknown code (a programming error, never packet content).
     */
    public static DropReason of(final int outcome)
    {
        if (outcome <= GeneveOutcome.OK || outcome >= BY_OUTCOME.length)
        {
            throw new IllegalArgumentException("not a GeneveOutcome drop code: " + outcome);
        }
        return BY_OUTCOME[outcome];
    }
}
