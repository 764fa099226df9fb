package dev.sluice.control.cni;

import java.io.IOException;

import dev.sluice.fastpath.sys.Errno;

/** An rtnetlink request the kernel refused: the request named and the errno it answered with. */
public final class RtnlException extends IOException
{
    private final int errno;

    /**
     * @param what  the request, e.g. {@code "RTM_NEWADDR 198.18.1.5/32 dev eth0"}.
     * @param errno the positive errno.
     */
    public RtnlException(final String what, final int errno)
    {
        super(what + ": " + Errno.name(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** @return the positive errno. */
    public int errno()
    {
        return errno;
    }
}
