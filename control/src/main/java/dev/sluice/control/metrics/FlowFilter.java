package dev.sluice.control.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sluice.control.logging.FlowEndpoint;
import dev.sluice.control.logging.FlowText;
import dev.sluice.fastpath.event.VerdictEvent;

/**
 * Which flows a subscriber wants; every given criterion must hold (AND), and a pod, namespace or port criterion
 * holds when either end of the flow matches it. Null criteria match everything.
 *
 * @param pod       {@code name} or {@code namespace/name} of a pod at either end.
 * @param namespace namespace of a pod at either end.
 * @param verdict   {@link VerdictEvent#VERDICT_ALLOW}, {@link VerdictEvent#VERDICT_DENY}, or 0 for any.
 * @param protocol  IANA protocol number, or -1 for any.
 * @param port      source or destination port, or -1 for any.
 */
public record FlowFilter(String pod, String namespace, int verdict, int protocol, int port)
{
    /** Matches every flow. */
    public static final FlowFilter ALL = new FlowFilter(null, null, 0, -1, -1);

    /**
     * Parse the query parameters of {@code /flows} ({@code pod}, {@code namespace}, {@code verdict} =
     * allowed|denied (or allow|deny), {@code protocol} = tcp|udp|sctp|icmp|icmpv6|number, {@code port}).
     *
     * @param parameters the decoded query parameters.
     * @return the filter.
     * @throws IllegalArgumentException naming the parameter and value when one is not understood.
     */
    public static FlowFilter fromQuery(final Map<String, List<String>> parameters)
    {
        final String pod = first(parameters, "pod");
        final String namespace = first(parameters, "namespace");
        final String verdictText = first(parameters, "verdict");
        int verdict = 0;
        if (verdictText != null)
        {
            verdict = switch (verdictText.toLowerCase(Locale.ROOT))
            {
                case "allowed", "allow", "forwarded" -> VerdictEvent.VERDICT_ALLOW;
                case "denied", "deny", "dropped" -> VerdictEvent.VERDICT_DENY;
                default -> throw new IllegalArgumentException("verdict must be allowed or denied, not '"
                    + verdictText + "'");
            };
        }
        final String protocolText = first(parameters, "protocol");
        int protocol = -1;
        if (protocolText != null)
        {
            protocol = FlowText.protocolNumber(protocolText);
            if (protocol < 0)
            {
                throw new IllegalArgumentException("protocol must be tcp, udp, sctp, icmp, icmpv6 or 0-255, not '"
                    + protocolText + "'");
            }
        }
        final String portText = first(parameters, "port");
        int port = -1;
        if (portText != null)
        {
            try
            {
                port = Integer.parseInt(portText);
            }
            catch (final NumberFormatException e)
            {
                port = -2;
            }
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("port must be 0-65535, not '" + portText + "'");
            }
        }
        return new FlowFilter(pod, namespace, verdict, protocol, port);
    }

    private static String first(final Map<String, List<String>> parameters, final String name)
    {
        final List<String> values = parameters.get(name);
        return values == null || values.isEmpty() || values.getFirst().isEmpty() ? null : values.getFirst();
    }

    /**
     * @param flow a flow.
     * @return true when the flow passes every criterion.
     */
    public boolean matches(final Flow flow)
    {
        if (verdict != 0 && flow.verdict() != verdict)
        {
            return false;
        }
        if (protocol >= 0 && flow.protocol() != protocol)
        {
            return false;
        }
        if (port >= 0 && flow.srcPort() != port && flow.dstPort() != port)
        {
            return false;
        }
        if (namespace != null && !namespace.equals(flow.src().namespace()) && !namespace.equals(flow.dst().namespace()))
        {
            return false;
        }
        return pod == null || podMatches(flow.src()) || podMatches(flow.dst());
    }

    private boolean podMatches(final FlowEndpoint endpoint)
    {
        if (!endpoint.isPod())
        {
            return false;
        }
        final int slash = pod.indexOf('/');
        return slash < 0 ? pod.equals(endpoint.podName())
            : pod.substring(0, slash).equals(endpoint.podNamespace()) && pod.substring(slash + 1).equals(endpoint.podName());
    }
}
