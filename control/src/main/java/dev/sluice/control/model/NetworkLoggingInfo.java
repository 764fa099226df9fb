package dev.sluice.control.model;

import java.util.Map;

/**
 * The {@code NetworkLogging} resource (sluice.dev/v1alpha1), kept as its spec until the flow-log part reads it.
 *
 * @param name the resource name.
 * @param spec the spec as plain, unmodifiable maps, lists and scalars.
 */
public record NetworkLoggingInfo(String name, Map<String, Object> spec)
{
    /** The API group and version. */
    public static final String API_VERSION = "sluice.dev/v1alpha1";
    /** The kind. */
    public static final String KIND = "NetworkLogging";
}
