package dev.sluice.control.cli;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.sluice.wire.Addresses;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.pcap.PcapReader;
import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice inspect --pcap FILE}: runs every frame of a capture through the fast path's parse stage (the same
 * code the agent runs) and prints what it made of each frame, the drop reason of malformed ones, and the totals.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {
        "Parse every frame of a pcap/pcapng capture with the fast path's parse stage.",
        "Prints one line per frame: number, length, protocol, source > destination, flags, or DROP and the reason.",
        "Exit status: 0 when every frame parsed, 1 when some were dropped, 2 on an unreadable file."
    })
public final class InspectCommand implements Callable<Integer>
{
    private static final int MAX_FRAME = 65535 + 18;
    private static final int VECTOR = 64;

    @Option(names = "--pcap", required = true, paramLabel = "FILE", description = "capture to read (pcap or pcapng)")
    Path pcap;

    @Option(names = "--out", paramLabel = "FILE", description = "write the frames that parsed to this pcap")
    Path out;

    @Option(names = "--runtime", description = "print the per-stage runtime table (calls, packets, ns/packet)")
    boolean runtime;

    @Override
    public Integer call() throws Exception
    {
        final PrintStream stdout = System.out;
        final UnsafeBuffer frames = new UnsafeBuffer(ByteBuffer.allocateDirect(VECTOR * MAX_FRAME));
        final Counters drops = new Counters(DropReason.MAX_CODES);
        final ParseStage parse = new ParseStage(MAX_FRAME, drops);
        final Pipeline pipeline = new Pipeline(List.of(parse));
        final PacketVector vector = new PacketVector(VECTOR);
        final long[] timestamps = new long[VECTOR];
        long total = 0;
        long dropped = 0;
        try (PcapReader reader = new PcapReader(pcap); PcapWriter writer = out == null ? null : new PcapWriter(out))
        {
            boolean more = true;
            while (more)
            {
                vector.reset(frames);
                while (!vector.isFull() && (more = reader.next()))
                {
                    if (reader.linkType() != 1)
                    {
                        System.err.printf(Locale.ROOT, "frame %d: link type %d is not Ethernet, skipped%n",
                            total + vector.size() + 1, reader.linkType());
                        continue;
                    }
                    final int slot = vector.size();
                    final int length = reader.copyTo(frames, slot * MAX_FRAME, MAX_FRAME);
                    timestamps[slot] = reader.timestampNs();
                    vector.add(slot, slot * MAX_FRAME, length, 0, total + slot + 1);
                }
                pipeline.process(vector);
                for (int i = 0; i < vector.size(); i++)
                {
                    stdout.println(describe(vector, i));
                    if (vector.isDropped(i))
                    {
                        dropped++;
                    }
                    else if (writer != null)
                    {
                        writer.write(frames, vector.offset[i], vector.length[i], timestamps[i]);
                    }
                }
                total += vector.size();
            }
        }
        catch (final java.io.IOException e)
        {
            System.err.println("sluice inspect: " + e.getMessage());
            return 2;
        }
        stdout.printf(Locale.ROOT, "%d frames, %d parsed, %d dropped%n", total, total - dropped, dropped);
        for (final DropReason reason : DropReason.values())
        {
            final long n = drops.getAcquire(reason.code());
            if (n != 0)
            {
                stdout.printf(Locale.ROOT, "  drop %-24s %8d  %s%n", reason.name(), n, reason.description());
            }
        }
        if (runtime)
        {
            stdout.print(pipeline.formatRuntime());
        }
        return dropped == 0 ? 0 : 1;
    }

    /** One line for packet i: "#seq len proto src > dst details" or "#seq len DROP REASON (description)". */
    static String describe(final PacketVector v, final int i)
    {
        final StringBuilder line = new StringBuilder();
        line.append('#').append(v.sequence[i]).append(' ').append(v.length[i]).append("B ");
        final DropReason reason = DropReason.ofCode(v.dropReason[i]);
        if (reason != null)
        {
            return line.append("DROP ").append(reason.name()).append(" (").append(reason.description()).append(')')
                .toString();
        }
        if (v.hasFlag(i, PacketVector.FLAG_VLAN))
        {
            line.append("vlan ").append(v.vlanId[i]).append(' ');
        }
        if (v.hasFlag(i, PacketVector.FLAG_ARP))
        {
            return line.append("ARP ").append(v.protocol[i] == 1 ? "request " : v.protocol[i] == 2 ? "reply " : "op ")
                .append(Addresses.format(v.srcHi[i], v.srcLo[i])).append(" > ")
                .append(Addresses.format(v.dstHi[i], v.dstLo[i])).toString();
        }
        line.append(v.hasFlag(i, PacketVector.FLAG_IPV6) ? "IPv6 " : "IPv4 ").append(IpProtocol.name(v.protocol[i]))
            .append(' ').append(endpoint(v.srcHi[i], v.srcLo[i], v, i, v.srcPort[i]))
            .append(" > ").append(endpoint(v.dstHi[i], v.dstLo[i], v, i, v.dstPort[i]));
        if (v.protocol[i] == IpProtocol.TCP && v.hasFlag(i, PacketVector.FLAG_PORTS))
        {
            line.append(" [").append(tcpFlags(v.tcpFlags[i])).append(']');
        }
        if (v.icmpTypeCode[i] != 0 || v.protocol[i] == IpProtocol.ICMP || v.protocol[i] == IpProtocol.ICMPV6)
        {
            line.append(" type ").append(v.icmpTypeCode[i] >> 8).append(" code ").append(v.icmpTypeCode[i] & 0xFF);
        }
        if (v.hasFlag(i, PacketVector.FLAG_ICMP_ERROR))
        {
            line.append(" about ").append(IpProtocol.name(v.innerProtocol[i])).append(' ')
                .append(Addresses.format(v.innerSrcHi[i], v.innerSrcLo[i]));
            if (v.hasFlag(i, PacketVector.FLAG_INNER_PORTS))
            {
                line.append(':').append(v.innerSrcPort[i]);
            }
            line.append(" > ").append(Addresses.format(v.innerDstHi[i], v.innerDstLo[i]));
            if (v.hasFlag(i, PacketVector.FLAG_INNER_PORTS))
            {
                line.append(':').append(v.innerDstPort[i]);
            }
        }
        if (v.hasFlag(i, PacketVector.FLAG_FIRST_FRAGMENT))
        {
            line.append(" first-fragment");
        }
        if (v.hasFlag(i, PacketVector.FLAG_FRAGMENT))
        {
            line.append(" fragment");
        }
        return line.toString();
    }

    private static String endpoint(final long hi, final long lo, final PacketVector v, final int i, final int port)
    {
        final String address = Addresses.format(hi, lo);
        if (!v.hasFlag(i, PacketVector.FLAG_PORTS) || v.hasFlag(i, PacketVector.FLAG_ICMP_ECHO))
        {
            return v.hasFlag(i, PacketVector.FLAG_ICMP_ECHO) ? address + " id " + port : address;
        }
        return v.hasFlag(i, PacketVector.FLAG_IPV6) ? "[" + address + "]:" + port : address + ":" + port;
    }

    private static String tcpFlags(final int flags)
    {
        final StringBuilder s = new StringBuilder();
        final String names = "FSRPAUEC";
        for (int bit = 0; bit < 8; bit++)
        {
            if ((flags & (1 << bit)) != 0)
            {
                s.append(names.charAt(bit));
            }
        }
        return s.length() == 0 ? "none" : s.toString();
    }
}
