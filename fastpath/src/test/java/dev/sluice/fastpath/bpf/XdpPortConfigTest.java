package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class XdpPortConfigTest
{
    @Test
    void encodesTheCStructImage()
    {
        final XdpPortConfig config = XdpPortConfig.uplink(XdpProgramVerdictTest.ipv4("198.18.0.1"),
            XdpProgramVerdictTest.ipv6("2001:2::1")).withGenevePort(7000).withFallback(XdpFallback.DROP)
            .withNodePorts(30000, 32767);

        // x86-64 is little-endian: host-order fields appear byte-swapped, addresses stay in network order
        final String expected =
            "02000000" + // role UPLINK
            "01000000" + // fallback XDP_DROP
            "581b" + // geneve_port 7000
            "0300" + // flags NODE_IPV4 | NODE_IPV6
            "c6120001" + // 198.18.0.1
            "20010002000000000000000000000001" + // 2001:2::1
            "3075" + // nodeport_min 30000
            "ff7f"; // nodeport_max 32767
        assertArrayEquals(HexFormat.of().parseHex(expected), encode(config));
    }

    @Test
    void podHasNoAddressesAndFailsClosed()
    {
        final XdpPortConfig pod = XdpPortConfig.pod();

        assertEquals(XdpFallback.DROP, pod.fallback());
        assertArrayEquals(HexFormat.of().parseHex("01000000" + "01000000" + "c117" + "0000" + "00".repeat(24)),
            encode(pod));
    }

    @Test
    void rejectsInvalidValuesNamingThem()
    {
        assertEquals("genevePort out of range 1..65535: 65536", assertThrows(IllegalArgumentException.class,
            () -> XdpPortConfig.pod().withGenevePort(65536)).getMessage());
        assertEquals("genevePort out of range 1..65535: 0", assertThrows(IllegalArgumentException.class,
            () -> XdpPortConfig.pod().withGenevePort(0)).getMessage());
        assertEquals("an uplink needs the node's IPv4 or IPv6 address (both null)",
            assertThrows(IllegalArgumentException.class, () -> XdpPortConfig.uplink(null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> XdpPortConfig.pod().withFallback(null));
        assertEquals("NodePort range must be 0-0 (off) or within 1..65535 and ordered: 32767-30000",
            assertThrows(IllegalArgumentException.class, () -> XdpPortConfig.pod().withNodePorts(32767, 30000))
                .getMessage());
        assertEquals("NodePort range must be 0-0 (off) or within 1..65535 and ordered: 0-30000",
            assertThrows(IllegalArgumentException.class, () -> XdpPortConfig.pod().withNodePorts(0, 30000))
                .getMessage());
        assertEquals("NodePort range must be 0-0 (off) or within 1..65535 and ordered: 30000-65536",
            assertThrows(IllegalArgumentException.class, () -> XdpPortConfig.pod().withNodePorts(30000, 65536))
                .getMessage());
    }

    private static byte[] encode(final XdpPortConfig config)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(XdpConfigDescriptor.LENGTH, 8);
            segment.fill((byte)0x5a); // encode must overwrite every byte, padding included
            config.encode(segment);
            return segment.toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
