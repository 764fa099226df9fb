package dev.sluice.control.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AgentNodePortRangeTest
{
    @Test
    void parsesRangesSinglePortsAndOff()
    {
        assertArrayEquals(new int[] { 30000, 32767 }, AgentCommand.nodePortRange("30000-32767"));
        assertArrayEquals(new int[] { 31000, 31000 }, AgentCommand.nodePortRange("31000"));
        assertArrayEquals(new int[] { 0, 0 }, AgentCommand.nodePortRange("off"));
    }

    @Test
    void refusesMalformedRangesNamingThem()
    {
        for (final String bad : new String[] { "32767-30000", "0-10", "30000-70000", "a-b", "30000-", "" })
        {
            assertEquals("--nodeport-range " + bad + ": need MIN-MAX within 1-65535, MIN <= MAX, or off",
                assertThrows(IllegalArgumentException.class, () -> AgentCommand.nodePortRange(bad)).getMessage(),
                bad);
        }
    }
}
