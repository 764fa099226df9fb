package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A Service, as the service NAT needs it.
 *
 * @param ref                    namespace and name.
 * @param type                   ClusterIP, NodePort, LoadBalancer or ExternalName.
 * @param clusterIps             {@code spec.clusterIPs} (or {@code spec.clusterIP}); empty for headless services.
 * @param selector               {@code spec.selector}, sorted, unmodifiable.
 * @param ports                  the service ports.
 * @param externalIps            {@code spec.externalIPs}.
 * @param loadBalancerIps        {@code status.loadBalancer.ingress[].ip}.
 * @param clientIpAffinity       {@code sessionAffinity: ClientIP}.
 * @param affinityTimeoutSeconds the ClientIP affinity timeout (Kubernetes default 10800).
 * @param internalTrafficLocal   {@code internalTrafficPolicy: Local}.
 * @param externalTrafficLocal   {@code externalTrafficPolicy: Local}.
 */
public record ServiceInfo(ObjectRef ref, String type, List<InetAddress> clusterIps, Map<String, String> selector,
    List<Port> ports, List<InetAddress> externalIps, List<InetAddress> loadBalancerIps, boolean clientIpAffinity,
    int affinityTimeoutSeconds, boolean internalTrafficLocal, boolean externalTrafficLocal)
{
    /** The Kubernetes default ClientIP affinity timeout: 3 hours. */
    public static final int DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

    /**
     * Copies every collection.
     */
    public ServiceInfo
    {
        clusterIps = List.copyOf(clusterIps);
        selector = Immutable.sortedCopy(selector);
        ports = List.copyOf(ports);
        externalIps = List.copyOf(externalIps);
        loadBalancerIps = List.copyOf(loadBalancerIps);
    }

    /**
     * One service port.
     *
     * @param name             the port name (may be null for a single unnamed port).
     * @param protocol         the protocol.
     * @param port             the service port.
     * @param targetPortNumber the numeric target port, or 0 when the target port is named.
     * @param targetPortName   the named target port (resolved per endpoint), or {@code null}.
     * @param nodePort         the node port, or 0.
     */
    public record Port(String name, Protocol protocol, int port, int targetPortNumber, String targetPortName,
        int nodePort)
    {
    }
}
