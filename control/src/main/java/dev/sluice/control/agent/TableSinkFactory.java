package dev.sluice.control.agent;

/**
 * Makes the {@link TableSink} of a node agent from its configuration: the seam where the fast-path workers are
 * wired in. {@link LoggingTableSink#FACTORY} is the default until they are.
 */
@FunctionalInterface
public interface TableSinkFactory
{
    /**
     * @param config the agent's configuration (node, uplink, workers, CPUs).
     * @return a sink for that node.
     */
    TableSink create(AgentConfig config);
}
