#!/bin/sh
# sluice-init: the DaemonSet's init container. Puts on the host (the same paths inside and outside, because the
# plugin's launcher names absolute paths and the runtime execs it on the host):
#   /opt/sluice/jdk                 the JDK the plugin runs on (the image's jlink'ed runtime)
#   /opt/cni/bin/sluice-cni{,.d}    the plugin: launcher, jars, AOT cache (made at image build, reused as is)
#   /opt/cni/bin/host-local         the IPAM plugin the conflist names, when the host has none
#   /etc/cni/net.d/10-sluice.conflist  deploy/cni/10-sluice.conflist with this Node's spec.podCIDR filled in
# Usage: sluice-init [all|plugin|conflist]. Paths and the API server can be overridden through the environment (tests).
set -eu

STAGE="${SLUICE_STAGE:-/usr/share/sluice/host}"
HOST_JDK="${SLUICE_HOST_JDK:-/opt/sluice/jdk}"
CNI_BIN_DIR="${CNI_BIN_DIR:-/opt/cni/bin}"
CNI_CONF_DIR="${CNI_CONF_DIR:-/etc/cni/net.d}"
CONFLIST_TEMPLATE="${SLUICE_CONFLIST_TEMPLATE:-/usr/share/sluice/cni/10-sluice.conflist}"
SA_DIR="${SLUICE_SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"
API_SERVER="${SLUICE_API_SERVER:-https://${KUBERNETES_SERVICE_HOST:-}:${KUBERNETES_SERVICE_PORT:-443}}"

say() { printf 'sluice-init: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Replace directory $2 by a copy of $1 (timestamps kept: the AOT cache checks them) unless they are equal.
sync_dir() {
  if diff -rq "$1" "$2" >/dev/null 2>&1; then
    say "$2 is up to date"
    return 0
  fi
  rm -rf "$2.new" "$2.old"
  cp -a "$1" "$2.new"
  if [ -e "$2" ]; then mv "$2" "$2.old"; fi
  mv "$2.new" "$2"
  rm -rf "$2.old"
  say "installed $2"
}

# The Node's first pod CIDR, read with the agent's own permission (list nodes, one name selected).
pod_cidr() {
  [ -n "${NODE_NAME:-}" ] || die "NODE_NAME is not set (the DaemonSet sets it from spec.nodeName)"
  set -- -fsS --max-time 20 "$API_SERVER/api/v1/nodes?fieldSelector=metadata.name%3D$NODE_NAME"
  if [ -f "$SA_DIR/token" ]; then
    set -- "$@" -H "Authorization: Bearer $(cat "$SA_DIR/token")"
  fi
  if [ -f "$SA_DIR/ca.crt" ]; then
    set -- "$@" --cacert "$SA_DIR/ca.crt"
  fi
  curl "$@" | jq -er '.items[0].spec.podCIDRs[0] // .items[0].spec.podCIDR // empty' \
    || die "node $NODE_NAME has no spec.podCIDR (the controller manager must allocate node CIDRs, --allocate-node-cidrs)"
}

conflist() {
  cidr="$(pod_cidr)"
  case "$cidr" in
    *.*.*.*/*) ;;
    *) die "pod CIDR $cidr of node $NODE_NAME is not IPv4 (the conflist template has one IPv4 range)" ;;
  esac
  base="${cidr%/*}"
  last="${base##*.}"
  gateway="${base%.*}.$((last + 1))"
  mkdir -p "$CNI_CONF_DIR"
  sed -e "s|@POD_CIDR@|$cidr|" -e "s|@POD_GATEWAY@|$gateway|" "$CONFLIST_TEMPLATE" > "$CNI_CONF_DIR/.10-sluice.conflist.new"
  jq -e . "$CNI_CONF_DIR/.10-sluice.conflist.new" >/dev/null || die "the conflist for $cidr is not JSON"
  mv "$CNI_CONF_DIR/.10-sluice.conflist.new" "$CNI_CONF_DIR/10-sluice.conflist"
  say "wrote $CNI_CONF_DIR/10-sluice.conflist (pod CIDR $cidr, gateway $gateway)"
}

plugin() {
  mkdir -p "$HOST_JDK" "$CNI_BIN_DIR"
  sync_dir "$STAGE/jdk" "$HOST_JDK"
  sync_dir "$STAGE/cni-bin/sluice-cni.d" "$CNI_BIN_DIR/sluice-cni.d"
  # rewrites the launcher; trains a new AOT cache only if the jars or the JDK differ from the image's
  "${SLUICE_CLI:-/usr/local/bin/sluice}" cni install --dir "$CNI_BIN_DIR" --java-home "$HOST_JDK"
  if [ ! -x "$CNI_BIN_DIR/host-local" ]; then
    cp -a "${SLUICE_HOST_LOCAL:-/usr/lib/cni/host-local}" "$CNI_BIN_DIR/host-local"
    say "installed $CNI_BIN_DIR/host-local"
  fi
}

case "${1:-all}" in
  all) plugin; conflist ;;
  plugin) plugin ;;
  conflist) conflist ;;
  *) die "usage: sluice-init [all|plugin|conflist]" ;;
esac
