package dev.sluice.control.model;

/**
 * One container port of a pod, the target of named ports in policies and services.
 *
 * @param name     the port name (an IANA_SVC_NAME), or {@code null} when unnamed.
 * @param port     the port number, 1..65535.
 * @param protocol the protocol (TCP when the manifest omits it).
 */
public record ContainerPortInfo(String name, int port, Protocol protocol)
{
}
