package dev.sluice.control.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;

/**
 * The reachability truth table of every pod pair for one port and protocol: row = source, column = destination,
 * pods sorted by {@code namespace/name}. Rendered in the layout of the upstream Kubernetes netpol e2e truth
 * tables (the {@code sluice policy matrix} contract).
 *
 * @param port     the destination port.
 * @param protocol the protocol.
 * @param pods     the pods, sorted.
 * @param rows     one string per source row, one character per destination: {@code .} allowed, {@code X} denied.
 * @param denials  every denied cell with its explanation, row-major.
 */
public record PolicyMatrix(int port, Protocol protocol, List<PodRef> pods, List<String> rows, List<Denial> denials)
{
    /**
     * Copies the lists.
     */
    public PolicyMatrix
    {
        pods = List.copyOf(pods);
        rows = List.copyOf(rows);
        denials = List.copyOf(denials);
    }

    /**
     * A denied cell.
     *
     * @param from   the source pod.
     * @param to     the destination pod.
     * @param reason why ({@link Verdict#explain()}).
     */
    public record Denial(PodRef from, PodRef to, String reason)
    {
    }

    /**
     * Decides one cell: may {@code source} (a pod) reach {@code destination} (a pod at one of its IPs)?
     */
    @FunctionalInterface
    public interface Reachability
    {
        /**
         * @param source      the source pod.
         * @param destination the destination pod and address.
         * @param port        the destination port.
         * @param protocol    the protocol.
         * @return true when allowed.
         */
        boolean allowed(PodRef source, PeerAddress destination, int port, Protocol protocol);
    }

    /**
     * Evaluate every ordered pod pair with the engine alone.
     *
     * @param engine   the engine.
     * @param port     the destination port.
     * @param protocol the protocol.
     * @return the matrix.
     */
    public static PolicyMatrix compute(final PolicyEngine engine, final int port, final Protocol protocol)
    {
        return compute(engine, port, protocol, (src, dst, p, proto) -> engine.evaluate(src, dst, p, proto).allowed());
    }

    /**
     * Decide every ordered pod pair with {@code reachability} (e.g. the compiled fast-path tables); the engine
     * explains the denied cells, and must agree that they are denied.
     *
     * @param engine       the engine (explanations).
     * @param port         the destination port.
     * @param protocol     the protocol.
     * @param reachability the decision.
     * @return the matrix.
     * @throws IllegalStateException when reachability denies a cell the engine allows (naming the cell).
     */
    public static PolicyMatrix compute(final PolicyEngine engine, final int port, final Protocol protocol,
        final Reachability reachability)
    {
        final List<PodRef> pods = List.copyOf(engine.state().pods().keySet());
        final List<String> rows = new ArrayList<>();
        final List<Denial> denials = new ArrayList<>();
        for (final PodRef src : pods)
        {
            final StringBuilder row = new StringBuilder();
            for (final PodRef dst : pods)
            {
                final PodInfo dstPod = engine.state().pod(dst);
                final PodInfo srcPod = engine.state().pod(src);
                // Same family when both have one: the destination IP of the source's primary family.
                final InetAddress dstIp = dstPod.ipOfFamily(srcPod.primaryIp() instanceof Inet4Address);
                final PeerAddress destination = new PeerAddress(dstIp == null ? dstPod.primaryIp() : dstIp, dst);
                if (reachability.allowed(src, destination, port, protocol))
                {
                    row.append('.');
                    continue;
                }
                row.append('X');
                final Verdict verdict = engine.evaluate(src, destination, port, protocol);
                if (verdict.allowed())
                {
                    throw new IllegalStateException("the tables deny " + src + " -> " + dst + " on " + protocol + "/"
                        + port + " but the policy engine allows it (" + verdict.explain() + ")");
                }
                denials.add(new Denial(src, dst, verdict.explain()));
            }
            rows.add(row.toString());
        }
        return new PolicyMatrix(port, protocol, pods, rows, denials);
    }

    /**
     * The table form: a first line {@code -} then the column labels, then one line per source pod, its label then
     * a cell per destination, {@code .} allowed or {@code X} denied; fields separated by one tab; each line ends
     * with a newline.
     *
     * @return the table text.
     */
    public String toTable()
    {
        final StringBuilder sb = new StringBuilder("-");
        pods.forEach(p -> sb.append('\t').append(p));
        sb.append('\n');
        for (int i = 0; i < pods.size(); i++)
        {
            sb.append(pods.get(i));
            for (final char cell : rows.get(i).toCharArray())
            {
                sb.append('\t').append(cell);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * The JSON form:
     * <pre>
     * {
     *   "port": 80, "protocol": "TCP",
     *   "pods": ["x/a", ...],                       sorted; index i labels row i and column i
     *   "matrix": [".X.", ...],                     one string per source row, one character per destination
     *   "denied": [{"from": "x/a", "to": "y/b", "reason": "denied by: ..."}, ...]   row-major order
     * }
     * </pre>
     *
     * @return the JSON text (ends with a newline).
     */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder("{\n  \"port\": ").append(port)
            .append(",\n  \"protocol\": \"").append(protocol).append("\",\n  \"pods\": [");
        for (int i = 0; i < pods.size(); i++)
        {
            sb.append(i == 0 ? "" : ", ").append(quote(pods.get(i).toString()));
        }
        sb.append("],\n  \"matrix\": [");
        for (int i = 0; i < pods.size(); i++)
        {
            sb.append(i == 0 ? "\n    " : ",\n    ").append(quote(rows.get(i)));
        }
        sb.append(pods.isEmpty() ? "],\n  \"denied\": [" : "\n  ],\n  \"denied\": [");
        boolean first = true;
        for (final Denial d : denials)
        {
            sb.append(first ? "\n    " : ",\n    ")
                .append("{\"from\": ").append(quote(d.from().toString()))
                .append(", \"to\": ").append(quote(d.to().toString()))
                .append(", \"reason\": ").append(quote(d.reason())).append('}');
            first = false;
        }
        sb.append(first ? "]\n}\n" : "\n  ]\n}\n");
        return sb.toString();
    }

    /**
     * @param text any text.
     * @return a JSON string literal.
     */
    static String quote(final String text)
    {
        final StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
