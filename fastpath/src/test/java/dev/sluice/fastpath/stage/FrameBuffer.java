package dev.sluice.fastpath.stage;

import java.nio.ByteBuffer;
import java.util.List;

import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import org.agrona.concurrent.UnsafeBuffer;

/** Test helper: frames laid out like a UMEM (fixed-size slots with headroom, off-heap) and parsed in one vector. */
final class FrameBuffer
{
    static final int FRAME_SIZE = 2048;
    static final int HEADROOM = 256;

    final UnsafeBuffer buffer;
    final PacketVector vector;
    final Counters drops = new Counters(DropReason.MAX_CODES);
    final ParseStage parse = new ParseStage(FRAME_SIZE - HEADROOM, drops);

    FrameBuffer(final int frames)
    {
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(frames * FRAME_SIZE));
        vector = new PacketVector(PacketVector.MAX_CAPACITY);
    }

    /** Copies each frame into its slot, fills the vector and runs the parse stage. */
    static FrameBuffer parsed(final List<byte[]> frames)
    {
        final FrameBuffer fb = new FrameBuffer(frames.size());
        fb.vector.reset(fb.buffer);
        for (int i = 0; i < frames.size(); i++)
        {
            final int offset = i * FRAME_SIZE + HEADROOM;
            fb.buffer.putBytes(offset, frames.get(i));
            fb.vector.add(i, offset, frames.get(i).length, 0, i);
        }
        fb.parse.process(fb.vector);
        return fb;
    }

    static FrameBuffer parsed(final byte[] frame)
    {
        return parsed(List.of(frame));
    }

    DropReason reason(final int i)
    {
        return DropReason.ofCode(vector.dropReason[i]);
    }
}
