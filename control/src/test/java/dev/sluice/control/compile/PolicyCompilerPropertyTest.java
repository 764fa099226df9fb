package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.control.policy.IpBlockMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random cluster states (a few namespaces and pods with colliding labels, so several pods share an identity; named
 * ports that resolve to different numbers on pods of one identity; random policies with matchLabels and every
 * matchExpressions operator, ipBlocks with except over pod and outside addresses in both families, port ranges,
 * protocols and policyTypes): the compiled tables agree with the engine ({@link Differential}) in both ipBlock
 * modes. A counterexample prints as the YAML state it is.
 */
class PolicyCompilerPropertyTest
{
    private static final List<String> CIDRS = List.of("198.18.0.0/16", "198.18.1.0/24", "198.18.1.0/30",
        "198.18.1.2/32", "0.0.0.0/0", "2001:2::/48", "2001:2:0:1::/64", "2001:2:0:1::2/127", "::/0");

    @Property(tries = 150)
    void compiledTablesAgreeWithTheEngine(@ForAll("scenarios") final Scenario scenario) throws Exception
    {
        final ClusterState state = new ClusterStateLoader().parse(scenario.yaml(), "generated");
        for (final IpBlockMode mode : IpBlockMode.values())
        {
            final List<String> problems = Differential.disagreements(state, mode);
            assertTrue(problems.isEmpty(), () -> mode + "\n" + String.join("\n", problems));
        }
    }

    /**
     * A generated state.
     *
     * @param namespaces namespace documents.
     * @param pods       pod documents.
     * @param policies   policy documents.
     */
    record Scenario(List<String> namespaces, List<String> pods, List<String> policies)
    {
        String yaml()
        {
            final List<String> docs = new ArrayList<>();
            docs.add("apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n");
            docs.add("apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\n");
            docs.add("apiVersion: v1\nkind: Namespace\nmetadata: {name: n0}\n");
            docs.addAll(namespaces);
            docs.addAll(pods);
            docs.addAll(policies);
            return String.join("---\n", docs);
        }

        @Override
        public String toString()
        {
            return "\n" + yaml();
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios()
    {
        final Arbitrary<List<String>> namespaces = Arbitraries.of("", "team: red", "team: blue", "team: red, env: prod")
            .list().ofSize(2)
            .map(labels ->
            {
                final List<String> out = new ArrayList<>();
                for (int i = 0; i < labels.size(); i++)
                {
                    out.add("apiVersion: v1\nkind: Namespace\nmetadata: {name: n" + (i + 1) + ", labels: {"
                        + labels.get(i) + "}}\n");
                }
                return out;
            });
        final Arbitrary<List<String>> pods = pod().list().ofMinSize(1).ofMaxSize(6).map(list ->
        {
            final List<String> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++)
            {
                out.add(list.get(i).replace("#", Integer.toString(i + 1)));
            }
            return out;
        });
        final Arbitrary<List<String>> policies = policy().list().ofMinSize(0).ofMaxSize(4).map(list ->
        {
            final List<String> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++)
            {
                out.add(list.get(i).replace("#", Integer.toString(i)));
            }
            return out;
        });
        return Combinators.combine(namespaces, pods, policies).as(Scenario::new);
    }

    /** A pod; '#' is replaced by its index (name and addresses). */
    static Arbitrary<String> pod()
    {
        final Arbitrary<Integer> namespace = Arbitraries.integers().between(0, 2);
        final Arbitrary<String> labels = Arbitraries.of("", "app: web", "app: db", "app: web, tier: x", "tier: x");
        final Arbitrary<List<String>> ports = Arbitraries.of(
            "- {name: http, containerPort: 80}",
            "- {name: http, containerPort: 8080}",
            "- {name: http, containerPort: 8080, protocol: UDP}",
            "- {name: dns, containerPort: 53, protocol: UDP}",
            "- {name: dns, containerPort: 5353, protocol: UDP}",
            "- {name: sig, containerPort: 9000, protocol: SCTP}",
            "- {containerPort: 443}").list().ofMaxSize(3).map(l -> l.stream().distinct().toList());
        final Arbitrary<Integer> family = Arbitraries.integers().between(0, 2);
        final Arbitrary<Integer> node = Arbitraries.integers().between(1, 2);
        return Combinators.combine(namespace, labels, ports, family, node).as((ns, l, p, f, n) ->
        {
            final String ips = switch (f)
            {
                case 0 -> "podIP: 198.18.1.#\n  podIPs: [{ip: 198.18.1.#}]";
                case 1 -> "podIP: 198.18.1.#\n  podIPs: [{ip: 198.18.1.#}, {ip: '2001:2:0:1::#'}]";
                default -> "podIP: '2001:2:0:1::#'\n  podIPs: [{ip: '2001:2:0:1::#'}]";
            };
            return "apiVersion: v1\nkind: Pod\nmetadata: {name: p#, namespace: n" + ns + ", labels: {" + l + "}}\n"
                + "spec:\n  nodeName: node-" + n + "\n  containers:\n  - name: c\n"
                + (p.isEmpty() ? "" : "    ports:\n") + (p.isEmpty() ? "" : p.stream().map(x -> "    " + x + "\n").collect(Collectors.joining()))
                + "status:\n  phase: Running\n  " + ips + "\n";
        });
    }

    private static Arbitrary<String> selector()
    {
        final Arbitrary<String> match = Arbitraries.of("", "app: web", "app: db", "tier: x", "team: red", "env: prod");
        final Arbitrary<String> expression = Arbitraries.of("",
            "{key: app, operator: In, values: [web, db]}",
            "{key: app, operator: NotIn, values: [web]}",
            "{key: tier, operator: Exists}",
            "{key: tier, operator: DoesNotExist}",
            "{key: team, operator: In, values: [red]}",
            "{key: team, operator: NotIn, values: [blue]}");
        return Combinators.combine(match, expression).as((m, e) ->
            "{" + (m.isEmpty() ? "" : "matchLabels: {" + m + "}") + (m.isEmpty() || e.isEmpty() ? "" : ", ")
                + (e.isEmpty() ? "" : "matchExpressions: [" + e + "]") + "}");
    }

    private static Arbitrary<String> peer()
    {
        final Arbitrary<String> selectors = Combinators.combine(selector(), selector(), Arbitraries.integers().between(0, 2))
            .as((pod, ns, kind) -> switch (kind)
            {
                case 0 -> "{podSelector: " + pod + "}";
                case 1 -> "{namespaceSelector: " + ns + "}";
                default -> "{podSelector: " + pod + ", namespaceSelector: " + ns + "}";
            });
        final Arbitrary<String> blocks = Combinators.combine(Arbitraries.of(CIDRS), Arbitraries.of(CIDRS).list().ofMaxSize(2))
            .as((cidr, holes) ->
            {
                final List<String> inside = holes.stream().distinct().filter(h -> strictlyInside(h, cidr)).toList();
                return "{ipBlock: {cidr: '" + cidr + "'" + (inside.isEmpty() ? "" : ", except: ["
                    + inside.stream().map(h -> "'" + h + "'").collect(Collectors.joining(", ")) + "]") + "}}";
            });
        return Arbitraries.oneOf(selectors, blocks);
    }

    private static boolean strictlyInside(final String hole, final String cidr)
    {
        final dev.sluice.control.model.Cidr h = dev.sluice.control.model.Cidr.parse(hole);
        final dev.sluice.control.model.Cidr c = dev.sluice.control.model.Cidr.parse(cidr);
        return c.contains(h) && h.prefixLength() > c.prefixLength();
    }

    private static Arbitrary<String> port()
    {
        final Arbitrary<String> protocol = Arbitraries.of("", "protocol: TCP, ", "protocol: UDP, ", "protocol: SCTP, ");
        final Arbitrary<String> port = Arbitraries.of("", "port: 80", "port: http", "port: dns", "port: sig",
            "port: 53", "port: 79, endPort: 81", "port: 8000, endPort: 8080", "port: 443", "port: 1, endPort: 65535");
        return Combinators.combine(protocol, port).as((pr, p) -> "{" + (pr + p).replaceAll(", $", "") + "}");
    }

    private static Arbitrary<String> rule(final String peersKey)
    {
        final Arbitrary<List<String>> peers = peer().list().ofMaxSize(2);
        final Arbitrary<List<String>> ports = port().list().ofMaxSize(2);
        return Combinators.combine(peers, ports, Arbitraries.of(true, false)).as((pe, po, withPeers) ->
        {
            final List<String> fields = new ArrayList<>();
            if (withPeers && !pe.isEmpty())
            {
                fields.add(peersKey + ": [" + String.join(", ", pe) + "]");
            }
            if (!po.isEmpty())
            {
                fields.add("ports: [" + String.join(", ", po) + "]");
            }
            return "{" + String.join(", ", fields) + "}";
        });
    }

    /** A policy; '#' is replaced by its index. */
    static Arbitrary<String> policy()
    {
        final Arbitrary<Integer> namespace = Arbitraries.integers().between(0, 2);
        final Arbitrary<String> types = Arbitraries.of("", "[Ingress]", "[Egress]", "[Ingress, Egress]");
        final Arbitrary<List<String>> ingress = rule("from").list().ofMaxSize(2);
        final Arbitrary<List<String>> egress = rule("to").list().ofMaxSize(2);
        return Combinators.combine(namespace, selector(), types, ingress, egress).as((ns, sel, t, in, out) ->
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: pol#, namespace: n" + ns + "}\n"
                + "spec:\n  podSelector: " + sel + "\n"
                + (t.isEmpty() ? "" : "  policyTypes: " + t + "\n")
                + (in.isEmpty() ? "" : "  ingress: [" + String.join(", ", in) + "]\n")
                + (out.isEmpty() ? "" : "  egress: [" + String.join(", ", out) + "]\n"));
    }
}
