package dev.sluice.fastpath.pcap;

import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_OVERHEAD;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TOTAL_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TYPE_EPB;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TYPE_IDB;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TYPE_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TYPE_SHB;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BLOCK_TYPE_SPB;
import static dev.sluice.fastpath.pcap.PcapDescriptor.BYTE_ORDER_MAGIC;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_CAPTURED_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_DATA_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_INTERFACE_ID_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_MIN_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_ORIGINAL_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_TIMESTAMP_HIGH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.EPB_TIMESTAMP_LOW_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_HEADER_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_LINKTYPE_MASK;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_LINKTYPE_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_SNAPLEN_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.FILE_VERSION_MAJOR_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.IDB_LINKTYPE_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.IDB_MIN_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.IDB_OPTIONS_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.IDB_SNAPLEN_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.MAGIC_MICROSECONDS;
import static dev.sluice.fastpath.pcap.PcapDescriptor.MAGIC_NANOSECONDS;
import static dev.sluice.fastpath.pcap.PcapDescriptor.MAX_BLOCK_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.MAX_RECORD_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.OPTION_END;
import static dev.sluice.fastpath.pcap.PcapDescriptor.OPTION_IF_TSOFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.OPTION_IF_TSRESOL;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_CAPTURED_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_HEADER_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_ORIGINAL_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_TS_FRACTION_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.RECORD_TS_SEC_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SHB_BYTE_ORDER_MAGIC_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SHB_MIN_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SHB_VERSION_MAJOR;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SHB_VERSION_MAJOR_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SPB_DATA_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SPB_MIN_LENGTH;
import static dev.sluice.fastpath.pcap.PcapDescriptor.SPB_ORIGINAL_LENGTH_OFFSET;
import static dev.sluice.fastpath.pcap.PcapDescriptor.TSRESOL_BINARY_FLAG;
import static dev.sluice.fastpath.pcap.PcapDescriptor.TSRESOL_DEFAULT;
import static dev.sluice.fastpath.pcap.PcapDescriptor.VERSION_MAJOR;
import static dev.sluice.fastpath.pcap.PcapDescriptor.align4;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Streaming reader of classic pcap (microsecond and nanosecond magic, either byte order) and pcapng capture files
 * (several sections, each in its own byte order; several interfaces with their own link type, snaplen,
 * {@code if_tsresol} and {@code if_tsoffset}; Enhanced and Simple Packet Blocks; any other block is skipped by its
 * length). The format is detected from the first four bytes.
 *
 * <p>Records are read one at a time into one direct buffer allocated at construction: {@link #next()} allocates
 * nothing, and the accessors describe the current record until the next call to {@link #next()}. {@link #data()}
 * is a view over the record's bytes inside that buffer, valid only until the next call to {@link #next()}.
 *
 * <p>A file that ends cleanly on a record (or block) boundary ends the iteration ({@link #next()} returns false);
 * anything truncated or inconsistent throws {@link PcapFormatException} naming the file offset and the problem:
 * a bad magic, a captured length greater than the snaplen or than {@link PcapDescriptor#MAX_RECORD_LENGTH}, a
 * pcapng block length that is not a multiple of 4 or does not match its trailer, a record or block cut short.
 *
 * <p>Not thread safe.
 */
public final class PcapReader implements AutoCloseable
{
    /**
     * The kind of capture file, detected from its magic.
     */
    public enum Format
    {
        /** Classic pcap with microsecond timestamps (magic 0xA1B2C3D4). */
        PCAP_MICROSECONDS,
        /** Classic pcap with nanosecond timestamps (magic 0xA1B23C4D). */
        PCAP_NANOSECONDS,
        /** pcapng (first block a Section Header Block, 0x0A0D0D0A). */
        PCAPNG
    }

    private static final int BUFFER_CAPACITY = MAX_BLOCK_LENGTH;
    private static final int INITIAL_INTERFACES = 8;
    /** Interfaces per pcapng section; bounds the memory a hostile file can make the reader hold. */
    private static final int MAX_INTERFACES = 1 << 16;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int TS_MULTIPLY = 0;
    private static final int TS_DIVIDE = 1;
    private static final int TS_BINARY = 2;
    private static final long[] POWERS_OF_TEN = new long[19];

    static
    {
        long power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++)
        {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private final String source;
    private final ReadableByteChannel channel;
    private final ByteBuffer byteBuffer;
    private final UnsafeBuffer buffer;
    private final UnsafeBuffer data = new UnsafeBuffer(0, 0);
    private final Format format;

    private int position;
    private int limit;
    private long bufferFileOffset;
    private boolean endOfStream;
    private ByteOrder order;

    private int fileSnapLength;
    private int fileLinkType;
    private long fractionToNs;

    private int sectionIndex = -1;
    private int interfaceCount;
    private int[] ifLinkType = new int[INITIAL_INTERFACES];
    private int[] ifSnapLength = new int[INITIAL_INTERFACES];
    private int[] ifTsKind = new int[INITIAL_INTERFACES];
    private long[] ifTsFactor = new long[INITIAL_INTERFACES];
    private long[] ifTsOffsetNs = new long[INITIAL_INTERFACES];

    private long recordFileOffset = -1;
    private int dataIndex;
    private int capturedLength;
    private int originalLength;
    private long timestampNs;
    private boolean hasTimestamp;
    private int linkType;
    private int snapLength;
    private int interfaceIndex;

    /**
     * Opens a capture file.
     *
     * @param file the pcap or pcapng file.
     * @throws IOException if it cannot be opened, or {@link PcapFormatException} if its header is bad.
     */
    public PcapReader(final Path file) throws IOException
    {
        this(FileChannel.open(file, StandardOpenOption.READ), file.toString());
    }

    /**
     * Reads a capture from a stream; {@link #close()} closes the stream.
     *
     * @param in     the stream, positioned at the file's first byte.
     * @param source name of the stream used in error messages.
     * @throws IOException if reading fails, or {@link PcapFormatException} if the header is bad.
     */
    public PcapReader(final InputStream in, final String source) throws IOException
    {
        this(Channels.newChannel(in), source);
    }

    private PcapReader(final ReadableByteChannel channel, final String source) throws IOException
    {
        this.channel = channel;
        this.source = source;
        this.byteBuffer = ByteBuffer.allocateDirect(BUFFER_CAPACITY);
        this.buffer = new UnsafeBuffer(byteBuffer);
        try
        {
            format = readFileHeader();
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    /**
     * @return the detected kind of file.
     */
    public Format format()
    {
        return format;
    }

    /**
     * Advances to the next packet record, reading (and applying) any pcapng section and interface blocks before it
     * and skipping blocks of other types. Allocates nothing.
     *
     * @return true if positioned on a packet record, false if the file ended cleanly.
     * @throws PcapFormatException if the file is truncated or corrupt.
     * @throws IOException         if reading fails.
     */
    public boolean next() throws IOException
    {
        return format == Format.PCAPNG ? nextBlockRecord() : nextClassicRecord();
    }

    /**
     * @return bytes of the current record present in the file.
     */
    public int capturedLength()
    {
        return capturedLength;
    }

    /**
     * @return length of the packet on the wire (at least {@link #capturedLength()} in a well-formed file).
     */
    public int originalLength()
    {
        return originalLength;
    }

    /**
     * @return timestamp of the current record in nanoseconds since the epoch (0 if {@link #hasTimestamp()} is
     * false).
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * @return false for a pcapng Simple Packet Block, which carries no timestamp; true otherwise.
     */
    public boolean hasTimestamp()
    {
        return hasTimestamp;
    }

    /**
     * @return LINKTYPE of the current record ({@link PcapDescriptor#LINKTYPE_ETHERNET} = 1 for Ethernet); for
     * pcapng that of its interface, before the first record that of the file header (classic) or 0.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return snapshot length that applies to the current record (the file header's for classic pcap, the
     * interface's for pcapng); 0 means unlimited.
     */
    public int snapLength()
    {
        return snapLength;
    }

    /**
     * @return pcapng interface id of the current record within its section; 0 for classic pcap.
     */
    public int interfaceIndex()
    {
        return interfaceIndex;
    }

    /**
     * @return number of the pcapng section holding the current record, from 0; 0 for classic pcap.
     */
    public int sectionIndex()
    {
        return Math.max(sectionIndex, 0);
    }

    /**
     * @return number of interfaces described so far in the current pcapng section; 1 for classic pcap.
     */
    public int interfaceCount()
    {
        return format == Format.PCAPNG ? interfaceCount : 1;
    }

    /**
     * @return file offset of the current record's header (classic) or block (pcapng), -1 before the first.
     */
    public long recordFileOffset()
    {
        return recordFileOffset;
    }

    /**
     * A view over the current record's captured bytes, valid until the next call to {@link #next()}. The same
     * instance is returned every time.
     *
     * @return a buffer of {@link #capturedLength()} bytes starting at index 0.
     */
    public DirectBuffer data()
    {
        return data;
    }

    /**
     * Copies the current record's captured bytes.
     *
     * @param dst       destination buffer.
     * @param offset    index in {@code dst} of the first byte written.
     * @param maxLength most bytes to copy.
     * @return bytes copied: {@code min(capturedLength(), maxLength)}.
     */
    public int copyTo(final MutableDirectBuffer dst, final int offset, final int maxLength)
    {
        final int length = Math.min(capturedLength, maxLength);
        dst.putBytes(offset, buffer, dataIndex, length);
        return length;
    }

    /**
     * Closes the underlying file or stream.
     *
     * @throws IOException if closing fails.
     */
    public void close() throws IOException
    {
        channel.close();
    }

    private Format readFileHeader() throws IOException
    {
        fill(4);
        if (available() == 0)
        {
            throw error(0, "empty file: no magic number");
        }
        if (available() < 4)
        {
            throw error(0, "truncated magic number: " + available() + " of 4 bytes");
        }
        final int magic = buffer.getInt(0, ByteOrder.LITTLE_ENDIAN);
        if (magic == BLOCK_TYPE_SHB)
        {
            readSectionHeader();
            linkType = 0;
            return Format.PCAPNG;
        }

        final Format classic;
        if (magic == MAGIC_MICROSECONDS || magic == Integer.reverseBytes(MAGIC_MICROSECONDS))
        {
            classic = Format.PCAP_MICROSECONDS;
            fractionToNs = 1000;
        }
        else if (magic == MAGIC_NANOSECONDS || magic == Integer.reverseBytes(MAGIC_NANOSECONDS))
        {
            classic = Format.PCAP_NANOSECONDS;
            fractionToNs = 1;
        }
        else
        {
            throw error(0, String.format(
                "bad magic 0x%08x (bytes in file order): neither classic pcap nor pcapng",
                Integer.reverseBytes(magic)));
        }
        order = magic == MAGIC_MICROSECONDS || magic == MAGIC_NANOSECONDS ?
            ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;

        if (!fill(FILE_HEADER_LENGTH))
        {
            throw error(0, "truncated file header: " + available() + " of " + FILE_HEADER_LENGTH + " bytes");
        }
        final int versionMajor = buffer.getShort(FILE_VERSION_MAJOR_OFFSET, order);
        if (versionMajor != VERSION_MAJOR)
        {
            throw error(FILE_VERSION_MAJOR_OFFSET, "unsupported major version " + versionMajor);
        }
        fileSnapLength = clampUnsigned(buffer.getInt(FILE_SNAPLEN_OFFSET, order));
        fileLinkType = buffer.getInt(FILE_LINKTYPE_OFFSET, order) & FILE_LINKTYPE_MASK;
        linkType = fileLinkType;
        snapLength = fileSnapLength;
        position = FILE_HEADER_LENGTH;
        return classic;
    }

    private boolean nextClassicRecord() throws IOException
    {
        final long recordOffset = fileOffset(position);
        if (!fill(RECORD_HEADER_LENGTH))
        {
            if (available() == 0)
            {
                return false;
            }
            throw error(recordOffset, "truncated record header: " + available() + " of " + RECORD_HEADER_LENGTH +
                " bytes");
        }
        final int captured = buffer.getInt(position + RECORD_CAPTURED_LENGTH_OFFSET, order);
        checkCapturedLength(recordOffset, captured, fileSnapLength);
        if (!fill(RECORD_HEADER_LENGTH + captured))
        {
            throw error(recordOffset, "truncated record: captured length " + captured + " but only " +
                (available() - RECORD_HEADER_LENGTH) + " bytes of data follow");
        }
        // Taken after the fill: buffering the data may have compacted the buffer and moved the header.
        final int header = position;
        final long seconds = buffer.getInt(header + RECORD_TS_SEC_OFFSET, order) & 0xFFFF_FFFFL;
        final long fraction = buffer.getInt(header + RECORD_TS_FRACTION_OFFSET, order) & 0xFFFF_FFFFL;

        recordFileOffset = recordOffset;
        dataIndex = header + RECORD_HEADER_LENGTH;
        capturedLength = captured;
        originalLength = clampUnsigned(buffer.getInt(header + RECORD_ORIGINAL_LENGTH_OFFSET, order));
        timestampNs = seconds * NANOS_PER_SECOND + fraction * fractionToNs;
        hasTimestamp = true;
        interfaceIndex = 0;
        data.wrap(buffer, dataIndex, captured);
        position = dataIndex + captured;
        return true;
    }

    private boolean nextBlockRecord() throws IOException
    {
        while (true)
        {
            final long blockOffset = fileOffset(position);
            if (!fill(BLOCK_OVERHEAD - 4))
            {
                if (available() == 0)
                {
                    return false;
                }
                throw error(blockOffset, "truncated block header: " + available() + " of 8 bytes");
            }
            final int type = buffer.getInt(position + BLOCK_TYPE_OFFSET, order);
            if (type == BLOCK_TYPE_SHB)
            {
                readSectionHeader();
                continue;
            }
            final int totalLength = buffer.getInt(position + BLOCK_TOTAL_LENGTH_OFFSET, order);
            if (type != BLOCK_TYPE_EPB && type != BLOCK_TYPE_SPB && type != BLOCK_TYPE_IDB)
            {
                skipBlock(blockOffset, type, totalLength & 0xFFFF_FFFFL);
                continue;
            }

            final int minLength = type == BLOCK_TYPE_EPB ? EPB_MIN_LENGTH :
                type == BLOCK_TYPE_SPB ? SPB_MIN_LENGTH : IDB_MIN_LENGTH;
            final int block = bufferBlock(blockOffset, type, totalLength, minLength);
            if (type == BLOCK_TYPE_IDB)
            {
                readInterfaceDescription(blockOffset, block, totalLength);
                position = block + totalLength;
                continue;
            }
            if (type == BLOCK_TYPE_EPB)
            {
                readEnhancedPacket(blockOffset, block, totalLength);
            }
            else
            {
                readSimplePacket(blockOffset, block, totalLength);
            }
            position = block + totalLength;
            return true;
        }
    }

    private void readSectionHeader() throws IOException
    {
        final long blockOffset = fileOffset(position);
        if (!fill(SHB_BYTE_ORDER_MAGIC_OFFSET + 4))
        {
            throw error(blockOffset, "truncated section header block: " + available() + " of " +
                SHB_MIN_LENGTH + " bytes");
        }
        final int magic = buffer.getInt(position + SHB_BYTE_ORDER_MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (magic == BYTE_ORDER_MAGIC)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC))
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else
        {
            throw error(blockOffset, String.format(
                "bad section header byte-order magic 0x%08x (bytes in file order)", Integer.reverseBytes(magic)));
        }
        final int totalLength = buffer.getInt(position + BLOCK_TOTAL_LENGTH_OFFSET, order);
        final int block = bufferBlock(blockOffset, BLOCK_TYPE_SHB, totalLength, SHB_MIN_LENGTH);
        final int versionMajor = buffer.getShort(block + SHB_VERSION_MAJOR_OFFSET, order);
        if (versionMajor != SHB_VERSION_MAJOR)
        {
            throw error(blockOffset, "unsupported pcapng major version " + versionMajor);
        }
        sectionIndex++;
        interfaceCount = 0;
        position = block + totalLength;
    }

    private void readInterfaceDescription(final long blockOffset, final int block, final int totalLength)
        throws PcapFormatException
    {
        if (interfaceCount == MAX_INTERFACES)
        {
            throw error(blockOffset, "more than " + MAX_INTERFACES + " interfaces in one section");
        }
        final int idbLinkType = buffer.getShort(block + IDB_LINKTYPE_OFFSET, order) & 0xFFFF;
        final int idbSnapLength = clampUnsigned(buffer.getInt(block + IDB_SNAPLEN_OFFSET, order));
        int tsresol = TSRESOL_DEFAULT;
        long tsOffsetSeconds = 0;

        final int end = block + totalLength - 4;
        int option = block + IDB_OPTIONS_OFFSET;
        while (option + 4 <= end)
        {
            final int code = buffer.getShort(option, order) & 0xFFFF;
            final int length = buffer.getShort(option + 2, order) & 0xFFFF;
            if (code == OPTION_END)
            {
                break;
            }
            if (option + 4 + align4(length) > end)
            {
                throw error(blockOffset, "interface description option " + code + " of length " + length +
                    " at block offset " + (option - block) + " overruns block length " + totalLength);
            }
            if (code == OPTION_IF_TSRESOL && length >= 1)
            {
                tsresol = buffer.getByte(option + 4) & 0xFF;
            }
            else if (code == OPTION_IF_TSOFFSET && length == 8)
            {
                tsOffsetSeconds = buffer.getLong(option + 4, order);
            }
            option += 4 + align4(length);
        }

        final int kind;
        final long factor;
        if ((tsresol & TSRESOL_BINARY_FLAG) != 0)
        {
            final int exponent = tsresol & ~TSRESOL_BINARY_FLAG;
            if (exponent > 63)
            {
                throw error(blockOffset, "unsupported if_tsresol 2^-" + exponent);
            }
            kind = TS_BINARY;
            factor = exponent;
        }
        else if (tsresol <= 9)
        {
            kind = TS_MULTIPLY;
            factor = POWERS_OF_TEN[9 - tsresol];
        }
        else if (tsresol <= 9 + 18)
        {
            kind = TS_DIVIDE;
            factor = POWERS_OF_TEN[tsresol - 9];
        }
        else
        {
            throw error(blockOffset, "unsupported if_tsresol 10^-" + tsresol);
        }

        if (interfaceCount == ifLinkType.length)
        {
            final int capacity = interfaceCount * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, capacity);
            ifSnapLength = Arrays.copyOf(ifSnapLength, capacity);
            ifTsKind = Arrays.copyOf(ifTsKind, capacity);
            ifTsFactor = Arrays.copyOf(ifTsFactor, capacity);
            ifTsOffsetNs = Arrays.copyOf(ifTsOffsetNs, capacity);
        }
        final int id = interfaceCount++;
        ifLinkType[id] = idbLinkType;
        ifSnapLength[id] = idbSnapLength;
        ifTsKind[id] = kind;
        ifTsFactor[id] = factor;
        ifTsOffsetNs[id] = tsOffsetSeconds * NANOS_PER_SECOND;
    }

    private void readEnhancedPacket(final long blockOffset, final int block, final int totalLength)
        throws PcapFormatException
    {
        final int id = buffer.getInt(block + EPB_INTERFACE_ID_OFFSET, order);
        if (id < 0 || id >= interfaceCount)
        {
            throw error(blockOffset, "enhanced packet block names interface " + Integer.toUnsignedString(id) +
                " but section " + sectionIndex + " has " + interfaceCount + " interfaces");
        }
        final int captured = buffer.getInt(block + EPB_CAPTURED_LENGTH_OFFSET, order);
        checkCapturedLength(blockOffset, captured, ifSnapLength[id]);
        if (EPB_MIN_LENGTH + align4(captured) > totalLength)
        {
            throw error(blockOffset, "enhanced packet block captured length " + captured +
                " overruns block length " + totalLength);
        }
        final long high = buffer.getInt(block + EPB_TIMESTAMP_HIGH_OFFSET, order) & 0xFFFF_FFFFL;
        final long low = buffer.getInt(block + EPB_TIMESTAMP_LOW_OFFSET, order) & 0xFFFF_FFFFL;

        setPacket(blockOffset, id, block + EPB_DATA_OFFSET, captured);
        originalLength = clampUnsigned(buffer.getInt(block + EPB_ORIGINAL_LENGTH_OFFSET, order));
        timestampNs = toNanos(id, (high << 32) | low);
        hasTimestamp = true;
    }

    private void readSimplePacket(final long blockOffset, final int block, final int totalLength)
        throws PcapFormatException
    {
        if (interfaceCount == 0)
        {
            throw error(blockOffset, "simple packet block before any interface description in section " +
                sectionIndex);
        }
        final long original = buffer.getInt(block + SPB_ORIGINAL_LENGTH_OFFSET, order) & 0xFFFF_FFFFL;
        final int snap = ifSnapLength[0];
        long captured = Math.min(original, totalLength - SPB_MIN_LENGTH);
        if (snap != 0)
        {
            captured = Math.min(captured, snap);
        }
        checkCapturedLength(blockOffset, (int)captured, 0);

        setPacket(blockOffset, 0, block + SPB_DATA_OFFSET, (int)captured);
        originalLength = clampUnsigned((int)original);
        timestampNs = 0;
        hasTimestamp = false;
    }

    private void setPacket(final long blockOffset, final int id, final int index, final int captured)
    {
        recordFileOffset = blockOffset;
        interfaceIndex = id;
        linkType = ifLinkType[id];
        snapLength = ifSnapLength[id];
        dataIndex = index;
        capturedLength = captured;
        data.wrap(buffer, index, captured);
    }

    private long toNanos(final int id, final long ticks)
    {
        final long factor = ifTsFactor[id];
        final long nanos;
        switch (ifTsKind[id])
        {
            case TS_MULTIPLY -> nanos = ticks * factor;
            case TS_DIVIDE -> nanos = Long.divideUnsigned(ticks, factor);
            default ->
            {
                final int shift = (int)factor;
                if (shift == 0)
                {
                    nanos = ticks * NANOS_PER_SECOND;
                }
                else
                {
                    final long fraction = ticks & ((1L << shift) - 1);
                    // fraction * 1e9 needs up to 94 bits: shift the 128-bit product right by the exponent.
                    final long productLow = fraction * NANOS_PER_SECOND;
                    final long productHigh = Math.unsignedMultiplyHigh(fraction, NANOS_PER_SECOND);
                    final long fractionNs = (productLow >>> shift) | (productHigh << (64 - shift));
                    nanos = (ticks >>> shift) * NANOS_PER_SECOND + fractionNs;
                }
            }
        }
        return nanos + ifTsOffsetNs[id];
    }

    /**
     * Makes the whole block at {@link #position} available in the buffer after checking its length and trailer.
     *
     * @return buffer index of the block's first byte.
     */
    private int bufferBlock(final long blockOffset, final int type, final int totalLength, final int minLength)
        throws IOException
    {
        checkBlockLength(blockOffset, type, totalLength & 0xFFFF_FFFFL, minLength);
        if ((totalLength & 0xFFFF_FFFFL) > MAX_BLOCK_LENGTH)
        {
            throw error(blockOffset, blockName(type) + " length " + Integer.toUnsignedString(totalLength) +
                " exceeds the maximum " + MAX_BLOCK_LENGTH);
        }
        if (!fill(totalLength))
        {
            throw error(blockOffset, "truncated " + blockName(type) + ": block length " + totalLength +
                " but only " + available() + " bytes remain");
        }
        final int block = position;
        final int trailer = buffer.getInt(block + totalLength - 4, order);
        if (trailer != totalLength)
        {
            throw error(blockOffset, blockName(type) + " length " + totalLength +
                " does not match its trailing length " + Integer.toUnsignedString(trailer));
        }
        return block;
    }

    private void skipBlock(final long blockOffset, final int type, final long totalLength) throws IOException
    {
        checkBlockLength(blockOffset, type, totalLength, BLOCK_OVERHEAD);
        // Unknown blocks may be larger than the buffer: stream over the body, then check the trailer.
        long toSkip = totalLength - 4;
        while (toSkip > 0)
        {
            if (available() == 0 && !fill(1))
            {
                throw error(blockOffset, "truncated " + blockName(type) + ": block length " + totalLength +
                    " but the file ends " + (toSkip + 4) + " bytes short");
            }
            final int step = (int)Math.min(toSkip, available());
            position += step;
            toSkip -= step;
        }
        if (!fill(4))
        {
            throw error(blockOffset, "truncated " + blockName(type) + ": block length " + totalLength +
                " but the trailing length is cut short");
        }
        final long trailer = buffer.getInt(position, order) & 0xFFFF_FFFFL;
        if (trailer != totalLength)
        {
            throw error(blockOffset, blockName(type) + " length " + totalLength +
                " does not match its trailing length " + trailer);
        }
        position += 4;
    }

    private void checkBlockLength(final long blockOffset, final int type, final long totalLength, final int minLength)
        throws PcapFormatException
    {
        if ((totalLength & 3) != 0)
        {
            throw error(blockOffset, blockName(type) + " length " + totalLength + " is not a multiple of 4");
        }
        if (totalLength < minLength)
        {
            throw error(blockOffset, blockName(type) + " length " + totalLength + " is less than the minimum " +
                minLength);
        }
    }

    private void checkCapturedLength(final long recordOffset, final int captured, final int snap)
        throws PcapFormatException
    {
        if (captured < 0 || captured > MAX_RECORD_LENGTH)
        {
            throw error(recordOffset, "captured length " + Integer.toUnsignedString(captured) +
                " exceeds the maximum " + MAX_RECORD_LENGTH);
        }
        if (snap != 0 && captured > snap)
        {
            throw error(recordOffset, "captured length " + captured + " exceeds snaplen " + snap);
        }
    }

    private static String blockName(final int type)
    {
        return switch (type)
        {
            case BLOCK_TYPE_SHB -> "section header block";
            case BLOCK_TYPE_IDB -> "interface description block";
            case BLOCK_TYPE_EPB -> "enhanced packet block";
            case BLOCK_TYPE_SPB -> "simple packet block";
            default -> String.format("block of type 0x%08x", type);
        };
    }

    private static int clampUnsigned(final int value)
    {
        return value < 0 ? Integer.MAX_VALUE : value;
    }

    private int available()
    {
        return limit - position;
    }

    private long fileOffset(final int index)
    {
        return bufferFileOffset + index;
    }

    /**
     * Reads until at least {@code length} bytes from {@link #position} are buffered or the stream ends.
     *
     * @return true if {@code length} bytes are available.
     */
    private boolean fill(final int length) throws IOException
    {
        while (limit - position < length)
        {
            if (endOfStream)
            {
                return false;
            }
            if (position + length > BUFFER_CAPACITY)
            {
                byteBuffer.limit(limit).position(position);
                byteBuffer.compact();
                bufferFileOffset += position;
                limit -= position;
                position = 0;
            }
            byteBuffer.limit(BUFFER_CAPACITY).position(limit);
            final int read = channel.read(byteBuffer);
            if (read < 0)
            {
                endOfStream = true;
            }
            else
            {
                limit += read;
            }
        }
        return true;
    }

    private PcapFormatException error(final long offset, final String problem)
    {
        return new PcapFormatException(source, offset, problem);
    }
}
