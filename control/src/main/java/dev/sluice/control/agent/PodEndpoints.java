package dev.sluice.control.agent;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.control.model.PodRef;
import dev.sluice.fastpath.table.LocalEndpoints;

/**
 * The pods bound to the fast path by CNI ADD: per container, the pod, its port, MAC and addresses. The endpoint
 * handler writes it; the table compiler ({@link EndpointPorts}, control thread) and the control loop
 * ({@link ControlAgent.CniAddresses}) read it without blocking.
 */
public final class PodEndpoints implements EndpointPorts, ControlAgent.CniAddresses
{
    /**
     * One bound pod.
     *
     * @param containerId   the CNI container id.
     * @param pod           the pod.
     * @param hostInterface the host-side veth.
     * @param port          its fast-path port id.
     * @param mac           the pod interface's MAC (low 48 bits).
     * @param ips           the addresses IPAM gave it.
     */
    public record Binding(String containerId, PodRef pod, String hostInterface, int port, long mac, List<String> ips)
    {
        /** Copies. */
        public Binding
        {
            Objects.requireNonNull(containerId, "containerId");
            Objects.requireNonNull(pod, "pod");
            ips = List.copyOf(ips);
        }
    }

    private final Map<String, Binding> byContainer = new ConcurrentHashMap<>();
    private final Map<PodRef, Binding> byPod = new ConcurrentHashMap<>();

    /**
     * @param binding a new binding (replaces any of the same pod).
     */
    public void put(final Binding binding)
    {
        byContainer.put(binding.containerId(), binding);
        byPod.put(binding.pod(), binding);
    }

    /**
     * @param containerId a container.
     * @return its binding, removed, or null.
     */
    public Binding remove(final String containerId)
    {
        final Binding binding = byContainer.remove(containerId);
        if (binding != null)
        {
            byPod.remove(binding.pod(), binding);
        }
        return binding;
    }

    /**
     * @param containerId a container.
     * @return its binding or null.
     */
    public Binding byContainer(final String containerId)
    {
        return byContainer.get(containerId);
    }

    /**
     * @param pod a pod.
     * @return its binding or null.
     */
    public Binding byPod(final PodRef pod)
    {
        return byPod.get(pod);
    }

    /** @return the bindings now. */
    public List<Binding> all()
    {
        return List.copyOf(byContainer.values());
    }

    /** @return pods bound. */
    public int size()
    {
        return byContainer.size();
    }

    @Override
    public int portOf(final PodRef pod)
    {
        final Binding binding = byPod.get(pod);
        return binding == null ? LocalEndpoints.NO_PORT : binding.port();
    }

    @Override
    public long macOf(final PodRef pod)
    {
        final Binding binding = byPod.get(pod);
        return binding == null ? 0 : binding.mac();
    }

    @Override
    public List<String> addressesOf(final PodRef pod)
    {
        final Binding binding = byPod.get(pod);
        return binding == null ? List.of() : binding.ips();
    }
}
