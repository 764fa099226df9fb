package dev.sluice.fastpath.sys;

/**
 * A native call (libbpf, libc, a system call) failed. The message names the call and its arguments, the errno
 * name and text, and a hint about the usual cause.
 */
public class NativeCallException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call   the call and its interesting arguments, e.g. {@code "bpf_xdp_attach(ifindex=7, ...)"}.
     * @param errno  positive errno value, 0 if unknown.
     * @param detail errno text or other detail, may be empty.
     * @param hint   what to do about it, may be empty.
     */
    public NativeCallException(final String call, final int errno, final String detail, final String hint)
    {
        super(message(call, errno, detail, hint));
        this.call = call;
        this.errno = errno;
    }

    /**
     * Builds the exception for a failed call with the errno's own text and generic hint.
     *
     * @param call  the call and its interesting arguments.
     * @param errno positive errno value.
     * @return the exception, to be thrown by the caller.
     */
    public static NativeCallException of(final String call, final int errno)
    {
        return new NativeCallException(call, errno, Libc.strerror(errno), Errno.hint(errno));
    }

    /**
     * Builds the exception for a failed call with the errno's own text and a caller-specific hint.
     *
     * @param call  the call and its interesting arguments.
     * @param errno positive errno value.
     * @param hint  what to do about it.
     * @return the exception, to be thrown by the caller.
     */
    public static NativeCallException of(final String call, final int errno, final String hint)
    {
        return new NativeCallException(call, errno, Libc.strerror(errno), hint);
    }

    /** @return the call that failed, with its arguments. */
    public String call()
    {
        return call;
    }

    /** @return the positive errno value, 0 if unknown. */
    public int errno()
    {
        return errno;
    }

    private static String message(final String call, final int errno, final String detail, final String hint)
    {
        final StringBuilder sb = new StringBuilder(call).append(" failed: ").append(Errno.name(errno));
        if (!detail.isEmpty())
        {
            sb.append(" (").append(detail).append(')');
        }
        if (!hint.isEmpty())
        {
            sb.append(" - ").append(hint);
        }
        return sb.toString();
    }
}
