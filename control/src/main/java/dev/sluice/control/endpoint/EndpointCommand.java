package dev.sluice.control.endpoint;

/** What a CNI request asks the agent to do (the CNI command of the same name). */
public enum EndpointCommand
{
    /** Bind the pod's host-side veth to the fast path and install the pod; idempotent for the same container. */
    ADD,
    /** Unbind and forget the pod's endpoint; idempotent (an unknown container is not an error). */
    DEL,
    /** Answer whether the endpoint is bound and installed as an earlier ADD left it. */
    CHECK
}
