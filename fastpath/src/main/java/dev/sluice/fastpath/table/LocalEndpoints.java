package dev.sluice.fastpath.table;

import java.util.Arrays;

/**
 * The pods of this node as the forward stage needs them: for each policy endpoint id (the numbering of
 * {@link dev.sluice.fastpath.policy.PolicySnapshot}), the fast-path port its veth is bound to and the pod's MAC
 * address. Ports come from the CNI plugin at run time (or, offline, one virtual port per pod), so they are not
 * part of the compiled cluster state. Immutable.
 */
public final class LocalEndpoints
{
    /** The endpoint has no port (its veth is not bound yet): packets to it are dropped and counted. */
    public static final int NO_PORT = -1;

    private final int[] port;
    private final long[] mac;

    /**
     * @param port per endpoint id, its port or {@link #NO_PORT}.
     * @param mac  per endpoint id, the pod's MAC (low 48 bits), 0 when unknown.
     */
    public LocalEndpoints(final int[] port, final long[] mac)
    {
        if (port.length != mac.length)
        {
            throw new IllegalArgumentException("port and mac arrays differ in length: " + port.length + " vs " +
                mac.length);
        }
        for (int i = 0; i < port.length; i++)
        {
            if (port[i] < NO_PORT)
            {
                throw new IllegalArgumentException("endpoint " + i + ": bad port " + port[i]);
            }
            if ((mac[i] >>> 48) != 0)
            {
                throw new IllegalArgumentException("endpoint " + i + ": MAC wider than 48 bits: " +
                    Long.toHexString(mac[i]));
            }
        }
        this.port = port.clone();
        this.mac = mac.clone();
    }

    /** No local endpoints. */
    public static LocalEndpoints none()
    {
        return new LocalEndpoints(new int[0], new long[0]);
    }

    public int count()
    {
        return port.length;
    }

    /** The port of an endpoint, or {@link #NO_PORT} (also for an id out of range). */
    public int port(final int endpointId)
    {
        return endpointId >= 0 && endpointId < port.length ? port[endpointId] : NO_PORT;
    }

    public long mac(final int endpointId)
    {
        return endpointId >= 0 && endpointId < mac.length ? mac[endpointId] : 0;
    }

    /** The endpoint bound to a port, or -1. Linear: for the control path and tools, not per packet. */
    public int endpointOfPort(final int portId)
    {
        for (int i = 0; i < port.length; i++)
        {
            if (port[i] == portId)
            {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString()
    {
        return "LocalEndpoints" + Arrays.toString(port);
    }
}
