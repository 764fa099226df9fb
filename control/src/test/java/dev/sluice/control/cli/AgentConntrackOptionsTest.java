package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTimeouts;
import org.junit.jupiter.api.Test;

class AgentConntrackOptionsTest
{
    @Test
    void sizesTheTableForTheEntriesAndSetsOnlyTheUnansweredUdpTimeout()
    {
        final ConntrackConfig config = AgentCommand.conntrackConfig(262_144, 2);
        assertEquals(262_144, config.maxEntries());
        assertEquals(1 << 19, config.capacity());
        assertEquals(TimeUnit.SECONDS.toNanos(2), config.timeouts().udpNs());
        assertEquals(ConntrackTimeouts.DEFAULTS.udpAssuredNs(), config.timeouts().udpAssuredNs());
        assertEquals(ConntrackTimeouts.DEFAULTS.tcpEstablishedNs(), config.timeouts().tcpEstablishedNs());

        final ConntrackConfig small = AgentCommand.conntrackConfig(1000, 30);
        assertEquals(1000, small.maxEntries());
        assertEquals(2048, small.capacity());
    }

    @Test
    void refusesValuesOutOfRangeNamingTheOption()
    {
        assertEquals("--conntrack-entries 0: need 1..67108864",
            assertThrows(IllegalArgumentException.class, () -> AgentCommand.conntrackConfig(0, 30)).getMessage());
        assertEquals("--conntrack-udp-timeout-s 0: need 1..86400",
            assertThrows(IllegalArgumentException.class, () -> AgentCommand.conntrackConfig(10, 0)).getMessage());
    }
}
