package dev.sluice.fastpath.xsk;

/**
 * Counter ids shared by the AF_XDP workers ({@link XskWorkerAgent}, {@link NodeWorkerAgent}): one
 * {@link dev.sluice.fastpath.status.Counters} per worker, single writer (the worker), readers use acquire. Ids are
 * never renumbered (they are metric keys).
 */
public final class WorkerCounters
{
    public static final int CYCLES = 0;
    public static final int RX_PACKETS = 1;
    public static final int TX_PACKETS = 2;
    /** Frames the pipeline dropped (per-reason counts are the pipeline's own). */
    public static final int PIPELINE_DROPS = 3;
    /** Live frames freed because the output TX ring had no room. */
    public static final int TX_RING_FULL = 4;
    /** Live frames whose output port does not exist (static map: -1; node worker: a port not (or no longer) open). */
    public static final int NO_OUTPUT = 5;
    public static final int COMPLETIONS = 6;
    public static final int FILLED = 7;
    /** Frame state transitions the pool refused (a bug if not 0). */
    public static final int INVALID_FRAMES = 8;
    public static final int TX_WAKEUPS = 9;
    public static final int FILL_WAKEUPS = 10;
    /** Duty cycles in which a port's RX was left for later because some TX ring had less room than a vector. */
    public static final int RX_DEFERRED = 11;
    /** Frames freed unprocessed: received on a port being removed, or before the first tables arrived. */
    public static final int RX_DISCARDED = 12;
    /** Port-set commands applied at the duty-cycle boundary (add, remove, reclaim). */
    public static final int PORT_COMMANDS = 13;
    /** Frames returned to the pool by reclaiming removed ports. */
    public static final int FRAMES_RECLAIMED = 14;
    /** Worker-side errors caught and counted (the loop carries on). */
    public static final int ERRORS = 15;
    public static final int COUNT = 16;

    private static final String[] NAMES = {
        "cycles", "rx_packets", "tx_packets", "pipeline_drops", "tx_ring_full", "no_output", "completions", "filled",
        "invalid_frames", "tx_wakeups", "fill_wakeups", "rx_deferred", "rx_discarded", "port_commands",
        "frames_reclaimed", "errors"};

    private WorkerCounters()
    {
    }

    /**
     * @param id a counter id.
     * @return its metric name (snake case).
     */
    public static String name(final int id)
    {
        return NAMES[id];
    }
}
