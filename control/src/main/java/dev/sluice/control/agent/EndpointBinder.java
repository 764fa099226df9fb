package dev.sluice.control.agent;

import java.net.InetAddress;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import dev.sluice.control.endpoint.EndpointHandler;
import dev.sluice.control.endpoint.EndpointReply;
import dev.sluice.control.endpoint.EndpointRequest;
import dev.sluice.control.model.PodRef;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.table.NodeTables;

/**
 * The agent's side of the CNI endpoint protocol ({@code dev.sluice.control.endpoint}):
 * <ul>
 *   <li><b>ADD</b>: checks the request (pod named, host veth present in this namespace, MAC and IPs well formed,
 *       the pod - when the agent knows it - scheduled on this node), binds the veth to the fast path
 *       ({@link NodeDataplane#bindPod}: XDP pod role, a socket on the worker's UMEM), registers port, MAC and IPs
 *       ({@link PodEndpoints}; the control loop gives a Pod of this node without {@code status.podIP} these IPs),
 *       asks for new tables and waits, bounded, until the worker runs a generation whose endpoint table has the pod
 *       on its port. It also turns TX checksum offload off on the pod's interface
 *       ({@code nsenter --net=NETNS ethtool -K IFNAME tx off}). Replies with the node's gateway MAC, the pod MTU
 *       and that generation.
 *       ADD again for the same container is idempotent; any failure undoes what was done (no half-bound port).</li>
 *   <li><b>DEL</b>: forgets the registration, asks for new tables, unbinds the port (detach, drain, close,
 *       reclaim). An unknown container is not an error.</li>
 *   <li><b>CHECK</b>: ok when the port is polled by the worker and the installed tables have the pod on it.</li>
 * </ul>
 * Requests are handled one at a time.
 * <p>
 * Bindings survive an agent restart: every successful ADD and DEL rewrites a small state file (one binding per line,
 * written to a temporary file and moved into place), and {@link #restore()} binds again, at start, every pod whose
 * host veth still exists (a kubelet does not repeat ADD for running pods). Port ids may differ after a restore.
 */
public final class EndpointBinder implements EndpointHandler
{
    private static final System.Logger LOG = System.getLogger("dev.sluice.control.agent");

    private final String nodeName;
    private final NodeDataplane dataplane;
    private final PodEndpoints endpoints;
    private final Supplier<ControlAgent> control;
    private final TablePublisher publisher;
    private final long installTimeoutNs;
    private java.nio.file.Path stateFile;

    /**
     * @param nodeName         this node.
     * @param dataplane        the node's dataplane.
     * @param endpoints        the registry the compiler reads.
     * @param control          the control loop (null until it exists: requests then get "try again").
     * @param publisher        the table publisher (generations, last compiled tables).
     * @param installTimeoutNs how long ADD waits for its tables.
     */
    public EndpointBinder(final String nodeName, final NodeDataplane dataplane, final PodEndpoints endpoints,
        final Supplier<ControlAgent> control, final TablePublisher publisher, final long installTimeoutNs)
    {
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.dataplane = Objects.requireNonNull(dataplane, "dataplane");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.control = Objects.requireNonNull(control, "control");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.installTimeoutNs = installTimeoutNs;
    }

    /**
     * @param file where bindings are kept across restarts (written after every ADD and DEL), or null for nowhere.
     * @return this binder.
     */
    public synchronized EndpointBinder stateFile(final java.nio.file.Path file)
    {
        this.stateFile = file;
        return this;
    }

    @Override
    public synchronized EndpointReply handle(final EndpointRequest request)
    {
        final EndpointReply reply = switch (request.command())
        {
            case ADD -> add(request);
            case DEL -> del(request);
            case CHECK -> check(request);
        };
        if (request.command() != dev.sluice.control.endpoint.EndpointCommand.CHECK)
        {
            save();
        }
        return reply;
    }

    /**
     * Binds again the pods of the state file whose host veth still exists (call once, at start, before the
     * endpoint server accepts requests). Does not wait for their tables.
     *
     * @return pods bound again.
     */
    public synchronized int restore()
    {
        final ControlAgent loop = control.get();
        if (stateFile == null || loop == null || !java.nio.file.Files.exists(stateFile))
        {
            return 0;
        }
        final java.util.List<String> lines;
        try
        {
            lines = java.nio.file.Files.readAllLines(stateFile);
        }
        catch (final java.io.IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + stateFile + ": " + ex.getMessage());
            return 0;
        }
        int restored = 0;
        for (final String line : lines)
        {
            final String[] f = line.split("\t", -1);
            if (f.length != 6)
            {
                continue;
            }
            try
            {
                Libc.ifNameToIndex(f[3]);
            }
            catch (final RuntimeException gone)
            {
                LOG.log(System.Logger.Level.INFO, "not restoring " + f[1] + "/" + f[2] + ": " + f[3] + " is gone");
                continue;
            }
            try
            {
                final int port = dataplane.bindPod(f[3]);
                final PodEndpoints.Binding binding = new PodEndpoints.Binding(f[0], new PodRef(f[1], f[2]), f[3],
                    port, Long.parseLong(f[4], 16), java.util.List.of(f[5].split(",")));
                endpoints.put(binding);
                loop.endpointChanged(binding.pod());
                restored++;
                LOG.log(System.Logger.Level.INFO, "restored " + binding.pod() + ": " + f[3] + " port " + port);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "not restoring " + f[1] + "/" + f[2] + ": " + ex.getMessage());
            }
        }
        save();
        return restored;
    }

    private void save()
    {
        if (stateFile == null)
        {
            return;
        }
        final StringBuilder text = new StringBuilder();
        for (final PodEndpoints.Binding b : endpoints.all())
        {
            text.append(b.containerId()).append('\t').append(b.pod().namespace()).append('\t')
                .append(b.pod().name()).append('\t').append(b.hostInterface()).append('\t')
                .append(Long.toHexString(b.mac())).append('\t').append(String.join(",", b.ips())).append('\n');
        }
        try
        {
            final java.nio.file.Path temporary = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            java.nio.file.Files.writeString(temporary, text);
            java.nio.file.Files.move(temporary, stateFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final java.io.IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot write " + stateFile + ": " + ex.getMessage());
        }
    }

    private EndpointReply add(final EndpointRequest request)
    {
        final ControlAgent loop = control.get();
        if (loop == null)
        {
            return EndpointReply.failure(EndpointReply.CODE_TRY_AGAIN, "agent on " + nodeName + " is starting");
        }
        if (request.podNamespace() == null || request.podName() == null)
        {
            return EndpointReply.failure(EndpointReply.CODE_INVALID, "container " + request.containerId()
                + ": K8S_POD_NAMESPACE and K8S_POD_NAME are required (CNI_ARGS)");
        }
        final PodRef pod = new PodRef(request.podNamespace(), request.podName());
        final PodEndpoints.Binding existing = endpoints.byContainer(request.containerId());
        if (existing != null)
        {
            if (existing.hostInterface().equals(request.hostInterface()) && existing.pod().equals(pod)
                && dataplane.isBound(existing.port()))
            {
                return awaitInstalled(existing);
            }
            unbind(existing, loop);
        }
        final String scheduledOn = loop.nodeOf(pod);
        if (scheduledOn != null && !scheduledOn.equals(nodeName))
        {
            return EndpointReply.failure(EndpointReply.CODE_INVALID, "pod " + pod + " is scheduled on node "
                + scheduledOn + ", not on " + nodeName);
        }
        final long mac;
        try
        {
            mac = NodeDataplane.parseMac(request.mac());
            for (final String ip : request.ips())
            {
                if (!ip.matches("[0-9a-fA-F:.]+"))
                {
                    throw new IllegalArgumentException("not an IP address: " + ip);
                }
                InetAddress.getByName(ip);
            }
            Libc.ifNameToIndex(request.hostInterface());
        }
        catch (final Exception ex)
        {
            return EndpointReply.failure(EndpointReply.CODE_INVALID, "container " + request.containerId() + " (pod "
                + pod + "): " + ex.getMessage());
        }
        final PodEndpoints.Binding other = endpoints.byPod(pod);
        if (other != null)
        {
            // the pod's sandbox was replaced: the old container's port goes
            unbind(other, loop);
        }
        int port = -1;
        PodEndpoints.Binding binding = null;
        try
        {
            port = dataplane.bindPod(request.hostInterface());
            finishChecksumsInPod(request);
            binding = new PodEndpoints.Binding(request.containerId(), pod, request.hostInterface(), port, mac,
                request.ips());
            endpoints.put(binding);
            loop.endpointChanged(pod);
            final EndpointReply reply = awaitInstalled(binding);
            if (!reply.ok())
            {
                undo(binding, port, loop);
            }
            else
            {
                LOG.log(System.Logger.Level.INFO, "ADD " + pod + " container " + request.containerId() + ": "
                    + request.hostInterface() + " port " + port + ", generation " + reply.generation());
            }
            return reply;
        }
        catch (final RuntimeException ex)
        {
            undo(binding, port, loop);
            return EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "binding " + request.hostInterface()
                + " of pod " + pod + ": " + ex.getMessage());
        }
    }

    /**
     * The AF_XDP path cannot finish a checksum the pod's kernel left to the NIC (CHECKSUM_PARTIAL is lost on the
     * way through XDP): the pod interface's TX checksum offload is turned off so that the pod's stack finishes
     * TCP/UDP checksums itself ({@code nsenter --net=NETNS ethtool -K IFNAME tx off}). Best effort: a failure is
     * logged (the pod then cannot send TCP/UDP through the fast path unless its CNI did this).
     */
    private static void finishChecksumsInPod(final EndpointRequest request)
    {
        if (request.netns() == null || request.netns().isBlank())
        {
            return;
        }
        final String ifName = request.ifName() == null || request.ifName().isBlank() ? "eth0" : request.ifName();
        final java.util.List<String> command = java.util.List.of("nsenter", "--net=" + request.netns(), "ethtool",
            "-K", ifName, "tx", "off");
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                LOG.log(System.Logger.Level.WARNING, String.join(" ", command) + " failed: " + output.strip());
            }
        }
        catch (final java.io.IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, String.join(" ", command) + " failed: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void undo(final PodEndpoints.Binding binding, final int port, final ControlAgent loop)
    {
        if (binding != null)
        {
            endpoints.remove(binding.containerId());
            loop.endpointChanged(binding.pod());
        }
        if (port >= 0)
        {
            try
            {
                dataplane.unbindPod(port);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "undoing port " + port + ": " + ex.getMessage());
            }
        }
    }

    private void unbind(final PodEndpoints.Binding binding, final ControlAgent loop)
    {
        endpoints.remove(binding.containerId());
        loop.endpointChanged(binding.pod());
        dataplane.unbindPod(binding.port());
    }

    private EndpointReply awaitInstalled(final PodEndpoints.Binding binding)
    {
        final long deadline = System.nanoTime() + installTimeoutNs;
        while (true)
        {
            final NodeTables compiled = publisher.lastCompiled();
            if (compiled != null && hasEndpoint(compiled, binding)
                && publisher.installedGeneration() >= compiled.generation())
            {
                return EndpointReply.success(NodeDataplane.macText(dataplane.gatewayMac()), dataplane.podMtu(),
                    compiled.generation());
            }
            if (System.nanoTime() - deadline > 0)
            {
                return EndpointReply.failure(EndpointReply.CODE_TRY_AGAIN, "pod " + binding.pod() + ": no tables "
                    + "with its endpoint on port " + binding.port() + " installed within "
                    + installTimeoutNs / 1_000_000 + " ms (installed generation " + publisher.installedGeneration() + "; is the Pod known to the "
                    + "agent, on node " + nodeName + "?)");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static boolean hasEndpoint(final NodeTables tables, final PodEndpoints.Binding binding)
    {
        final int endpoint = tables.endpoints().endpointOfPort(binding.port());
        return endpoint >= 0 && tables.policy().endpointName(endpoint).equals(binding.pod().toString())
            && tables.endpoints().mac(endpoint) == binding.mac();
    }

    private EndpointReply del(final EndpointRequest request)
    {
        final PodEndpoints.Binding binding = endpoints.byContainer(request.containerId());
        if (binding == null)
        {
            return EndpointReply.success(NodeDataplane.macText(dataplane.gatewayMac()), dataplane.podMtu(), 0);
        }
        final ControlAgent loop = control.get();
        endpoints.remove(binding.containerId());
        if (loop != null)
        {
            loop.endpointChanged(binding.pod());
        }
        try
        {
            dataplane.unbindPod(binding.port());
        }
        catch (final RuntimeException ex)
        {
            return EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "unbinding port " + binding.port() + " of pod "
                + binding.pod() + ": " + ex.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "DEL " + binding.pod() + " container " + request.containerId() + ": port "
            + binding.port() + " unbound");
        return EndpointReply.success(NodeDataplane.macText(dataplane.gatewayMac()), dataplane.podMtu(), 0);
    }

    private EndpointReply check(final EndpointRequest request)
    {
        final PodEndpoints.Binding binding = endpoints.byContainer(request.containerId());
        if (binding == null)
        {
            return EndpointReply.failure(EndpointReply.CODE_INVALID, "container " + request.containerId()
                + " is not bound on " + nodeName);
        }
        if (!dataplane.isBound(binding.port()))
        {
            return EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "pod " + binding.pod() + ": port "
                + binding.port() + " is not polled by the worker");
        }
        final NodeTables installed = dataplane.installedTables();
        if (installed == null || !hasEndpoint(installed, binding))
        {
            return EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "pod " + binding.pod() + ": the installed "
                + "tables do not have it on port " + binding.port());
        }
        return EndpointReply.success(NodeDataplane.macText(dataplane.gatewayMac()), dataplane.podMtu(),
            installed.generation());
    }
}
