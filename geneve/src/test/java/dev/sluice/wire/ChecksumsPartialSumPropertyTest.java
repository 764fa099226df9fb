package dev.sluice.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link Checksums#partialSum}, {@link Checksums#fold} and {@link Checksums#finish} against {@link NaiveInternetSum}
 * for random data of random (often odd) length at random offsets, over heap and off-heap buffers.
 */
class ChecksumsPartialSumPropertyTest
{
    private static final int SLACK = 37;

    @Property(tries = 3000)
    void partialSumFoldsToTheNaiveWordSum(
        @ForAll @Size(max = 2000) final byte[] data,
        @ForAll @IntRange(max = SLACK) final int offset,
        @ForAll final boolean offHeap,
        @ForAll @IntRange(max = 0xFFFF) final int initial)
    {
        final UnsafeBuffer buffer = bufferWith(data, offset, offHeap);

        final long partial = Checksums.partialSum(buffer, offset, data.length, initial);

        final int expected = NaiveInternetSum.sum(initial, data, 0, data.length);
        assertEquals(expected, Checksums.fold(partial), "fold");
        assertEquals(~expected & 0xFFFF, Checksums.finish(partial), "finish");
    }

    @Property(tries = 1000)
    void partialSumsChainAcrossEvenSplits(
        @ForAll @Size(max = 2000) final byte[] data,
        @ForAll @IntRange(max = 1000) final int splitWords,
        @ForAll @IntRange(max = SLACK) final int offset,
        @ForAll final boolean offHeap)
    {
        final int split = Math.min(splitWords * 2, data.length & ~1);
        final UnsafeBuffer buffer = bufferWith(data, offset, offHeap);

        final long first = Checksums.partialSum(buffer, offset, split, 0);
        final long both = Checksums.partialSum(buffer, offset + split, data.length - split, first);

        assertEquals(NaiveInternetSum.sum(0, data, 0, data.length), Checksums.fold(both));
    }

    @Property(tries = 500)
    void foldOfLargeUnfoldedSumsIsTheResidueModuloFFFF(@ForAll final long value)
    {
        final long partial = value & Long.MAX_VALUE;
        final int folded = Checksums.fold(partial);
        final long residue = partial % 0xFFFF;
        assertEquals(partial == 0 ? 0 : residue == 0 ? 0xFFFF : (int)residue, folded);
    }

    @Example
    void allOnesAndAllZerosOfEveryShortLength()
    {
        for (int length = 0; length <= 70; length++)
        {
            final byte[] ones = new byte[length];
            java.util.Arrays.fill(ones, (byte)0xFF);
            final byte[] zeros = new byte[length];
            for (final boolean offHeap : new boolean[]{ false, true })
            {
                for (int offset = 0; offset < 9; offset++)
                {
                    final UnsafeBuffer o = bufferWith(ones, offset, offHeap);
                    final UnsafeBuffer z = bufferWith(zeros, offset, offHeap);
                    assertEquals(NaiveInternetSum.sum(0, ones, 0, length),
                        Checksums.fold(Checksums.partialSum(o, offset, length, 0)), "ones " + length);
                    assertEquals(0, Checksums.fold(Checksums.partialSum(z, offset, length, 0)), "zeros " + length);
                    assertEquals(0xFFFF, Checksums.finish(Checksums.partialSum(z, offset, length, 0)));
                }
            }
        }
    }

    @Example
    void rfc1071WorkedExample()
    {
        // RFC 1071 section 3 example bytes: 00 01 f2 03 f4 f5 f6 f7, sum 0xddf2 after the end-around carry.
        final byte[] bytes = { 0x00, 0x01, (byte)0xf2, 0x03, (byte)0xf4, (byte)0xf5, (byte)0xf6, (byte)0xf7 };
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertEquals(0xDDF2, Checksums.fold(Checksums.partialSum(buffer, 0, bytes.length, 0)));
        assertEquals(0x220D, Checksums.finish(Checksums.partialSum(buffer, 0, bytes.length, 0)));
    }

    static UnsafeBuffer bufferWith(final byte[] data, final int offset, final boolean offHeap)
    {
        final int capacity = data.length + offset + SLACK;
        final UnsafeBuffer buffer = offHeap ?
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity)) : new UnsafeBuffer(new byte[capacity]);
        // Junk around the data: a sum that strays outside [offset, offset + length) will show.
        for (int i = 0; i < capacity; i++)
        {
            buffer.putByte(i, (byte)(0xA5 ^ i));
        }
        buffer.putBytes(offset, data);
        return buffer;
    }
}
