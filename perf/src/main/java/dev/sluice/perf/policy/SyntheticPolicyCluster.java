package dev.sluice.perf.policy;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;

/**
 * A synthetic cluster state for policy measurements: {@code nodes} nodes, {@code namespaces} namespaces (labels
 * {@code team=t<i % 10>}), {@code pods} pods spread round-robin over namespaces and nodes (labels
 * {@code app=app<i % 20>}, {@code tier=<i % 3>}; a named port {@code http} that is 80 or 8080 on pods of one identity,
 * so egress named ports need per-address entries), and {@code policies} policies spread over the namespaces:
 * ingress from a namespace-and-pod selector on {@code http}, 443 and 9000-9100, ingress from an ipBlock with a
 * hole, egress to a pod selector and to an ipBlock with a hole. Pod IPs are 198.18.0.0/15 (IPv4 only).
 */
public final class SyntheticPolicyCluster
{
    private SyntheticPolicyCluster()
    {
    }

    /**
     * @param nodes      nodes.
     * @param namespaces namespaces.
     * @param pods       pods (at most 2^17).
     * @param policies   policies.
     * @return the YAML text.
     */
    public static String yaml(final int nodes, final int namespaces, final int pods, final int policies)
    {
        final StringBuilder sb = new StringBuilder(pods * 400 + policies * 800);
        for (int n = 0; n < nodes; n++)
        {
            sb.append("apiVersion: v1\nkind: Node\nmetadata: {name: node-").append(n).append("}\n---\n");
        }
        for (int s = 0; s < namespaces; s++)
        {
            sb.append("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-").append(s)
                .append(", labels: {team: t").append(s % 10).append("}}\n---\n");
        }
        for (int p = 0; p < pods; p++)
        {
            final int ip = p + 1;
            sb.append("apiVersion: v1\nkind: Pod\nmetadata: {name: pod-").append(p).append(", namespace: ns-")
                .append(p % namespaces).append(", labels: {app: app").append(p % 20).append(", tier: '")
                .append(p % 3).append("'}}\nspec:\n  nodeName: node-").append(p % nodes)
                .append("\n  containers:\n  - name: c\n    ports:\n    - {name: http, containerPort: ")
                .append(p / namespaces % 2 == 0 ? 80 : 8080).append("}\n    - {name: dns, containerPort: 53, protocol: UDP}\n")
                .append("status:\n  phase: Running\n  podIP: 198.").append(18 + (ip >>> 16)).append('.')
                .append((ip >>> 8) & 255).append('.').append(ip & 255).append("\n---\n");
        }
        for (int i = 0; i < policies; i++)
        {
            sb.append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: pol-").append(i)
                .append(", namespace: ns-").append(i % namespaces).append("}\nspec:\n  podSelector: {matchLabels: {app: app")
                .append(i % 20).append("}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n")
                .append("  - from: [{namespaceSelector: {matchLabels: {team: t").append(i % 10)
                .append("}}, podSelector: {matchExpressions: [{key: app, operator: In, values: [app")
                .append((i + 1) % 20).append(", app").append((i + 2) % 20).append("]}]}}]\n")
                .append("    ports: [{port: http}, {port: 443}, {port: 9000, endPort: 9100}]\n")
                .append("  - from: [{ipBlock: {cidr: 198.19.").append(128 + i % 64).append(".0/24, except: [198.19.")
                .append(128 + i % 64).append(".").append(i % 256).append("/32]}}]\n")
                .append("  egress:\n  - to: [{podSelector: {matchLabels: {tier: '").append(i % 3).append("'}}}]\n")
                .append("    ports: [{port: http}, {protocol: UDP, port: dns}]\n")
                .append("  - to: [{ipBlock: {cidr: 198.19.192.0/").append(18 + i % 6).append(", except: [198.19.192.")
                .append(i % 8 * 16).append("/28]}}]\n---\n");
        }
        return sb.toString();
    }

    /**
     * Services for a cluster made by {@link #yaml}: {@code services} ClusterIP services (198.19.0.0/18, one port
     * {@code http} 80 to target port 8080, selector {@code app}), service {@code s} in namespace
     * {@code ns-(s % namespaces)}, each with one EndpointSlice of {@code backends} ready endpoints: pods of its
     * namespace (with their node names and pod references): service {@code s} takes {@code backends} consecutive
     * pods of its namespace from the {@code s / namespaces}-th on, so the sets of a namespace's services overlap
     * but all differ (one Maglev table each).
     *
     * @param nodes      nodes of the cluster.
     * @param namespaces namespaces of the cluster.
     * @param pods       pods of the cluster (at least {@code backends} per namespace).
     * @param services   services (at most 16384).
     * @param backends   endpoints per service.
     * @return the YAML text (Service and EndpointSlice documents).
     */
    public static String servicesYaml(final int nodes, final int namespaces, final int pods, final int services,
        final int backends)
    {
        final StringBuilder sb = new StringBuilder(services * (500 + backends * 220));
        final int perNamespace = pods / namespaces;
        for (int s = 0; s < services; s++)
        {
            final int ns = s % namespaces;
            final String ip = "198.19." + (s >>> 8) + "." + (s & 255);
            sb.append("apiVersion: v1\nkind: Service\nmetadata: {name: svc-").append(s).append(", namespace: ns-")
                .append(ns).append("}\nspec:\n  clusterIP: ").append(ip).append("\n  clusterIPs: [").append(ip)
                .append("]\n  selector: {app: app").append(s % 20).append("}\n  ports:\n")
                .append("  - {name: http, port: 80, targetPort: 8080, protocol: TCP}\n---\n");
            sb.append("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-").append(s)
                .append("-a\n  namespace: ns-").append(ns).append("\n  labels: {kubernetes.io/service-name: svc-")
                .append(s).append("}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\n")
                .append("endpoints:\n");
            for (int b = 0; b < backends; b++)
            {
                final int p = ns + namespaces * ((s / namespaces + b) % perNamespace);
                final int podIp = p + 1;
                sb.append("- addresses: ['198.").append(18 + (podIp >>> 16)).append('.').append((podIp >>> 8) & 255)
                    .append('.').append(podIp & 255).append("']\n  conditions: {ready: true}\n  nodeName: node-")
                    .append(p % nodes).append("\n  targetRef: {kind: Pod, name: pod-").append(p)
                    .append(", namespace: ns-").append(ns).append("}\n");
            }
            sb.append("---\n");
        }
        return sb.toString();
    }

    /**
     * @param nodes      nodes.
     * @param namespaces namespaces.
     * @param pods       pods.
     * @param policies   policies.
     * @return the loaded state.
     */
    public static ClusterState state(final int nodes, final int namespaces, final int pods, final int policies)
    {
        try
        {
            return new ClusterStateLoader().parse(yaml(nodes, namespaces, pods, policies), "synthetic");
        }
        catch (final ClusterStateException ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }
}
