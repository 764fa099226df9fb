package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IpPrefixTest
{
    private static String format(final String literal)
    {
        return IpPrefix.format(IpPrefix.literal(literal));
    }

    @Test
    void ipv6IsWrittenInTheRfc5952Form()
    {
        assertEquals("2001:2::5", format("2001:2:0:0:0:0:0:5"));
        assertEquals("::", format("0:0:0:0:0:0:0:0"));
        assertEquals("::1", format("0:0:0:0:0:0:0:1"));
        assertEquals("2001:2::", format("2001:2:0:0:0:0:0:0"));
        assertEquals("2001:2:0:1::1", format("2001:2:0:1:0:0:0:1"), "the longest run of zeros");
        assertEquals("2001:2::1:0:0:1", format("2001:2:0:0:1:0:0:1"), "the first of equal runs");
        assertEquals("2001:2:0:1:1:1:1:1", format("2001:2:0:1:1:1:1:1"), "a single zero group stays");
        assertEquals("2001:2:ab::", format("2001:2:AB::"), "lower case");
        assertEquals("198.18.1.5", format("198.18.1.5"));
        assertEquals("::/0", IpPrefix.parse("::/0").toString());
    }

    @Test
    void parsesPrefixesAndRefusesNames()
    {
        assertEquals("198.18.1.0/24", IpPrefix.parse("198.18.1.0/24").toString());
        assertEquals("198.18.1.9/32", IpPrefix.parse("198.18.1.9/24").host().toString());
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("198.18.1.0"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("198.18.1.0/x"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("2001:2::/129"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("localhost/8"));
    }
}
