#!/usr/bin/env bash
# Rebuilds this example (needs root, iproute2, iptables, nftables, python3): a KVM host that also runs
# Docker, as a network namespace. Two VMs' NICs (veths named like libvirt's vnetN) on the lab bridge
# lab_br0, Docker's bridge docker0 and the FORWARD chains Docker writes (policy DROP, DOCKER-USER,
# the isolation chains), br_netfilter at its defaults. Collected by hostnet; the namespace is recorded
# as the host's own (scope.netns null), as `hostnet collect` on the hypervisor would record it.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
hostnet() { node --import tsx "$ROOT/src/cli/main.ts" "$@"; }
NS=hn-lab-docker
cleanup() { ip netns del "$NS" 2>/dev/null || true; ip netns del "$NS-vm" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add "$NS"
ip netns add "$NS-vm"
nsx() { ip netns exec "$NS" "$@"; }

ip -n "$NS" link add lab_br0 type bridge stp_state 0
ip -n "$NS" link add docker0 type bridge
for n in 3 7; do
  ip -n "$NS" link add "vnet$n" address "fe:54:00:00:00:0$n" type veth peer name "eth$n" netns "$NS-vm"
  ip -n "$NS" link set "vnet$n" master lab_br0 up
  ip -n "$NS-vm" link set "eth$n" up
done
ip -n "$NS" link set lab_br0 up
ip -n "$NS" link set docker0 up
ip -n "$NS" addr add 172.17.0.1/16 dev docker0

for t in iptables ip6tables; do
  nsx $t -P FORWARD DROP
  nsx $t -N DOCKER-USER
  nsx $t -N DOCKER-ISOLATION-STAGE-1
  nsx $t -N DOCKER-ISOLATION-STAGE-2
  nsx $t -N DOCKER
  nsx $t -A FORWARD -j DOCKER-USER
  nsx $t -A FORWARD -j DOCKER-ISOLATION-STAGE-1
  nsx $t -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  nsx $t -A FORWARD -o docker0 -j DOCKER
  nsx $t -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
  nsx $t -A FORWARD -i docker0 -o docker0 -j ACCEPT
  nsx $t -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
  nsx $t -A DOCKER-ISOLATION-STAGE-1 -j RETURN
  nsx $t -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
  nsx $t -A DOCKER-ISOLATION-STAGE-2 -j RETURN
  nsx $t -A DOCKER-USER -j RETURN
done

hostnet collect --netns "$NS" --redact \
  | python3 -c 'import json, sys; s = json.load(sys.stdin); s["scope"]["netns"] = None; s["host"]["hostname"] = "kvm1"; json.dump(s, sys.stdout, indent=1); print()' \
  > snapshot.json
echo "wrote snapshot.json"
