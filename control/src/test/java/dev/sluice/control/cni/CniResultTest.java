package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CniResultTest
{
    private static JsonNode json(final String text)
    {
        return NetConf.JSON.readTree(text);
    }

    @Test
    void writesTheSpecShape()
    {
        final CniResult result = new CniResult("1.0.0", List.of(
            new CniResult.Interface("sl0123456789", "02:00:00:00:00:0a", null),
            new CniResult.Interface("eth0", "02:00:00:00:00:0b", "/var/run/netns/p")),
            List.of(new CniResult.IpConfig(IpPrefix.parse("198.18.1.5/32"), IpPrefix.literal("198.18.1.1"), 1)),
            List.of(new CniResult.RouteEntry(IpPrefix.parse("198.18.1.1/32"), null),
                new CniResult.RouteEntry(IpPrefix.parse("0.0.0.0/0"), IpPrefix.literal("198.18.1.1"))),
            json("{}"));
        assertEquals("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"sl0123456789\",\"mac\":" +
            "\"02:00:00:00:00:0a\"},{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:0b\"," +
            "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"198.18.1.5/32\"," +
            "\"gateway\":\"198.18.1.1\",\"interface\":1}],\"routes\":[{\"dst\":\"198.18.1.1/32\"}," +
            "{\"dst\":\"0.0.0.0/0\",\"gw\":\"198.18.1.1\"}],\"dns\":{}}", result.toJson().toString());
        assertEquals(result.toJson(), CniResult.fromJson(result.toJson()).toJson(), "round trip");
    }

    @Test
    void readsHostLocalsResult()
    {
        final CniResult ipam = CniResult.fromJson(json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":" +
            "\"198.18.79.2/24\",\"gateway\":\"198.18.79.1\"},{\"address\":\"2001:2::5/64\"," +
            "\"gateway\":\"2001:2::1\"}],\"dns\":{}}"));
        assertEquals(List.of(), ipam.interfaces());
        assertEquals("198.18.79.2/24", ipam.ips().get(0).address().toString());
        assertEquals("198.18.79.2/32", ipam.ips().get(0).address().host().toString());
        assertEquals("2001:2::5/128", ipam.ips().get(1).address().host().toString());
        assertNull(ipam.ips().get(0).interfaceIndex());
        assertEquals(IpPrefix.literal("198.18.79.1"), ipam.ips().get(0).gateway());
    }

    @Test
    void malformedResultsNameTheField()
    {
        final IllegalArgumentException noAddress = assertThrows(IllegalArgumentException.class,
            () -> CniResult.fromJson(json("{\"ips\":[{\"gateway\":\"198.18.1.1\"}]}")));
        assertTrue(noAddress.getMessage().contains("ips[].address"), noAddress.getMessage());
        final IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
            () -> CniResult.fromJson(json("{\"ips\":[{\"address\":\"example.com/32\"}]}")));
        assertTrue(host.getMessage().contains("example.com"), host.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CniResult.fromJson(json("{\"routes\":{}}")));
        assertThrows(IllegalArgumentException.class,
            () -> CniResult.fromJson(json("{\"ips\":[{\"address\":\"198.18.1.5/33\"}]}")));
        assertThrows(IllegalArgumentException.class,
            () -> CniResult.fromJson(json("{\"ips\":[{\"address\":\"198.18.1.5/32\",\"interface\":-1}]}")));
    }
}
