/**
 * {@code sluice-cni}, the CNI plugin (spec 1.0.0: ADD, DEL, CHECK, VERSION) that connects a pod to the Sluice fast
 * path: IPAM delegated to a standard plugin, a veth pair made with rtnetlink (through {@code java.lang.foreign},
 * the pod's side configured over a netlink socket opened inside its namespace), and the pod registered with the
 * node's agent over the endpoint protocol ({@link dev.sluice.control.endpoint}).
 *
 * <p>{@link dev.sluice.control.cni.CniMain} is the executable's entry point, {@link dev.sluice.control.cni.CniInstall}
 * installs it with a start-up cache. A plugin is a fresh JVM per pod, so this package loads nothing it does not
 * need: no picocli, no Kubernetes model, one downcall handle.
 */
package dev.sluice.control.cni;
