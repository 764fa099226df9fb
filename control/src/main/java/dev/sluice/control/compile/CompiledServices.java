package dev.sluice.control.compile;

import java.util.List;

import dev.sluice.control.model.ObjectRef;
import dev.sluice.fastpath.service.ServiceTable;

/**
 * The output of {@link ServiceCompiler}: the fast-path snapshot plus what the tables alone cannot say (which
 * Service and port each id stands for) and the warnings of the compile.
 *
 * @param nodeName  the node compiled for.
 * @param table     the snapshot for the fast path.
 * @param services  service refs by service id - 1.
 * @param frontends per frontend index: which service port it is.
 * @param groups    per backend group: which service port and family it is.
 * @param warnings  things left out, each naming the object (service, port, pod).
 */
public record CompiledServices(String nodeName, ServiceTable table, List<ObjectRef> services,
    List<PortRef> frontends, List<GroupRef> groups, List<String> warnings)
{
    /**
     * Copies the lists.
     */
    public CompiledServices
    {
        services = List.copyOf(services);
        frontends = List.copyOf(frontends);
        groups = List.copyOf(groups);
        warnings = List.copyOf(warnings);
    }

    /**
     * A service port.
     *
     * @param service  the service.
     * @param portName the port's name ("" when unnamed).
     */
    public record PortRef(ObjectRef service, String portName)
    {
    }

    /**
     * A backend group.
     *
     * @param port the service port.
     * @param ipv4 the address family.
     */
    public record GroupRef(PortRef port, boolean ipv4)
    {
    }
}
