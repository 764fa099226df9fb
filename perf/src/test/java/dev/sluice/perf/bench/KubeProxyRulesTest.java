package dev.sluice.perf.bench;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeProxyRulesTest
{
    private static final List<KubeProxyRules.Endpoint> SINK = List.of(
        new KubeProxyRules.Endpoint(address("198.18.1.2"), 8080),
        new KubeProxyRules.Endpoint(address("198.18.1.3"), 8080));

    @Test
    void servicesUseOnlyBenchmarkAddressesAndTheLastOneGoesToTheSink()
    {
        final List<KubeProxyRules.Service> services = KubeProxyRules.services(1000, SINK);
        assertEquals(1000, services.size());
        final Set<InetAddress> clusterIps = new HashSet<>();
        for (final KubeProxyRules.Service service : services)
        {
            assertTrue(clusterIps.add(service.clusterIp()), "duplicate ClusterIP " + service.clusterIp());
            assertTrue(service.clusterIp().getHostAddress().startsWith("198.19."), service.toString());
            for (final KubeProxyRules.Endpoint endpoint : service.endpoints())
            {
                final byte[] a = endpoint.ip().getAddress();
                assertTrue((a[0] & 0xff) == 198 && (a[1] & 0xfe) == 18, "outside 198.18.0.0/15: " + endpoint);
            }
        }
        assertEquals(SINK, services.getLast().endpoints());
        assertEquals(3, services.getFirst().endpoints().size());
        assertEquals(KubeProxyRules.clusterIp(1000), services.getLast().clusterIp());
    }

    @Test
    void nftablesScriptHasOneVerdictMapElementPerServiceAndRandomEndpointChoice()
    {
        final List<KubeProxyRules.Service> services = KubeProxyRules.services(50, SINK);
        final String script = KubeProxyRules.nftScript(services, "198.18.16.0/20", "198.19.0.0/18");

        assertTrue(script.contains("map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }"));
        assertTrue(script.contains("ip daddr . meta l4proto . th dport vmap @service-ips"));
        assertEquals(50, count(script, "[0-9] \\. udp \\. 80 : goto service-"));
        assertEquals(49, count(script, "numgen random mod 3 vmap \\{ 0 : goto endpoint-"));
        assertEquals(1, count(script, "numgen random mod 2 vmap \\{ 0 : goto endpoint-"));
        // 49 services x 3 endpoints + 2 sink endpoints, each with its own chain doing one DNAT
        assertEquals(49 * 3 + 2, count(script, "meta l4proto udp dnat to "));

        final KubeProxyRules.Service last = services.getLast();
        final String lastChain = KubeProxyRules.nftServiceChain(last);
        assertTrue(script.contains("\n  " + last.clusterIp().getHostAddress() + " . udp . 80 : goto " + lastChain
            + " }\n"), "the last service's element");
        final String lastBody = body(script, "chain " + lastChain + " {");
        assertTrue(lastBody.contains("ip saddr != 198.18.16.0/20 jump mark-for-masquerade"), lastBody);
        for (final KubeProxyRules.Endpoint endpoint : SINK)
        {
            final String endpointChain = KubeProxyRules.nftEndpointChain(last, endpoint);
            assertTrue(lastBody.contains("goto " + endpointChain), lastBody);
            assertTrue(body(script, "chain " + endpointChain + " {").contains("dnat to " + endpoint.ip()
                .getHostAddress() + ":8080"));
        }
    }

    @Test
    void nftablesChainNamesAreUniqueAndEveryGotoTargetIsDeclared()
    {
        final String script = KubeProxyRules.nftScript(KubeProxyRules.services(200, SINK), "198.18.16.0/20",
            "198.19.0.0/18");
        final Set<String> declared = new HashSet<>();
        final Matcher chains = Pattern.compile("chain (\\S+) \\{").matcher(script);
        while (chains.find())
        {
            assertTrue(declared.add(chains.group(1)), "declared twice: " + chains.group(1));
        }
        final Matcher targets = Pattern.compile("(?:goto|jump) ([^ ,}\\n]+)").matcher(script);
        int targetCount = 0;
        while (targets.find())
        {
            assertTrue(declared.contains(targets.group(1)), "undeclared target " + targets.group(1));
            targetCount++;
        }
        assertTrue(targetCount > 200 * 4, "targets " + targetCount);
    }

    @Test
    void iptablesHasOneKubeServicesRulePerServiceAndKubeProxysProbabilities()
    {
        final List<KubeProxyRules.Service> services = KubeProxyRules.services(30, SINK);
        final String rules = KubeProxyRules.iptablesRestore(services, "198.18.16.0/20");

        assertEquals(30, count(rules, "-A KUBE-SERVICES -m comment --comment \"bench/svc-[0-9]+:p80 cluster IP\""));
        final String first = KubeProxyRules.iptablesServiceChain(services.getFirst());
        final List<String> firstRules = rules.lines().filter(l -> l.startsWith("-A " + first + " ")).toList();
        assertEquals(4, firstRules.size(), firstRules.toString());
        assertTrue(firstRules.get(0).endsWith("! -s 198.18.16.0/20 -j KUBE-MARK-MASQ"), firstRules.get(0));
        assertTrue(firstRules.get(1).contains("-m statistic --mode random --probability 0.33333333333 -j KUBE-SEP-"));
        assertTrue(firstRules.get(2).contains("-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-"));
        assertTrue(!firstRules.get(3).contains("statistic") && firstRules.get(3).contains("-j KUBE-SEP-"));

        final KubeProxyRules.Service last = services.getLast();
        for (final KubeProxyRules.Endpoint endpoint : SINK)
        {
            final String sep = KubeProxyRules.iptablesEndpointChain(last, endpoint);
            assertTrue(rules.contains("-A " + sep + " -m comment --comment bench/svc-30:p80 -p udp -m udp -j DNAT"
                + " --to-destination " + endpoint.ip().getHostAddress() + ":8080\n"));
        }
        assertEquals(2, count(rules, "COMMIT\n"));
    }

    @Test
    void iptablesChainsAreDeclaredOnceAndFitIptablesNameLimit()
    {
        final String rules = KubeProxyRules.iptablesRestore(KubeProxyRules.services(300, SINK), "198.18.16.0/20");
        final Set<String> declared = new HashSet<>(List.of("PREROUTING", "OUTPUT", "POSTROUTING", "FORWARD"));
        for (final String line : rules.lines().filter(l -> l.startsWith(":")).toList())
        {
            final String chain = line.substring(1, line.indexOf(' '));
            assertTrue(chain.length() <= 28, "too long for iptables: " + chain);
            if (!chain.equals("KUBE-SERVICES"))
            {
                assertTrue(declared.add(chain), "declared twice: " + chain);
            }
        }
        final Matcher jumps = Pattern.compile("-j (KUBE-[A-Z0-9-]+)").matcher(rules);
        while (jumps.find())
        {
            assertTrue(declared.contains(jumps.group(1)) || jumps.group(1).equals("KUBE-SERVICES"),
                "undeclared " + jumps.group(1));
        }
    }

    @Test
    void namesAreDeterministic()
    {
        final String a = KubeProxyRules.nftScript(KubeProxyRules.services(10, SINK), "198.18.16.0/20",
            "198.19.0.0/18");
        final String b = KubeProxyRules.nftScript(KubeProxyRules.services(10, SINK), "198.18.16.0/20",
            "198.19.0.0/18");
        assertEquals(a, b);
    }

    @Test
    void badValuesAreRejectedWithTheValue()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KubeProxyRules.services(0, SINK))
            .getMessage().contains("0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KubeProxyRules.services(16384, SINK))
            .getMessage().contains("16384"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new KubeProxyRules.Endpoint(address("198.18.1.2"), 70000)).getMessage().contains("70000"));
        assertThrows(IllegalArgumentException.class,
            () -> new KubeProxyRules.Service("n", "s", address("198.19.0.1"), 80, List.of()));
    }

    private static int count(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find())
        {
            n++;
        }
        return n;
    }

    private static String body(final String script, final String header)
    {
        final int start = script.indexOf(header);
        assertTrue(start >= 0, "missing " + header);
        return script.substring(start, script.indexOf("\n  }\n", start));
    }

    private static InetAddress address(final String text)
    {
        try
        {
            return InetAddress.getByName(text);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
