package dev.sluice.geneve;

import org.agrona.DirectBuffer;

/**
 * Bounded, allocation-free walk over a Geneve options area. Each {@link #next()} either positions
 * {@link #option()} on the next option, whose header and data are both inside the area, or reports the end or a
 * malformed area; it never reads past {@code optionsOffset + optionsLength}. At most 63 steps (every option is at
 * least 4 bytes and the area at most 252).
 *
 * <pre>{@code
 * iterator.reset(buffer, geneve.optionsOffset(), geneve.optionsLengthBytes());
 * int r;
 * while ((r = iterator.next()) == GeneveOptionIterator.OPTION) { ... iterator.option() ... }
 * if (r == GeneveOptionIterator.MALFORMED) { drop }
 * }</pre>
 */
public final class GeneveOptionIterator
{
    /** {@link #next()}: {@link #option()} is positioned on a complete option. */
    public static final int OPTION = 1;

    /** {@link #next()}: no more options; the area was consumed exactly. */
    public static final int END = 0;

    /** {@link #next()}: an option header or its data runs past the end of the area. */
    public static final int MALFORMED = -1;

    private final GeneveOptionFlyweight option = new GeneveOptionFlyweight();
    private DirectBuffer buffer;
    private int cursor;
    private int end;

    /** Starts a walk over {@code optionsLength} bytes at {@code optionsOffset}. */
    public GeneveOptionIterator reset(final DirectBuffer buffer, final int optionsOffset, final int optionsLength)
    {
        this.buffer = buffer;
        this.cursor = optionsOffset;
        this.end = optionsOffset + optionsLength;
        return this;
    }

    /** Advances to the next option: {@link #OPTION}, {@link #END} or {@link #MALFORMED}. */
    public int next()
    {
        final int remaining = end - cursor;
        if (remaining <= 0)
        {
            return remaining == 0 ? END : MALFORMED;
        }
        if (remaining < GeneveDescriptor.OPTION_HEADER_LENGTH)
        {
            cursor = end + 1;
            return MALFORMED;
        }
        option.wrap(buffer, cursor);
        final int total = option.totalLength();
        if (total > remaining)
        {
            // Leave the iterator exhausted-and-malformed so a caller that keeps calling stays on MALFORMED.
            cursor = end + 1;
            return MALFORMED;
        }
        cursor += total;
        return OPTION;
    }

    /** The current option, valid after {@link #next()} returned {@link #OPTION}. */
    public GeneveOptionFlyweight option()
    {
        return option;
    }
}
