package dev.sluice.control.cni;

/**
 * A failed CNI command as the spec's error object reports it: a code (0-99 well known, 100+ this plugin's), a
 * short message and optional details.
 */
public final class CniException extends Exception
{
    /** Incompatible CNI version. */
    public static final int INCOMPATIBLE_VERSION = 1;
    /** Unsupported field in the network configuration (the message names it). */
    public static final int UNSUPPORTED_FIELD = 2;
    /** Container unknown or does not exist. */
    public static final int UNKNOWN_CONTAINER = 3;
    /** Invalid necessary environment variables. */
    public static final int INVALID_ENVIRONMENT = 4;
    /** I/O failure. */
    public static final int IO_FAILURE = 5;
    /** Failed to decode content. */
    public static final int DECODE_FAILURE = 6;
    /** Invalid network configuration. */
    public static final int INVALID_NETCONF = 7;
    /** Try again later (the agent is not reachable or not ready). */
    public static final int TRY_AGAIN_LATER = 11;
    /** Plugin: the IPAM plugin could not be run or gave an unusable result. */
    public static final int IPAM_FAILURE = 102;
    /** Plugin: setting up or tearing down an interface, address, route or neighbour failed. */
    public static final int INTERFACE_FAILURE = 103;
    /** Plugin: CHECK found the container's network not as ADD left it. */
    public static final int CHECK_FAILED = 104;

    private final int code;
    private final String details;

    /**
     * @param code    the error code.
     * @param message the short message.
     * @param details longer text, or null.
     */
    public CniException(final int code, final String message, final String details)
    {
        super(message);
        this.code = code;
        this.details = details;
    }

    /**
     * @param code    the error code.
     * @param message the short message.
     */
    public CniException(final int code, final String message)
    {
        this(code, message, null);
    }

    /** @return the error code. */
    public int code()
    {
        return code;
    }

    /** @return the details, or null. */
    public String details()
    {
        return details;
    }
}
