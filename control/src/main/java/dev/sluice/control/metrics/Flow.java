package dev.sluice.control.metrics;

import dev.sluice.control.logging.FlowEndpoint;
import dev.sluice.control.logging.FlowText;
import dev.sluice.control.logging.PolicyActionLogger;
import dev.sluice.control.logging.PolicyRef;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.status.DropReason;

/**
 * One flow of the flow stream: a verdict event copied off the ring with its Kubernetes metadata resolved. Immutable;
 * its JSON line is rendered once and shared by every subscriber.
 *
 * <p>JSON line ({@code /flows}, {@code sluice observe --output json}); {@code policy} is null when no rule
 * decided, {@code drop_reason} null unless denied for a non-policy reason:
 * <pre>
 * {"time":"2026-11-25T06:20:57.123456789Z","node_name":"node-a","verdict":"ALLOWED","drop_reason":null,
 *  "direction":"ingress","protocol":"tcp","src_ip":"198.18.0.10","src_port":40000,"dest_ip":"198.18.0.20",
 *  "dest_port":8080,"src":{...pod or instance...},"dest":{...},
 *  "policy":{"name":"allow-web","namespace":"prod","kind":"NetworkPolicy"},
 *  "flags":["new"],"packets":1,"bytes":74}
 * </pre>
 *
 * @param epochNs    wall time the stream saw it.
 * @param nodeName   the node.
 * @param verdict    {@link VerdictEvent#VERDICT_ALLOW} or {@link VerdictEvent#VERDICT_DENY}.
 * @param dropReason the drop reason code, 0 if none.
 * @param direction  {@link VerdictEvent#DIRECTION_INGRESS} or {@link VerdictEvent#DIRECTION_EGRESS}.
 * @param flags      the {@code FLAG_*} bits.
 * @param protocol   IANA protocol number.
 * @param srcIp      source address text.
 * @param srcPort    source port.
 * @param dstIp      destination address text.
 * @param dstPort    destination port.
 * @param src        source metadata.
 * @param dst        destination metadata.
 * @param policy     the deciding policy, or null.
 * @param packets    packets the event covers.
 * @param bytes      bytes the event covers.
 * @param json       the rendered JSON line (no newline).
 */
public record Flow(long epochNs, String nodeName, int verdict, int dropReason, int direction, int flags, int protocol,
    String srcIp, int srcPort, String dstIp, int dstPort, FlowEndpoint src, FlowEndpoint dst, PolicyRef policy,
    long packets, long bytes, String json)
{
    /**
     * Build a flow and render its JSON.
     *
     * @return the flow.
     */
    public static Flow of(final long epochNs, final String nodeName, final int verdict, final int dropReason,
        final int direction, final int flags, final int protocol, final String srcIp, final int srcPort,
        final String dstIp, final int dstPort, final FlowEndpoint src, final FlowEndpoint dst, final PolicyRef policy,
        final long packets, final long bytes)
    {
        final StringBuilder out = new StringBuilder(400);
        out.append("{\"time\":");
        FlowText.appendJsonString(out, FlowText.rfc3339(epochNs));
        out.append(",\"node_name\":");
        FlowText.appendJsonString(out, nodeName);
        out.append(",\"verdict\":");
        FlowText.appendJsonString(out, verdictName(verdict));
        out.append(",\"drop_reason\":");
        final DropReason reason = DropReason.ofCode(dropReason);
        FlowText.appendJsonString(out, reason != null ? reason.name() : dropReason != 0 ? Integer.toString(dropReason)
            : null);
        out.append(",\"direction\":");
        FlowText.appendJsonString(out, FlowText.directionName(direction));
        out.append(",\"protocol\":");
        FlowText.appendJsonString(out, FlowText.protocolName(protocol));
        out.append(",\"src_ip\":");
        FlowText.appendJsonString(out, srcIp);
        out.append(",\"src_port\":").append(srcPort);
        out.append(",\"dest_ip\":");
        FlowText.appendJsonString(out, dstIp);
        out.append(",\"dest_port\":").append(dstPort);
        out.append(",\"src\":");
        PolicyActionLogger.appendEndpoint(out, src);
        out.append(",\"dest\":");
        PolicyActionLogger.appendEndpoint(out, dst);
        out.append(",\"policy\":");
        if (policy == null)
        {
            out.append("null");
        }
        else
        {
            PolicyActionLogger.appendPolicy(out, policy);
        }
        out.append(",\"flags\":[");
        int n = 0;
        n = flag(out, flags, VerdictEvent.FLAG_NEW, "new", n);
        n = flag(out, flags, VerdictEvent.FLAG_REPLY, "reply", n);
        n = flag(out, flags, VerdictEvent.FLAG_SERVICE, "service", n);
        flag(out, flags, VerdictEvent.FLAG_TUNNEL, "tunnel", n);
        out.append("],\"packets\":").append(packets).append(",\"bytes\":").append(bytes).append('}');
        return new Flow(epochNs, nodeName, verdict, dropReason, direction, flags, protocol, srcIp, srcPort, dstIp,
            dstPort, src, dst, policy, packets, bytes, out.toString());
    }

    private static int flag(final StringBuilder out, final int flags, final int bit, final String name, final int n)
    {
        if ((flags & bit) == 0)
        {
            return n;
        }
        out.append(n == 0 ? "\"" : ",\"").append(name).append('"');
        return n + 1;
    }

    /**
     * @param verdict a {@code VERDICT_*} value.
     * @return {@code ALLOWED}, {@code DENIED} or {@code UNKNOWN}.
     */
    public static String verdictName(final int verdict)
    {
        return switch (verdict)
        {
            case VerdictEvent.VERDICT_ALLOW -> "ALLOWED";
            case VerdictEvent.VERDICT_DENY -> "DENIED";
            default -> "UNKNOWN";
        };
    }
}
