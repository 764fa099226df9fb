package dev.sluice.control.cni;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A CNI 1.0.0 result: the interfaces the plugin made, the addresses on them, the routes, and DNS (passed through
 * from IPAM).
 *
 * <pre>
 * {"cniVersion":"1.0.0",
 *  "interfaces":[{"name":"sl1a2b3c4d5e","mac":"..."},{"name":"eth0","mac":"...","sandbox":"/var/run/netns/p"}],
 *  "ips":[{"address":"198.18.1.5/32","gateway":"198.18.1.1","interface":1}],
 *  "routes":[{"dst":"198.18.1.1/32"},{"dst":"0.0.0.0/0","gw":"198.18.1.1"}],
 *  "dns":{}}
 * </pre>
 *
 * @param cniVersion the version of the result's form.
 * @param interfaces the interfaces.
 * @param ips        the addresses.
 * @param routes     the routes.
 * @param dns        DNS settings, or null.
 */
public record CniResult(String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<RouteEntry> routes,
    JsonNode dns)
{
    /**
     * @param name    the interface name.
     * @param mac     its MAC, or null.
     * @param sandbox the network namespace path for an interface inside one, else null.
     */
    public record Interface(String name, String mac, String sandbox)
    {
    }

    /**
     * @param address        address and prefix length.
     * @param gateway        the gateway, or null.
     * @param interfaceIndex index into {@code interfaces}, or null.
     */
    public record IpConfig(IpPrefix address, InetAddress gateway, Integer interfaceIndex)
    {
    }

    /**
     * @param dst the destination.
     * @param gw  the next hop, or null (the plugin's default).
     */
    public record RouteEntry(IpPrefix dst, InetAddress gw)
    {
    }

    /** Copies the lists. */
    public CniResult
    {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
    }

    /** @return the result as the spec's JSON object. */
    public ObjectNode toJson()
    {
        final ObjectNode root = NetConf.JSON.createObjectNode();
        root.put("cniVersion", cniVersion);
        final ArrayNode interfaceArray = root.putArray("interfaces");
        for (final Interface i : interfaces)
        {
            final ObjectNode node = interfaceArray.addObject();
            node.put("name", i.name());
            if (i.mac() != null)
            {
                node.put("mac", i.mac());
            }
            if (i.sandbox() != null)
            {
                node.put("sandbox", i.sandbox());
            }
        }
        final ArrayNode ipArray = root.putArray("ips");
        for (final IpConfig ip : ips)
        {
            final ObjectNode node = ipArray.addObject();
            node.put("address", ip.address().toString());
            if (ip.gateway() != null)
            {
                node.put("gateway", IpPrefix.format(ip.gateway()));
            }
            if (ip.interfaceIndex() != null)
            {
                node.put("interface", ip.interfaceIndex().intValue());
            }
        }
        final ArrayNode routeArray = root.putArray("routes");
        for (final RouteEntry route : routes)
        {
            final ObjectNode node = routeArray.addObject();
            node.put("dst", route.dst().toString());
            if (route.gw() != null)
            {
                node.put("gw", IpPrefix.format(route.gw()));
            }
        }
        if (dns != null && !dns.isNull())
        {
            root.set("dns", dns);
        }
        return root;
    }

    /**
     * Reads a result (an IPAM plugin's, or a prevResult).
     *
     * @param node the JSON object.
     * @return the result.
     * @throws IllegalArgumentException naming the field that is missing or malformed.
     */
    public static CniResult fromJson(final JsonNode node)
    {
        if (node == null || !node.isObject())
        {
            throw new IllegalArgumentException("result is not a JSON object");
        }
        final List<Interface> interfaces = new ArrayList<>();
        for (final JsonNode i : array(node, "interfaces"))
        {
            interfaces.add(new Interface(string(i, "name", true, "interfaces[].name"), string(i, "mac", false, null),
                string(i, "sandbox", false, null)));
        }
        final List<IpConfig> ips = new ArrayList<>();
        for (final JsonNode ip : array(node, "ips"))
        {
            final String gateway = string(ip, "gateway", false, null);
            final JsonNode index = ip.get("interface");
            if (index != null && !index.isNull() && (!index.isInt() || index.intValue() < 0))
            {
                throw new IllegalArgumentException("ips[].interface " + index + " is not a non-negative integer");
            }
            ips.add(new IpConfig(IpPrefix.parse(string(ip, "address", true, "ips[].address")),
                gateway == null ? null : IpPrefix.literal(gateway),
                index == null || index.isNull() ? null : index.intValue()));
        }
        final List<RouteEntry> routes = new ArrayList<>();
        for (final JsonNode route : array(node, "routes"))
        {
            final String gw = string(route, "gw", false, null);
            routes.add(new RouteEntry(IpPrefix.parse(string(route, "dst", true, "routes[].dst")),
                gw == null ? null : IpPrefix.literal(gw)));
        }
        final JsonNode version = node.get("cniVersion");
        return new CniResult(version != null && version.isString() ? version.stringValue() : null, interfaces, ips,
            routes, node.get("dns"));
    }

    private static List<JsonNode> array(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return List.of();
        }
        if (!value.isArray())
        {
            throw new IllegalArgumentException(field + " is not an array");
        }
        final List<JsonNode> out = new ArrayList<>();
        value.forEach(out::add);
        return out;
    }

    private static String string(final JsonNode node, final String field, final boolean required, final String label)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            if (required)
            {
                throw new IllegalArgumentException(label + " is missing");
            }
            return null;
        }
        if (!value.isString())
        {
            throw new IllegalArgumentException(field + " " + value + " is not a string");
        }
        return value.stringValue();
    }
}
