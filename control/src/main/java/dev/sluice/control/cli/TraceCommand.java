package dev.sluice.control.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.sluice.control.compile.NodeTablesCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.model.NodeInfo;
import dev.sluice.control.model.Protocol;
import dev.sluice.control.policy.PeerAddress;
import dev.sluice.control.policy.PolicyEngine;
import dev.sluice.control.policy.Verdict;
import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.pcap.PcapReader;
import dev.sluice.fastpath.pcap.PcapWriter;
import dev.sluice.fastpath.pipeline.NodePipeline;
import dev.sluice.fastpath.pipeline.PipelineContext;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.geneve.GeneveDescriptor;
import dev.sluice.geneve.TunnelPeerTable;
import dev.sluice.wire.Addresses;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice trace --state FILE --node NODE --pcap IN [--out OUT]}: every frame of a capture through the real
 * {@link NodePipeline} of one node, in order and statefully (one conntrack table for the whole run; the capture's
 * timestamps are the clock), one line per frame, and every emitted frame written to OUT.
 *
 * <p>Ports: the uplink is port {@value #UPLINK_PORT}, the host {@value #HOST_PORT}, local pod endpoint {@code e}
 * is port {@code FIRST_POD_PORT + e}. The ingress port of a frame is inferred: Geneve (UDP 6081) to the node's
 * InternalIP came in on the uplink; a frame whose source address is a local pod's came from that pod's veth;
 * anything else came from the host. Frames run one per vector, so each sees the state every earlier frame left.
 * The trace pipeline has a host port (the live worker has none yet), so frames for the host are shown and written
 * as emitted to the host rather than dropped.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = {
        "Run every frame of a pcap through the pipeline of one node, statefully, and say what happened to each.",
        "One line per frame: number, the frame, where it came in, the stages it passed, and its verdict",
        "(where it was sent, or DROP and the reason; policy drops with the policy engine's explanation).",
        "Exit status: 0 when the capture was traced, 2 on an unreadable state or capture."
    })
public final class TraceCommand implements Callable<Integer>
{
    static final int UPLINK_PORT = 0;
    static final int HOST_PORT = 1;
    static final int FIRST_POD_PORT = 2;
    static final long GATEWAY_MAC = 0x0200_0000_FFFEL;
    private static final int FRAME_SIZE = 1 << 17;
    private static final int HEADROOM = 256;
    private static final int MAX_FRAME = 65535 + 18;

    @Option(names = "--state", required = true, paramLabel = "FILE", description = "cluster state (Kubernetes YAML)")
    Path state;

    @Option(names = "--node", required = true, paramLabel = "NODE", description = "the node whose pipeline runs")
    String node;

    @Option(names = "--pcap", required = true, paramLabel = "IN", description = "capture to trace (pcap or pcapng)")
    Path pcap;

    @Option(names = "--out", paramLabel = "OUT", description = "write every emitted frame to this pcap")
    Path out;

    @Override
    public Integer call()
    {
        final ClusterState clusterState;
        try
        {
            clusterState = new ClusterStateLoader().load(state);
        }
        catch (final ClusterStateException e)
        {
            System.err.println("sluice trace: " + e.getMessage());
            return 2;
        }
        final NodeInfo nodeInfo = clusterState.nodes().get(node);
        if (nodeInfo == null)
        {
            System.err.println("sluice trace: no Node named '" + node + "' in " + state + " (nodes: " +
                String.join(", ", clusterState.nodes().keySet()) + ")");
            return 2;
        }
        final InetAddress underlay = NodeTablesCompiler.underlayAddress(nodeInfo);
        final NodeTables tables;
        try
        {
            tables = NodeTablesCompiler.compile(clusterState, node, 1,
                NodeTablesCompiler.EndpointPorts.sequential(FIRST_POD_PORT), tunnelConfig(underlay), null);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("sluice trace: " + e.getMessage());
            return 2;
        }
        try (ConntrackTable conntrack = new ConntrackTable(ConntrackConfig.of(1 << 16)))
        {
            return run(new Tracer(clusterState, tables, conntrack, underlay), System.out);
        }
    }

    private static TunnelConfig tunnelConfig(final InetAddress underlay)
    {
        if (underlay == null)
        {
            return null;
        }
        final byte[] a = underlay.getAddress();
        final TunnelConfig.Builder builder = new TunnelConfig.Builder().uplinkPort(UPLINK_PORT)
            .localMac(String.format("02:00:%02x:%02x:%02x:%02x", a[a.length - 4] & 0xFF, a[a.length - 3] & 0xFF,
                a[a.length - 2] & 0xFF, a[a.length - 1] & 0xFF))
            .underlayMtu(9001);
        return (a.length == 4 ? builder.localIpv4(underlay.getHostAddress()) :
            builder.localIpv6(underlay.getHostAddress())).build();
    }

    private int run(final Tracer tracer, final PrintStream stdout)
    {
        long frames = 0;
        long emitted = 0;
        try (PcapReader reader = new PcapReader(pcap); PcapWriter writer = out == null ? null : new PcapWriter(out))
        {
            while (reader.next())
            {
                frames++;
                if (reader.linkType() != 1)
                {
                    stdout.printf(Locale.ROOT, "#%d link type %d is not Ethernet, skipped%n", frames,
                        reader.linkType());
                    continue;
                }
                final int length = reader.copyTo(tracer.buffer, HEADROOM, MAX_FRAME);
                stdout.println(tracer.trace(frames, length, reader.timestampNs()));
                if (tracer.emitted() && writer != null)
                {
                    writer.write(tracer.buffer, tracer.vector.offset[0], tracer.vector.length[0], reader.timestampNs());
                }
                if (tracer.emitted())
                {
                    emitted++;
                }
            }
        }
        catch (final IOException e)
        {
            System.err.println("sluice trace: " + e.getMessage());
            return 2;
        }
        stdout.printf(Locale.ROOT, "%d frames, %d emitted, %d dropped%n", frames, emitted, tracer.dropped);
        for (final DropReason reason : DropReason.values())
        {
            final long n = tracer.pipeline.drops().getAcquire(reason.code());
            if (n != 0)
            {
                stdout.printf(Locale.ROOT, "  drop %-26s %6d  %s%n", reason.name(), n, reason.description());
            }
        }
        return 0;
    }

    /** One node's pipeline over one frame at a time, and the words for what it did. */
    static final class Tracer
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME_SIZE));
        final PacketVector vector = new PacketVector(1);
        final NodePipeline pipeline;
        private final PacketVector inferVector = new PacketVector(1);
        private final ParseStage inferParse = new ParseStage(MAX_FRAME, new Counters(DropReason.MAX_CODES));
        private final NodeTables tables;
        private final PolicyEngine engine;
        private final long underlayHi;
        private final long underlayLo;
        private final boolean hasUnderlay;
        long dropped;

        Tracer(final ClusterState state, final NodeTables tables, final ConntrackTable conntrack,
            final InetAddress underlay)
        {
            this.tables = tables;
            this.engine = new PolicyEngine(state);
            this.pipeline = new NodePipeline(tables, conntrack, null,
                new NodePipeline.Config(UPLINK_PORT, HOST_PORT, GATEWAY_MAC, FRAME_SIZE, HEADROOM, 0, 1 << 12));
            hasUnderlay = underlay != null;
            final long[] key = hasUnderlay ? Addresses.parse(underlay.getHostAddress()) : new long[2];
            underlayHi = key[0];
            underlayLo = key[1];
        }

        boolean emitted()
        {
            return !vector.isDropped(0) && vector.egressPort[0] != PacketVector.PORT_NONE;
        }

        String trace(final long number, final int length, final long timestampNs)
        {
            inferVector.reset(buffer);
            inferVector.add(0, HEADROOM, length, UPLINK_PORT, number);
            inferParse.process(inferVector);
            final String frame = InspectCommand.describe(inferVector, 0);
            final int port = ingressPort();

            vector.reset(buffer);
            vector.add(0, HEADROOM, length, port, number);
            pipeline.process(vector, timestampNs);

            final StringBuilder line = new StringBuilder(frame).append(" | in ").append(portName(port)).append(" |");
            stages(line);
            line.append(" | ");
            final DropReason reason = DropReason.ofCode(vector.dropReason[0]);
            if (reason != null)
            {
                dropped++;
                line.append("DROP ").append(reason.name());
                if (reason == DropReason.POLICY_DENIED_EGRESS || reason == DropReason.POLICY_DENIED_INGRESS)
                {
                    line.append(": ").append(explain());
                }
                else
                {
                    line.append(" (").append(reason.description()).append(')');
                }
            }
            else
            {
                line.append("PASS -> ").append(portName(vector.egressPort[0]));
                if (vector.egressPort[0] == UPLINK_PORT && vector.tunnelPeer[0] >= 0)
                {
                    line.append(" (Geneve to ").append(peers().nodeName(vector.tunnelPeer[0])).append(')');
                }
            }
            return line.toString();
        }

        private int ingressPort()
        {
            final PacketVector v = inferVector;
            if (v.isDropped(0) || (!v.hasFlag(0, PacketVector.FLAG_IPV4) && !v.hasFlag(0, PacketVector.FLAG_IPV6) &&
                !v.hasFlag(0, PacketVector.FLAG_ARP)))
            {
                return HOST_PORT;
            }
            if (hasUnderlay && v.protocol[0] == IpProtocol.UDP && v.hasFlag(0, PacketVector.FLAG_PORTS) &&
                v.dstPort[0] == GeneveDescriptor.DEFAULT_UDP_PORT && v.dstHi[0] == underlayHi &&
                v.dstLo[0] == underlayLo)
            {
                return UPLINK_PORT;
            }
            final int endpoint = tables.policy().endpointOf(v.srcHi[0], v.srcLo[0]);
            return endpoint >= 0 ? tables.endpoints().port(endpoint) : HOST_PORT;
        }

        private String portName(final int port)
        {
            if (port == UPLINK_PORT)
            {
                return "uplink";
            }
            if (port == HOST_PORT)
            {
                return "host";
            }
            final int endpoint = pipeline.tables().endpointOfPort(port);
            return endpoint < 0 ? "port " + port : tables.policy().endpointName(endpoint);
        }

        private TunnelPeerTable peers()
        {
            return tables.tunnel().peers();
        }

        private void stages(final StringBuilder line)
        {
            final PacketVector v = vector;
            final PipelineContext ctx = pipeline.context();
            final int trail = ctx.trail[0];
            final int state = ctx.state[0];
            final PolicySnapshot policy = tables.policy();
            if (v.ingressPort[0] == UPLINK_PORT)
            {
                line.append(" decap");
                if (v.ingressPeer[0] >= 0)
                {
                    line.append("(from ").append(peers().nodeName(v.ingressPeer[0])).append(", identity ")
                        .append(v.sourceIdentity[0]).append(')');
                }
            }
            if ((trail & PipelineContext.TRAIL_ENDPOINT) == 0)
            {
                if (v.ingressPeer[0] >= 0 || v.ingressPort[0] != UPLINK_PORT)
                {
                    line.append(" parse");
                }
                return;
            }
            line.append(" parse endpoint");
            if (ctx.srcEndpoint[0] >= 0)
            {
                line.append('(').append(policy.endpointName(ctx.srcEndpoint[0])).append(')');
            }
            if ((trail & PipelineContext.TRAIL_SERVICE) != 0)
            {
                line.append(" service");
                if ((state & PipelineContext.STATE_DNAT) != 0)
                {
                    line.append("(dnat ").append(endpoint(ctx.frontendHi[0], ctx.frontendLo[0], ctx.frontendPort[0]))
                        .append(" -> ").append(endpoint(v.dstHi[0], v.dstLo[0], v.dstPort[0]));
                    if ((state & PipelineContext.STATE_HAIRPIN) != 0)
                    {
                        line.append(", hairpin masquerade");
                    }
                    line.append(')');
                }
                else if ((state & PipelineContext.STATE_REJECTED) != 0)
                {
                    line.append("(no endpoints: reject ")
                        .append(v.protocol[0] == IpProtocol.TCP ? "TCP RST" : "ICMP port unreachable").append(')');
                }
            }
            if ((trail & PipelineContext.TRAIL_CONNTRACK) != 0)
            {
                line.append(" conntrack(");
                if ((state & PipelineContext.STATE_NEW) != 0)
                {
                    line.append("new");
                }
                else if ((state & PipelineContext.STATE_REPLY) != 0)
                {
                    line.append("reply");
                }
                else if ((state & PipelineContext.STATE_ESTABLISHED) != 0)
                {
                    line.append("established");
                }
                else if ((state & PipelineContext.STATE_RELATED) != 0)
                {
                    line.append("related");
                }
                else if ((state & PipelineContext.STATE_UNTRACKED) != 0)
                {
                    line.append("untracked");
                }
                else
                {
                    line.append("refused");
                }
                if ((state & PipelineContext.STATE_REVERSE_NAT) != 0)
                {
                    line.append(", reverse NAT to ").append(endpoint(v.srcHi[0], v.srcLo[0], v.srcPort[0]));
                }
                line.append(')');
            }
            if ((trail & PipelineContext.TRAIL_POLICY) != 0)
            {
                line.append(" policy(")
                    .append(ctx.srcEndpoint[0] < 0 ? "egress: source not on this node" :
                        verdict("egress", ctx.egressVerdict[0], policy)).append(", ")
                    .append(ctx.dstEndpoint[0] < 0 ? "ingress: destination not on this node" :
                        ctx.egressVerdict[0] == PolicyVerdict.DENY ? "ingress not checked" :
                        verdict("ingress", ctx.ingressVerdict[0], policy)).append(')');
            }
            else if ((trail & PipelineContext.TRAIL_CONNTRACK) != 0 && !v.isDropped(0))
            {
                line.append(" policy(skipped: ").append((state & PipelineContext.STATE_HAIRPIN) != 0 ? "hairpin" :
                    (state & PipelineContext.STATE_UNTRACKED) != 0 ? "not IP" : "established flow").append(')');
            }
            if ((trail & PipelineContext.TRAIL_FORWARD) != 0)
            {
                line.append(" forward");
                if (v.tunnelPeer[0] >= 0)
                {
                    line.append(" encap");
                }
            }
        }

        private static String verdict(final String direction, final int verdict, final PolicySnapshot policy)
        {
            if (verdict == PolicyVerdict.DENY)
            {
                return direction + " denied";
            }
            if (verdict == PolicyVerdict.ALLOW_NOT_ISOLATED)
            {
                return direction + " not isolated";
            }
            return direction + " allowed by " + policy.ruleLabel(verdict);
        }

        private String explain()
        {
            final PacketVector v = vector;
            final Protocol protocol = switch (v.protocol[0])
            {
                case IpProtocol.TCP -> Protocol.TCP;
                case IpProtocol.UDP -> Protocol.UDP;
                case IpProtocol.SCTP -> Protocol.SCTP;
                default -> null;
            };
            if (protocol == null)
            {
                return "no rule allows " + IpProtocol.name(v.protocol[0]) + " (NetworkPolicy ports name TCP, UDP " +
                    "or SCTP; only a rule without ports allows other protocols)";
            }
            try
            {
                final Verdict verdict = engine.evaluate(
                    engine.address(inet(v.srcHi[0], v.srcLo[0])), engine.address(inet(v.dstHi[0], v.dstLo[0])),
                    v.dstPort[0], protocol);
                return verdict.explain();
            }
            catch (final UnknownHostException e)
            {
                throw new IllegalStateException(e);
            }
        }

        private static InetAddress inet(final long hi, final long lo) throws UnknownHostException
        {
            return InetAddress.getByName(Addresses.format(hi, lo));
        }

        private static String endpoint(final long hi, final long lo, final int port)
        {
            final String address = Addresses.format(hi, lo);
            return PacketVector.isIpv4Mapped(hi, lo) ? address + ":" + port : "[" + address + "]:" + port;
        }
    }
}
