package dev.sluice.perf.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The Sluice scenarios of {@link SluiceTopologies} without starting their cluster up front: the cluster starts when
 * the first Sluice topology is opened (so a run whose {@code --only} selects no Sluice scenario never builds it) and
 * is closed with this object.
 */
public final class SluiceLazyTopologies implements AutoCloseable
{
    private final SluiceTopologies.Options options;
    private SluiceTopologies started;
    private Exception failure;
    private boolean closed;

    /**
     * @param options how to build the cluster when it is first needed.
     */
    public SluiceLazyTopologies(final SluiceTopologies.Options options)
    {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * The default options ({@link SluiceTopologies.Options#of}) with logs in a fresh temporary directory.
     *
     * @param log progress lines.
     * @return the lazy topologies.
     */
    public static SluiceLazyTopologies withDefaults(final Consumer<String> log)
    {
        try
        {
            final Path runDir = Files.createTempDirectory("sluice-bench-cluster-");
            return new SluiceLazyTopologies(SluiceTopologies.Options.of(runDir, log));
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot create a run directory for the bench cluster", ex);
        }
    }

    /**
     * @return one factory per Sluice scenario ({@code sluice-pod-local}, {@code sluice-svc-xnode-N}), in the order of
     *     {@link SluiceTopologies#factories()}.
     */
    public List<BenchTopologyFactory> factories()
    {
        final List<BenchTopologyFactory> factories = new ArrayList<>();
        SluiceTopologies.scenarios(options).forEach(s -> factories.add(new Lazy(s.id())));
        return List.copyOf(factories);
    }

    private synchronized SluiceTopologies cluster() throws Exception
    {
        if (closed)
        {
            throw new IllegalStateException("the Sluice bench cluster is closed");
        }
        if (failure != null)
        {
            throw new IllegalStateException("the Sluice bench cluster failed to start earlier: " + failure, failure);
        }
        if (started == null)
        {
            try
            {
                started = SluiceTopologies.start(options);
            }
            catch (final Exception ex)
            {
                failure = ex;
                throw ex;
            }
        }
        return started;
    }

    @Override
    public synchronized void close()
    {
        closed = true;
        if (started != null)
        {
            started.close();
            started = null;
        }
    }

    private final class Lazy implements BenchTopologyFactory
    {
        private final String id;

        Lazy(final String id)
        {
            this.id = id;
        }

        @Override
        public String id()
        {
            return id;
        }

        @Override
        public BenchTopology open() throws Exception
        {
            for (final BenchTopologyFactory factory : cluster().factories())
            {
                if (factory.id().equals(id))
                {
                    return factory.open();
                }
            }
            throw new IllegalStateException("the Sluice bench cluster has no scenario " + id);
        }
    }
}
