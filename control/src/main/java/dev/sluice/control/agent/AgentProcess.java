package dev.sluice.control.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;

import dev.sluice.control.logging.ClusterFlowMetadata;
import dev.sluice.control.logging.FlowMetadata;
import dev.sluice.control.logging.NetworkLoggingConfig;
import dev.sluice.control.logging.PolicyActionLogger;
import dev.sluice.control.logging.RuleNames;
import dev.sluice.control.metrics.AgentHttpServer;
import dev.sluice.control.metrics.FlowStream;
import dev.sluice.control.metrics.MetricsRegistry;
import dev.sluice.control.metrics.NodeStatus;
import dev.sluice.control.metrics.Readiness;
import dev.sluice.control.metrics.SluiceMetrics;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateBuilder;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.table.WorkerTables;

/**
 * A running node agent process: everything {@code sluice agent} starts, wired together.
 * <pre>
 *  informers / state file --> NodeAgent (control thread) --install(state, N)--> TableSink (TablePublisher)
 *                                                                                 | compile NodeTables (control thread)
 *                                                                                 | offer -> WorkerTables queue, per worker
 *                                                                                 v
 *                                                   workers: swap at the duty-cycle boundary, publish generation
 *  workers --VerdictEvent--> VerdictEvents ring --> PolicyActionLogger (file, stdout)  } one "sluice-visibility"
 *                                                --> FlowStream (/flows)               } thread
 *  every compile: ClusterFlowMetadata(state, RuleNames of the policy snapshot) swapped into logger and stream,
 *                 NetworkLoggingConfig from the state's NetworkLogging object swapped into the logger
 *  AgentHttpServer: /metrics (MetricsRegistry), /healthz, /readyz (ready once the first tables reach every
 *                   worker), /status (NodeStatus), /flows
 * </pre>
 * Table-only workers publish no verdict events: the ring, logger and stream run, and stay quiet until the pipeline
 * workers feed them.
 */
public final class AgentProcess implements AutoCloseable
{
    /** The agent version in {@code /status}. */
    public static final String VERSION = "0.1.0";
    /** Verdict ring capacity. */
    public static final int VERDICT_RING_CAPACITY = 1 << 16;
    /** Flows kept for late {@code /flows} subscribers. */
    public static final int FLOW_HISTORY = 4096;

    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");

    /**
     * What the process runs with.
     *
     * @param config    the agent configuration.
     * @param logFile   the policy action log, or {@code null} for none.
     * @param logStdout where to echo policy action records, or {@code null}.
     * @param http      the HTTP endpoint's address, or {@code null} for none.
     */
    public record Options(AgentConfig config, Path logFile, PrintStream logStdout, InetSocketAddress http)
    {
        /**
         * @param config not null.
         */
        public Options
        {
            Objects.requireNonNull(config, "config");
        }
    }

    private final Options options;
    private final TableSink sink;
    private final VerdictEvents events;
    private final MetricsRegistry registry = new MetricsRegistry();
    private final Readiness readiness = new Readiness();
    private final AgentMetrics metrics = new AgentMetrics(readiness);
    private final long startNs = System.nanoTime();
    private PolicyActionLogger logger;
    private FlowStream flows;
    private AgentRunner visibility;
    private NodeAgent agent;
    private AgentHttpServer http;
    private final List<AutoCloseable> alsoClose = new ArrayList<>();
    private volatile NodeDataplane dataplane;

    private AgentProcess(final Options options, final TableSink sink, final VerdictEvents events)
    {
        this.options = options;
        this.sink = sink;
        this.events = events;
    }

    /**
     * Start the process.
     *
     * @param options the options.
     * @param sink    the table sink (a {@link TablePublisher} gets the visibility listener and its metrics).
     * @param agent   makes the node agent (online or offline) around the metrics it is given.
     * @return the running process.
     * @throws IOException          when the log file cannot be opened or the endpoint cannot bind.
     * @throws InterruptedException when interrupted while binding.
     */
    public static AgentProcess start(final Options options, final TableSink sink,
        final Function<ControlMetrics, NodeAgent> agent) throws IOException, InterruptedException
    {
        return start(options, sink, agent, new VerdictEvents(VERDICT_RING_CAPACITY));
    }

    /**
     * Start the process with the verdict ring the workers already publish to.
     *
     * @param options the options.
     * @param sink    the table sink.
     * @param agent   makes the node agent.
     * @param events  the verdict ring of the workers.
     * @return the running process.
     * @throws IOException          when the log file cannot be opened or the endpoint cannot bind.
     * @throws InterruptedException when interrupted while binding.
     */
    public static AgentProcess start(final Options options, final TableSink sink,
        final Function<ControlMetrics, NodeAgent> agent, final VerdictEvents events)
        throws IOException, InterruptedException
    {
        final AgentProcess process = new AgentProcess(options, sink, events);
        try
        {
            process.startAll(agent);
            return process;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            process.close();
            throw ex;
        }
    }

    private void startAll(final Function<ControlMetrics, NodeAgent> makeAgent)
        throws IOException, InterruptedException
    {
        final String node = options.config().nodeName();
        readiness.markNotReady("waiting for the informers to sync and the first tables to reach every worker");
        final ClusterState empty = new ClusterStateBuilder().buildPartial().state();
        final FlowMetadata initial = new ClusterFlowMetadata(empty, RuleNames.NONE);
        final PolicyActionLogger.Settings defaults = PolicyActionLogger.Settings.defaults(node);
        logger = new PolicyActionLogger(events, new PolicyActionLogger.Settings(node, options.logFile(),
            defaults.maxFileBytes(), defaults.maxBackups(), defaults.denyWindowNs(), defaults.ratePerSecond(),
            defaults.maxDenyAggregates()), initial, SystemNanoClock.INSTANCE, new SystemEpochNanoClock(),
            options.logStdout());
        flows = new FlowStream(events, FLOW_HISTORY, 1_000, node, initial, new SystemEpochNanoClock());
        visibility = new AgentRunner(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000),
            error -> LOG.log(System.Logger.Level.ERROR, "visibility error (carrying on)", error), null,
            new CompositeAgent(logger, flows)
            {
                @Override
                public String roleName()
                {
                    return "sluice-visibility";
                }
            });
        AgentRunner.startOnThread(visibility);

        final TablePublisher publisher = sink instanceof TablePublisher p ? p : null;
        if (publisher != null)
        {
            publisher.listener(new VisibilityListener());
        }
        metrics.register(registry, publisher);
        SluiceMetrics.verdictEvents(registry, events);
        SluiceMetrics.policyLog(registry, logger);
        SluiceMetrics.flowStream(registry, flows);

        agent = makeAgent.apply(metrics);
        if (options.http() != null)
        {
            http = AgentHttpServer.start(options.http(), 1, registry, readiness, flows, this::status);
            http.registerMetrics(registry);
        }
        agent.start();
    }

    /**
     * @param resource closed after everything else (e.g. the API client the informers used).
     */
    public synchronized void closeAlso(final AutoCloseable resource)
    {
        alsoClose.add(Objects.requireNonNull(resource, "resource"));
    }

    /**
     * @param live the node's dataplane: its ports and counters appear in {@code /status}, its series in
     *             {@code /metrics}.
     */
    public void dataplane(final NodeDataplane live)
    {
        live.metrics(registry);
        this.dataplane = live;
    }

    /**
     * @return the node agent (control loop).
     */
    public NodeAgent agent()
    {
        return agent;
    }

    /**
     * @return the table sink.
     */
    public TableSink sink()
    {
        return sink;
    }

    /**
     * @return the verdict ring the workers publish to.
     */
    public VerdictEvents events()
    {
        return events;
    }

    /**
     * @return the readiness flag.
     */
    public Readiness readiness()
    {
        return readiness;
    }

    /**
     * @return the metrics registry.
     */
    public MetricsRegistry registry()
    {
        return registry;
    }

    /**
     * @return the policy action logger.
     */
    public PolicyActionLogger logger()
    {
        return logger;
    }

    /**
     * @return the HTTP port, or -1 without an endpoint.
     */
    public int httpPort()
    {
        return http == null ? -1 : http.port();
    }

    /**
     * @return this node's status now.
     */
    public NodeStatus status()
    {
        final List<NodeStatus.TableStatus> tables = new ArrayList<>();
        final List<NodeStatus.WorkerStatus> workers = new ArrayList<>();
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("control_generation", agent == null ? 0 : agent.control().generation());
        counters.put("installed_generation", sink.installedGeneration());
        if (sink instanceof TablePublisher publisher)
        {
            final NodeTables last = publisher.lastCompiled();
            if (last != null)
            {
                tables.add(new NodeStatus.TableStatus("policy", last.generation(), last.policy().ruleCount(), 0));
                tables.add(new NodeStatus.TableStatus("endpoints", last.generation(), last.endpoints().count(), 0));
                tables.add(new NodeStatus.TableStatus("services", last.generation(),
                    last.services().frontendCount(), 0));
            }
            final List<Integer> cpus = options.config().cpus();
            for (final WorkerTables worker : publisher.workers())
            {
                final int id = worker.workerId();
                workers.add(new NodeStatus.WorkerStatus(id, id < cpus.size() ? cpus.get(id) : -1,
                    worker.installedGeneration()));
            }
            counters.put("table_compile_failures", publisher.compileFailures());
        }
        final NodeDataplane live = dataplane;
        if (live != null)
        {
            live.statusCounters(counters);
        }
        counters.put("verdict_events_published", events.counter(VerdictEvents.COUNTER_PUBLISHED));
        counters.put("verdict_events_dropped", events.counter(VerdictEvents.COUNTER_DROPPED));
        return new NodeStatus(options.config().nodeName(), VERSION, readiness.isReady(),
            readiness.isReady() ? null : readiness.reason(), (System.nanoTime() - startNs) / 1_000_000_000L,
            http == null ? null : http.transport().name(), live == null ? List.of() : live.interfaces(), tables,
            workers, counters);
    }

    /**
     * Stop the informers, the control thread and the workers (through the sink), then the visibility thread and
     * the endpoint. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (agent != null)
        {
            agent.close();
            agent = null;
        }
        else
        {
            sink.close();
        }
        if (visibility != null)
        {
            visibility.close();
            visibility = null;
        }
        if (http != null)
        {
            http.close();
            http = null;
        }
        for (final AutoCloseable resource : alsoClose)
        {
            try
            {
                resource.close();
            }
            catch (final Exception ex)
            {
                LOG.log(System.Logger.Level.WARNING, "closing " + resource + ": " + ex);
            }
        }
        alsoClose.clear();
    }

    /**
     * On every compile (control thread): the metadata and logging configuration of the new snapshot.
     */
    private final class VisibilityListener implements TablePublisher.Listener
    {
        @Override
        public void onCompiled(final ClusterState state, final NodeTables tables)
        {
            final FlowMetadata metadata = new ClusterFlowMetadata(state, RuleNames.of(tables.policy()));
            logger.metadata(metadata);
            flows.metadata(metadata);
            try
            {
                logger.config(NetworkLoggingConfig.from(state.networkLogging()));
            }
            catch (final IllegalArgumentException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "NetworkLogging not applied, the previous configuration stays: "
                    + ex.getMessage());
            }
        }
    }
}
