package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A Node: where its pods live and how to reach it over the underlay.
 *
 * @param name        the node name.
 * @param labels      labels, sorted, unmodifiable.
 * @param podCidrs    {@code spec.podCIDRs} (or {@code spec.podCIDR}).
 * @param internalIps {@code status.addresses} of type InternalIP.
 */
public record NodeInfo(String name, Map<String, String> labels, List<Cidr> podCidrs, List<InetAddress> internalIps)
{
    /**
     * @param name        the node name.
     * @param labels      copied.
     * @param podCidrs    copied.
     * @param internalIps copied.
     */
    public NodeInfo
    {
        labels = Immutable.sortedCopy(labels);
        podCidrs = List.copyOf(podCidrs);
        internalIps = List.copyOf(internalIps);
    }
}
