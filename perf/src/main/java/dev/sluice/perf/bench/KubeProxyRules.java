package dev.sluice.perf.bench;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The rules kube-proxy would program for N ClusterIP services, in its two kernel modes, for the kernel baselines of
 * {@code ./sluice bench}. The shape (not the text) follows kube-proxy's proxiers in kubernetes/kubernetes
 * ({@code pkg/proxy/nftables}, {@code pkg/proxy/iptables}); only ClusterIP/UDP services are generated.
 * <p>
 * nftables mode ({@link #nftScript}): one {@code table ip kube-proxy}; base chains {@code nat-prerouting} /
 * {@code nat-output} jump to {@code services}, which does ONE lookup {@code ip daddr . meta l4proto . th dport vmap
 * @service-ips} (a verdict map with one element per service port) to a per-service chain
 * {@code service-HASH-ns/name/udp/port}; that chain marks for masquerade traffic from outside the cluster CIDR and
 * picks an endpoint with {@code numgen random mod N vmap { 0 : goto endpoint-..., ... }}; an endpoint chain
 * {@code endpoint-HASH-ns/name/udp/port__ip/port} marks hairpin traffic and does {@code dnat to ip:port}. Filter
 * chains at the forward hook check new connections against {@code no-endpoint-services} (a verdict map) and the
 * {@code cluster-ips} set, as kube-proxy does; {@code nat-postrouting} masquerades marked packets. Because the
 * service lookup is a hash map, the per-packet cost should NOT grow linearly with the number of services in this
 * mode (measure it; the ruleset's size still costs memory and load time).
 * <p>
 * iptables mode ({@link #iptablesRestore}, for {@code iptables-legacy-restore}): nat {@code KUBE-SERVICES} with one
 * rule per service port ({@code -d clusterIP/32 -p udp --dport P -j KUBE-SVC-HASH}, a linear scan), the service
 * chain with a {@code KUBE-MARK-MASQ} rule and one rule per endpoint using {@code -m statistic --mode random
 * --probability 1/(N-i)} (the last one unconditional), {@code KUBE-SEP-HASH} chains with the hairpin mark and
 * {@code DNAT --to-destination}; {@code KUBE-POSTROUTING} masquerades marked packets; the filter table has
 * kube-proxy's {@code KUBE-FORWARD} (drop INVALID, accept marked and established) and empty firewall chains.
 */
public final class KubeProxyRules
{
    /** kube-proxy's masquerade mark bit. */
    public static final int MASQUERADE_MARK = 0x4000;

    private KubeProxyRules()
    {
    }

    /**
     * One endpoint of a service.
     *
     * @param ip   address
     * @param port target port
     */
    public record Endpoint(InetAddress ip, int port)
    {
        /**
         * Checks the values.
         */
        public Endpoint
        {
            Objects.requireNonNull(ip, "ip");
            if (!(ip instanceof Inet4Address))
            {
                throw new IllegalArgumentException("IPv4 endpoints only: " + ip);
            }
            checkPort(port);
        }

        String text()
        {
            return ip.getHostAddress() + ":" + port;
        }
    }

    /**
     * One ClusterIP service port (UDP).
     *
     * @param namespace namespace
     * @param name      service name
     * @param clusterIp the ClusterIP
     * @param port      the service port
     * @param endpoints its endpoints (at least one)
     */
    public record Service(String namespace, String name, InetAddress clusterIp, int port, List<Endpoint> endpoints)
    {
        /**
         * Checks the values.
         */
        public Service
        {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(clusterIp, "clusterIp");
            if (!(clusterIp instanceof Inet4Address))
            {
                throw new IllegalArgumentException("IPv4 ClusterIPs only: " + clusterIp);
            }
            checkPort(port);
            endpoints = List.copyOf(endpoints);
            if (endpoints.isEmpty())
            {
                throw new IllegalArgumentException("service " + namespace + "/" + name + " has no endpoints");
            }
        }

        /**
         * kube-proxy's service port name, {@code namespace/name:port} (the port is named "p" + number here).
         *
         * @return the name
         */
        public String portName()
        {
            return namespace + "/" + name + ":p" + port;
        }
    }

    /**
     * N services numbered 1..N, ClusterIPs 198.19.0.1.. (from 198.19.0.0/18), port 80, three endpoints each at
     * 198.19.64.0/18 port 8080, except the last service, whose endpoints are {@code lastEndpoints} (the sink's
     * addresses: traffic to the last service is the measured traffic).
     *
     * @param count         number of services (1..16383)
     * @param lastEndpoints endpoints of the last service
     * @return the services in order
     */
    public static List<Service> services(final int count, final List<Endpoint> lastEndpoints)
    {
        if (count < 1 || count > 16383)
        {
            throw new IllegalArgumentException("count must be 1..16383: " + count);
        }
        final List<Service> services = new ArrayList<>(count);
        for (int i = 1; i <= count; i++)
        {
            final List<Endpoint> endpoints;
            if (i == count)
            {
                endpoints = lastEndpoints;
            }
            else
            {
                endpoints = new ArrayList<>(3);
                for (int e = 0; e < 3; e++)
                {
                    endpoints.add(new Endpoint(address(198, 19, 64 * 256 + 3 * i + e), 8080));
                }
            }
            services.add(new Service("bench", "svc-" + i, address(198, 19, i), 80, endpoints));
        }
        return services;
    }

    /**
     * The ClusterIP of service number {@code i} of {@link #services}.
     *
     * @param i 1-based service number
     * @return the address
     */
    public static InetAddress clusterIp(final int i)
    {
        return address(198, 19, i);
    }

    /**
     * An nftables script ({@code nft -f -}) with kube-proxy's nftables-mode layout for the services.
     *
     * @param services    the services
     * @param clusterCidr the pod CIDR (traffic from outside it is marked for masquerade)
     * @param serviceCidr the service CIDR (unknown ClusterIP ports are dropped)
     * @return the script; it deletes and recreates {@code table ip kube-proxy}
     */
    public static String nftScript(final List<Service> services, final String clusterCidr, final String serviceCidr)
    {
        final StringBuilder s = new StringBuilder(services.size() * 600);
        s.append("table ip kube-proxy\ndelete table ip kube-proxy\n");
        s.append("table ip kube-proxy {\n  comment \"rules for kube-proxy\"\n");
        s.append("  set cluster-ips { type ipv4_addr; comment \"Active ClusterIPs\"; }\n");
        s.append("  set nodeport-ips { type ipv4_addr; }\n");
        s.append("  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }\n");
        s.append("  map service-nodeports { type inet_proto . inet_service : verdict; }\n");
        s.append("  map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }\n");
        s.append("  map firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; }\n");
        s.append("  chain filter-prerouting { type filter hook prerouting priority dstnat - 10; policy accept;\n"
            + "    ct state new jump firewall-check\n  }\n");
        s.append("  chain filter-forward { type filter hook forward priority filter - 10; policy accept;\n"
            + "    ct state new jump service-endpoints-check\n    ct state new jump cluster-ips-check\n  }\n");
        s.append("  chain filter-output { type filter hook output priority filter - 10; policy accept;\n"
            + "    ct state new jump service-endpoints-check\n    ct state new jump cluster-ips-check\n  }\n");
        s.append("  chain firewall-check {\n    ip daddr . meta l4proto . th dport vmap @firewall-ips\n  }\n");
        s.append("  chain service-endpoints-check {\n"
            + "    ip daddr . meta l4proto . th dport vmap @no-endpoint-services\n  }\n");
        s.append("  chain cluster-ips-check {\n    ip daddr @cluster-ips reject\n    ip daddr ")
            .append(serviceCidr).append(" drop\n  }\n");
        s.append("  chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
            + "    jump services\n  }\n");
        s.append("  chain nat-output { type nat hook output priority -100; policy accept;\n    jump services\n  }\n");
        s.append("  chain nat-postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
            + "    jump masquerading\n  }\n");
        s.append("  chain masquerading {\n    meta mark & 0x").append(hex(MASQUERADE_MARK)).append(" == 0 return\n")
            .append("    meta mark set meta mark ^ 0x").append(hex(MASQUERADE_MARK))
            .append("\n    masquerade fully-random\n  }\n");
        s.append("  chain mark-for-masquerade {\n    meta mark set meta mark | 0x").append(hex(MASQUERADE_MARK))
            .append("\n  }\n");
        s.append("  chain services {\n    ip daddr . meta l4proto . th dport vmap @service-ips\n")
            .append("    ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n  }\n");
        for (final Service service : services)
        {
            final String chain = nftServiceChain(service);
            s.append("  chain ").append(chain).append(" {\n    ip daddr ").append(service.clusterIp().getHostAddress())
                .append(" udp dport ").append(service.port()).append(" ip saddr != ").append(clusterCidr)
                .append(" jump mark-for-masquerade\n    numgen random mod ").append(service.endpoints().size())
                .append(" vmap { ");
            for (int e = 0; e < service.endpoints().size(); e++)
            {
                s.append(e == 0 ? "" : ", ").append(e).append(" : goto ")
                    .append(nftEndpointChain(service, service.endpoints().get(e)));
            }
            s.append(" }\n  }\n");
            for (final Endpoint endpoint : service.endpoints())
            {
                s.append("  chain ").append(nftEndpointChain(service, endpoint)).append(" {\n    ip saddr ")
                    .append(endpoint.ip().getHostAddress()).append(" jump mark-for-masquerade\n")
                    .append("    meta l4proto udp dnat to ").append(endpoint.text()).append("\n  }\n");
            }
        }
        s.append("}\n");
        // one command per set, as kube-proxy batches its transaction (one command per element is far slower to load)
        s.append("add element ip kube-proxy cluster-ips {");
        for (int i = 0; i < services.size(); i++)
        {
            s.append(i == 0 ? " " : ",\n  ").append(services.get(i).clusterIp().getHostAddress());
        }
        s.append(" }\nadd element ip kube-proxy service-ips {");
        for (int i = 0; i < services.size(); i++)
        {
            final Service service = services.get(i);
            s.append(i == 0 ? " " : ",\n  ").append(service.clusterIp().getHostAddress()).append(" . udp . ")
                .append(service.port()).append(" : goto ").append(nftServiceChain(service));
        }
        s.append(" }\n");
        return s.toString();
    }

    /**
     * Input for {@code iptables-legacy-restore} with kube-proxy's iptables-mode layout for the services (tables nat
     * and filter; flushes only the chains it declares).
     *
     * @param services    the services
     * @param clusterCidr the pod CIDR (traffic from outside it is marked for masquerade)
     * @return the restore text
     */
    public static String iptablesRestore(final List<Service> services, final String clusterCidr)
    {
        final StringBuilder s = new StringBuilder(services.size() * 900);
        s.append("*filter\n:KUBE-FORWARD - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n")
            .append(":KUBE-EXTERNAL-SERVICES - [0:0]\n");
        s.append("-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\"")
            .append(" -j KUBE-PROXY-FIREWALL\n");
        s.append("-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n");
        s.append("-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\"")
            .append(" -j KUBE-SERVICES\n");
        s.append("-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible")
            .append(" service portals\" -j KUBE-EXTERNAL-SERVICES\n");
        s.append("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n");
        s.append("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x")
            .append(hex(MASQUERADE_MARK)).append("/0x").append(hex(MASQUERADE_MARK)).append(" -j ACCEPT\n");
        s.append("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack")
            .append(" --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        s.append("COMMIT\n");

        s.append("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n")
            .append(":KUBE-NODEPORTS - [0:0]\n");
        for (final Service service : services)
        {
            s.append(':').append(iptablesServiceChain(service)).append(" - [0:0]\n");
            for (final Endpoint endpoint : service.endpoints())
            {
                s.append(':').append(iptablesEndpointChain(service, endpoint)).append(" - [0:0]\n");
            }
        }
        s.append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        s.append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        s.append("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n");
        s.append("-A KUBE-POSTROUTING -m mark ! --mark 0x").append(hex(MASQUERADE_MARK)).append("/0x")
            .append(hex(MASQUERADE_MARK)).append(" -j RETURN\n");
        s.append("-A KUBE-POSTROUTING -j MARK --xor-mark 0x").append(hex(MASQUERADE_MARK)).append('\n');
        s.append("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\"")
            .append(" -j MASQUERADE --random-fully\n");
        s.append("-A KUBE-MARK-MASQ -j MARK --or-mark 0x").append(hex(MASQUERADE_MARK)).append('\n');
        for (final Service service : services)
        {
            s.append("-A KUBE-SERVICES -m comment --comment \"").append(service.portName()).append(" cluster IP\" -d ")
                .append(service.clusterIp().getHostAddress()).append("/32 -p udp -m udp --dport ")
                .append(service.port()).append(" -j ").append(iptablesServiceChain(service)).append('\n');
        }
        s.append("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last")
            .append(" rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n");
        for (final Service service : services)
        {
            final String svc = iptablesServiceChain(service);
            s.append("-A ").append(svc).append(" -m comment --comment \"").append(service.portName())
                .append(" cluster IP\" -d ").append(service.clusterIp().getHostAddress())
                .append("/32 -p udp -m udp --dport ").append(service.port()).append(" ! -s ").append(clusterCidr)
                .append(" -j KUBE-MARK-MASQ\n");
            final int n = service.endpoints().size();
            for (int e = 0; e < n; e++)
            {
                final Endpoint endpoint = service.endpoints().get(e);
                s.append("-A ").append(svc).append(" -m comment --comment \"").append(service.portName())
                    .append(" -> ").append(endpoint.text()).append('"');
                if (e < n - 1)
                {
                    s.append(" -m statistic --mode random --probability ")
                        .append(String.format(Locale.ROOT, "%.11f", 1.0 / (n - e)));
                }
                s.append(" -j ").append(iptablesEndpointChain(service, endpoint)).append('\n');
            }
            for (final Endpoint endpoint : service.endpoints())
            {
                final String sep = iptablesEndpointChain(service, endpoint);
                s.append("-A ").append(sep).append(" -m comment --comment ").append(service.portName())
                    .append(" -s ").append(endpoint.ip().getHostAddress()).append("/32 -j KUBE-MARK-MASQ\n");
                s.append("-A ").append(sep).append(" -m comment --comment ").append(service.portName())
                    .append(" -p udp -m udp -j DNAT --to-destination ").append(endpoint.text()).append('\n');
            }
        }
        s.append("COMMIT\n");
        return s.toString();
    }

    /**
     * The nftables chain of a service: {@code service-HASH8-ns/name/udp/pPORT}.
     *
     * @param service the service
     * @return the chain name
     */
    public static String nftServiceChain(final Service service)
    {
        final String base = service.namespace() + "/" + service.name() + "/udp/p" + service.port();
        return "service-" + hash(base, 8) + "-" + base;
    }

    /**
     * The nftables chain of an endpoint: {@code endpoint-HASH8-ns/name/udp/pPORT__ip/port}.
     *
     * @param service  the service
     * @param endpoint one of its endpoints
     * @return the chain name
     */
    public static String nftEndpointChain(final Service service, final Endpoint endpoint)
    {
        final String base = service.namespace() + "/" + service.name() + "/udp/p" + service.port() + "__"
            + endpoint.ip().getHostAddress() + "/" + endpoint.port();
        return "endpoint-" + hash(base, 8) + "-" + base;
    }

    /**
     * The iptables chain of a service: {@code KUBE-SVC-} and 16 characters of a hash of its port name.
     *
     * @param service the service
     * @return the chain name (25 characters; iptables allows 28)
     */
    public static String iptablesServiceChain(final Service service)
    {
        return "KUBE-SVC-" + hash(service.portName() + "udp", 16);
    }

    /**
     * The iptables chain of an endpoint: {@code KUBE-SEP-} and 16 characters of a hash.
     *
     * @param service  the service
     * @param endpoint one of its endpoints
     * @return the chain name
     */
    public static String iptablesEndpointChain(final Service service, final Endpoint endpoint)
    {
        return "KUBE-SEP-" + hash(service.portName() + "udp" + endpoint.text(), 16);
    }

    private static String hash(final String text, final int length)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            // base32 (RFC 4648 alphabet) of the digest, as kube-proxy names its chains
            final String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            final StringBuilder out = new StringBuilder(length);
            int bits = 0;
            int buffer = 0;
            for (int i = 0; out.length() < length; i++)
            {
                buffer = (buffer << 8) | (digest[i] & 0xff);
                bits += 8;
                while (bits >= 5 && out.length() < length)
                {
                    out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                    bits -= 5;
                }
            }
            return out.toString();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 missing", ex);
        }
    }

    private static String hex(final int value)
    {
        return Integer.toHexString(value);
    }

    private static InetAddress address(final int a, final int b, final int low16)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {(byte)a, (byte)b, (byte)(low16 >> 8), (byte)low16});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static void checkPort(final int port)
    {
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }
}
