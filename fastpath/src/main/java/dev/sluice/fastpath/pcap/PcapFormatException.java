package dev.sluice.fastpath.pcap;

import java.io.IOException;

/**
 * A capture file that is truncated or corrupt. The message names the source, the file offset of the offending
 * header, record or block, and what was wrong with it.
 */
public final class PcapFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final long fileOffset;

    /**
     * @param source     name of the file or stream being read.
     * @param fileOffset offset from the start of the file of the header, record or block that is wrong.
     * @param problem    what was wrong, with the offending values.
     */
    public PcapFormatException(final String source, final long fileOffset, final String problem)
    {
        super(source + ": at file offset " + fileOffset + ": " + problem);
        this.fileOffset = fileOffset;
    }

    /**
     * @return offset from the start of the file of the header, record or block that is wrong.
     */
    public long fileOffset()
    {
        return fileOffset;
    }
}
