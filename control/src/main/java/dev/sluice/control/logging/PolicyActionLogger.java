package dev.sluice.control.logging;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;

import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.status.Counters;

/**
 * Policy action logging (GKE Dataplane V2 compatible in spirit): consumes the {@link VerdictEvents} ring and writes
 * one JSON line per logged policy action to a size-rotated file and optionally stdout.
 *
 * <p>What is logged, under the {@link NetworkLoggingConfig} in force:
 * <ul>
 *   <li><b>Allows</b>: once per connection, on the event flagged {@link VerdictEvent#FLAG_NEW} (not
 *       {@link VerdictEvent#FLAG_REPLY}) whose {@code ruleId} names the rule that allowed it. A flow allowed
 *       because its endpoint is not isolated ({@code ruleId -1}) is no policy action and is not logged. With
 *       {@code allow.delegate} only rules of NetworkPolicies annotated
 *       {@value FlowMetadata#ENABLE_LOGGING_ANNOTATION}{@code : "true"} are logged. One connection seen by both
 *       the egress policy of its source and the ingress policy of its destination gives one record per
 *       direction.</li>
 *   <li><b>Denies</b>: every denied event (drop reasons of the parse and tunnel ranges, codes 1-95, are not policy
 *       actions and are skipped) is aggregated per (source, destination, destination port, protocol, direction)
 *       over a window (default 5 s) that opens at the first deny; when it closes one record is written with the
 *       number of denied events as {@code count}, the first event's source port and the window's opening time.
 *       With {@code deny.delegate} only denies whose enforcing namespace is annotated
 *       {@value FlowMetadata#ENABLE_DENY_LOGGING_ANNOTATION}{@code : "true"} are logged: the destination pod's
 *       namespace for ingress denies, the source pod's for egress denies (the namespace whose policy denied).
 *       Records carry an empty {@code policies} list (no single policy denies; isolation is the absence of an
 *       allow).</li>
 *   <li><b>Rate limit</b>: at most {@code ratePerSecond} records per second per node (a token bucket holding one
 *       second's worth); records over the limit are counted in {@link #COUNTER_ALLOW_SUPPRESSED} /
 *       {@link #COUNTER_DENY_SUPPRESSED} and dropped. Deny aggregates beyond {@code maxDenyAggregates} open at
 *       once are dropped and counted in {@link #COUNTER_DENY_SUPPRESSED} too.</li>
 * </ul>
 *
 * <p>Record, one line each (fields in this order):
 * <pre>
 * {"connection":{"src_ip":"198.18.0.10","dest_ip":"198.18.1.20","src_port":40000,"dest_port":8080,
 *   "protocol":"tcp","direction":"ingress"},"disposition":"allow",
 *  "policies":[{"name":"allow-web","namespace":"prod","kind":"NetworkPolicy"}],
 *  "src":{"pod_name":"client-7d4b9c8f6d-abcde","pod_namespace":"prod","namespace":"prod",
 *   "workload_kind":"Deployment","workload_name":"client"},
 *  "dest":{"instance":"198.18.1.20"},"count":1,"node_name":"node-a","timestamp":"2026-11-25T06:20:57.123456789Z"}
 * </pre>
 *
 * <p>An Agrona {@link Agent}: {@link #doWork()} drains the ring through a non-blocking {@link EventPoller} (its
 * sequence gates the producers, who drop and count when this consumer falls a ring behind), closes expired deny
 * windows and flushes the sinks. Run it with an {@code AgentRunner}, or call {@code doWork()} from a test. The
 * configuration and the metadata are swapped by the control thread ({@link #config}, {@link #metadata}); the
 * counters are single-writer (this agent), readable from any thread with acquire ({@link #counter}).
 */
public final class PolicyActionLogger implements Agent, EventPoller.Handler<VerdictEvent>, AutoCloseable
{
    /** Verdict events consumed. */
    public static final int COUNTER_EVENTS = 0;
    /** Allow records written. */
    public static final int COUNTER_ALLOW_LOGGED = 1;
    /** Deny records written. */
    public static final int COUNTER_DENY_LOGGED = 2;
    /** Allow records suppressed by the rate limit. */
    public static final int COUNTER_ALLOW_SUPPRESSED = 3;
    /** Deny records suppressed by the rate limit or the aggregate limit. */
    public static final int COUNTER_DENY_SUPPRESSED = 4;
    /** Records that could not be written (I/O errors). */
    public static final int COUNTER_WRITE_ERRORS = 5;
    /** Number of counters. */
    public static final int COUNTER_COUNT = 6;

    private static final int FIRST_POLICY_DROP_CODE = 96;

    private final Settings settings;
    private final RingBuffer<VerdictEvent> ring;
    private final EventPoller<VerdictEvent> poller;
    private final NanoClock clock;
    private final EpochNanoClock wallClock;
    private final RotatingFileSink file;
    private final PrintStream stdout;
    private final TokenBucket bucket;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final Map<DenyKey, DenyAggregate> denies = new LinkedHashMap<>();
    private final StringBuilder line = new StringBuilder(512);

    private volatile NetworkLoggingConfig config = NetworkLoggingConfig.DISABLED;
    private volatile FlowMetadata metadata;
    private long nowNs;
    private int written;

    /**
     * @param events    the verdict ring; this logger adds itself as a gating consumer from the ring's current
     *                  position.
     * @param settings  file, limits and node name.
     * @param metadata  the initial metadata resolver.
     * @param clock     monotonic time for windows and the rate limit.
     * @param wallClock wall time for record timestamps.
     * @param stdout    where to echo records, or {@code null} for the file only.
     * @throws IOException when the log file cannot be opened.
     */
    public PolicyActionLogger(
        final VerdictEvents events,
        final Settings settings,
        final FlowMetadata metadata,
        final NanoClock clock,
        final EpochNanoClock wallClock,
        final PrintStream stdout) throws IOException
    {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.clock = clock;
        this.wallClock = wallClock;
        this.stdout = stdout;
        this.file = settings.file() == null ? null
            : new RotatingFileSink(settings.file(), settings.maxFileBytes(), settings.maxBackups());
        this.bucket = new TokenBucket(settings.ratePerSecond(), settings.ratePerSecond(), clock.nanoTime());
        this.ring = events.ring();
        this.poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
    }

    /**
     * Swap the logging configuration (any thread).
     *
     * @param config the configuration from the NetworkLogging object.
     */
    public void config(final NetworkLoggingConfig config)
    {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Swap the metadata resolver (any thread), e.g. after a new cluster state was compiled.
     *
     * @param metadata the resolver.
     */
    public void metadata(final FlowMetadata metadata)
    {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    /**
     * @param id a {@code COUNTER_*} id.
     * @return its value (any thread).
     */
    public long counter(final int id)
    {
        return counters.getAcquire(id);
    }

    /**
     * @return deny aggregates whose window is open.
     */
    public int openDenyAggregates()
    {
        return denies.size();
    }

    @Override
    public int doWork() throws Exception
    {
        nowNs = clock.nanoTime();
        written = 0;
        final long before = counters.getAcquire(COUNTER_EVENTS);
        poller.poll(this);
        int work = (int)(counters.getAcquire(COUNTER_EVENTS) - before);
        work += closeWindows(false);
        if (written > 0)
        {
            flushSinks();
        }
        return work;
    }

    @Override
    public boolean onEvent(final VerdictEvent event, final long sequence, final boolean endOfBatch)
    {
        final NetworkLoggingConfig cfg = config;
        if (event.verdict == VerdictEvent.VERDICT_ALLOW)
        {
            onAllow(event, cfg);
        }
        else if (event.verdict == VerdictEvent.VERDICT_DENY)
        {
            onDeny(event, cfg);
        }
        // counted once handled, so a reader that sees N events consumed also sees their records and suppressions
        counters.incrementRelease(COUNTER_EVENTS);
        return true;
    }

    private void onAllow(final VerdictEvent e, final NetworkLoggingConfig cfg)
    {
        if (!cfg.allowLog() || (e.flags & VerdictEvent.FLAG_NEW) == 0 || (e.flags & VerdictEvent.FLAG_REPLY) != 0
            || e.ruleId < 0)
        {
            return;
        }
        final FlowMetadata md = metadata;
        final PolicyRef policy = md.policy(e.ruleId);
        if (cfg.allowDelegate() && (policy == null || !md.allowLoggingDelegated(policy)))
        {
            return;
        }
        if (!bucket.tryAcquire(nowNs))
        {
            counters.incrementRelease(COUNTER_ALLOW_SUPPRESSED);
            return;
        }
        line.setLength(0);
        appendRecord(line, e.srcHi, e.srcLo, e.dstHi, e.dstLo, e.srcPort, e.dstPort, e.protocol, e.direction,
            true, policy, md.endpoint(e.srcHi, e.srcLo), md.endpoint(e.dstHi, e.dstLo), 1, settings.nodeName(),
            wallClock.nanoTime());
        write(COUNTER_ALLOW_LOGGED);
    }

    private void onDeny(final VerdictEvent e, final NetworkLoggingConfig cfg)
    {
        if (!cfg.denyLog() || (e.dropReason > 0 && e.dropReason < FIRST_POLICY_DROP_CODE))
        {
            return;
        }
        final DenyKey key = new DenyKey(e.srcHi, e.srcLo, e.dstHi, e.dstLo, e.dstPort, e.protocol, e.direction);
        final DenyAggregate open = denies.get(key);
        if (open != null)
        {
            open.count++;
            return;
        }
        final FlowMetadata md = metadata;
        final FlowEndpoint src = md.endpoint(e.srcHi, e.srcLo);
        final FlowEndpoint dst = md.endpoint(e.dstHi, e.dstLo);
        if (cfg.denyDelegate())
        {
            final FlowEndpoint enforcing = e.direction == VerdictEvent.DIRECTION_EGRESS ? src : dst;
            if (!enforcing.isPod() || !md.denyLoggingDelegated(enforcing.namespace()))
            {
                return;
            }
        }
        if (denies.size() >= settings.maxDenyAggregates())
        {
            counters.incrementRelease(COUNTER_DENY_SUPPRESSED);
            return;
        }
        denies.put(key, new DenyAggregate(nowNs, wallClock.nanoTime(), e.srcPort, src, dst));
    }

    /**
     * @param all close every window, expired or not (shutdown).
     * @return windows closed.
     */
    private int closeWindows(final boolean all)
    {
        int closed = 0;
        final Iterator<Map.Entry<DenyKey, DenyAggregate>> it = denies.entrySet().iterator();
        while (it.hasNext())
        {
            final Map.Entry<DenyKey, DenyAggregate> entry = it.next();
            final DenyAggregate agg = entry.getValue();
            // Windows open in insertion order and all last the same time: the first still open ends the scan.
            if (!all && nowNs - agg.openedNs < settings.denyWindowNs())
            {
                break;
            }
            it.remove();
            closed++;
            if (!bucket.tryAcquire(nowNs))
            {
                counters.incrementRelease(COUNTER_DENY_SUPPRESSED);
                continue;
            }
            final DenyKey k = entry.getKey();
            line.setLength(0);
            appendRecord(line, k.srcHi, k.srcLo, k.dstHi, k.dstLo, agg.srcPort, k.dstPort, k.protocol, k.direction,
                false, null, agg.src, agg.dst, agg.count, settings.nodeName(), agg.openedEpochNs);
            write(COUNTER_DENY_LOGGED);
        }
        return closed;
    }

    private void write(final int loggedCounter)
    {
        final String text = line.toString();
        try
        {
            if (file != null)
            {
                file.writeLine(text);
            }
            if (stdout != null)
            {
                stdout.println(text);
            }
            counters.incrementRelease(loggedCounter);
            written++;
        }
        catch (final IOException ex)
        {
            counters.incrementRelease(COUNTER_WRITE_ERRORS);
        }
    }

    private void flushSinks()
    {
        try
        {
            if (file != null)
            {
                file.flush();
            }
            if (stdout != null)
            {
                stdout.flush();
            }
        }
        catch (final IOException ex)
        {
            counters.incrementRelease(COUNTER_WRITE_ERRORS);
        }
    }

    /**
     * Appends one policy action record (the format in the class comment).
     */
    static void appendRecord(
        final StringBuilder out,
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int srcPort,
        final int dstPort,
        final int protocol,
        final int direction,
        final boolean allow,
        final PolicyRef policy,
        final FlowEndpoint src,
        final FlowEndpoint dst,
        final long count,
        final String nodeName,
        final long epochNs)
    {
        out.append("{\"connection\":{\"src_ip\":");
        FlowText.appendJsonString(out, dev.sluice.wire.Addresses.format(srcHi, srcLo));
        out.append(",\"dest_ip\":");
        FlowText.appendJsonString(out, dev.sluice.wire.Addresses.format(dstHi, dstLo));
        out.append(",\"src_port\":").append(srcPort);
        out.append(",\"dest_port\":").append(dstPort);
        out.append(",\"protocol\":");
        FlowText.appendJsonString(out, FlowText.protocolName(protocol));
        out.append(",\"direction\":");
        FlowText.appendJsonString(out, FlowText.directionName(direction));
        out.append("},\"disposition\":").append(allow ? "\"allow\"" : "\"deny\"");
        out.append(",\"policies\":[");
        if (policy != null)
        {
            appendPolicy(out, policy);
        }
        out.append("],\"src\":");
        appendEndpoint(out, src);
        out.append(",\"dest\":");
        appendEndpoint(out, dst);
        out.append(",\"count\":").append(count);
        out.append(",\"node_name\":");
        FlowText.appendJsonString(out, nodeName);
        out.append(",\"timestamp\":");
        FlowText.appendJsonString(out, FlowText.rfc3339(epochNs));
        out.append('}');
    }

    /**
     * Appends {@code {"name":..,"namespace":..,"kind":..}}.
     *
     * @param out    where.
     * @param policy the policy.
     */
    public static void appendPolicy(final StringBuilder out, final PolicyRef policy)
    {
        out.append("{\"name\":");
        FlowText.appendJsonString(out, policy.name());
        out.append(",\"namespace\":");
        FlowText.appendJsonString(out, policy.namespace());
        out.append(",\"kind\":");
        FlowText.appendJsonString(out, policy.kind());
        out.append('}');
    }

    /**
     * Appends a pod endpoint ({@code pod_name, pod_namespace, namespace, workload_kind, workload_name}) or
     * {@code {"instance":"IP"}}.
     *
     * @param out      where.
     * @param endpoint the endpoint.
     */
    public static void appendEndpoint(final StringBuilder out, final FlowEndpoint endpoint)
    {
        if (!endpoint.isPod())
        {
            out.append("{\"instance\":");
            FlowText.appendJsonString(out, endpoint.instance());
            out.append('}');
            return;
        }
        out.append("{\"pod_name\":");
        FlowText.appendJsonString(out, endpoint.podName());
        out.append(",\"pod_namespace\":");
        FlowText.appendJsonString(out, endpoint.podNamespace());
        out.append(",\"namespace\":");
        FlowText.appendJsonString(out, endpoint.namespace());
        out.append(",\"workload_kind\":");
        FlowText.appendJsonString(out, endpoint.workloadKind());
        out.append(",\"workload_name\":");
        FlowText.appendJsonString(out, endpoint.workloadName());
        out.append('}');
    }

    @Override
    public void onClose()
    {
        close();
    }

    /**
     * Writes the open deny windows, flushes and closes the file, and stops gating the ring. Idempotent. Call it on
     * the thread that runs {@link #doWork()} (an {@code AgentRunner} does, through {@link #onClose()}) or after that
     * thread stopped.
     */
    @Override
    public void close()
    {
        if (ring.removeGatingSequence(poller.getSequence()))
        {
            nowNs = clock.nanoTime();
            closeWindows(true);
            flushSinks();
            if (file != null)
            {
                try
                {
                    file.close();
                }
                catch (final IOException ex)
                {
                    counters.incrementRelease(COUNTER_WRITE_ERRORS);
                }
            }
        }
    }

    @Override
    public String roleName()
    {
        return "policy-action-logger";
    }

    /**
     * Settings of the logger.
     *
     * @param nodeName          the node name written in every record.
     * @param file              the log file, or {@code null} for none.
     * @param maxFileBytes      rotate before a file would grow past this.
     * @param maxBackups        rotated files kept ({@code FILE.1 .. FILE.N}).
     * @param denyWindowNs      the deny aggregation window.
     * @param ratePerSecond     records per second per node.
     * @param maxDenyAggregates deny windows open at once.
     */
    public record Settings(String nodeName, Path file, long maxFileBytes, int maxBackups, long denyWindowNs,
        long ratePerSecond, int maxDenyAggregates)
    {
        /** {@code /var/log/network/policy_action.log}, as on GKE. */
        public static final Path DEFAULT_FILE = Path.of("/var/log/network/policy_action.log");
        /** 10 MiB per file. */
        public static final long DEFAULT_MAX_FILE_BYTES = 10L << 20;
        /** Five rotated files. */
        public static final int DEFAULT_MAX_BACKUPS = 5;
        /** 5 seconds. */
        public static final long DEFAULT_DENY_WINDOW_NS = 5_000_000_000L;
        /** 500 records per second. */
        public static final long DEFAULT_RATE_PER_SECOND = 500;
        /** 65536 open deny windows. */
        public static final int DEFAULT_MAX_DENY_AGGREGATES = 65_536;

        /**
         * Checks the values.
         */
        public Settings
        {
            Objects.requireNonNull(nodeName, "nodeName");
            if (denyWindowNs < 0)
            {
                throw new IllegalArgumentException("deny window must not be negative: " + denyWindowNs);
            }
            if (maxDenyAggregates < 1)
            {
                throw new IllegalArgumentException("max deny aggregates must be positive: " + maxDenyAggregates);
            }
        }

        /**
         * @param nodeName the node name.
         * @return the defaults.
         */
        public static Settings defaults(final String nodeName)
        {
            return new Settings(nodeName, DEFAULT_FILE, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_BACKUPS,
                DEFAULT_DENY_WINDOW_NS, DEFAULT_RATE_PER_SECOND, DEFAULT_MAX_DENY_AGGREGATES);
        }
    }

    private record DenyKey(long srcHi, long srcLo, long dstHi, long dstLo, int dstPort, int protocol, int direction)
    {
    }

    private static final class DenyAggregate
    {
        final long openedNs;
        final long openedEpochNs;
        final int srcPort;
        final FlowEndpoint src;
        final FlowEndpoint dst;
        long count = 1;

        DenyAggregate(final long openedNs, final long openedEpochNs, final int srcPort, final FlowEndpoint src,
            final FlowEndpoint dst)
        {
            this.openedNs = openedNs;
            this.openedEpochNs = openedEpochNs;
            this.srcPort = srcPort;
            this.src = src;
            this.dst = dst;
        }
    }
}
