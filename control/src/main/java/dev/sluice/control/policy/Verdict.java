package dev.sluice.control.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.Protocol;

/**
 * The policy decision for one flow: allowed only if the source's egress AND the destination's ingress allow it.
 * Both directions are always evaluated, so a denial names every direction that denied.
 *
 * @param source      the source address.
 * @param destination the destination address.
 * @param port        the destination port.
 * @param protocol    the protocol.
 * @param egress      the source pod's egress decision.
 * @param ingress     the destination pod's ingress decision.
 */
public record Verdict(PeerAddress source, PeerAddress destination, int port, Protocol protocol,
    DirectionVerdict egress, DirectionVerdict ingress)
{
    /**
     * @return true when both directions allow the flow.
     */
    public boolean allowed()
    {
        return egress.allows() && ingress.allows();
    }

    /**
     * A one-line human explanation, e.g. {@code denied by: x/a ingress isolated by policy 'deny-all'; no rule
     * allows y/b on TCP/80} or {@code allowed: y/b egress not isolated; x/a ingress allowed by policy 'allow-y'}.
     *
     * @return the explanation.
     */
    public String explain()
    {
        final List<String> parts = new ArrayList<>();
        if (!allowed())
        {
            for (final DirectionVerdict d : List.of(egress, ingress))
            {
                if (!d.allows())
                {
                    final PeerAddress peer = d.direction() == Direction.EGRESS ? destination : source;
                    parts.add(d.subject() + " " + d.direction().label() + " isolated by " + names(d.isolatedBy())
                        + "; no rule allows " + peer + " on " + protocol + "/" + port);
                }
            }
            return "denied by: " + String.join("; ", parts);
        }
        for (final DirectionVerdict d : List.of(egress, ingress))
        {
            switch (d.outcome())
            {
                case NOT_A_POD -> { }
                case NOT_ISOLATED -> parts.add(d.subject() + " " + d.direction().label() + " not isolated");
                case LOOPBACK -> parts.add(d.subject() + " " + d.direction().label() + " loopback");
                case ALLOWED -> parts.add(d.subject() + " " + d.direction().label() + " allowed by "
                    + names(d.allowedBy()));
                case DENIED -> throw new IllegalStateException("unreachable");
            }
        }
        return "allowed: " + String.join("; ", parts);
    }

    private static String names(final List<ObjectRef> policies)
    {
        return (policies.size() == 1 ? "policy " : "policies ")
            + policies.stream().map(p -> "'" + p.name() + "'").collect(Collectors.joining(", "));
    }
}
