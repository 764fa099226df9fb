package dev.sluice.control.compile;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.wire.Addresses;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.ServiceTable;

/**
 * A canonical text form of a compiled service table, for golden tests and for people: everything the fast path
 * would act on (frontends with their flags and reverse-NAT ids, each group's cluster and local backend sets with
 * target ports and conditions, each Maglev table as per-backend slot counts and a digest of its contents) and the
 * compile's warnings. The same snapshot always gives the same text.
 *
 * <pre>
 * services node=NODE maglev=M|adaptive
 * service ID NAMESPACE/NAME
 *   frontend REVNAT KIND PROTO ADDRESS:PORT port=NAME group=G flags=... [affinity=SECONDSs]
 * group G NAMESPACE/NAME port=NAME IPv4|IPv6
 *   cluster ADDRESS:PORT [terminating] [local] slots=N
 *   cluster-maglev [m=M ]digest=HEX     m= only when each set's size adapts to its backend count
 *   local ADDRESS:PORT ... (same)
 * warning TEXT
 * </pre>
 */
public final class ServiceTableDump
{
    private ServiceTableDump()
    {
    }

    /**
     * @param compiled a compile result.
     * @return its canonical dump, lines ending in '\n'.
     */
    public static String dump(final CompiledServices compiled)
    {
        final ServiceTable t = compiled.table();
        final StringBuilder out = new StringBuilder();
        out.append("services node=").append(compiled.nodeName()).append(" maglev=")
            .append(t.maglevSize() == 0 ? "adaptive" : Integer.toString(t.maglevSize())).append('\n');
        for (int id = 1; id <= compiled.services().size(); id++)
        {
            out.append("service ").append(id).append(' ').append(compiled.services().get(id - 1)).append('\n');
            for (int f = 0; f < t.frontendCount(); f++)
            {
                if (t.serviceId(f) != id)
                {
                    continue;
                }
                final int rev = t.revNatId(f);
                out.append("  frontend ").append(rev).append(' ').append(kind(t.kind(f))).append(' ')
                    .append(protocol(t.protocol(f))).append(' ')
                    .append(hostPort(t.revNatHi(rev), t.revNatLo(rev), t.revNatPort(rev)))
                    .append(" port=").append(portName(compiled.frontends().get(f).portName()))
                    .append(" group=").append(t.group(f))
                    .append(" flags=").append(flags(t.flags(f)));
                if ((t.flags(f) & ServiceTable.FLAG_AFFINITY) != 0)
                {
                    out.append(" affinity=").append(t.affinityTimeoutNs(f) / 1_000_000_000L).append('s');
                }
                out.append('\n');
            }
        }
        for (int g = 0; g < t.groupCount(); g++)
        {
            final CompiledServices.GroupRef ref = compiled.groups().get(g);
            out.append("group ").append(g).append(' ').append(ref.port().service())
                .append(" port=").append(portName(ref.port().portName()))
                .append(ref.ipv4() ? " IPv4" : " IPv6").append('\n');
            set(out, t, g, false);
            set(out, t, g, true);
        }
        for (final String warning : compiled.warnings())
        {
            out.append("warning ").append(warning).append('\n');
        }
        return out.toString();
    }

    private static void set(final StringBuilder out, final ServiceTable t, final int g, final boolean local)
    {
        final String name = local ? "local" : "cluster";
        final int start = local ? t.localStart(g) : t.clusterStart(g);
        final int count = local ? t.localCount(g) : t.clusterCount(g);
        if (count == 0)
        {
            out.append("  ").append(name).append(" (none)\n");
            return;
        }
        final int[] slots = new int[count];
        long digest = 0xCBF2_9CE4_8422_2325L; // FNV-1a 64 over the table's 16-bit entries
        final int size = t.maglevSize(g, local);
        for (int s = 0; s < size; s++)
        {
            final int e = t.maglevEntry(g, local, s);
            slots[e]++;
            digest = (digest ^ e) * 0x0000_0100_0000_01B3L;
        }
        final List<String> lines = new ArrayList<>();
        for (int k = 0; k < count; k++)
        {
            final int b = start + k;
            final StringBuilder line = new StringBuilder("  ").append(name).append(' ')
                .append(hostPort(t.backendHi(b), t.backendLo(b), t.backendPort(b)));
            if ((t.backendFlags(b) & ServiceTable.BACKEND_TERMINATING) != 0)
            {
                line.append(" terminating");
            }
            if ((t.backendFlags(b) & ServiceTable.BACKEND_LOCAL) != 0)
            {
                line.append(" local");
            }
            line.append(" slots=").append(slots[k]);
            lines.add(line.toString());
        }
        for (final String line : lines)
        {
            out.append(line).append('\n');
        }
        out.append("  ").append(name).append("-maglev ").append(t.maglevSize() == 0 ? "m=" + size + " " : "")
            .append("digest=").append(String.format("%016x", digest)).append('\n');
    }

    private static String hostPort(final long hi, final long lo, final int port)
    {
        final String host = Addresses.format(hi, lo);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String portName(final String name)
    {
        return name.isEmpty() ? "-" : name;
    }

    private static String kind(final int kind)
    {
        return switch (kind)
        {
            case ServiceTable.KIND_CLUSTER_IP -> "ClusterIP";
            case ServiceTable.KIND_NODE_PORT -> "NodePort";
            case ServiceTable.KIND_EXTERNAL_IP -> "ExternalIP";
            case ServiceTable.KIND_LOAD_BALANCER -> "LoadBalancer";
            default -> "kind" + kind;
        };
    }

    private static String protocol(final int protocol)
    {
        return switch (protocol)
        {
            case IpProtocol.TCP -> "TCP";
            case IpProtocol.UDP -> "UDP";
            case IpProtocol.SCTP -> "SCTP";
            default -> Integer.toString(protocol);
        };
    }

    private static String flags(final int flags)
    {
        final List<String> names = new ArrayList<>();
        if ((flags & ServiceTable.FLAG_AFFINITY) != 0)
        {
            names.add("affinity");
        }
        if ((flags & ServiceTable.FLAG_INTERNAL_LOCAL) != 0)
        {
            names.add("internal-local");
        }
        if ((flags & ServiceTable.FLAG_EXTERNAL_LOCAL) != 0)
        {
            names.add("external-local");
        }
        if ((flags & ServiceTable.FLAG_REJECT) != 0)
        {
            names.add("reject");
        }
        return names.isEmpty() ? "-" : String.join(",", names);
    }
}
