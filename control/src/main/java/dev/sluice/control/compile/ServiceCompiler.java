package dev.sluice.control.compile;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.EndpointSliceInfo;
import dev.sluice.control.model.NodeInfo;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodInfo;
import dev.sluice.control.model.ServiceInfo;
import dev.sluice.wire.Addresses;
import dev.sluice.fastpath.service.Maglev;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.service.ServiceTableBuilder;

/**
 * Compiles the Services and EndpointSlices of a {@link ClusterState} into the {@link ServiceTable} one node's fast
 * path uses. Deterministic: the state's maps are sorted, ids are given in that order, and backend sets are sorted
 * by the builder, so the same state gives the same tables.
 *
 * <p>What becomes a frontend, per service port: each ClusterIP (every family of {@code spec.clusterIPs}), each
 * ExternalIP, each LoadBalancer ingress IP (type LoadBalancer), and the NodePort (types NodePort and LoadBalancer)
 * on each InternalIP of this node of a family the service has a ClusterIP in. ExternalName and headless services have no frontends. A second service claiming
 * a frontend someone already has is skipped for it with a warning.
 *
 * <p>Backends, per service port and family: the endpoints of the EndpointSlices labelled with the service's name in
 * its namespace and of the family's address type (only the first address of an endpoint counts, as the API
 * allows). The target port of an endpoint is the slice's port of the same name and protocol (Kubernetes resolves a
 * named targetPort per pod when it writes the slices, so different backends may have different target ports); a
 * slice that lists ports but not this one has no endpoint for it. A slice without ports falls back to the service's
 * targetPort: a number as is, a name resolved on the endpoint's pod; when the pod has no such port, the endpoint
 * is skipped for that port with a warning naming service, port and pod. Conditions and the terminating fallback are
 * the builder's (KEP-1669). "Local" means the endpoint's {@code nodeName} (or its pod's) is this node.
 */
public final class ServiceCompiler
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final int maglevSize;
    private Inputs lastInputs;
    private CompiledServices lastCompiled;

    /**
     * A compiler that sizes each backend set's Maglev table for its backend count ({@link Maglev#sizeFor}: 1021
     * slots up to 10 backends, 2039 up to 20, ...).
     */
    public ServiceCompiler()
    {
        this.maglevSize = 0;
    }

    /**
     * @param maglevSize the Maglev table size for every backend set: a prime well above the largest backend count
     *                   (16381 for up to about 100 backends, 65537 for more).
     */
    public ServiceCompiler(final int maglevSize)
    {
        Maglev.validateSize(maglevSize);
        this.maglevSize = maglevSize;
    }

    /** What a compile reads from the state: when all of it is equal, so is the result. */
    private record Inputs(String nodeName, NodeInfo node, java.util.SortedMap<ObjectRef, ServiceInfo> services,
        java.util.SortedMap<ObjectRef, EndpointSliceInfo> slices,
        java.util.SortedMap<dev.sluice.control.model.PodRef, PodInfo> pods)
    {
        boolean sameAs(final Inputs other)
        {
            return nodeName.equals(other.nodeName) && node.equals(other.node) && same(services, other.services)
                && same(slices, other.slices) && same(pods, other.pods);
        }

        private static boolean same(final Map<?, ?> a, final Map<?, ?> b)
        {
            return a == b || a.equals(b);
        }
    }

    /**
     * @param state    the cluster state.
     * @param nodeName the node to compile for (its addresses carry the NodePorts; its endpoints are "local").
     * @return the compiled snapshot.
     * @throws IllegalArgumentException when the node is not in the state.
     */
    public CompiledServices compile(final ClusterState state, final String nodeName)
    {
        return compile(state, nodeName, null);
    }

    /**
     * Compiles reusing the Maglev tables of unchanged backend sets from the previous compile (the result is the
     * same as without it; Maglev population, about M ln M probes per set, dominates a full compile).
     *
     * @param state    the cluster state.
     * @param nodeName the node to compile for.
     * @param previous the previous compile for this node, or null.
     * @return the compiled snapshot.
     * @throws IllegalArgumentException when the node is not in the state.
     */
    public CompiledServices compile(final ClusterState state, final String nodeName, final CompiledServices previous)
    {
        final NodeInfo node = state.nodes().get(nodeName);
        if (node == null)
        {
            throw new IllegalArgumentException("node '" + nodeName + "' is not in the cluster state (nodes: " +
                state.nodes().keySet() + ")");
        }
        // The same services, slices, pods and node as the last compile (e.g. only a policy changed): the same
        // tables. The state's maps are shared between snapshots while a kind is unchanged, so this is usually
        // a few identity checks.
        final Inputs inputs = new Inputs(nodeName, node, state.services(), state.endpointSlices(), state.pods());
        if (lastInputs != null && lastInputs.sameAs(inputs))
        {
            return lastCompiled;
        }
        final ServiceTableBuilder builder = maglevSize == 0 ? ServiceTableBuilder.adaptive()
            : new ServiceTableBuilder(maglevSize);
        final Map<ObjectRef, List<EndpointSliceInfo>> slicesOfService = new HashMap<>();
        for (final EndpointSliceInfo slice : state.endpointSlices().values())
        {
            if (slice.serviceName() != null)
            {
                slicesOfService.computeIfAbsent(new ObjectRef(slice.ref().namespace(), slice.serviceName()),
                    k -> new ArrayList<>()).add(slice);
            }
        }
        final List<ObjectRef> services = new ArrayList<>();
        final List<CompiledServices.PortRef> frontends = new ArrayList<>();
        final List<CompiledServices.GroupRef> groups = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final Map<String, ObjectRef> claimed = new HashMap<>();

        for (final ServiceInfo service : state.services().values())
        {
            if ("ExternalName".equals(service.type()) || service.clusterIps().isEmpty())
            {
                continue;
            }
            services.add(service.ref());
            final int serviceId = services.size();
            int flags = 0;
            long timeoutNs = 0;
            if (service.clientIpAffinity())
            {
                flags |= ServiceTable.FLAG_AFFINITY;
                timeoutNs = service.affinityTimeoutSeconds() * NANOS_PER_SECOND;
            }
            if (service.internalTrafficLocal())
            {
                flags |= ServiceTable.FLAG_INTERNAL_LOCAL;
            }
            if (service.externalTrafficLocal())
            {
                flags |= ServiceTable.FLAG_EXTERNAL_LOCAL;
            }
            final List<EndpointSliceInfo> slices = slicesOfService.getOrDefault(service.ref(), List.of());
            final boolean nodePorts = "NodePort".equals(service.type()) || "LoadBalancer".equals(service.type());
            for (final ServiceInfo.Port port : service.ports())
            {
                final CompiledServices.PortRef portRef =
                    new CompiledServices.PortRef(service.ref(), port.name() == null ? "" : port.name());
                final int[] groupOfFamily = {-1, -1}; // [ipv4, ipv6], made on first use
                for (final InetAddress ip : service.clusterIps())
                {
                    addFrontend(builder, state, nodeName, slices, service, port, portRef, groupOfFamily, groups,
                        frontends, warnings, claimed, serviceId, ServiceTable.KIND_CLUSTER_IP, ip, port.port(), flags,
                        timeoutNs);
                }
                for (final InetAddress ip : service.externalIps())
                {
                    addFrontend(builder, state, nodeName, slices, service, port, portRef, groupOfFamily, groups,
                        frontends, warnings, claimed, serviceId, ServiceTable.KIND_EXTERNAL_IP, ip, port.port(),
                        flags, timeoutNs);
                }
                if ("LoadBalancer".equals(service.type()))
                {
                    for (final InetAddress ip : service.loadBalancerIps())
                    {
                        addFrontend(builder, state, nodeName, slices, service, port, portRef, groupOfFamily, groups,
                            frontends, warnings, claimed, serviceId, ServiceTable.KIND_LOAD_BALANCER, ip,
                            port.port(), flags, timeoutNs);
                    }
                }
                if (nodePorts && port.nodePort() > 0)
                {
                    for (final InetAddress ip : node.internalIps())
                    {
                        if (!hasFamily(service.clusterIps(), ip instanceof Inet4Address))
                        {
                            continue; // a single-stack service has NodePorts on that family's node addresses only
                        }
                        addFrontend(builder, state, nodeName, slices, service, port, portRef, groupOfFamily, groups,
                            frontends, warnings, claimed, serviceId, ServiceTable.KIND_NODE_PORT, ip,
                            port.nodePort(), flags, timeoutNs);
                    }
                }
            }
        }
        final CompiledServices compiled = new CompiledServices(nodeName,
            builder.build(previous == null ? null : previous.table()), services, frontends, groups, warnings);
        lastInputs = inputs;
        lastCompiled = compiled;
        return compiled;
    }

    private static void addFrontend(
        final ServiceTableBuilder builder,
        final ClusterState state,
        final String nodeName,
        final List<EndpointSliceInfo> slices,
        final ServiceInfo service,
        final ServiceInfo.Port port,
        final CompiledServices.PortRef portRef,
        final int[] groupOfFamily,
        final List<CompiledServices.GroupRef> groups,
        final List<CompiledServices.PortRef> frontends,
        final List<String> warnings,
        final Map<String, ObjectRef> claimed,
        final int serviceId,
        final int kind,
        final InetAddress ip,
        final int frontendPort,
        final int flags,
        final long timeoutNs)
    {
        final boolean ipv4 = ip instanceof Inet4Address;
        final long[] address = halves(ip);
        final String host = Addresses.format(address[0], address[1]);
        final String key = port.protocol() + " " + (ipv4 ? host : "[" + host + "]") + ":" + frontendPort;
        final ObjectRef owner = claimed.putIfAbsent(key, service.ref());
        if (owner != null)
        {
            warnings.add("service " + service.ref() + " port " + describe(port) + ": frontend " + key +
                " is already taken by service " + owner + "; skipped");
            return;
        }
        final int family = ipv4 ? 0 : 1;
        if (groupOfFamily[family] < 0)
        {
            groupOfFamily[family] = builder.addGroup();
            groups.add(new CompiledServices.GroupRef(portRef, ipv4));
            addEndpoints(builder, groupOfFamily[family], state, nodeName, slices, service, port, ipv4, warnings);
        }
        builder.addFrontend(serviceId, kind, port.protocol().ipProtocol(), address[0], address[1], frontendPort,
            flags, timeoutNs, groupOfFamily[family]);
        frontends.add(portRef);
    }

    private static void addEndpoints(
        final ServiceTableBuilder builder,
        final int group,
        final ClusterState state,
        final String nodeName,
        final List<EndpointSliceInfo> slices,
        final ServiceInfo service,
        final ServiceInfo.Port port,
        final boolean ipv4,
        final List<String> warnings)
    {
        for (final EndpointSliceInfo slice : slices)
        {
            if (slice.ipv4() != ipv4)
            {
                continue;
            }
            int slicePort = -1;
            for (final EndpointSliceInfo.Port p : slice.ports())
            {
                if (Objects.equals(nullToEmpty(p.name()), nullToEmpty(port.name())) && p.protocol() == port.protocol())
                {
                    slicePort = p.port();
                }
            }
            if (slicePort < 0 && !slice.ports().isEmpty())
            {
                continue; // the slice serves other ports of the service
            }
            for (final EndpointSliceInfo.Endpoint endpoint : slice.endpoints())
            {
                if (endpoint.addresses().isEmpty())
                {
                    continue;
                }
                final InetAddress address = endpoint.addresses().getFirst();
                final PodInfo pod = endpoint.pod() != null ? state.pod(endpoint.pod()) : state.podByIp(address);
                int target = slicePort;
                if (target < 0)
                {
                    if (port.targetPortName() != null)
                    {
                        target = pod == null ? -1 : pod.namedPort(port.targetPortName(), port.protocol());
                        if (target < 0)
                        {
                            warnings.add("service " + service.ref() + " port " + describe(port) + ": targetPort '" +
                                port.targetPortName() + "' names no " + port.protocol() + " port of pod " +
                                (pod != null ? pod.ref().toString() : endpoint.pod() != null ?
                                    endpoint.pod() + " (not in the state)" : "(none) at " +
                                    address.getHostAddress()) + "; endpoint " + address.getHostAddress() +
                                " skipped for this port (slice " + slice.ref() + ")");
                            continue;
                        }
                    }
                    else
                    {
                        target = port.targetPortNumber();
                    }
                }
                final String endpointNode = endpoint.nodeName() != null ? endpoint.nodeName() :
                    pod != null ? pod.nodeName() : null;
                final long[] halves = halves(address);
                builder.addEndpoint(group, halves[0], halves[1], target, endpoint.ready(), endpoint.serving(),
                    endpoint.terminating(), nodeName.equals(endpointNode));
            }
        }
    }

    private static boolean hasFamily(final List<InetAddress> ips, final boolean ipv4)
    {
        for (final InetAddress ip : ips)
        {
            if ((ip instanceof Inet4Address) == ipv4)
            {
                return true;
            }
        }
        return false;
    }

    private static String describe(final ServiceInfo.Port port)
    {
        return (port.name() == null || port.name().isEmpty() ? "" : port.name() + "/") + port.protocol() + "/" +
            port.port();
    }

    private static String nullToEmpty(final String s)
    {
        return s == null ? "" : s;
    }

    /** An address as the fast path's two halves (IPv4 mapped). */
    static long[] halves(final InetAddress ip)
    {
        return Addresses.parse(ip.getHostAddress());
    }
}
