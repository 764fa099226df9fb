package dev.sluice.control.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ClusterLayoutTest
{
    @Test
    void theStandardLayoutIsTheConventionsOne()
    {
        final ClusterLayout layout = ClusterLayout.standard();
        assertEquals("sl-underlay", layout.underlayNetns());
        assertEquals("sl-node-2", layout.nodeNetns(2));
        assertEquals("sl-node-1-x-a", layout.podNetns(1, "x", "a"));
        assertEquals("sl-api", layout.apiVeth());
        assertEquals("198.19.0.0/16", layout.underlayCidr());
        assertEquals("198.19.0.1", layout.nodeAddress(1));
        assertEquals("198.19.255.254", layout.apiAddress());
        assertEquals("198.18.2.0/24", ClusterLayout.podCidr(2));
        assertEquals("198.18.2.1", ClusterLayout.podGateway(2));
        assertEquals(Path.of("/run/sluice/node-1/agent.sock"), layout.endpointSocket(1));
        assertEquals(249, layout.maxNodes());
    }

    @Test
    void aUniqueLayoutHasItsOwnNamesSubnetAndRuntimeDirectory()
    {
        final ClusterLayout layout = ClusterLayout.unique("e2e");
        assertTrue(layout.prefix().matches("e2e[0-9a-f]{4}-"), layout.prefix());
        assertTrue(layout.apiVeth().length() <= 15, layout.apiVeth());
        assertEquals(24, layout.prefixLength());
        assertNotEquals("198.19.0.0/24", layout.underlayCidr());
        final int thirdOctet = Integer.parseInt(layout.underlayCidr().split("\\.")[2]);
        assertTrue(thirdOctet >= 1 && thirdOctet <= 254 && layout.underlayCidr().equals("198.19." + thirdOctet
            + ".0/24"), layout.underlayCidr());
        final String third = layout.underlayCidr().split("\\.")[2];
        assertEquals("198.19." + third + ".254", layout.apiAddress());
        assertEquals("198.19." + third + ".2", layout.nodeAddress(2));
        assertEquals(Path.of("/run/sluice", layout.prefix().replace("-", ""), "node-1"), layout.runtimeDir(1));
        assertEquals(249, layout.maxNodes());
        assertEquals(13, new ClusterLayout("t-", 0xC6130010, 28, Path.of("/tmp")).maxNodes());
    }

    @Test
    void namesAndAddressesOutsideTheRulesAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("much-too-long", 0xC6130000, 16,
            Path.of("/run/sluice")));
        assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("Bad_", 0xC6130000, 16,
            Path.of("/run/sluice")));
        // an RFC 1918 private range (0xC0A80000) is not a test range
        assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("sl-", 0xC0A80000, 16,
            Path.of("/run/sluice")));
        // host bits set
        assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("sl-", 0xC6130001, 24,
            Path.of("/run/sluice")));
        assertThrows(IllegalArgumentException.class, () -> ClusterLayout.standard().nodeAddress(0));
    }

    @Test
    void theHostVethNameIsSlAndTenHexDigitsOfTheContainerIdsSha256()
    {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assertEquals("slba7816bf8f", ClusterTopology.hostVethName("abc"));
    }
}
