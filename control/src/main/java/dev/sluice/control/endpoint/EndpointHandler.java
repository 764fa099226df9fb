package dev.sluice.control.endpoint;

/** The agent's side of the protocol: answers one request (may block until the tables are installed). */
@FunctionalInterface
public interface EndpointHandler
{
    /**
     * @param request a decoded, validated request.
     * @return the reply; an exception thrown here becomes a {@link EndpointReply#CODE_DATAPLANE} failure.
     * @throws Exception when the command fails.
     */
    EndpointReply handle(EndpointRequest request) throws Exception;
}
