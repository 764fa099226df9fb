package dev.sluice.perf.bench;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.sluice.control.cluster.Shell;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A pod's side of its link as a generator needs it: the MAC of its interface and the MAC of the gateway it has a
 * permanent neighbour entry for (the sluice-cni plugin installs one, so frames leave the pod without ARP), read
 * with {@code ip -json} inside the pod's namespace.
 *
 * @param mac        the pod interface's MAC ({@code aa:bb:cc:dd:ee:ff}).
 * @param gatewayMac the gateway's MAC.
 */
public record SluicePodLink(String mac, String gatewayMac)
{
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Checks both are MACs.
     */
    public SluicePodLink
    {
        if (mac == null || !MAC.matcher(mac).matches())
        {
            throw new IllegalArgumentException("not a MAC: " + mac);
        }
        if (gatewayMac == null || !MAC.matcher(gatewayMac).matches())
        {
            throw new IllegalArgumentException("not a MAC: " + gatewayMac);
        }
    }

    /**
     * Read the link of a pod.
     *
     * @param netns     the pod's network namespace.
     * @param device    its interface (e.g. {@code eth0}).
     * @param gatewayIp the gateway address.
     * @return the MACs.
     * @throws IOException when {@code ip} fails or the gateway has no permanent neighbour entry.
     */
    public static SluicePodLink of(final String netns, final String device, final String gatewayIp) throws IOException
    {
        final String link = Shell.run(List.of("ip", "-n", netns, "-json", "link", "show", "dev", device), Map.of(),
            null, Shell.SHORT).check().stdout();
        final String neighbours = Shell.run(List.of("ip", "-n", netns, "-json", "neigh", "show", "dev", device),
            Map.of(), null, Shell.SHORT).check().stdout();
        return parse(link, neighbours, gatewayIp);
    }

    /**
     * @param linkJson      {@code ip -json link show dev DEV}.
     * @param neighbourJson {@code ip -json neigh show dev DEV}.
     * @param gatewayIp     the gateway address.
     * @return the MACs.
     * @throws IOException when the link has no address or the gateway no permanent entry.
     */
    static SluicePodLink parse(final String linkJson, final String neighbourJson, final String gatewayIp)
        throws IOException
    {
        final JsonNode links = JSON.readTree(linkJson);
        if (!links.isArray() || links.isEmpty() || !links.get(0).hasNonNull("address"))
        {
            throw new IOException("no link address in: " + linkJson);
        }
        final String mac = links.get(0).get("address").asString();
        for (final JsonNode entry : JSON.readTree(neighbourJson))
        {
            if (gatewayIp.equals(entry.path("dst").asString()) && entry.hasNonNull("lladdr")
                && entry.path("state").toString().contains("PERMANENT"))
            {
                return new SluicePodLink(mac, entry.get("lladdr").asString());
            }
        }
        throw new IOException("no permanent neighbour entry for the gateway " + gatewayIp + " in: " + neighbourJson);
    }
}
