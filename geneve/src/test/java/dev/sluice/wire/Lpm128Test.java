package dev.sluice.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link Lpm128} against a linear scan over the same prefixes, and its construction errors.
 */
class Lpm128Test
{
    private static final int MISSING = -1;

    @Test
    void longestPrefixWinsAcrossFamilies()
    {
        final Lpm128 lpm = new Lpm128.Builder(MISSING)
            .add(0, 0, 0, 1)
            .add(0, 0x0000_FFFF_C612_0000L, 96 + 16, 2)
            .add(0, 0x0000_FFFF_C612_0300L, 96 + 24, 3)
            .add(0, 0x0000_FFFF_C612_0302L, 128, 4)
            .add(0x2001_0002_0000_0000L, 0, 48, 5)
            .build();
        assertEquals(4, lookup(lpm, "198.18.3.2"));
        assertEquals(3, lookup(lpm, "198.18.3.1"));
        assertEquals(2, lookup(lpm, "198.18.4.1"));
        assertEquals(1, lookup(lpm, "198.19.0.1"));
        assertEquals(5, lookup(lpm, "2001:2:0:1::1"));
        assertEquals(1, lookup(lpm, "2001:3::1"));
        assertEquals(5, lpm.prefixLengthCount());
        assertEquals(128, lpm.prefixLength(0));
        assertEquals(0, lpm.prefixLength(lpm.size() - 1));
    }

    @Test
    void aPrefixWithTheMissingValueIsAHoleInShorterOnes()
    {
        final Lpm128 lpm = new Lpm128.Builder(MISSING)
            .add(0, 0, 0, 1)
            .add(0, 0x0000_FFFF_0000_0000L, 96, MISSING)
            .build();
        assertEquals(MISSING, lookup(lpm, "198.18.3.2"));
        assertEquals(1, lookup(lpm, "2001:2::1"));
    }

    @Test
    void emptyTableMissesEverything()
    {
        final Lpm128 lpm = new Lpm128.Builder(MISSING).build();
        assertEquals(MISSING, lookup(lpm, "198.18.0.1"));
        assertEquals(0, lpm.size());
    }

    @Test
    void badPrefixesAreRejectedNamingThem()
    {
        final Lpm128.Builder builder = new Lpm128.Builder(MISSING);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.add(0, 1, 127, 1))
            .getMessage().contains("host bits"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.add(0, 0, 129, 1))
            .getMessage().contains("/129"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.add(0, 0, 0, Lpm128.EMPTY_SLOT))
            .getMessage().contains("reserved"));
        builder.add(0x2001_0002_0000_0000L, 0, 48, 7).add(0x2001_0002_0000_0000L, 0, 48, 7);
        assertEquals("prefix 2001:2::/48 added with two values: 7 and 8",
            assertThrows(IllegalArgumentException.class, () -> builder.add(0x2001_0002_0000_0000L, 0, 48, 8))
                .getMessage());
        assertEquals(1, builder.build().size());
    }

    @Property(tries = 300)
    void agreesWithALinearScan(
        @ForAll final long seed,
        @ForAll @IntRange(min = 0, max = 60) final int prefixes)
    {
        final java.util.Random random = new java.util.Random(seed);
        // Addresses from a small space (a /120 of the high bits, and the low byte) so prefixes nest and collide.
        final List<long[]> entries = new ArrayList<>();
        final Lpm128.Builder builder = new Lpm128.Builder(MISSING);
        final java.util.Map<String, Integer> taken = new java.util.HashMap<>();
        for (int i = 0; i < prefixes; i++)
        {
            final int length = random.nextInt(129);
            final long hi = (random.nextBoolean() ? 0x2001_0002_0000_0000L : 0) | (random.nextInt(4) & 3L) << 60;
            final long lo = random.nextInt(256) | (long)random.nextInt(4) << 62;
            final long mh = hi & Lpm128.maskHi(length);
            final long ml = lo & Lpm128.maskLo(length);
            if (taken.putIfAbsent(mh + "/" + ml + "/" + length, i) == null)
            {
                builder.add(mh, ml, length, i);
                entries.add(new long[] { mh, ml, length, i });
            }
        }
        final Lpm128 lpm = builder.build();
        for (int probe = 0; probe < 200; probe++)
        {
            final long hi = (random.nextBoolean() ? 0x2001_0002_0000_0000L : 0) | (random.nextInt(4) & 3L) << 60;
            final long lo = random.nextInt(256) | (long)random.nextInt(4) << 62;
            int best = MISSING;
            int bestLength = -1;
            for (final long[] e : entries)
            {
                final int length = (int)e[2];
                if ((hi & Lpm128.maskHi(length)) == e[0] && (lo & Lpm128.maskLo(length)) == e[1] && length > bestLength)
                {
                    best = (int)e[3];
                    bestLength = length;
                }
            }
            assertEquals(best, lpm.lookup(hi, lo), () -> Addresses.ipv6ToString(hi, lo));
        }
    }

    private static int lookup(final Lpm128 lpm, final String literal)
    {
        final long[] a = Addresses.parse(literal);
        return lpm.lookup(a[0], a[1]);
    }
}
