package dev.sluice.control.cluster;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Names and addresses of a one-machine cluster (the conventions of the node end-to-end work):
 * <pre>
 *   netns PREFIX"underlay"          bridge br0; veth un-N per node, un-api for the API server
 *   netns PREFIX"node-N"            uplink eth0 = UNDERLAY.N (peer un-N on br0); the agent runs here
 *   netns PREFIX"node-N-NS-POD"     a pod of node N (eth0 made by the CNI plugin)
 *   root netns: veth PREFIX"api"    the last-but-one underlay address (peer un-api on br0): the API server
 *   node N: Node "node-N", podCIDR 198.18.N.0/24, gateway 198.18.N.1, runtime dir RUNTIME/node-N
 * </pre>
 * {@link #standard()} is the demo's ({@code sl-} names, underlay 198.19.0.0/16, API 198.19.255.254,
 * {@code /run/sluice}); {@link #unique(String)} gives a test its own names, a /24 of 198.19.0.0/16 (a more specific
 * route than the demo's /16, so both can run at once) and its own runtime directory.
 *
 * @param prefix        prefix of every namespace name and of the root-netns veth (at most 11 characters).
 * @param underlayBase  the underlay network address (IPv4, as an int).
 * @param prefixLength  the underlay prefix length (16..29).
 * @param runtimeRoot   per-node runtime files (endpoint socket, IPAM data) go to {@code runtimeRoot/node-N}.
 */
public record ClusterLayout(String prefix, int underlayBase, int prefixLength, Path runtimeRoot)
{
    /** The Geneve-free pod MTU is the agent's business; the underlay links use the default Ethernet MTU. */
    public static final int UNDERLAY_MTU = 1500;

    /**
     * Checks the names fit the kernel's limits and the addresses the test ranges.
     */
    public ClusterLayout
    {
        if (prefix.isEmpty() || prefix.length() > 11 || !prefix.matches("[a-z0-9-]+"))
        {
            throw new IllegalArgumentException("prefix must be 1..11 characters of [a-z0-9-]: " + prefix);
        }
        if (prefixLength < 16 || prefixLength > 29)
        {
            throw new IllegalArgumentException("underlay prefix length must be 16..29: " + prefixLength);
        }
        if ((underlayBase & 0xFFFF0000) != 0xC6130000 || (underlayBase & ~mask(prefixLength)) != 0)
        {
            throw new IllegalArgumentException("underlay must be a network inside 198.19.0.0/16: "
                + dotted(underlayBase) + "/" + prefixLength);
        }
    }

    /**
     * @return the demo's layout: {@code sl-} names, underlay 198.19.0.0/16, runtime files in {@code /run/sluice}.
     */
    public static ClusterLayout standard()
    {
        return new ClusterLayout("sl-", 0xC6130000, 16, Path.of("/run/sluice"));
    }

    /**
     * @param role a short tag naming who made it (e.g. {@code e2e}), at most 5 characters.
     * @return a layout of its own: names {@code ROLE + 4 random hex + "-"}, a random /24 of 198.19.0.0/16 (not the
     *     demo's 198.19.0.0/24 or 198.19.255.0/24), runtime files in {@code /run/sluice/PREFIX}.
     */
    public static ClusterLayout unique(final String role)
    {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final String prefix = role + HexFormat.of().toHexDigits((short)random.nextInt()) + "-";
        final int third = 1 + random.nextInt(254);
        return new ClusterLayout(prefix, 0xC6130000 | third << 8, 24,
            Path.of("/run/sluice", prefix.substring(0, prefix.length() - 1)));
    }

    /**
     * @return how many nodes fit: underlay addresses (minus the API server's and broadcast), pod CIDRs up to
     *     198.18.249.0/24.
     */
    public int maxNodes()
    {
        return Math.min(249, (1 << (32 - prefixLength)) - 3);
    }

    /**
     * @return the underlay namespace.
     */
    public String underlayNetns()
    {
        return prefix + "underlay";
    }

    /**
     * @param node 1-based node index.
     * @return the node's name in the API ({@code node-N}).
     */
    public static String nodeName(final int node)
    {
        return "node-" + node;
    }

    /**
     * @param node 1-based node index.
     * @return the node's network namespace.
     */
    public String nodeNetns(final int node)
    {
        return prefix + nodeName(node);
    }

    /**
     * @param node      1-based node index.
     * @param namespace the pod's namespace.
     * @param pod       the pod's name.
     * @return the pod's network namespace.
     */
    public String podNetns(final int node, final String namespace, final String pod)
    {
        return prefix + nodeName(node) + "-" + namespace + "-" + pod;
    }

    /**
     * @return the root-netns end of the API server veth.
     */
    public String apiVeth()
    {
        return prefix + "api";
    }

    /**
     * @return the underlay prefix, e.g. {@code 198.19.0.0/16}.
     */
    public String underlayCidr()
    {
        return dotted(underlayBase) + "/" + prefixLength;
    }

    /**
     * @param node 1-based node index.
     * @return the node's underlay address (no prefix length).
     */
    public String nodeAddress(final int node)
    {
        if (node < 1 || node > maxNodes())
        {
            throw new IllegalArgumentException("node index out of range 1.." + maxNodes() + ": " + node);
        }
        return dotted(underlayBase + node);
    }

    /**
     * @return the API server's address (the last-but-one of the underlay).
     */
    public String apiAddress()
    {
        return dotted(underlayBase + (1 << (32 - prefixLength)) - 2);
    }

    /**
     * @param node 1-based node index.
     * @return its pod CIDR, {@code 198.18.N.0/24}.
     */
    public static String podCidr(final int node)
    {
        return "198.18." + node + ".0/24";
    }

    /**
     * @param node 1-based node index.
     * @return its pods' gateway, {@code 198.18.N.1}.
     */
    public static String podGateway(final int node)
    {
        return "198.18." + node + ".1";
    }

    /**
     * @param node 1-based node index.
     * @return the node's runtime directory (endpoint socket, IPAM data).
     */
    public Path runtimeDir(final int node)
    {
        return runtimeRoot.resolve(nodeName(node));
    }

    /**
     * @param node 1-based node index.
     * @return the agent's endpoint socket, which the CNI plugin calls.
     */
    public Path endpointSocket(final int node)
    {
        return runtimeDir(node).resolve("agent.sock");
    }

    private static int mask(final int length)
    {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    static String dotted(final int address)
    {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }
}
