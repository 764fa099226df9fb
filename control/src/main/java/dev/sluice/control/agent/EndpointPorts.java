package dev.sluice.control.agent;

import dev.sluice.control.model.PodRef;
import dev.sluice.fastpath.table.LocalEndpoints;

/**
 * The fast-path port and MAC of each local pod: the registry the CNI plugin fills as it binds pod veths to AF_XDP
 * sockets (that comes with the CNI issue). The publisher asks it once per local pod per snapshot, on the control
 * thread; implementations answer from memory, without blocking.
 */
public interface EndpointPorts
{
    /** No pod has a port yet: every local endpoint is {@link LocalEndpoints#NO_PORT} with MAC 0. */
    EndpointPorts NONE = new EndpointPorts()
    {
        @Override
        public int portOf(final PodRef pod)
        {
            return LocalEndpoints.NO_PORT;
        }

        @Override
        public long macOf(final PodRef pod)
        {
            return 0;
        }
    };

    /**
     * @param pod a pod of this node.
     * @return the port its veth is bound to, or {@link LocalEndpoints#NO_PORT}.
     */
    int portOf(PodRef pod);

    /**
     * @param pod a pod of this node.
     * @return its MAC address in the low 48 bits, or 0 when unknown.
     */
    long macOf(PodRef pod);
}
