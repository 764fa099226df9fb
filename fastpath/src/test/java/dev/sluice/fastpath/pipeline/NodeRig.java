package dev.sluice.fastpath.pipeline;

import java.nio.ByteBuffer;
import java.util.List;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.policy.IpCache;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyTable;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.service.ServiceTableBuilder;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.geneve.TunnelPeerTable;
import dev.sluice.wire.Addresses;
import dev.sluice.wire.Lpm128;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A small node for pipeline tests, built straight from fast-path tables (no control plane): node-1 (underlay
 * 198.19.0.1, pods 198.18.0.0/17) with three local pods and a peer node-2 (198.19.0.2, pods 198.18.128.0/17).
 * <pre>
 *   A 198.18.0.10 endpoint 0, identity 256, port 10    not isolated
 *   B 198.18.0.11 endpoint 1, identity 257, port 11    ingress isolated: identity 256 on TCP 80 (rule 0)
 *   C 198.18.0.12 endpoint 2, identity 258, port 12    egress isolated: UDP 53 to anyone (rule 1)
 *   D 198.18.128.5 on node-2, identity 259
 *   services: 198.18.100.1:80/TCP -> B:80;  198.18.100.2:53/UDP -> no endpoints (reject);
 *             198.18.100.3:80/TCP -> A:80 (hairpin from A)
 *   NodePorts on the node address 198.19.0.1 (externalTrafficPolicy Cluster):
 *             30080/TCP -> A:80;  30081/TCP -> D:80 (remote only);  30082/TCP -> B:80 (isolated)
 * </pre>
 * Frames sit in 4 KiB slots with 256 bytes of headroom, like a UMEM.
 */
final class NodeRig
{
    static final String A = "198.18.0.10";
    static final String B = "198.18.0.11";
    static final String C = "198.18.0.12";
    static final String D = "198.18.128.5";
    static final String WEB = "198.18.100.1";
    static final String EMPTY = "198.18.100.2";
    static final String SELF = "198.18.100.3";
    static final String NODE = "198.19.0.1";
    static final String CLIENT = "198.19.0.100";
    static final int UPLINK = 0;
    static final int PORT_A = 10;
    static final int PORT_B = 11;
    static final int PORT_C = 12;
    static final long GATEWAY_MAC = 0x0200_0000_FFFEL;
    static final long MAC_A = 0x0200_0000_000AL;
    static final long MAC_B = 0x0200_0000_000BL;
    static final int FRAME_SIZE = 4096;
    static final int HEADROOM = 256;
    static final String POD_ETH = "Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:ff:fe')/";

    final NodePipeline pipeline;
    final ConntrackTable conntrack;
    final VerdictEvents events = new VerdictEvents(1024);
    final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(PacketVector.MAX_CAPACITY * FRAME_SIZE));
    final PacketVector vector = new PacketVector(PacketVector.MAX_CAPACITY);
    long nowNs = 1_000_000_000L;

    NodeRig()
    {
        this(-1, ConntrackConfig.of(1 << 12));
    }

    NodeRig(final int hostPort, final ConntrackConfig conntrackConfig)
    {
        this(hostPort, conntrackConfig, tables(1));
    }

    /** A node over tables built once by the caller (they are immutable; the fuzz target reuses them). */
    NodeRig(final int hostPort, final ConntrackConfig conntrackConfig, final NodeTables tables)
    {
        conntrack = new ConntrackTable(conntrackConfig);
        pipeline = new NodePipeline(tables, conntrack, events,
            NodePipeline.Config.of(UPLINK, GATEWAY_MAC).withHostPort(hostPort).withFrames(FRAME_SIZE, HEADROOM));
    }

    static long lo(final String ipv4)
    {
        return PacketVector.ipv4Mapped(Addresses.parseIpv4(ipv4));
    }

    static NodeTables tables(final long generation)
    {
        final IpCache ipCache = new IpCache.Builder()
            .add(0, lo(A), 128, 256).add(0, lo(B), 128, 257).add(0, lo(C), 128, 258).add(0, lo(D), 128, 259)
            .build();
        final Lpm128 endpoints = new Lpm128.Builder(PolicySnapshot.NO_ENDPOINT)
            .add(0, lo(A), 128, 0).add(0, lo(B), 128, 1).add(0, lo(C), 128, 2).build();
        final PolicyTable table = new PolicyTable.Builder(3, 3)
            .endpoint(0, 0).endpoint(1, 1).endpoint(2, 2)
            .isolate(1, PolicyVerdict.INGRESS)
            .allow(1, PolicyVerdict.INGRESS, 256, IpProtocol.TCP, 80, 80, 0)
            .isolate(2, PolicyVerdict.EGRESS)
            .allow(2, PolicyVerdict.EGRESS, PolicyTable.ANY_IDENTITY, IpProtocol.UDP, 53, 53, 1)
            .build();
        final PolicySnapshot policy = new PolicySnapshot(generation, ipCache, endpoints, table,
            List.of("ns/a", "ns/b", "ns/c"), List.of("ns/allow-a", "ns/dns"),
            List.of("ns/allow-a ingress[0]", "ns/dns egress[0]"));

        final ServiceTableBuilder services = new ServiceTableBuilder(251);
        final int web = services.addGroup();
        services.addEndpoint(web, 0, lo(B), 80, true, true, false, true);
        services.addFrontend(1, ServiceTable.KIND_CLUSTER_IP, IpProtocol.TCP, 0, lo(WEB), 80, 0, 0, web);
        final int empty = services.addGroup();
        services.addFrontend(2, ServiceTable.KIND_CLUSTER_IP, IpProtocol.UDP, 0, lo(EMPTY), 53, 0, 0, empty);
        final int self = services.addGroup();
        services.addEndpoint(self, 0, lo(A), 80, true, true, false, true);
        services.addFrontend(3, ServiceTable.KIND_CLUSTER_IP, IpProtocol.TCP, 0, lo(SELF), 80, 0, 0, self);
        final int nodePortA = services.addGroup();
        services.addEndpoint(nodePortA, 0, lo(A), 80, true, true, false, true);
        services.addFrontend(4, ServiceTable.KIND_NODE_PORT, IpProtocol.TCP, 0, lo(NODE), 30080, 0, 0, nodePortA);
        final int nodePortD = services.addGroup();
        services.addEndpoint(nodePortD, 0, lo(D), 80, true, true, false, false);
        services.addFrontend(5, ServiceTable.KIND_NODE_PORT, IpProtocol.TCP, 0, lo(NODE), 30081, 0, 0, nodePortD);
        final int nodePortB = services.addGroup();
        services.addEndpoint(nodePortB, 0, lo(B), 80, true, true, false, true);
        services.addFrontend(6, ServiceTable.KIND_NODE_PORT, IpProtocol.TCP, 0, lo(NODE), 30082, 0, 0, nodePortB);

        final TunnelPeerTable peers = new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-1", "198.19.0.1", List.of("198.18.0.0/17"), "02:00:c6:13:00:01"),
            new TunnelPeerTable.Node("node-2", "198.19.0.2", List.of("198.18.128.0/17"), "02:00:c6:13:00:02")));
        final TunnelConfig tunnel = new TunnelConfig.Builder().uplinkPort(UPLINK).localMac("02:00:c6:13:00:01")
            .localIpv4("198.19.0.1").underlayMtu(1500).build();
        return new NodeTables(generation, policy, services.build(),
            TunnelTemplates.build(tunnel, peers, NextHopResolver.FROM_PEER_TABLE, generation),
            new LocalEndpoints(new int[] { PORT_A, PORT_B, PORT_C }, new long[] { MAC_A, MAC_B, 0x0200_0000_000CL }));
    }

    /** Loads frames into the vector (frame i from port ports[i]) and runs the pipeline once. */
    void run(final List<byte[]> frames, final int... ports)
    {
        load(frames, ports);
        pipeline.process(vector, nowNs);
    }

    void load(final List<byte[]> frames, final int... ports)
    {
        vector.reset(buffer);
        for (int i = 0; i < frames.size(); i++)
        {
            final int offset = i * FRAME_SIZE + HEADROOM;
            buffer.putBytes(offset, frames.get(i));
            vector.add(i, offset, frames.get(i).length, ports[i], i);
        }
    }

    DropReason reason(final int i)
    {
        return DropReason.ofCode(vector.dropReason[i]);
    }

    byte[] bytes(final int i)
    {
        final byte[] out = new byte[vector.length[i]];
        buffer.getBytes(vector.offset[i], out);
        return out;
    }
}
