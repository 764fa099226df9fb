package dev.sluice.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins {@link Hashing#mix64(long)} to MurmurHash3's fmix64: the expected values were computed outside Java (Python
 * integers masked to 64 bits, the three shift-xor and two multiply steps of fmix64). Conntrack buckets, Maglev
 * tables and the service/affinity slots all depend on these exact bits.
 */
class HashingTest
{
    @Test
    void mix64IsMurmur3Fmix64()
    {
        assertEquals(0L, Hashing.mix64(0L));
        assertEquals(0xB456_BCFC_34C2_CB2CL, Hashing.mix64(1L));
        assertEquals(0x87CB_FBFE_8902_2CEAL, Hashing.mix64(0x0123_4567_89AB_CDEFL));
        assertEquals(0x64B5_720B_4B82_5F21L, Hashing.mix64(-1L));
    }
}
