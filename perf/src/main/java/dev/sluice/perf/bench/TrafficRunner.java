package dev.sluice.perf.bench;

/**
 * Sends traffic through an open {@link BenchTopology} and measures what arrives.
 */
public interface TrafficRunner
{
    /**
     * Runs one measurement; bounded in time (warm-up + {@link Measurement#duration()} + a few seconds at most).
     *
     * @param topology    the open topology
     * @param measurement what to run
     * @return the result
     * @throws Exception when the generator or sink could not run (the topology stays usable)
     */
    ScenarioResult run(BenchTopology topology, Measurement measurement) throws Exception;
}
