/**
 * The node-local endpoint protocol between the CNI plugin ({@code sluice-cni}) and the agent: one request and one
 * reply, each a single line of JSON, over a Unix stream socket (default {@value
 * dev.sluice.control.endpoint.EndpointClient#DEFAULT_SOCKET}). The agent answers an {@code ADD} only once the pod's
 * veth is bound to the fast path and tables that know the pod are installed in every worker, so no packet of the
 * pod runs before its policy.
 *
 * <pre>
 *  request: {"version":1,"command":"ADD","containerId":"...","netns":"/var/run/netns/p1","ifName":"eth0",
 *            "hostInterface":"sl1a2b3c4d5e","podNamespace":"x","podName":"a","ips":["198.18.0.5"],
 *            "mac":"02:00:c6:12:00:05"}
 *  reply:   {"ok":true,"gatewayMac":"02:53:4c:00:00:01","mtu":1450,"generation":12}
 *           {"ok":false,"code":11,"error":"interface sl1a2b3c4d5e: no such device"}
 * </pre>
 */
package dev.sluice.control.endpoint;
