package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SluiceCniPluginTest
{
    @Test
    void hostInterfaceIsSlAndTenHexDigitsOfTheContainersSha256()
    {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 example)
        assertEquals("slba7816bf8f", SluiceCniPlugin.hostInterfaceName("abc"));
        assertTrue(SluiceCniPlugin.hostInterfaceName("x".repeat(64)).length() <= 15);
    }

    @Test
    void theMtuIsTheSmallerOfConfigurationAndAgent()
    {
        assertEquals(1400, SluiceCniPlugin.effectiveMtu(0, 1400));
        assertEquals(1450, SluiceCniPlugin.effectiveMtu(1450, 0));
        assertEquals(1400, SluiceCniPlugin.effectiveMtu(1450, 1400));
        assertEquals(1300, SluiceCniPlugin.effectiveMtu(1300, 1400));
        assertEquals(0, SluiceCniPlugin.effectiveMtu(0, 0));
    }

    @Test
    void macsAndArgsHelpers()
    {
        assertArrayEquals(new byte[] { 2, 0x53, 0x4c, 0, 0, (byte)0xfe }, Macs.parse("02:53:4C:00:00:fe"));
        assertEquals("02:53:4c:00:00:fe", Macs.format(Macs.parse("02:53:4c:00:00:fe")));
        assertThrows(IllegalArgumentException.class, () -> Macs.parse("02-53-4c-00-00-fe"));
        assertThrows(IllegalArgumentException.class, () -> Macs.parse(null));
        assertTrue(IpamDelegate.ignoresUnknown("K8S_POD_NAME=a;IgnoreUnknown=1"));
        assertTrue(IpamDelegate.ignoresUnknown("ignoreunknown=true"));
        assertFalse(IpamDelegate.ignoresUnknown("K8S_POD_NAME=IgnoreUnknown=1"));
    }
}
