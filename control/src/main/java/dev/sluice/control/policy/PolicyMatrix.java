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
 * @param verdicts {@code verdicts.get(source).get(destination)}.
 */
public record PolicyMatrix(int port, Protocol protocol, List<PodRef> pods, List<List<Verdict>> verdicts)
{
    /**
     * Copies the lists.
     */
    public PolicyMatrix
    {
        pods = List.copyOf(pods);
        verdicts = verdicts.stream().map(List::copyOf).toList();
    }

    /**
     * Evaluate every ordered pod pair.
     *
     * @param engine   the engine.
     * @param port     the destination port.
     * @param protocol the protocol.
     * @return the matrix.
     */
    public static PolicyMatrix compute(final PolicyEngine engine, final int port, final Protocol protocol)
    {
        final List<PodRef> pods = List.copyOf(engine.state().pods().keySet());
        final List<List<Verdict>> rows = new ArrayList<>();
        for (final PodRef src : pods)
        {
            final List<Verdict> row = new ArrayList<>();
            for (final PodRef dst : pods)
            {
                final PodInfo dstPod = engine.state().pod(dst);
                final PodInfo srcPod = engine.state().pod(src);
                // Same family when both have one: the destination IP of the source's primary family.
                final InetAddress dstIp = dstPod.ipOfFamily(srcPod.primaryIp() instanceof Inet4Address);
                row.add(engine.evaluate(src, new PeerAddress(dstIp == null ? dstPod.primaryIp() : dstIp, dst),
                    port, protocol));
            }
            rows.add(row);
        }
        return new PolicyMatrix(port, protocol, pods, rows);
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
            for (final Verdict v : verdicts.get(i))
            {
                sb.append('\t').append(v.allowed() ? '.' : 'X');
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
            final StringBuilder row = new StringBuilder();
            verdicts.get(i).forEach(v -> row.append(v.allowed() ? '.' : 'X'));
            sb.append(i == 0 ? "\n    " : ",\n    ").append(quote(row.toString()));
        }
        sb.append(pods.isEmpty() ? "],\n  \"denied\": [" : "\n  ],\n  \"denied\": [");
        boolean first = true;
        for (int i = 0; i < pods.size(); i++)
        {
            for (int j = 0; j < pods.size(); j++)
            {
                final Verdict v = verdicts.get(i).get(j);
                if (!v.allowed())
                {
                    sb.append(first ? "\n    " : ",\n    ")
                        .append("{\"from\": ").append(quote(pods.get(i).toString()))
                        .append(", \"to\": ").append(quote(pods.get(j).toString()))
                        .append(", \"reason\": ").append(quote(v.explain())).append('}');
                    first = false;
                }
            }
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
