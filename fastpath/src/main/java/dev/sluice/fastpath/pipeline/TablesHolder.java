package dev.sluice.fastpath.pipeline;

import java.util.Objects;

import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import org.agrona.collections.Int2IntHashMap;

/**
 * The {@link NodeTables} snapshot a worker's pipeline reads, swapped only at a duty-cycle boundary. Stages call
 * {@link #current()} once per vector, so one vector always sees one generation. Besides the snapshot the holder
 * keeps what the stages derive from it (the port to endpoint index), built at {@link #install} time, never per
 * packet.
 *
 * <p>Worker thread only: the holder is the worker-local view. Which generation a worker runs is published by its
 * {@link dev.sluice.fastpath.table.WorkerTables} (the one owner of "installed generation", read by control with
 * acquire), whose snapshot the worker hands to {@link NodePipeline#install} at the same boundary.
 */
public final class TablesHolder
{
    private NodeTables current;
    private Int2IntHashMap endpointByPort;

    /**
     * @param initial the first snapshot.
     */
    public TablesHolder(final NodeTables initial)
    {
        swap(Objects.requireNonNull(initial, "initial"));
    }

    /**
     * Swaps in a new snapshot. Call on the worker thread between vectors only.
     *
     * @param next a snapshot whose generation is not older than the installed one.
     * @throws IllegalArgumentException when the generation goes backwards.
     */
    public void install(final NodeTables next)
    {
        Objects.requireNonNull(next, "next");
        if (next.generation() < current.generation())
        {
            throw new IllegalArgumentException("generation " + next.generation() + " is older than the installed " +
                current.generation());
        }
        swap(next);
    }

    private void swap(final NodeTables next)
    {
        final LocalEndpoints endpoints = next.endpoints();
        final Int2IntHashMap byPort = new Int2IntHashMap(Math.max(8, endpoints.count() * 2), 0.5f, -1);
        for (int e = 0; e < endpoints.count(); e++)
        {
            final int port = endpoints.port(e);
            if (port != LocalEndpoints.NO_PORT)
            {
                final int previous = byPort.put(port, e);
                if (previous != -1)
                {
                    throw new IllegalArgumentException("port " + port + " is bound to endpoints " + previous +
                        " and " + e);
                }
            }
        }
        current = next;
        endpointByPort = byPort;
    }

    /** @return the installed snapshot (worker thread). */
    public NodeTables current()
    {
        return current;
    }

    /**
     * @param port a port id.
     * @return the local endpoint bound to the port, or -1.
     */
    public int endpointOfPort(final int port)
    {
        return endpointByPort.get(port);
    }
}
