package dev.sluice.perf.bench;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Where the traffic of one benchmark topology goes: the generator's interface (in its network namespace) and the
 * frame it sends, and the sink's interface that receives what the device under test delivered.
 * <p>
 * The generator sends UDP from {@code sourceIp} (ports varied for new flows) to {@code destinationIp:destinationPort}
 * in Ethernet frames {@code sourceMac -> destinationMac} out of {@code generatorInterface}; the sink counts (and
 * timestamps) every frame arriving on {@code sinkInterface}, whatever addresses the device under test rewrote.
 *
 * @param generatorNetns     network namespace of the generator ("" = the root namespace)
 * @param generatorInterface interface the generator transmits on
 * @param sourceMac          Ethernet source of generated frames (the generator interface's MAC)
 * @param destinationMac     Ethernet destination of generated frames (the next hop: the DUT's MAC)
 * @param sourceIp           IPv4 source address of generated frames
 * @param destinationIp      IPv4 destination (a ClusterIP for service paths, the sink's address otherwise)
 * @param destinationPort    UDP destination port
 * @param sinkNetns          network namespace of the sink
 * @param sinkInterface      interface on which delivered frames arrive
 * @param dataplanePids      processes that are the device under test (their CPU time is the dataplane's); empty when
 *                           the device under test is the kernel itself (softirq time is counted instead)
 */
public record BenchPath(
    String generatorNetns,
    String generatorInterface,
    String sourceMac,
    String destinationMac,
    InetAddress sourceIp,
    InetAddress destinationIp,
    int destinationPort,
    String sinkNetns,
    String sinkInterface,
    List<Long> dataplanePids)
{
    /**
     * Checks the path is complete.
     */
    public BenchPath
    {
        Objects.requireNonNull(generatorNetns, "generatorNetns");
        Objects.requireNonNull(generatorInterface, "generatorInterface");
        Objects.requireNonNull(sourceMac, "sourceMac");
        Objects.requireNonNull(destinationMac, "destinationMac");
        Objects.requireNonNull(sourceIp, "sourceIp");
        Objects.requireNonNull(destinationIp, "destinationIp");
        Objects.requireNonNull(sinkNetns, "sinkNetns");
        Objects.requireNonNull(sinkInterface, "sinkInterface");
        dataplanePids = List.copyOf(dataplanePids);
        if (destinationPort < 1 || destinationPort > 65535)
        {
            throw new IllegalArgumentException("destinationPort out of range: " + destinationPort);
        }
    }
}
