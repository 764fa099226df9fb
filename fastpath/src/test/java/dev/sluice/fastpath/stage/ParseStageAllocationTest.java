package dev.sluice.fastpath.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.testkit.Allocations;
import java.util.HexFormat;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The parse stage allocates nothing per packet once compiled: a realistic mix of valid and malformed frames, laid
 * out in an off-heap buffer like UMEM frames, is filled into vectors and parsed, and the thread's allocated bytes
 * are measured over more than a million packets after a warm-up long enough for C2.
 *
 * <p>The frames were built with scapy (addresses from 198.18.0.0/15 and 2001:2::/48) and are kept as hex so this
 * test needs no tools. Each frame's outcome is asserted first, so the mix really exercises the deep paths (IPv4
 * options, IPv6 extension walk, ICMP error inner tuple) and the drop paths.
 */
class ParseStageAllocationTest
{
    private static final int SLOT_SIZE = 2048;
    private static final int HEADROOM = 256;
    private static final int SLOTS = 256;
    private static final int VECTOR_SIZE = 64;
    private static final int WARMUP_VECTORS = 200_000;
    private static final int MEASURED_VECTORS = 20_000;
    private static final double MAX_BYTES_PER_PACKET = 0.01;

    private record Frame(String name, String hex, DropReason expected)
    {
    }

    private static final Frame[] FRAMES =
    {
        new Frame("IPv4/TCP",
            "02000000000202000000000108004500002d000140004006aea1c6120001c61300029c40005000000000000000005018" +
            "20009ca80000474554202f", null),
        new Frame("IPv4 with record-route option/UDP",
            "020000000002020000000001080047000030000100004011cfc6c6120001c6130002070704c612fffe0014e900350014" +
            "b5d6717171717171717171717171", null),
        new Frame("IPv6 hop-by-hop + fragment (first)/UDP",
            "02000000000202000000000186dd60000000002800402001000200000000000000000000000120010002000000010000" +
            "0000000000022c0001040000000011000001000000070fa00fa104b0f02f75757575757575757575757575757575", null),
        new Frame("ICMP port unreachable quoting UDP",
            "020000000002020000000001080045000038000100004001ee9fc612fffec61200010303893f000000004500001c0001" +
            "00004011eea7c6120001c61300020fa00035000863e0", null),
        new Frame("ICMPv6 echo request",
            "02000000000202000000000186dd6000000000083a402001000200000000000000000000000120010002000000010000" +
            "0000000000028000fc8843210009", null),
        new Frame("ARP request",
            "ffffffffffff02000000000108060001080006040001020000000001c6120001000000000000c6130002", null),
        new Frame("802.1Q VLAN 42 IPv4/TCP",
            "0200000000020200000000018100002a080045000028000100004006eea6c6120001c61300029c4101bb000000000000" +
            "00005010200065af0000", null),
        new Frame("IPv4 bad header checksum",
            "02000000000202000000000108004500001c000100004011beefc6120001c613000200010002000873b2",
            DropReason.IPV4_BAD_CHECKSUM),
        new Frame("TCP data offset past the segment",
            "020000000002020000000001080045000028000100004006eea6c6120001c6130002001400500000000000000000f002" +
            "200063550000", DropReason.TCP_BAD_DATA_OFFSET),
        new Frame("QinQ",
            "020000000002020000000001810000018100000208004500001c000100004011eea7c6120001c6130002003500350008" +
            "734b", DropReason.VLAN_STACKED),
        new Frame("IPv6 payload length past the frame",
            "02000000000202000000000186dd60000000038411402001000200000000000000000000000120010002000000010000" +
            "000000000002003500350008bf6a", DropReason.IPV6_BAD_PAYLOAD_LENGTH),
        new Frame("truncated Ethernet", "0200000000020200000000", DropReason.ETH_TRUNCATED),
    };

    @Test
    void parseAllocatesNothingPerPacket()
    {
        final UnsafeBuffer umem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SLOTS * SLOT_SIZE, 4096));
        final int[] lengths = new int[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++)
        {
            final byte[] bytes = HexFormat.of().parseHex(FRAMES[slot % FRAMES.length].hex());
            umem.putBytes(slot * SLOT_SIZE + HEADROOM, bytes);
            lengths[slot] = bytes.length;
        }
        final Counters drops = new Counters(DropReason.MAX_CODES);
        final ParseStage stage = new ParseStage(SLOT_SIZE - HEADROOM, drops);
        final PacketVector vector = new PacketVector(VECTOR_SIZE);

        // Every frame of the mix parses as intended (alive, or dropped for its reason).
        fill(vector, umem, lengths, 0);
        stage.process(vector);
        int droppedPerRound = 0;
        for (int slot = 0; slot < SLOTS; slot++)
        {
            droppedPerRound += FRAMES[slot % FRAMES.length].expected() != null ? 1 : 0;
        }
        for (int i = 0; i < FRAMES.length; i++)
        {
            final Frame frame = FRAMES[i];
            final DropReason actual = DropReason.ofCode(vector.dropReason[i]);
            assertEquals(frame.expected(), actual, () -> frame.name() + " parsed as " + actual);
        }

        final long[] droppedBefore = new long[1];
        final long[] alive = new long[1];
        final long packets = (long)MEASURED_VECTORS * VECTOR_SIZE;
        Allocations.assertAllocatesNothing("parse",
            () ->
            {
                for (int n = 0; n < WARMUP_VECTORS; n++)
                {
                    cycle(stage, vector, umem, lengths, n);
                }
                droppedBefore[0] = stage.counters().getAcquire(ParseStage.COUNTER_DROPPED);
            },
            () ->
            {
                for (int n = 0; n < MEASURED_VECTORS; n++)
                {
                    alive[0] += cycle(stage, vector, umem, lengths, n);
                }
            },
            packets, MAX_BYTES_PER_PACKET);

        // The work was real: the malformed share of the mix was dropped, the rest parsed alive.
        final long dropped = stage.counters().getAcquire(ParseStage.COUNTER_DROPPED) - droppedBefore[0];
        // Vectors start at slots 0, 64, 128, 192, so every 4 vectors parse each slot once.
        final long rounds = (long)MEASURED_VECTORS * VECTOR_SIZE / SLOTS;
        assertEquals(rounds * droppedPerRound, dropped, "dropped packets");
        assertEquals(packets - dropped, alive[0], "alive packets");
    }

    private static int cycle(
        final ParseStage stage, final PacketVector vector, final UnsafeBuffer umem, final int[] lengths, final int n)
    {
        fill(vector, umem, lengths, (n * VECTOR_SIZE) % SLOTS);
        stage.process(vector);
        return vector.aliveCount();
    }

    private static void fill(final PacketVector vector, final UnsafeBuffer umem, final int[] lengths, final int first)
    {
        vector.reset(umem);
        for (int i = 0; i < VECTOR_SIZE; i++)
        {
            final int slot = (first + i) % SLOTS;
            vector.add((long)slot * SLOT_SIZE, slot * SLOT_SIZE + HEADROOM, lengths[slot], 0, i);
        }
    }
}
