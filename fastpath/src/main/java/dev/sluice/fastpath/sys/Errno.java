package dev.sluice.fastpath.sys;

/**
 * Linux errno values (x86-64, {@code asm-generic/errno-base.h} and {@code asm-generic/errno.h}) that the native
 * calls of Sluice can return, with their symbolic names and a hint saying what usually causes them.
 */
public final class Errno
{
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int EPROTO = 71;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;
    /** Kernel-internal "not supported" that leaks out of some BPF commands. */
    public static final int ENOTSUPP = 524;

    private Errno()
    {
    }

    /**
     * Symbolic name of an errno value.
     *
     * @param errno positive errno value.
     * @return e.g. {@code "EPERM"}, or {@code "errno 1234"} when unknown.
     */
    public static String name(final int errno)
    {
        return switch (errno)
        {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case EMFILE -> "EMFILE";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case ENODATA -> "ENODATA";
            case EPROTO -> "EPROTO";
            case ENOTSOCK -> "ENOTSOCK";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case EADDRINUSE -> "EADDRINUSE";
            case ENETDOWN -> "ENETDOWN";
            case ENOBUFS -> "ENOBUFS";
            case ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + errno;
        };
    }

    /**
     * What usually causes an errno value in the calls Sluice makes (BPF, XDP, AF_XDP, netlink).
     *
     * @param errno positive errno value.
     * @return a hint, or an empty string when there is nothing useful to say.
     */
    public static String hint(final int errno)
    {
        return switch (errno)
        {
            case EPERM, EACCES -> "not root, or missing CAP_BPF + CAP_NET_ADMIN (CAP_SYS_ADMIN on old kernels); " +
                "on kernels before 5.11 also RLIMIT_MEMLOCK too low";
            case ENODEV, ENXIO -> "no such network interface (or it disappeared)";
            case ENOMEM -> "out of memory for BPF maps/UMEM (memory cgroup limit or RLIMIT_MEMLOCK)";
            case EAFNOSUPPORT -> "kernel without AF_XDP (CONFIG_XDP_SOCKETS)";
            case ENOSYS -> "kernel without the bpf() system call (CONFIG_BPF_SYSCALL)";
            case EOPNOTSUPP, ENOTSUPP -> "not supported by this kernel or driver";
            case EBUSY, EEXIST -> "already in use (e.g. another XDP program attached)";
            case EMFILE -> "too many open files (RLIMIT_NOFILE)";
            case ENOBUFS -> "AF_XDP UMEM larger than RLIMIT_MEMLOCK allows without CAP_IPC_LOCK " +
                "(raise 'ulimit -l' or run with CAP_IPC_LOCK)";
            default -> "";
        };
    }
}
