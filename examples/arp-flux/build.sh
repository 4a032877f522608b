#!/usr/bin/env bash
# Rebuilds this example (needs root, iproute2, python3): a Kubernetes node with two NICs on one LAN and
# kube-proxy in IPVS mode, as network namespaces. eth0 and eth1 are veths into one bridge (the LAN);
# kube-ipvs0 is a port-less bridge, down and NOARP, standing in for kube-proxy's dummy device (this
# kernel has no dummy module); vethpod1 is an unnumbered veth to a pod namespace with a host route to the
# pod. snapshot.json has the kernel's ARP defaults; strict-arp.json the same node after strictARP
# (all.arp_ignore=1, all.arp_announce=2). Collected by hostnet; each namespace is recorded as the host's
# own (scope.netns null), as `hostnet collect` on the node would record it.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
hostnet() { node --import tsx "$ROOT/src/cli/main.ts" "$@"; }
NS=hn-arp-node
cleanup() { for n in "$NS" "$NS-lan" "$NS-pod"; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
for n in "$NS" "$NS-lan" "$NS-pod"; do ip netns add "$n"; done
nsx() { ip netns exec "$NS" "$@"; }

ip -n "$NS-lan" link add lan type bridge stp_state 0
ip -n "$NS-lan" link set lan up
i=0
for dev in eth0 eth1; do
  ip -n "$NS" link add "$dev" address "52:54:00:12:34:5$i" type veth peer name "port$i" netns "$NS-lan"
  ip -n "$NS-lan" link set "port$i" master lan up
  i=$((i + 1))
done
ip -n "$NS" link add vethpod1 address 0a:58:0a:f4:01:01 type veth peer name eth0 netns "$NS-pod"
ip -n "$NS" link add kube-ipvs0 type bridge
ip -n "$NS" link set kube-ipvs0 arp off
for dev in lo eth0 eth1 vethpod1; do ip -n "$NS" link set "$dev" up; done
ip -n "$NS-pod" link set eth0 up
ip -n "$NS" addr add 192.0.2.10/24 dev eth0
ip -n "$NS" addr add 192.0.2.11/24 dev eth1
ip -n "$NS" addr add 192.0.2.200/32 dev kube-ipvs0
ip -n "$NS" addr add 10.96.0.1/32 dev kube-ipvs0
ip -n "$NS" route add default via 192.0.2.1 dev eth0
ip -n "$NS" route add 10.244.1.5 dev vethpod1 src 192.0.2.10
nsx sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.all.rp_filter=0 \
  net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.forwarding=1
for dev in eth0 eth1 vethpod1 kube-ipvs0; do nsx sysctl -qw "net.ipv4.conf.$dev.rp_filter=0" "net.ipv6.conf.$dev.disable_ipv6=1"; done

record() {
  hostnet collect --netns "$NS" --redact \
    | python3 -c 'import json, sys; s = json.load(sys.stdin); s["scope"]["netns"] = None; s["host"]["hostname"] = "node1"; json.dump(s, sys.stdout, indent=1); print()' \
    > "$1"
  echo "wrote $1"
}
record snapshot.json
nsx sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
record strict-arp.json
