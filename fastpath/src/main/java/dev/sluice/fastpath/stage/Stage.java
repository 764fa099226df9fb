package dev.sluice.fastpath.stage;

/**
 * A pipeline stage: one function over a vector of packets (VPP's "node"). It reads and writes the vector's
 * columns in place, drops by {@link PacketVector#drop}, skips packets already dropped, allocates nothing, takes no
 * lock and throws nothing for any packet content.
 */
public interface Stage
{
    /** Processes every live packet of {@code vector}. */
    void process(PacketVector vector);

    /** A short stable name, used for counters and trace output. */
    String name();
}
