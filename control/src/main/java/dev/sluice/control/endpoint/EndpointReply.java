package dev.sluice.control.endpoint;

/**
 * The agent's answer.
 *
 * @param ok         whether the command succeeded.
 * @param code       0 when ok, else a CNI error code ({@link #CODE_TRY_AGAIN} and up are plugin specific).
 * @param error      what went wrong, naming the object (null when ok).
 * @param gatewayMac the MAC the pod must use for its gateway (a permanent neighbour entry), {@code aa:bb:..}.
 * @param mtu        the pod interface MTU the node's tunnel allows.
 * @param generation the table generation that contains the endpoint (installed in every worker), 0 for DEL.
 */
public record EndpointReply(boolean ok, int code, String error, String gatewayMac, int mtu, long generation)
{
    /** CNI "try again later" (spec error code 11): the agent is not ready yet. */
    public static final int CODE_TRY_AGAIN = 11;
    /** Plugin-specific: the request was malformed or named something that does not exist. */
    public static final int CODE_INVALID = 100;
    /** Plugin-specific: the agent failed binding the interface or installing the tables. */
    public static final int CODE_DATAPLANE = 101;

    /**
     * @param gatewayMac the gateway MAC.
     * @param mtu        the pod MTU.
     * @param generation the installed generation.
     * @return a success reply.
     */
    public static EndpointReply success(final String gatewayMac, final int mtu, final long generation)
    {
        return new EndpointReply(true, 0, null, gatewayMac, mtu, generation);
    }

    /**
     * @param code  the error code.
     * @param error the message.
     * @return a failure reply.
     */
    public static EndpointReply failure(final int code, final String error)
    {
        return new EndpointReply(false, code, error, null, 0, 0);
    }
}
