package dev.sluice.control.model;

import java.net.InetAddress;
import java.util.List;

/**
 * An EndpointSlice (discovery.k8s.io/v1) of address type IPv4 or IPv6.
 *
 * @param ref         namespace and name.
 * @param serviceName the {@code kubernetes.io/service-name} label, or {@code null}.
 * @param ipv4        true for addressType IPv4, false for IPv6.
 * @param ports       the ports, by name, of every endpoint in the slice.
 * @param endpoints   the endpoints.
 */
public record EndpointSliceInfo(ObjectRef ref, String serviceName, boolean ipv4, List<Port> ports,
    List<Endpoint> endpoints)
{
    /** The label tying a slice to its service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /**
     * Copies the lists.
     */
    public EndpointSliceInfo
    {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    /**
     * A slice port.
     *
     * @param name     the name (matches the service port name), or {@code null}.
     * @param protocol the protocol.
     * @param port     the port number on the endpoints.
     */
    public record Port(String name, Protocol protocol, int port)
    {
    }

    /**
     * One endpoint. Conditions follow the API: a missing {@code ready} means ready, a missing {@code serving}
     * means the same as ready, a missing {@code terminating} means false.
     *
     * @param addresses   its addresses (usually one).
     * @param ready       the ready condition.
     * @param serving     the serving condition.
     * @param terminating the terminating condition.
     * @param nodeName    the node it runs on, or {@code null}.
     * @param pod         the pod it targets, or {@code null}.
     */
    public record Endpoint(List<InetAddress> addresses, boolean ready, boolean serving, boolean terminating,
        String nodeName, PodRef pod)
    {
        /**
         * Copies the addresses.
         */
        public Endpoint
        {
            addresses = List.copyOf(addresses);
        }
    }
}
