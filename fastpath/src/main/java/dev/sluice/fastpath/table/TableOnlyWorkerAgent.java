package dev.sluice.fastpath.table;

import java.util.Objects;

import org.agrona.concurrent.Agent;

/**
 * A worker with no packet I/O: its duty cycle is only the table boundary ({@link WorkerTables#onDutyCycle()}).
 * The agent runs these when no AF_XDP dataplane is attached (no uplink, or {@code --no-dataplane}), so the
 * publishing path (proxy, swap, installed generation, reclaim) is the real one. An AF_XDP worker calls the same
 * {@link WorkerTables#onDutyCycle()} between vectors.
 */
public final class TableOnlyWorkerAgent implements Agent
{
    private final WorkerTables tables;
    private final String roleName;

    /**
     * @param tables the worker's tables.
     */
    public TableOnlyWorkerAgent(final WorkerTables tables)
    {
        this.tables = Objects.requireNonNull(tables, "tables");
        this.roleName = "sluice-table-worker-" + tables.workerId();
    }

    /**
     * @return the worker's tables.
     */
    public WorkerTables tables()
    {
        return tables;
    }

    @Override
    public int doWork()
    {
        return tables.onDutyCycle();
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
