package dev.sluice.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AddressesTest
{
    @Test
    void ipv4IsStoredMappedAndPrintedDotted()
    {
        assertArrayEquals(new long[] { 0, 0x0000_FFFF_C612_0102L }, Addresses.parse("198.18.1.2"));
        assertEquals("198.18.1.2", Addresses.format(0, 0x0000_FFFF_C612_0102L));
    }

    @Test
    void ipv6RoundTripsInRfc5952Form()
    {
        for (final String text : new String[] { "2001:2::1", "2001:2:0:1::2", "::", "2001:2::", "2001:2:1:1:1:1:1:1",
            "2001:0:0:1::1" })
        {
            final long[] a = Addresses.parse(text);
            assertEquals(text, Addresses.format(a[0], a[1]));
        }
        final long[] a = Addresses.parse("2001:0002:0000:0000:0000:0000:0000:0001");
        assertEquals(0x2001_0002_0000_0000L, a[0]);
        assertEquals(1L, a[1]);
    }

    @Test
    void hostNamesAndGarbageAreRejectedWithTheValue()
    {
        for (final String bad : new String[] { "", "localhost", "198.18.1", "198.18.1.256", "2001:::1", "1.2.3.4/8" })
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Addresses.parse(bad));
            assertEquals(true, e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
