#!/usr/bin/env bash
# Forwarder benchmark: gen -> DUT -> sink over veths in three namespaces, 64-byte UDP frames.
#   ./perf/bench/forwarder.sh [RUNS=3] [SECONDS=6]
# Environment: DUTS (default "java c testpmd xdp kernel"), RATES (Mpps offered in the sweep, default
# "0.5 1 1.5 2 3"), SWEEP_SECONDS (default 3), BATCH (DUT RX batch, default 64).
#
# Generator: BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES (XDP_TX on gen's veth g0, header rewritten on every frame),
# either unpaced (max throughput) or paced per frame by the XDP program (open-loop rate sweep).
# Sink: XDP program counting and dropping on the sink's veth s1.
# DUTs (forwarding a0 -> a1 in the DUT namespace, rewriting MACs):
#   java     dev.sluice.perf.xsk.XskForwarderBench (the real XskWorkerAgent), AF_XDP copy mode, shared UMEM
#   c        perf/bench/c/xsk_fwd.c, libxdp, same socket setup
#   testpmd  DPDK dpdk-testpmd with the af_xdp PMD, --forward-mode=mac
#   xdp      in-kernel XDP: MAC rewrite + bpf_redirect(a1) on a0 (the sink's XDP program is the peer's program)
#   kernel   ip_forward with routes and a static neighbour, no XDP in the DUT
# Placement (2 vCPUs): the DUT's forwarding work runs on CPU 1, the generator on CPU 0.
#   AF_XDP DUTs (java, c, testpmd): app pinned to CPU 1 (busy-spinning); a0's RX NAPI in softirq on CPU 0 (raised
#     by the generator's flush, run after each generator batch), so it interleaves with the generator instead of
#     being time-sliced against it; the sink's NAPI in softirq on CPU 1, raised by the DUT's own sendto.
#   xdp, kernel: a0's NAPI threaded and pinned to CPU 1 (that thread is the DUT); the sink's NAPI in softirq on
#     the CPU that transmits into it (CPU 1).
# Each round starts every DUT in turn (alternating DUTs, identical conditions), measures max throughput with the
# unpaced generator (sink pps over SECONDS-2 s after 1 s), then the sweep (loss = 1 - received/sent).
set -euo pipefail
RUNS=${1:-3}
SECONDS_PER_RUN=${2:-6}
DUTS=${DUTS:-java c testpmd xdp kernel}
RATES=${RATES:-0.5 1 1.5 2 3}
SWEEP_SECONDS=${SWEEP_SECONDS:-3}
BATCH=${BATCH:-64}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(mktemp -d /tmp/sluice-bench.XXXXXX)
NS="sluice-bench-$$"
DUT_PID=""
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

cleanup() {
  exec 8>&- 2>/dev/null || true
  if [ -n "$DUT_PID" ]; then kill -INT "$DUT_PID" 2>/dev/null || true; sleep 1; kill -KILL "$DUT_PID" 2>/dev/null || true; fi
  for n in gen dut sink; do ip netns del "$NS-$n" 2>/dev/null || true; done
  rm -rf "$BUILD"
}
trap cleanup EXIT

echo "== install (only what is missing)"
need=()
command -v clang >/dev/null || need+=(clang)
[ -e /usr/include/bpf/libbpf.h ] || need+=(libbpf-dev)
[ -e /usr/include/xdp/xsk.h ] || need+=(libxdp-dev)
command -v dpdk-testpmd >/dev/null || need+=(dpdk-dev)
ls /usr/lib/x86_64-linux-gnu/dpdk/pmds-*/librte_net_af_xdp.so* >/dev/null 2>&1 || need+=(librte-net-af-xdp23)
command -v ethtool >/dev/null || need+=(ethtool)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== build"
(cd "$ROOT" && mvn -B -q -o -pl perf -am package -DskipTests)
clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$ROOT/perf/bench/c/bench_xdp.bpf.c" -o "$BUILD/bench_xdp.bpf.o"
gcc -O2 -o "$BUILD/bench_tool" "$ROOT/perf/bench/c/bench_tool.c" -lbpf
gcc -O2 -o "$BUILD/xsk_fwd" "$ROOT/perf/bench/c/xsk_fwd.c" -lxdp -lbpf -lpthread
export BENCH_XDP_OBJ="$BUILD/bench_xdp.bpf.o"

echo "== topology"
for n in gen dut sink; do ip netns add "$NS-$n"; done
ip -n "$NS-dut" link add a0 type veth peer name g0 netns "$NS-gen"
ip -n "$NS-dut" link add a1 type veth peer name s1 netns "$NS-sink"
for d in a0 a1; do ip -n "$NS-dut" link set "$d" addrgenmode none; ip -n "$NS-dut" link set "$d" up; done
ip -n "$NS-gen" link set g0 addrgenmode none; ip -n "$NS-gen" link set g0 up
ip -n "$NS-sink" link set s1 addrgenmode none; ip -n "$NS-sink" link set s1 up
mac() { ip -n "$1" -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
A0=$(mac "$NS-dut" a0); A1=$(mac "$NS-dut" a1); S1=$(mac "$NS-sink" s1)
indut() { ip netns exec "$NS-dut" "$@"; }

# NAPI placement, after every XDP attach (veth has NAPI only while a program is attached or GRO is on)
napi_softirq() {
  indut sh -c 'for d in a0 a1; do [ -e /sys/class/net/$d/threaded ] && echo 0 > /sys/class/net/$d/threaded; done' 2>/dev/null || true
  ip netns exec "$NS-sink" sh -c 'echo 0 > /sys/class/net/s1/threaded' 2>/dev/null || true
}
napi_a0_on_cpu1() {
  napi_softirq
  indut sh -c 'echo 1 > /sys/class/net/a0/threaded'
  for pid in $(pgrep '^napi/a0-' || true); do taskset -pc 1 "$pid" >/dev/null; done
}

# DUT lifecycle: start_dut NAME (DUT's stdin is fd 8 of this shell: a line asks for a mark, EOF stops it)
start_dut() {
  local dut=$1
  DUT_LOG="$BUILD/$dut.$RANDOM.log"
  rm -f "$BUILD/dut.in"; mkfifo "$BUILD/dut.in"
  case $dut in
    java) ip netns exec "$NS-dut" taskset -c 1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
            --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$ROOT/perf/target/benchmarks.jar" \
            dev.sluice.perf.xsk.XskForwarderBench a0 a1 1 "$S1" "$A1" "$BATCH" < "$BUILD/dut.in" > "$DUT_LOG" 2>&1 & ;;
    c) ip netns exec "$NS-dut" taskset -c 1 "$BUILD/xsk_fwd" a0 a1 "$S1" "$A1" "$BATCH" < "$BUILD/dut.in" > "$DUT_LOG" 2>&1 & ;;
    testpmd) ip netns exec "$NS-dut" dpdk-testpmd --no-pci --no-huge -m 512 --vdev net_af_xdp0,iface=a0 --vdev net_af_xdp1,iface=a1 \
            -l 0,1 --main-lcore 0 --log-level=lib.eal:warning -- --forward-mode=mac --eth-peer=1,"$S1" --nb-cores=1 \
            --total-num-mbufs=16384 --burst="$BATCH" --stats-period 600 < "$BUILD/dut.in" > "$DUT_LOG" 2>&1 & ;;
    xdp) ip netns exec "$NS-dut" "$BUILD/bench_tool" fwd a0 a1 "$S1" "$A1" < "$BUILD/dut.in" > "$DUT_LOG" 2>&1 & ;;
    kernel) ip netns exec "$NS-dut" sh -c "sysctl -qw net.ipv4.ip_forward=1 && ip addr add 198.18.0.254/24 dev a0 &&
              ip addr add 198.18.1.254/24 dev a1 && ip neigh replace 198.18.1.2 lladdr $S1 dev a1 nud permanent &&
              ethtool -K a0 gro on >/dev/null && echo ready && exec cat >/dev/null" < "$BUILD/dut.in" > "$DUT_LOG" 2>&1 & ;;
  esac
  DUT_PID=$!
  exec 8> "$BUILD/dut.in"
  local t=0
  until grep -qE '^ready|packet forwarding' "$DUT_LOG" 2>/dev/null; do
    sleep 0.1; t=$((t+1))
    if [ $t -gt 300 ] || ! kill -0 "$DUT_PID" 2>/dev/null; then echo "DUT $dut did not start:"; cat "$DUT_LOG"; return 1; fi
  done
  case $dut in java|c|testpmd) napi_softirq ;; *) napi_a0_on_cpu1 ;; esac
}
stop_dut() {
  local dut=$1
  exec 8>&-
  [ "$dut" = testpmd ] && kill -INT "$DUT_PID" 2>/dev/null
  wait "$DUT_PID" || true
  DUT_PID=""
  if [ "$dut" = kernel ]; then
    indut sh -c 'ip addr flush dev a0; ip addr flush dev a1; ip neigh flush dev a1; ethtool -K a0 gro off >/dev/null; sysctl -qw net.ipv4.ip_forward=0'
  fi
}
mark() { echo mark >&8 2>/dev/null || true; }
# evidence around a measurement: per-CPU time split (/proc/stat), NET_RX softirqs per CPU, veth drop counters
snapshot() {
  { grep -E '^cpu[0-9]' /proc/stat; grep NET_RX /proc/softirqs
    for l in "gen g0" "dut a0" "dut a1" "sink s1"; do set -- $l
      ip -n "$NS-$1" -s -j link show "$2" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print("veth '"$2"'", s["rx"]["packets"], s["rx"]["dropped"], s["tx"]["packets"], s["tx"]["dropped"])'
    done; } > "$1"
}
evidence() {
  python3 - "$1" "$2" <<'EOF'
import sys
def parse(path):
    cpus, veth, netrx = {}, {}, []
    for line in open(path):
        f = line.split()
        if f[0].startswith('cpu'): cpus[f[0]] = [int(x) for x in f[1:9]]
        elif f[0] == 'NET_RX:': netrx = [int(x) for x in f[1:]]
        elif f[0] == 'veth': veth[f[1]] = [int(x) for x in f[2:]]
    return cpus, veth, netrx
(c0, v0, n0), (c1, v1, n1) = parse(sys.argv[1]), parse(sys.argv[2])
out = []
for cpu in sorted(c0):
    d = [b - a for a, b in zip(c0[cpu], c1[cpu])]; t = max(sum(d), 1)
    out.append('%s usr %d%% sys %d%% softirq %d%% idle %d%%' % (cpu, 100 * (d[0] + d[1]) / t, 100 * d[2] / t, 100 * d[6] / t, 100 * (d[3] + d[4]) / t))
out.append('NET_RX softirqs per CPU ' + '/'.join(str(b - a) for a, b in zip(n0, n1)))
out.append('veth drops rx/tx: ' + ' '.join('%s %d/%d' % (k, v1[k][1] - v0[k][1], v1[k][3] - v0[k][3]) for k in ('g0', 'a0', 'a1', 's1')))
print('   evidence: ' + '; '.join(out))
EOF
}
last_mark() { grep '^mark' "$DUT_LOG" | tail -1 || true; }

# one measurement: $1 = rate pps (0: unpaced), $2 = seconds; prints "received sent pps"
measure() {
  local rate=$1 secs=$2 sinklog="$BUILD/sink.$RANDOM.log" genlog="$BUILD/gen.$RANDOM.log"
  rm -f "$BUILD/sink.in"; mkfifo "$BUILD/sink.in"
  ip netns exec "$NS-sink" taskset -c 0 "$BUILD/bench_tool" sink s1 "$((secs > 3 ? secs - 2 : 1))" < "$BUILD/sink.in" > "$sinklog" 2>&1 &
  local sink=$!
  exec 7> "$BUILD/sink.in"
  until grep -q ready "$sinklog" 2>/dev/null; do sleep 0.05; done
  ip netns exec "$NS-gen" taskset -c 0 "$BUILD/bench_tool" gen g0 "$secs" "$A0" 02:00:00:00:00:01 "$rate" > "$genlog" 2>&1
  until grep -q pps "$sinklog"; do sleep 0.05; done
  sleep 0.3
  exec 7>&-
  wait "$sink"
  echo "$(awk '/^total/{print $2}' "$sinklog") $(awk '/^sent/{print $2, $7}' "$genlog") $(awk '/^pps/{print $2}' "$sinklog")"
}

RESULTS="$BUILD/results"
: > "$RESULTS"
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
echo "kernel $(uname -r), $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
  for dut in $DUTS; do
    if [ "$dut" = testpmd ] && ! command -v dpdk-testpmd >/dev/null; then
      echo "testpmd: dpdk-testpmd missing (Debian package dpdk-dev)"; continue
    fi
    if ! start_dut "$dut"; then stop_dut "$dut"; continue; fi
    [ "$dut" = java ] && measure 0 3 >/dev/null            # JIT warm-up
    mark; sleep 0.2; m0=$(last_mark); snapshot "$BUILD/snap0"
    read -r got sent offered pps <<< "$(measure 0 "$SECONDS_PER_RUN")"
    snapshot "$BUILD/snap1"; mark; sleep 0.2; m1=$(last_mark)
    echo "max $dut $pps" >> "$RESULTS"
    line=$(python3 -c "print('run $r $dut: max %.3f Mpps (generator offered %.2f Mpps, sink got %d of %d sent)' % ($pps / 1e6, $offered / 1e6, $got, $sent))")
    if [[ $m0 == *" tx="* && $m1 == *" tx="* ]]; then
      line+="; $(python3 - "$m0" "$m1" "$RESULTS" <<'EOF'
import sys
a = dict(kv.split('=') for kv in sys.argv[1].split()[1:]); b = dict(kv.split('=') for kv in sys.argv[2].split()[1:])
d = {k: int(b[k]) - int(a[k]) for k in a}
tx = max(d['tx'], 1); rx = max(d['rx'], 1)
out = 'DUT rx %d tx %d, tx-ring-full %d, a0 XSK rx_dropped %d rx_ring_full %d fill_empty %d, TX kicks/packet %.3f, packets/cycle %.3f' % (
    d['rx'], d['tx'], d['txfull'], d['a0_rx_dropped'], d['a0_rx_ring_full'], d['a0_fill_empty'], d['txkicks'] / tx, rx / max(d['cycles'], 1))
if 'alloc' in d:
    out += ', allocated %d B = %.4f B/packet' % (d['alloc'], d['alloc'] / tx)
    open(sys.argv[3], 'a').write('alloc %.4f\n' % (d['alloc'] / tx))
print(out)
EOF
)"
    fi
    echo "$line"
    evidence "$BUILD/snap0" "$BUILD/snap1"
    for rate in $RATES; do
      read -r got sent offered pps <<< "$(measure "$(python3 -c "print(int($rate * 1e6))")" "$SWEEP_SECONDS")"
      loss=$(python3 -c "print('%.5f' % (1 - $got / $sent))")
      echo "loss $dut $rate $loss $offered" >> "$RESULTS"
      python3 -c "print('run $r $dut: offered %.3f Mpps (target $rate): received %d of %d, loss %.3f%%' % ($offered / 1e6, $got, $sent, 100 * $loss))"
    done
    stop_dut "$dut"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== results (64-byte UDP, $RUNS runs; max throughput = sink rate over $((SECONDS_PER_RUN - 2)) s with the unpaced generator; sweep points of $SWEEP_SECONDS s)"
python3 - "$RESULTS" "$DUTS" "$RATES" <<'EOF'
import collections, statistics, sys
maxes, loss, offered, alloc = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(list), []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == 'max': maxes[f[1]].append(float(f[2]) / 1e6)
    elif f[0] == 'loss': loss[f[1], f[2]].append(float(f[3])); offered[f[1], f[2]].append(float(f[4]) / 1e6)
    elif f[0] == 'alloc': alloc.append(float(f[1]))
duts, rates = sys.argv[2].split(), sys.argv[3].split()
names = {'java': 'Java AF_XDP (XskWorkerAgent)', 'c': 'C AF_XDP (libxdp xsk_fwd)', 'testpmd': 'DPDK testpmd af_xdp',
         'xdp': 'in-kernel XDP redirect', 'kernel': 'kernel ip_forward'}
print('%-30s %6s %6s %6s  %-9s %s' % ('DUT', 'min', 'median', 'max', '<0.1%loss', 'loss at offered rate (median of runs; offered Mpps in brackets)'))
for d in duts:
    if d not in maxes:
        print('%-30s not run' % names[d]); continue
    v = sorted(maxes[d])
    ok = [r for r in rates if statistics.median(loss[d, r]) < 0.001]
    per = '  '.join('%s:%.2f%% [%.2f]' % (r, 100 * statistics.median(loss[d, r]), statistics.median(offered[d, r])) for r in rates)
    print('%-30s %6.3f %6.3f %6.3f  %-9s %s' % (names[d], v[0], statistics.median(v), v[-1], (ok[-1] + ' Mpps') if ok else 'none', per))
cs = [statistics.median(maxes[d]) for d in ('c', 'testpmd') if d in maxes]
if 'java' in maxes and cs:
    print('ratio Java / best C AF_XDP forwarder (medians of max throughput): %.2f' % (statistics.median(maxes['java']) / max(cs)))
if alloc:
    print('Java worker allocation after warm-up, per run: ' + ' '.join('%.4f' % a for a in alloc) + ' B/packet')
EOF
