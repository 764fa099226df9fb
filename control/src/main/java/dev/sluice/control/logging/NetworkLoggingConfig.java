package dev.sluice.control.logging;

import java.util.List;
import java.util.Map;

import dev.sluice.control.model.NetworkLoggingInfo;

/**
 * The effective policy action logging configuration: the {@code spec.cluster} of the {@code NetworkLogging}
 * object named {@value #OBJECT_NAME} (sluice.dev/v1alpha1, CRD in {@code deploy/crds/networklogging.yaml}).
 * Without that object nothing is logged. Fields absent from the spec take the CRD defaults (all false).
 *
 * @param allowLog      log allowed connections.
 * @param allowDelegate with {@code allowLog}: only connections allowed by a NetworkPolicy annotated
 *                      {@value FlowMetadata#ENABLE_LOGGING_ANNOTATION}{@code : "true"}.
 * @param denyLog       log denied connections.
 * @param denyDelegate  with {@code denyLog}: only denies whose policy-enforcing namespace (the destination's for
 *                      ingress, the source's for egress) is annotated
 *                      {@value FlowMetadata#ENABLE_DENY_LOGGING_ANNOTATION}{@code : "true"}.
 */
public record NetworkLoggingConfig(boolean allowLog, boolean allowDelegate, boolean denyLog, boolean denyDelegate)
{
    /** The one object the agent reads. */
    public static final String OBJECT_NAME = "default";

    /** Nothing logged. */
    public static final NetworkLoggingConfig DISABLED = new NetworkLoggingConfig(false, false, false, false);

    /**
     * @param objects the NetworkLogging objects of the state.
     * @return the configuration of the one named {@value #OBJECT_NAME}, or {@link #DISABLED}.
     * @throws IllegalArgumentException when a field has the wrong type, naming the field and value.
     */
    public static NetworkLoggingConfig from(final List<NetworkLoggingInfo> objects)
    {
        for (final NetworkLoggingInfo info : objects)
        {
            if (OBJECT_NAME.equals(info.name()))
            {
                return from(info);
            }
        }
        return DISABLED;
    }

    /**
     * @param info one NetworkLogging object.
     * @return its configuration.
     * @throws IllegalArgumentException when a field has the wrong type, naming the field and value.
     */
    public static NetworkLoggingConfig from(final NetworkLoggingInfo info)
    {
        final Map<String, Object> cluster = map(info.spec(), "spec", "cluster");
        final Map<String, Object> allow = map(cluster, "spec.cluster", "allow");
        final Map<String, Object> deny = map(cluster, "spec.cluster", "deny");
        return new NetworkLoggingConfig(
            flag(allow, "spec.cluster.allow", "log"),
            flag(allow, "spec.cluster.allow", "delegate"),
            flag(deny, "spec.cluster.deny", "log"),
            flag(deny, "spec.cluster.deny", "delegate"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(final Map<String, Object> parent, final String path, final String key)
    {
        final Object value = parent == null ? null : parent.get(key);
        if (value == null)
        {
            return Map.of();
        }
        if (!(value instanceof Map))
        {
            throw new IllegalArgumentException("NetworkLogging " + path + "." + key + " must be an object, not '"
                + value + "'");
        }
        return (Map<String, Object>)value;
    }

    private static boolean flag(final Map<String, Object> parent, final String path, final String key)
    {
        final Object value = parent.get(key);
        if (value == null)
        {
            return false;
        }
        if (!(value instanceof Boolean b))
        {
            throw new IllegalArgumentException("NetworkLogging " + path + "." + key + " must be a boolean, not '"
                + value + "'");
        }
        return b;
    }
}
