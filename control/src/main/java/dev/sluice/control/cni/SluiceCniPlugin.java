package dev.sluice.control.cni;

import static dev.sluice.control.cni.RtnlDescriptor.NUD_PERMANENT;
import static dev.sluice.control.cni.RtnlDescriptor.RT_SCOPE_LINK;
import static dev.sluice.control.cni.RtnlDescriptor.RT_SCOPE_UNIVERSE;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.sluice.control.endpoint.EndpointClient;
import dev.sluice.control.endpoint.EndpointCommand;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointRequest;
import tools.jackson.databind.JsonNode;

/**
 * The {@code sluice-cni} commands. ADD: IPAM (delegated), a veth pair whose pod end is created inside the pod's
 * namespace as {@code CNI_IFNAME}, the address as a host prefix, {@code gw/32 scope link} and {@code default via
 * gw}, registration with the agent, then the agent's MTU and a permanent neighbour entry for the gateway's MAC;
 * anything failing after IPAM is undone (agent, veth, IPAM) before the error is reported. DEL: agent, veth, IPAM,
 * each tolerating what is already gone. CHECK: the pod interface, addresses, routes and gateway neighbour against
 * prevResult, the host veth, IPAM and the agent.
 */
public final class SluiceCniPlugin
{
    /** How long the agent may take to answer (ADD waits for tables installed in every worker). */
    public static final Duration AGENT_TIMEOUT = Duration.ofSeconds(30);
    /** Prefix of host-side veth names. */
    public static final String HOST_PREFIX = "sl";

    private final Map<String, String> processEnvironment;

    /**
     * @param processEnvironment the plugin's environment (handed on to the IPAM plugin).
     */
    public SluiceCniPlugin(final Map<String, String> processEnvironment)
    {
        this.processEnvironment = Map.copyOf(processEnvironment);
    }

    /**
     * The host-side veth of a container: {@code sl} and the first 10 hex digits of SHA-256 of the container id.
     *
     * @param containerId the CNI container id.
     * @return the 12-character interface name.
     */
    public static String hostInterfaceName(final String containerId)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                containerId.getBytes(StandardCharsets.UTF_8));
            return HOST_PREFIX + HexFormat.of().formatHex(digest, 0, 5);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 missing from this JDK", ex);
        }
    }

    /**
     * ADD.
     *
     * @param env  the parameters.
     * @param conf the configuration.
     * @return the result to print.
     * @throws CniException when the container could not be connected (nothing is left behind).
     */
    public CniResult add(final CniEnvironment env, final NetConf conf) throws CniException
    {
        if (conf.prevResult() != null)
        {
            throw new CniException(CniException.UNSUPPORTED_FIELD, "prevResult on ADD is not supported",
                "sluice-cni creates the pod interface and must be the first plugin of its chain");
        }
        final String host = hostInterfaceName(env.containerId());
        try (NetNamespace netns = openNetns(env.netns()))
        {
            final IpamDelegate ipam = IpamDelegate.find(conf.ipamType(), env.path(), processEnvironment, conf.raw());
            final CniResult allocated = ipamResult(ipam.run("ADD"));
            boolean vethCreated = false;
            boolean agentAdded = false;
            try
            {
                final List<CniResult.IpConfig> ips = new ArrayList<>();
                final Map<InetAddress, Boolean> gateways = new LinkedHashMap<>();
                for (final CniResult.IpConfig ip : allocated.ips())
                {
                    if (ip.gateway() == null)
                    {
                        throw new CniException(CniException.IPAM_FAILURE, "IPAM gave " + ip.address() +
                            " without a gateway", "set a gateway in the IPAM range");
                    }
                    ips.add(new CniResult.IpConfig(ip.address().host(), ip.gateway(), 1));
                    gateways.put(ip.gateway(), Boolean.TRUE);
                }
                if (ips.isEmpty())
                {
                    throw new CniException(CniException.IPAM_FAILURE, "IPAM allocated no address");
                }
                try (Rtnl hostNl = Rtnl.openCurrent(); Rtnl podNl = netns.openNetlink())
                {
                    hostNl.createVeth(host, env.ifName(), netns.fd());
                    vethCreated = true;
                    final Rtnl.Link hostLink = require(hostNl.link(host), host, "host namespace");
                    hostNl.setUp(hostLink.index(), 0, host);
                    final Rtnl.Link podLink = require(podNl.link(env.ifName()), env.ifName(), env.netns().toString());
                    podNl.setUp(podLink.index(), 0, env.ifName());
                    final List<CniResult.RouteEntry> routes = new ArrayList<>();
                    for (final CniResult.IpConfig ip : ips)
                    {
                        podNl.addAddress(podLink.index(), ip.address().address(), ip.address().prefixLen());
                    }
                    for (final InetAddress gateway : gateways.keySet())
                    {
                        final IpPrefix gw = new IpPrefix(gateway, gateway.getAddress().length * 8);
                        podNl.addRoute(gateway, gw.prefixLen(), null, podLink.index(), RT_SCOPE_LINK);
                        routes.add(new CniResult.RouteEntry(gw, null));
                        final InetAddress any = InetAddress.getByAddress(new byte[gateway.getAddress().length]);
                        podNl.addRoute(any, 0, gateway, podLink.index(), RT_SCOPE_UNIVERSE);
                        routes.add(new CniResult.RouteEntry(new IpPrefix(any, 0), gateway));
                    }
                    for (final CniResult.RouteEntry extra : allocated.routes())
                    {
                        if (extra.dst().prefixLen() == 0)
                        {
                            continue;
                        }
                        final InetAddress via = extra.gw() != null ? extra.gw() : familyGateway(gateways,
                            extra.dst());
                        if (via == null)
                        {
                            throw new CniException(CniException.IPAM_FAILURE, "IPAM route " + extra.dst() +
                                " has no gateway of its family");
                        }
                        podNl.addRoute(extra.dst().address(), extra.dst().prefixLen(), via, podLink.index(),
                            RT_SCOPE_UNIVERSE);
                        routes.add(new CniResult.RouteEntry(extra.dst(), via));
                    }

                    final EndpointReply reply = callAgent(conf, new EndpointRequest(EndpointRequest.VERSION,
                        EndpointCommand.ADD, env.containerId(), env.netns().toString(), env.ifName(), host,
                        env.podNamespace(), env.podName(),
                        ips.stream().map(ip -> IpPrefix.format(ip.address().address())).toList(),
                        podLink.macString()));
                    agentAdded = true;
                    failIfRefused(reply, "ADD");
                    final byte[] gatewayMac;
                    try
                    {
                        gatewayMac = Macs.parse(reply.gatewayMac());
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        throw new CniException(EndpointReply.CODE_DATAPLANE, "the agent's gateway MAC: " +
                            ex.getMessage());
                    }
                    final int mtu = effectiveMtu(conf.mtu(), reply.mtu());
                    if (mtu > 0)
                    {
                        podNl.setUp(podLink.index(), mtu, env.ifName());
                        hostNl.setUp(hostLink.index(), mtu, host);
                    }
                    for (final InetAddress gateway : gateways.keySet())
                    {
                        podNl.addPermanentNeighbour(podLink.index(), gateway, gatewayMac);
                    }
                    return new CniResult(conf.cniVersion(), List.of(
                        new CniResult.Interface(host, hostLink.macString(), null),
                        new CniResult.Interface(env.ifName(), podLink.macString(), env.netns().toString())),
                        ips, routes, allocated.dns());
                }
            }
            catch (final CniException | IOException | RuntimeException ex)
            {
                undoAdd(env, conf, ipam, host, vethCreated, agentAdded);
                if (ex instanceof CniException cni)
                {
                    throw cni;
                }
                throw new CniException(CniException.INTERFACE_FAILURE, "ADD " + env.containerId() + " failed: " +
                    ex.getMessage());
            }
        }
    }

    /**
     * DEL: tolerates a missing namespace, interface, lease or registration; an unreachable agent is logged, not an
     * error (a restarted agent forgets registrations whose interface is gone).
     *
     * @param env  the parameters.
     * @param conf the configuration.
     * @throws CniException the first failure of a step that could not complete (every step is still tried).
     */
    public void del(final CniEnvironment env, final NetConf conf) throws CniException
    {
        final String host = hostInterfaceName(env.containerId());
        CniException failure = null;
        try
        {
            final EndpointReply reply = new EndpointClient(conf.agentSocket(), AGENT_TIMEOUT).call(new EndpointRequest(
                EndpointRequest.VERSION, EndpointCommand.DEL, env.containerId(),
                env.netns() == null ? null : env.netns().toString(), env.ifName(), host, env.podNamespace(),
                env.podName(), List.of(), null));
            if (!reply.ok())
            {
                failure = new CniException(reply.code() == 0 ? EndpointReply.CODE_DATAPLANE : reply.code(),
                    "the sluice agent refused DEL: " + reply.error());
            }
        }
        catch (final IOException ex)
        {
            log("DEL " + env.containerId() + ": " + ex.getMessage() + " (continuing)");
        }
        try (Rtnl hostNl = Rtnl.openCurrent())
        {
            hostNl.deleteLink(host);
        }
        catch (final RtnlException ex)
        {
            failure = failure != null ? failure : new CniException(CniException.INTERFACE_FAILURE, ex.getMessage());
        }
        try
        {
            IpamDelegate.find(conf.ipamType(), env.path(), processEnvironment, conf.raw()).run("DEL");
        }
        catch (final CniException ex)
        {
            failure = failure != null ? failure : ex;
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /**
     * CHECK.
     *
     * @param env  the parameters.
     * @param conf the configuration (with prevResult).
     * @throws CniException {@link CniException#CHECK_FAILED} naming the first difference, or the IPAM plugin's or
     *                      the agent's error.
     */
    public void check(final CniEnvironment env, final NetConf conf) throws CniException
    {
        if (conf.prevResult() == null)
        {
            throw new CniException(CniException.INVALID_NETCONF, "CHECK needs prevResult");
        }
        final CniResult prev;
        try
        {
            prev = CniResult.fromJson(conf.prevResult());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CniException(CniException.INVALID_NETCONF, "prevResult: " + ex.getMessage());
        }
        final String host = hostInterfaceName(env.containerId());
        try (NetNamespace netns = openNetns(env.netns()))
        {
            IpamDelegate.find(conf.ipamType(), env.path(), processEnvironment, conf.raw()).run("CHECK");
            int podIndex = -1;
            for (int i = 0; i < prev.interfaces().size(); i++)
            {
                final CniResult.Interface candidate = prev.interfaces().get(i);
                if (candidate.name().equals(env.ifName()) && env.netns().toString().equals(candidate.sandbox()))
                {
                    podIndex = i;
                }
            }
            if (podIndex < 0)
            {
                throw failed("prevResult has no interface " + env.ifName() + " in sandbox " + env.netns());
            }
            final CniResult.Interface expected = prev.interfaces().get(podIndex);
            try (Rtnl hostNl = Rtnl.openCurrent(); Rtnl podNl = netns.openNetlink())
            {
                final Rtnl.Link pod = podNl.link(env.ifName());
                if (pod == null)
                {
                    throw failed("no interface " + env.ifName() + " in " + env.netns());
                }
                if (expected.mac() != null && !expected.mac().equalsIgnoreCase(pod.macString()))
                {
                    throw failed(env.ifName() + " has MAC " + pod.macString() + ", prevResult says " + expected.mac());
                }
                if (!pod.up())
                {
                    throw failed(env.ifName() + " in " + env.netns() + " is down");
                }
                final List<Rtnl.Address> addresses = podNl.addresses();
                for (final CniResult.IpConfig ip : prev.ips())
                {
                    if (ip.interfaceIndex() != null && ip.interfaceIndex() == podIndex &&
                        addresses.stream().noneMatch(a -> a.index() == pod.index() &&
                        a.address().equals(ip.address().address()) && a.prefixLen() == ip.address().prefixLen()))
                    {
                        throw failed("address " + ip.address() + " is not on " + env.ifName());
                    }
                }
                final List<Rtnl.Route> routes = podNl.routes();
                for (final CniResult.RouteEntry route : prev.routes())
                {
                    if (routes.stream().noneMatch(r -> r.oif() == pod.index() &&
                        r.prefixLen() == route.dst().prefixLen() && r.destination().equals(route.dst().address()) &&
                        Objects.equals(r.gateway(), route.gw())))
                    {
                        throw failed("route " + route.dst() + (route.gw() == null ? "" : " via " +
                            IpPrefix.format(route.gw())) + " dev " + env.ifName() + " is missing");
                    }
                }
                final List<Rtnl.Neighbour> neighbours = podNl.neighbours();
                for (final CniResult.IpConfig ip : prev.ips())
                {
                    if (ip.gateway() != null && neighbours.stream().noneMatch(n -> n.index() == pod.index() &&
                        n.address().equals(ip.gateway()) && (n.state() & NUD_PERMANENT) != 0 && n.mac().length == 6))
                    {
                        throw failed("no permanent neighbour entry for gateway " + IpPrefix.format(ip.gateway()) +
                            " on " + env.ifName());
                    }
                }
                final Rtnl.Link hostLink = hostNl.link(host);
                if (hostLink == null)
                {
                    throw failed("host interface " + host + " is missing");
                }
                for (final CniResult.Interface i : prev.interfaces())
                {
                    if (i.name().equals(host) && i.mac() != null && !i.mac().equalsIgnoreCase(hostLink.macString()))
                    {
                        throw failed(host + " has MAC " + hostLink.macString() + ", prevResult says " + i.mac());
                    }
                }
                if (!hostLink.up())
                {
                    throw failed("host interface " + host + " is down");
                }
            }
            catch (final RtnlException ex)
            {
                throw new CniException(CniException.INTERFACE_FAILURE, ex.getMessage());
            }
            final EndpointReply reply = callAgent(conf, new EndpointRequest(EndpointRequest.VERSION,
                EndpointCommand.CHECK, env.containerId(), env.netns().toString(), env.ifName(), host,
                env.podNamespace(), env.podName(), List.of(), null));
            failIfRefused(reply, "CHECK");
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.IO_FAILURE, "CHECK " + env.containerId() + ": " + ex.getMessage());
        }
    }

    /**
     * @param netconfMtu the configuration's bound (0: none).
     * @param agentMtu   the agent's value (0: none).
     * @return the MTU to set, 0 to leave the kernel's.
     */
    static int effectiveMtu(final int netconfMtu, final int agentMtu)
    {
        if (netconfMtu > 0 && agentMtu > 0)
        {
            return Math.min(netconfMtu, agentMtu);
        }
        return Math.max(netconfMtu, agentMtu);
    }

    private void undoAdd(final CniEnvironment env, final NetConf conf, final IpamDelegate ipam, final String host,
        final boolean vethCreated, final boolean agentAdded)
    {
        if (agentAdded)
        {
            try
            {
                new EndpointClient(conf.agentSocket(), AGENT_TIMEOUT).call(new EndpointRequest(EndpointRequest.VERSION,
                    EndpointCommand.DEL, env.containerId(), env.netns().toString(), env.ifName(), host,
                    env.podNamespace(), env.podName(), List.of(), null));
            }
            catch (final IOException | RuntimeException ex)
            {
                log("undo ADD " + env.containerId() + ": agent DEL: " + ex.getMessage());
            }
        }
        if (vethCreated)
        {
            try (Rtnl hostNl = Rtnl.openCurrent())
            {
                hostNl.deleteLink(host);
            }
            catch (final RtnlException | RuntimeException ex)
            {
                log("undo ADD " + env.containerId() + ": delete " + host + ": " + ex.getMessage());
            }
        }
        try
        {
            ipam.run("DEL");
        }
        catch (final CniException ex)
        {
            log("undo ADD " + env.containerId() + ": IPAM DEL: " + ex.getMessage());
        }
    }

    private static EndpointReply callAgent(final NetConf conf, final EndpointRequest request) throws CniException
    {
        try
        {
            return new EndpointClient(conf.agentSocket(), AGENT_TIMEOUT).call(request);
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.TRY_AGAIN_LATER, "the sluice agent is not reachable",
                ex.getMessage());
        }
    }

    private static void failIfRefused(final EndpointReply reply, final String command) throws CniException
    {
        if (!reply.ok())
        {
            throw new CniException(reply.code() == 0 ? EndpointReply.CODE_DATAPLANE : reply.code(),
                "the sluice agent refused " + command + ": " + reply.error());
        }
    }

    private static CniResult ipamResult(final JsonNode json) throws CniException
    {
        try
        {
            return CniResult.fromJson(json);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CniException(CniException.IPAM_FAILURE, "unusable IPAM result: " + ex.getMessage(),
                String.valueOf(json));
        }
    }

    private static InetAddress familyGateway(final Map<InetAddress, Boolean> gateways, final IpPrefix dst)
    {
        for (final InetAddress gateway : gateways.keySet())
        {
            if (gateway.getAddress().length == dst.address().getAddress().length)
            {
                return gateway;
            }
        }
        return null;
    }

    private static NetNamespace openNetns(final Path path) throws CniException
    {
        try
        {
            return NetNamespace.open(path);
        }
        catch (final NoSuchFileException ex)
        {
            throw new CniException(CniException.UNKNOWN_CONTAINER, "network namespace " + path + " does not exist");
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.IO_FAILURE, ex.getMessage());
        }
    }

    private static Rtnl.Link require(final Rtnl.Link link, final String name, final String where)
        throws CniException
    {
        if (link == null)
        {
            throw new CniException(CniException.INTERFACE_FAILURE, "interface " + name + " vanished from " + where);
        }
        return link;
    }

    private static CniException failed(final String message)
    {
        return new CniException(CniException.CHECK_FAILED, message);
    }

    static void log(final String message)
    {
        System.err.println("sluice-cni: " + message);
    }
}
