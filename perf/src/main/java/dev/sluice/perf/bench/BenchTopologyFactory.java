package dev.sluice.perf.bench;

/**
 * Creates one kind of {@link BenchTopology}; the harness opens each in turn so that only one device under test
 * exists at a time.
 */
public interface BenchTopologyFactory
{
    /**
     * The identifier the opened topology will have.
     *
     * @return the identifier.
     */
    String id();

    /**
     * Builds the topology and waits until traffic can flow through it.
     *
     * @return the topology, owned by the caller.
     * @throws Exception when it cannot be built (everything already created is torn down before this throws).
     */
    BenchTopology open() throws Exception;
}
