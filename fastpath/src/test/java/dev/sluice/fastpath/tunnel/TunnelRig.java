package dev.sluice.fastpath.tunnel;

import java.nio.ByteBuffer;
import java.util.List;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.geneve.TestMesh;
import dev.sluice.geneve.TunnelPeerTable;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test rig: this node is node-a of a three-node mesh (node-b IPv4 underlay, node-c IPv6 underlay), frames sit in
 * 2 KiB slots with 256 bytes of headroom like a UMEM, and the stages share one set of drop counters. Addresses
 * only from 198.18.0.0/15 (pods 198.18.x, underlay 198.19.x) and 2001:2::/48.
 */
final class TunnelRig
{
    static final int UPLINK = 0;
    static final int POD_PORT = 3;
    static final int FRAME_SIZE = 2048;
    static final int HEADROOM = 256;
    static final int UNDERLAY_MTU = 1500;
    static final int VNI = 0x00ABCD;

    // The mesh (addresses, MACs, nodes) is the geneve tests' own, so codec and stage tests agree on one topology.
    static final String A_UNDERLAY = TestMesh.A_UNDERLAY;
    static final String A_UNDERLAY_V6 = TestMesh.A_UNDERLAY_V6;
    static final String B_UNDERLAY = TestMesh.B_UNDERLAY;
    static final String C_UNDERLAY = TestMesh.C_UNDERLAY;
    static final String LOCAL_MAC = TestMesh.LOCAL_MAC;
    static final String B_MAC = TestMesh.B_MAC;
    static final String C_MAC = TestMesh.C_MAC;
    static final String GATEWAY = "198.18.0.1";
    static final String GATEWAY_V6 = "2001:2:0:a::1";
    static final int A = TestMesh.A;
    static final int B = TestMesh.B;
    static final int C = TestMesh.C;

    static final List<TunnelPeerTable.Node> NODES = TestMesh.NODES;

    final UnsafeBuffer buffer;
    final PacketVector vector = new PacketVector(PacketVector.MAX_CAPACITY);
    final Counters drops = new Counters(DropReason.MAX_CODES);
    final ParseStage parse = new ParseStage(FRAME_SIZE - HEADROOM, drops);
    final TunnelPeerTable peers = new TunnelPeerTable(NODES);
    final TunnelConfig config = config().build();
    final DecapStage decap = new DecapStage(UPLINK, peers, drops);
    final EncapStage encap;

    TunnelRig(final int slots)
    {
        this(slots, NextHopResolver.FROM_PEER_TABLE);
    }

    TunnelRig(final int slots, final NextHopResolver nextHops)
    {
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(slots * FRAME_SIZE));
        encap = new EncapStage(TunnelTemplates.build(config, peers, nextHops, 1), FRAME_SIZE, 0x100, drops);
    }

    static TunnelConfig.Builder config()
    {
        return new TunnelConfig.Builder()
            .uplinkPort(UPLINK)
            .localMac(LOCAL_MAC)
            .localIpv4(A_UNDERLAY)
            .localIpv6(A_UNDERLAY_V6)
            .underlayMtu(UNDERLAY_MTU)
            .gatewayIpv4(GATEWAY)
            .gatewayIpv6(GATEWAY_V6)
            .vni(VNI);
    }

    private List<byte[]> loaded = List.of();

    /** Empties the vector and puts each frame in its own slot, after the headroom. */
    TunnelRig load(final List<byte[]> frames, final int ingressPort)
    {
        loaded = frames;
        vector.reset(buffer);
        for (int i = 0; i < frames.size(); i++)
        {
            final int offset = i * FRAME_SIZE + HEADROOM;
            buffer.putBytes(offset, frames.get(i));
            vector.add(i, offset, frames.get(i).length, ingressPort, i);
        }
        return this;
    }

    /** The bytes of packet {@code i} as the vector describes it now. */
    byte[] bytes(final int i)
    {
        final byte[] out = new byte[vector.length[i]];
        buffer.getBytes(vector.offset[i], out);
        return out;
    }

    /** Length of the frame loaded into slot {@code i}. */
    int bytesLength(final int i)
    {
        return loaded.get(i).length;
    }

    /** Copies the loaded frame back into slot {@code i} (after a stage rewrote it). */
    void restore(final int i)
    {
        buffer.putBytes(i * FRAME_SIZE + HEADROOM, loaded.get(i));
    }

    DropReason reason(final int i)
    {
        return DropReason.ofCode(vector.dropReason[i]);
    }

    long dropped(final DropReason reason)
    {
        return drops.getAcquire(reason.code());
    }
}
