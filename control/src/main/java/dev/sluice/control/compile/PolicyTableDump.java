package dev.sluice.control.compile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.control.policy.Identities;
import dev.sluice.fastpath.policy.IpCache;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.policy.PolicyTable;
import dev.sluice.fastpath.policy.PolicyVerdict;
import dev.sluice.wire.Addresses;
import dev.sluice.wire.Lpm128;

/**
 * The canonical text of a {@link PolicySnapshot}, read back from its tables (not from the compiler's inputs), so
 * golden tests hold what the fast path would use. Sections, each sorted:
 * <pre>
 * generation 1
 * identities                      id, then namespace labels | pod labels, or the CIDR
 *   256 kubernetes.io/metadata.name=x,ns=x | pod=a
 *   16777216 cidr 198.18.0.0/16
 * ipcache                         prefix identity, longest prefix first
 *   198.18.1.1/32 256
 * endpoints                       id name profile addresses
 *   0 x/a profile 0 198.18.1.1 2001:2:0:1::1
 * rules                           id policy direction[index]
 *   0 x/deny-all ingress[0]
 * profiles                        per profile and direction: isolation, then its entries
 *   profile 0 egress not isolated
 *   profile 0 ingress isolated
 *     identity 257 TCP 80 rule 1          a port range is lo-hi; "any" identity = any peer
 *     address 198.18.2.1 TCP 81 rule 3    protocol "other" = every protocol but TCP/UDP/SCTP
 * </pre>
 */
public final class PolicyTableDump
{
    private PolicyTableDump()
    {
    }

    /**
     * @param snapshot   the snapshot.
     * @param identities the pod identities of the state it was compiled from (for their labels).
     * @return the dump, one item per line, ending with a newline.
     */
    public static String dump(final PolicySnapshot snapshot, final Identities identities)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("generation ").append(snapshot.generation()).append('\n');

        final IpCache ipCache = snapshot.ipCache();
        final TreeMap<Integer, String> identityText = new TreeMap<>();
        identities.byId().forEach((id, identity) -> identityText.put(id,
            labels(identity.namespaceLabels()) + " | " + labels(identity.podLabels())));
        for (int i = 0; i < ipCache.size(); i++)
        {
            if (ipCache.identity(i) >= IpCache.FIRST_CIDR_IDENTITY)
            {
                identityText.put(ipCache.identity(i), "cidr " + ipCache.prefixText(i));
            }
        }
        sb.append("identities\n");
        identityText.forEach((id, text) -> sb.append("  ").append(id).append(' ').append(text).append('\n'));

        sb.append("ipcache\n");
        for (int i = 0; i < ipCache.size(); i++)
        {
            sb.append("  ").append(ipCache.prefixText(i)).append(' ').append(ipCache.identity(i)).append('\n');
        }

        final PolicyTable table = snapshot.table();
        final Lpm128 endpoints = snapshot.endpoints();
        final List<List<String>> addresses = new ArrayList<>();
        for (int e = 0; e < snapshot.endpointCount(); e++)
        {
            addresses.add(new ArrayList<>());
        }
        for (int i = 0; i < endpoints.size(); i++)
        {
            addresses.get(endpoints.value(i)).add(Addresses.format(endpoints.prefixHi(i), endpoints.prefixLo(i)));
        }
        sb.append("endpoints\n");
        for (int e = 0; e < snapshot.endpointCount(); e++)
        {
            final List<String> ips = addresses.get(e);
            ips.sort(Comparator.comparing((String s) -> s.contains(":")).thenComparing(Comparator.naturalOrder()));
            sb.append("  ").append(e).append(' ').append(snapshot.endpointName(e)).append(" profile ")
                .append(table.profileOf(e)).append(' ').append(String.join(" ", ips)).append('\n');
        }

        sb.append("rules\n");
        for (int r = 0; r < snapshot.ruleCount(); r++)
        {
            sb.append("  ").append(r).append(' ').append(snapshot.ruleLabel(r)).append('\n');
        }

        final Map<Integer, List<Entry>> entries = new TreeMap<>();
        table.forEachEntry((profile, direction, byAddress, identity, hi, lo, protocol, portLo, portHi, rule) ->
            entries.computeIfAbsent(profile * 2 + direction, k -> new ArrayList<>())
                .add(new Entry(byAddress, identity, hi, lo, protocol, portLo, portHi, rule)));
        sb.append("profiles\n");
        for (int profile = 0; profile < table.profileCount(); profile++)
        {
            for (final int direction : new int[] { PolicyVerdict.EGRESS, PolicyVerdict.INGRESS })
            {
                sb.append("  profile ").append(profile).append(' ').append(PolicyVerdict.directionName(direction))
                    .append(table.isolated(profile, direction) ? " isolated" : " not isolated").append('\n');
                final List<Entry> list = entries.getOrDefault(profile * 2 + direction, List.of());
                list.stream().sorted(Entry.ORDER).forEach(e -> sb.append("    ").append(e).append('\n'));
            }
        }
        return sb.toString();
    }

    private static String labels(final Map<String, String> labels)
    {
        final StringBuilder sb = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    private record Entry(boolean byAddress, int identity, long hi, long lo, int protocol, int portLo, int portHi,
        int rule)
    {
        static final Comparator<Entry> ORDER = Comparator.comparing(Entry::byAddress)
            .thenComparingLong(e -> e.identity == PolicyTable.ANY_IDENTITY ? Long.MAX_VALUE : e.identity & 0xFFFF_FFFFL)
            .thenComparing((a, b) -> Long.compareUnsigned(a.hi, b.hi))
            .thenComparing((a, b) -> Long.compareUnsigned(a.lo, b.lo))
            .thenComparingInt(e -> protocolOrder(e.protocol))
            .thenComparingInt(Entry::portLo);

        @Override
        public String toString()
        {
            final String peer = byAddress ? "address " + Addresses.format(hi, lo)
                : identity == PolicyTable.ANY_IDENTITY ? "identity any" : "identity " + identity;
            final String ports = protocol == PolicyTable.OTHER_PROTOCOLS ? ""
                : portLo == portHi ? " " + portLo
                : " " + portLo + "-" + portHi;
            return peer + " " + protocolName(protocol) + ports + " rule " + rule;
        }

        private static int protocolOrder(final int protocol)
        {
            return switch (protocol)
            {
                case 6 -> 0;
                case 17 -> 1;
                case 132 -> 2;
                default -> 3;
            };
        }

        private static String protocolName(final int protocol)
        {
            return switch (protocol)
            {
                case 6 -> "TCP";
                case 17 -> "UDP";
                case 132 -> "SCTP";
                default -> "other";
            };
        }
    }
}
