package dev.sluice.fastpath.pcap;

import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_HEADER_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_LINKTYPE_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_MAGIC_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_SIGFIGS_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_SNAPLEN_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_THISZONE_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_VERSION_MAJOR_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_VERSION_MINOR_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.LINKTYPE_ETHERNET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.MAGIC_NANOSECONDS;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_CAPTURED_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_HEADER_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_ORIGINAL_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_TS_FRACTION_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_TS_SEC_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.VERSION_MAJOR;
import static dev.sluice.fastpath.pcap.PcapDescriptor.VERSION_MINOR;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes classic pcap files: nanosecond-resolution magic ({@link PcapDescriptor#MAGIC_NANOSECONDS}),
 * little-endian, link type Ethernet, snaplen {@link #SNAP_LENGTH}. Records are gathered in one direct buffer
 * allocated at construction and written out when it fills, on {@link #flush()} and on {@link #close()}; writing a
 * record allocates nothing. Frames longer than the snaplen are truncated to it and keep their original length.
 *
 * <p>Not thread safe.
 */
public final class PcapWriter implements AutoCloseable
{
    /** Snapshot length written in the file header; longer frames are truncated to it. */
    public static final int SNAP_LENGTH = 65535;

    private static final int BUFFER_CAPACITY = 128 * 1024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MAX_SECONDS = 0xFFFF_FFFFL;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final WritableByteChannel channel;
    private final ByteBuffer byteBuffer;
    private final UnsafeBuffer buffer;
    private int position;
    private boolean closed;

    /**
     * Creates (or truncates) a file and writes the file header.
     *
     * @param file where to write.
     * @throws IOException if the file cannot be created.
     */
    public PcapWriter(final Path file) throws IOException
    {
        this(FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
    }

    /**
     * Writes to a stream, starting with the file header; {@link #close()} closes the stream.
     *
     * @param out where to write.
     */
    public PcapWriter(final OutputStream out)
    {
        this(Channels.newChannel(out));
    }

    private PcapWriter(final WritableByteChannel channel)
    {
        this.channel = channel;
        byteBuffer = ByteBuffer.allocateDirect(BUFFER_CAPACITY);
        buffer = new UnsafeBuffer(byteBuffer);

        buffer.putInt(FILE_MAGIC_OFFSET, MAGIC_NANOSECONDS, ORDER);
        buffer.putShort(FILE_VERSION_MAJOR_OFFSET, VERSION_MAJOR, ORDER);
        buffer.putShort(FILE_VERSION_MINOR_OFFSET, VERSION_MINOR, ORDER);
        buffer.putInt(FILE_THISZONE_OFFSET, 0, ORDER);
        buffer.putInt(FILE_SIGFIGS_OFFSET, 0, ORDER);
        buffer.putInt(FILE_SNAPLEN_OFFSET, SNAP_LENGTH, ORDER);
        buffer.putInt(FILE_LINKTYPE_OFFSET, LINKTYPE_ETHERNET, ORDER);
        position = FILE_HEADER_LENGTH;
    }

    /**
     * Appends one frame, truncated to {@link #SNAP_LENGTH} with its original length kept.
     *
     * @param src         holds the frame.
     * @param offset      index of the frame's first byte in {@code src}.
     * @param length      frame length.
     * @param timestampNs nanoseconds since the epoch, in [0, 2^32 seconds).
     * @throws IOException if the buffer had to be written out and that failed.
     */
    public void write(final DirectBuffer src, final int offset, final int length, final long timestampNs)
        throws IOException
    {
        write(src, offset, length, length, timestampNs);
    }

    /**
     * Appends one frame of which only the first {@code length} bytes were captured (truncated further to
     * {@link #SNAP_LENGTH}), e.g. to copy a record read by {@link PcapReader}.
     *
     * @param src            holds the captured bytes.
     * @param offset         index of the first byte in {@code src}.
     * @param length         captured bytes available in {@code src}.
     * @param originalLength length of the frame on the wire, at least {@code length}.
     * @param timestampNs    nanoseconds since the epoch, in [0, 2^32 seconds).
     * @throws IOException if the buffer had to be written out and that failed.
     */
    public void write(
        final DirectBuffer src, final int offset, final int length, final int originalLength, final long timestampNs)
        throws IOException
    {
        if (closed)
        {
            throw new IOException("pcap writer is closed");
        }
        if (length < 0 || originalLength < length)
        {
            throw new IllegalArgumentException("length " + length + " must be >= 0 and <= originalLength " +
                originalLength);
        }
        final long seconds = timestampNs / NANOS_PER_SECOND;
        if (timestampNs < 0 || seconds > MAX_SECONDS)
        {
            throw new IllegalArgumentException("timestampNs " + timestampNs + " outside [0, 2^32 s)");
        }
        final int captured = Math.min(length, SNAP_LENGTH);
        if (position + RECORD_HEADER_LENGTH + captured > BUFFER_CAPACITY)
        {
            drain();
        }
        final int header = position;
        buffer.putInt(header + RECORD_TS_SEC_OFFSET, (int)seconds, ORDER);
        buffer.putInt(header + RECORD_TS_FRACTION_OFFSET, (int)(timestampNs - seconds * NANOS_PER_SECOND), ORDER);
        buffer.putInt(header + RECORD_CAPTURED_LENGTH_OFFSET, captured, ORDER);
        buffer.putInt(header + RECORD_ORIGINAL_LENGTH_OFFSET, originalLength, ORDER);
        buffer.putBytes(header + RECORD_HEADER_LENGTH, src, offset, captured);
        position = header + RECORD_HEADER_LENGTH + captured;
    }

    /**
     * Writes out everything buffered so far.
     *
     * @throws IOException if writing fails.
     */
    public void flush() throws IOException
    {
        if (!closed)
        {
            drain();
        }
    }

    /**
     * Flushes and closes the file or stream; further calls do nothing.
     *
     * @throws IOException if writing or closing fails.
     */
    public void close() throws IOException
    {
        if (!closed)
        {
            try
            {
                drain();
            }
            finally
            {
                closed = true;
                channel.close();
            }
        }
    }

    private void drain() throws IOException
    {
        byteBuffer.limit(position).position(0);
        while (byteBuffer.hasRemaining())
        {
            channel.write(byteBuffer);
        }
        position = 0;
    }
}
