package dev.sluice.fastpath.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.GeneveOutcome;
import org.junit.jupiter.api.Test;

class TunnelDropReasonsTest
{
    @Test
    void everyGeneveDropOutcomeHasItsOwnReasonInTheTunnelRange()
    {
        final Set<DropReason> seen = new HashSet<>();
        for (int outcome = 1; outcome < GeneveOutcome.COUNT; outcome++)
        {
            final DropReason reason = TunnelDropReasons.of(outcome);
            assertTrue(reason.code() >= 64 && reason.code() <= 95, reason + " outside 64-95");
            assertTrue(seen.add(reason), "two outcomes share " + reason);
        }
        assertThrows(IllegalArgumentException.class, () -> TunnelDropReasons.of(GeneveOutcome.OK));
        assertThrows(IllegalArgumentException.class, () -> TunnelDropReasons.of(GeneveOutcome.COUNT));
    }

    @Test
    void codesAreStable()
    {
        // Counter ids and metric keys: these numbers must never change.
        assertEquals(64, DropReason.TUNNEL_FRAME_TOO_SHORT.code());
        assertEquals(76, DropReason.TUNNEL_UNKNOWN_PEER.code());
        assertEquals(78, DropReason.TUNNEL_GENEVE_BAD_VERSION.code());
        assertEquals(79, DropReason.TUNNEL_GENEVE_OAM.code());
        assertEquals(80, DropReason.TUNNEL_GENEVE_BAD_PROTOCOL.code());
        assertEquals(83, DropReason.TUNNEL_GENEVE_UNKNOWN_CRITICAL_OPTION.code());
        assertEquals(85, DropReason.TUNNEL_NO_HEADROOM.code());
        assertEquals(87, DropReason.TUNNEL_NO_PEER.code());
        assertEquals(88, DropReason.TUNNEL_MTU_EXCEEDED.code());
        assertEquals(89, DropReason.TUNNEL_NO_NEXT_HOP.code());
        assertEquals(91, DropReason.TUNNEL_TO_SELF.code());
        assertEquals(DropReason.TUNNEL_GENEVE_OAM, TunnelDropReasons.of(GeneveOutcome.GENEVE_OAM));
        assertEquals(DropReason.TUNNEL_NO_HEADROOM, TunnelDropReasons.of(GeneveOutcome.ENCAP_NO_HEADROOM));
    }
}
