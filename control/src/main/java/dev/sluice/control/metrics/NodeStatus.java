package dev.sluice.control.metrics;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code /status} document: one node's dataplane at a glance, what {@code sluice status} prints. The agent
 * builds one per request through a {@link Source}. JSON with snake_case names:
 * <pre>
 * {"node_name":"node-a","version":"0.1.0","ready":true,"not_ready_reason":null,"uptime_seconds":3600,
 *  "http_transport":"IO_URING",
 *  "interfaces":[{"name":"eth0","role":"uplink","xdp_mode":"native","queues":2,"program_id":42}],
 *  "tables":[{"name":"policy","generation":17,"entries":1234,"capacity":65536}],
 *  "workers":[{"id":0,"cpu":2,"installed_generation":17}],
 *  "counters":{"verdict_events_dropped":0}}
 * </pre>
 *
 * @param nodeName       the node.
 * @param version        the agent version.
 * @param ready          whether the agent is ready.
 * @param notReadyReason why not, or null.
 * @param uptimeSeconds  seconds since the agent started.
 * @param httpTransport  the transport serving this endpoint.
 * @param interfaces     the interfaces the XDP program is attached to.
 * @param tables         the fast-path tables.
 * @param workers        the workers.
 * @param counters       other node-wide counters by name.
 */
public record NodeStatus(String nodeName, String version, boolean ready, String notReadyReason, long uptimeSeconds,
    String httpTransport, List<InterfaceStatus> interfaces, List<TableStatus> tables, List<WorkerStatus> workers,
    Map<String, Long> counters)
{
    /** The mapper of this document (snake_case names). */
    public static final JsonMapper JSON =
        JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /**
     * Copies the lists.
     */
    public NodeStatus
    {
        interfaces = List.copyOf(interfaces);
        tables = List.copyOf(tables);
        workers = List.copyOf(workers);
        counters = Map.copyOf(counters);
    }

    /**
     * @return this status as JSON.
     */
    public String toJson()
    {
        return JSON.writeValueAsString(this);
    }

    /**
     * @param json a {@code /status} document.
     * @return the status.
     */
    public static NodeStatus fromJson(final String json)
    {
        return JSON.readValue(json, NodeStatus.class);
    }

    /**
     * One interface.
     *
     * @param name      the interface name.
     * @param role      {@code uplink} or {@code pod}.
     * @param xdpMode   {@code native}, {@code generic} or {@code none}.
     * @param queues    AF_XDP sockets bound.
     * @param programId the XDP program id.
     */
    public record InterfaceStatus(String name, String role, String xdpMode, int queues, int programId)
    {
    }

    /**
     * One table.
     *
     * @param name       the table name.
     * @param generation the installed generation.
     * @param entries    entries in use.
     * @param capacity   its capacity (0 when unbounded).
     */
    public record TableStatus(String name, long generation, long entries, long capacity)
    {
    }

    /**
     * One worker.
     *
     * @param id                  the worker id.
     * @param cpu                 the CPU it is pinned to, -1 if none.
     * @param installedGeneration the table generation it runs.
     */
    public record WorkerStatus(int id, int cpu, long installedGeneration)
    {
    }

    /**
     * Produces the current status (called per {@code /status} request on an HTTP thread).
     */
    @FunctionalInterface
    public interface Source
    {
        /**
         * @return the status now.
         */
        NodeStatus status();
    }
}
