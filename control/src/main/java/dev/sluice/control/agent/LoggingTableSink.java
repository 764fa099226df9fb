package dev.sluice.control.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.sluice.control.model.ClusterState;

/**
 * A sink with no workers: it logs each install (generation and table sizes) and counts it installed at once. The
 * agent runs with it until the fast-path workers are wired in through a {@link TableSinkFactory}.
 */
public final class LoggingTableSink implements TableSink
{
    /** Makes a logging sink for any configuration. */
    public static final TableSinkFactory FACTORY = config -> new LoggingTableSink(config.nodeName());

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");
    private static final VarHandle INSTALLED;

    static
    {
        try
        {
            INSTALLED = MethodHandles.lookup().findVarHandle(LoggingTableSink.class, "installed", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final String nodeName;
    @SuppressWarnings("unused") // accessed through INSTALLED
    private long installed;

    /**
     * @param nodeName the node, for the log line.
     */
    public LoggingTableSink(final String nodeName)
    {
        this.nodeName = nodeName;
    }

    @Override
    public void install(final ClusterState state, final long generation)
    {
        LOG.log(System.Logger.Level.INFO, () -> describe(nodeName, state, generation));
        INSTALLED.setRelease(this, generation);
    }

    @Override
    public long installedGeneration()
    {
        return (long)INSTALLED.getAcquire(this);
    }

    /**
     * @param nodeName   the node.
     * @param state      a snapshot.
     * @param generation its generation.
     * @return one line: the generation and how many objects of each kind the snapshot holds.
     */
    public static String describe(final String nodeName, final ClusterState state, final long generation)
    {
        final long local = state.pods().values().stream().filter(p -> nodeName.equals(p.nodeName())).count();
        return "install generation " + generation + " on node " + nodeName + ": " + state.namespaces().size()
            + " namespaces, " + state.nodes().size() + " nodes, " + state.pods().size() + " pods (" + local
            + " local), " + state.services().size() + " services, " + state.endpointSlices().size()
            + " endpoint slices, " + state.policies().size() + " network policies, "
            + state.networkLogging().size() + " network logging";
    }
}
