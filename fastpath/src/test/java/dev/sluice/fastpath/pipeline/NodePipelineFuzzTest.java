package dev.sluice.fastpath.pipeline;

import static dev.sluice.fastpath.pipeline.NodeRig.FRAME_SIZE;
import static dev.sluice.fastpath.pipeline.NodeRig.HEADROOM;
import static dev.sluice.fastpath.pipeline.NodeRig.PORT_A;
import static dev.sluice.fastpath.pipeline.NodeRig.PORT_B;
import static dev.sluice.fastpath.pipeline.NodeRig.PORT_C;
import static dev.sluice.fastpath.pipeline.NodeRig.UPLINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.NodeTables;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the whole {@link NodePipeline} (decap, parse, endpoint, service, conntrack, policy, forward, encap) as the
 * worker runs it, over the small real node of {@link NodeRig} (three local pods, a peer node, ClusterIP and NodePort
 * services, ingress and egress policy) with a host port. A fresh node per input keeps every input reproducible.
 *
 * <p>Invariants, for every frame of every vector:
 * <ul>
 *   <li>exactly one verdict: either a known {@link DropReason} or a live packet with an egress port of the node
 *       (uplink, host, a pod port) — a live packet without an egress port is a finding;</li>
 *   <li>the drop counters grow by exactly the drops in the vector, reason by reason;</li>
 *   <li>offset and length of every passed frame stay inside its 4 KiB slot;</li>
 *   <li>a passed frame whose input had valid IPv4 header, TCP, UDP and ICMP checksums (inner ones too for Geneve)
 *       still has valid ones, whatever the stages rewrote (NAT, reverse NAT, TTL, Geneve encap and decap, rejects);
 *       the checksums are recomputed here from scratch, independently of the product's incremental updates;</li>
 *   <li>no exception.</li>
 * </ul>
 *
 * <p>Input format (seeds in {@code NodePipelineFuzzTestInputs/everyFrameGetsOneVerdict/}, written by
 * {@code fastpath/src/test/scapy/pipeline_fuzz_seeds.py}):
 * <pre>
 *   byte 0: control  bits 0-2 frames - 1 (1..8)
 *                    bit 3    TWICE: run the same frames again one second later (replies, established flows)
 *   per frame: 1 byte ingress port selector (index into {@link #PORTS}, modulo), 16-bit big-endian length, bytes
 * </pre>
 * {@code JAZZER_FUZZ=1 mvn -pl fastpath -am verify -Dtest=NodePipelineFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * fuzzes for {@link #FUZZ_DURATION}.
 */
@Tag("fuzz")
class NodePipelineFuzzTest
{
    static final String FUZZ_DURATION = "5m";

    static final int HOST_PORT = 1;
    /** Ingress ports a frame can come from: uplink, host, pods A, B, C, and a port the node does not know. */
    static final int[] PORTS = { UPLINK, HOST_PORT, PORT_A, PORT_B, PORT_C, 7 };
    static final int TWICE = 0x08;

    private static final int MAX_FRAMES = 8;
    private static final int MAX_FRAME_LENGTH = FRAME_SIZE - HEADROOM;
    private static final Set<Integer> EGRESS_PORTS = Set.of(UPLINK, HOST_PORT, PORT_A, PORT_B, PORT_C);

    private static final NodeTables TABLES = NodeRig.tables(1);

    private static final int NONE = 0;
    private static final int VALID = 1;
    private static final int INVALID = 2;

    @FuzzTest(maxDuration = FUZZ_DURATION)
    void everyFrameGetsOneVerdict(final byte[] data)
    {
        final NodeRig rig = new NodeRig(HOST_PORT, ConntrackConfig.of(1 << 10), TABLES);
        final List<byte[]> frames = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();
        final int control = data.length > 0 ? data[0] & 0xFF : 0;
        final int count = 1 + (control & 7);
        int cursor = 1;
        while (frames.size() < count && cursor < data.length)
        {
            final int port = PORTS[(data[cursor] & 0xFF) % PORTS.length];
            cursor++;
            int length = data.length - cursor;
            if (cursor + 2 <= data.length)
            {
                length = Math.min(((data[cursor] & 0xFF) << 8) | (data[cursor + 1] & 0xFF), data.length - cursor - 2);
                cursor += 2;
            }
            length = Math.min(Math.max(length, 0), MAX_FRAME_LENGTH);
            final byte[] frame = new byte[length];
            System.arraycopy(data, cursor, frame, 0, length);
            cursor += length;
            frames.add(frame);
            ports.add(port);
        }
        if (frames.isEmpty())
        {
            return;
        }
        final int[] portArray = ports.stream().mapToInt(Integer::intValue).toArray();
        runAndCheck(rig, frames, portArray);
        if ((control & TWICE) != 0)
        {
            rig.nowNs += 1_000_000_000L;
            runAndCheck(rig, frames, portArray);
        }
    }

    /**
     * The seeds reach past parse: every seed has at least one frame that passes, the seeds together reach every
     * kind of egress port and several drop reasons, and NAT happens in them. A corpus of frames dropped at the
     * first stage would otherwise replay green without exercising the pipeline.
     */
    @Test
    void seedCorpusReachesEveryEgressAndNat() throws IOException, URISyntaxException
    {
        final Path directory = Path.of(NodePipelineFuzzTest.class
            .getResource("NodePipelineFuzzTestInputs/everyFrameGetsOneVerdict").toURI());
        final List<Path> seeds;
        try (Stream<Path> files = Files.list(directory))
        {
            seeds = files.sorted().toList();
        }
        final Set<Integer> egress = new HashSet<>();
        final Set<Integer> reasons = new HashSet<>();
        int natted = 0;
        for (final Path seed : seeds)
        {
            final byte[] data = Files.readAllBytes(seed);
            final NodeRig rig = new NodeRig(HOST_PORT, ConntrackConfig.of(1 << 10), TABLES);
            final List<byte[]> frames = new ArrayList<>();
            final List<Integer> ports = new ArrayList<>();
            int cursor = 1;
            while (cursor < data.length)
            {
                ports.add(PORTS[(data[cursor] & 0xFF) % PORTS.length]);
                final int length = ((data[cursor + 1] & 0xFF) << 8) | (data[cursor + 2] & 0xFF);
                final byte[] frame = new byte[length];
                System.arraycopy(data, cursor + 3, frame, 0, length);
                frames.add(frame);
                cursor += 3 + length;
            }
            runAndCheck(rig, frames, ports.stream().mapToInt(Integer::intValue).toArray());
            for (int i = 0; i < rig.vector.size(); i++)
            {
                if (rig.vector.dropReason[i] != 0)
                {
                    reasons.add(rig.vector.dropReason[i]);
                }
                else
                {
                    egress.add(rig.vector.egressPort[i]);
                    if ((rig.pipeline.context().state[i] &
                        (PipelineContext.STATE_DNAT | PipelineContext.STATE_REVERSE_NAT)) != 0)
                    {
                        natted++;
                    }
                }
            }
        }
        assertEquals(EGRESS_PORTS, egress, "egress ports reached by the seeds");
        assertTrue(reasons.size() >= 4, "drop reasons reached by the seeds: " + reasons);
        assertTrue(natted >= 3, "NAT-rewritten frames in the seeds: " + natted);
        assertTrue(seeds.size() >= 20, "seed corpus too small: " + seeds.size());
    }

    private static void runAndCheck(final NodeRig rig, final List<byte[]> frames, final int[] ports)
    {
        final int[] inputChecksums = new int[frames.size()];
        for (int i = 0; i < frames.size(); i++)
        {
            final byte[] frame = frames.get(i);
            inputChecksums[i] = checksums(new UnsafeBuffer(frame), 0, frame.length, 0);
        }
        final long[] dropsBefore = new long[DropReason.MAX_CODES];
        for (int code = 0; code < DropReason.MAX_CODES; code++)
        {
            dropsBefore[code] = rig.pipeline.drops().getAcquire(code);
        }

        rig.run(frames, ports);

        final PacketVector v = rig.vector;
        assertEquals(frames.size(), v.size(), "vector size");
        final int[] droppedByCode = new int[DropReason.MAX_CODES];
        for (int i = 0; i < v.size(); i++)
        {
            final String at = "frame " + i + " from port " + ports[i] + ": ";
            final int code = v.dropReason[i];
            if (code != 0)
            {
                assertNotNull(DropReason.ofCode(code), at + "unknown drop code " + code);
                droppedByCode[code]++;
                continue;
            }
            assertTrue(EGRESS_PORTS.contains(v.egressPort[i]),
                at + "live without a valid egress port: " + v.egressPort[i]);
            final int slot = i * FRAME_SIZE;
            final int offset = v.offset[i];
            final int length = v.length[i];
            assertTrue(length > 0 && offset >= slot && offset + length <= slot + FRAME_SIZE,
                at + "frame " + offset + "+" + length + " outside its slot " + slot + "+" + FRAME_SIZE);
            if (inputChecksums[i] == VALID)
            {
                final int out = checksums(rig.buffer, offset, length, 0);
                if (out == INVALID)
                {
                    fail(at + "checksums broken on the way to port " + v.egressPort[i] + " (state 0x" +
                        Integer.toHexString(rig.pipeline.context().state[i]) + "): " +
                        HexFormat.of().formatHex(rig.bytes(i)));
                }
            }
        }
        for (int code = 0; code < DropReason.MAX_CODES; code++)
        {
            final long delta = rig.pipeline.drops().getAcquire(code) - dropsBefore[code];
            if (delta != droppedByCode[code])
            {
                fail("drop counter of " + DropReason.ofCode(code) + " grew by " + delta + " for " +
                    droppedByCode[code] + " dropped frames");
            }
        }
    }

    /**
     * Checks every IPv4 checksum of a frame from scratch: the header, TCP, UDP (0 means none) and ICMP, and those of
     * a Geneve-encapsulated inner frame.
     *
     * @return {@link #NONE} if there is no IPv4 packet to check, {@link #VALID} or {@link #INVALID}.
     */
    static int checksums(final DirectBuffer buffer, final int offset, final int length, final int depth)
    {
        final int end = offset + length;
        if (length < 14)
        {
            return NONE;
        }
        int etherType = u16(buffer, offset + 12);
        int l3 = offset + 14;
        if (etherType == 0x8100 && length >= 18)
        {
            etherType = u16(buffer, offset + 16);
            l3 = offset + 18;
        }
        if (etherType != 0x0800)
        {
            return NONE;
        }
        if (l3 + 20 > end)
        {
            return INVALID;
        }
        final int ihl = (buffer.getByte(l3) & 0xF) * 4;
        final int totalLength = u16(buffer, l3 + 2);
        if (ihl < 20 || totalLength < ihl || l3 + totalLength > end)
        {
            return INVALID;
        }
        if (fold(sum(buffer, l3, ihl, 0)) != 0xFFFF)
        {
            return INVALID;
        }
        final int fragment = u16(buffer, l3 + 6);
        if ((fragment & 0x3FFF) != 0)
        {
            return VALID;
        }
        final int protocol = buffer.getByte(l3 + 9) & 0xFF;
        final int l4 = l3 + ihl;
        final int l4Length = totalLength - ihl;
        final long pseudo = sum(buffer, l3 + 12, 8, 0) + protocol + l4Length;
        switch (protocol)
        {
            case 1:
                return l4Length < 8 || fold(sum(buffer, l4, l4Length, 0)) != 0xFFFF ? INVALID : VALID;
            case 6:
                return l4Length < 20 || fold(sum(buffer, l4, l4Length, pseudo)) != 0xFFFF ? INVALID : VALID;
            case 17:
                if (l4Length < 8 || u16(buffer, l4 + 4) != l4Length)
                {
                    return INVALID;
                }
                if (u16(buffer, l4 + 6) != 0 && fold(sum(buffer, l4, l4Length, pseudo)) != 0xFFFF)
                {
                    return INVALID;
                }
                if (u16(buffer, l4 + 2) == 6081 && depth == 0 && l4Length >= 16)
                {
                    final int inner = l4 + 16 + (buffer.getByte(l4 + 8) & 0x3F) * 4;
                    if (inner > l3 + totalLength)
                    {
                        return INVALID;
                    }
                    final int innerResult = checksums(buffer, inner, l3 + totalLength - inner, 1);
                    return innerResult == INVALID ? INVALID : VALID;
                }
                return VALID;
            default:
                return VALID;
        }
    }

    private static long sum(final DirectBuffer buffer, final int from, final int length, final long initial)
    {
        long sum = initial;
        int i = 0;
        for (; i + 1 < length; i += 2)
        {
            sum += u16(buffer, from + i);
        }
        if (i < length)
        {
            sum += (buffer.getByte(from + i) & 0xFF) << 8;
        }
        return sum;
    }

    private static int fold(final long sum)
    {
        long s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int)s;
    }

    private static int u16(final DirectBuffer buffer, final int at)
    {
        return ((buffer.getByte(at) & 0xFF) << 8) | (buffer.getByte(at + 1) & 0xFF);
    }
}
