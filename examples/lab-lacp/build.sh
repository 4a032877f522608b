#!/usr/bin/env bash
# Rebuilds this example from scratch (needs root, iproute2, python3): the seed's KVM hypervisor as a
# network namespace (one Linux bridge per virtual wire, one tap per VM NIC, each tap held open like a
# running QEMU holds it), collected by hostnet before and after the fixes hostnet proposes.
# Every file under output/ is what hostnet printed.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
hostnet() { node --import tsx "$ROOT/src/cli/main.ts" "$@"; }
NS=hn-lab-kvm
HOLDER=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
  rm -f /tmp/hn-lab-cmd.$$ /tmp/hn-lab-holder.$$
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$NS"
mkdir -p output

# One bridge per wire, STP off (as Wistar creates them); taps vnet0.. in VM start order.
taps=()
n=0
for vm in t5_vmx_edge t5_vqfx_spine1 t5_vqfx_spine2 t5_vqfx_leaf1 t5_vqfx_leaf2 t5_vqfx_leaf3 t5_server1 t5_server2; do
  while read -r mac br; do
    ip -n "$NS" link show "$br" >/dev/null 2>&1 || ip -n "$NS" link add "$br" type bridge stp_state 0
    ip -n "$NS" tuntap add dev "vnet$n" mode tap
    ip -n "$NS" link set "vnet$n" address "fe${mac:2}" master "$br" up
    ip -n "$NS" link set "$br" up
    taps+=("vnet$n")
    n=$((n + 1))
  done < <(python3 -c '
import re, sys
x = open(sys.argv[1]).read()
for m in re.finditer(r"<mac address=.([0-9a-f:]+).*?<source bridge=.([^\x27\"]+)", x, re.S): print(m.group(1), m.group(2))
' "libvirt/$vm.xml")
done

# Hold every tap open (what QEMU does for a running VM) so that the taps have carrier. The holder
# also plays the VMs: "send TAP DST ETHERTYPE" writes a frame into TAP as if its VM sent it, and
# reports on which taps the bridge delivered it (what the VMs on the other side would receive).
mkfifo /tmp/hn-lab-cmd.$$
ip netns exec "$NS" python3 -u -c '
import fcntl, os, select, struct, sys, time
fds = {}
for name in sys.argv[1:]:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0002 | 0x1000))  # TUNSETIFF, IFF_TAP | IFF_NO_PI
    fds[name] = fd
print("ready", flush=True)
def drain():
    got = []
    end = time.time() + 0.3
    while time.time() < end:
        r, _, _ = select.select(list(fds.values()), [], [], 0.05)
        for fd in r:
            try:
                while True:
                    frame = os.read(fd, 65536)
                    if b"HOSTNET" in frame: got.append([n for n, f in fds.items() if f == fd][0])
            except BlockingIOError:
                pass
    return got
for line in sys.stdin:
    cmd = line.split()
    if not cmd: continue
    if cmd[0] == "send":
        tap, dst, ethertype = cmd[1], cmd[2], int(cmd[3], 16)
        drain()
        frame = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex("525400aa0001") + struct.pack("!H", ethertype) + b"HOSTNET" + bytes(50)
        os.write(fds[tap], frame)
        got = sorted(set(drain()))
        where = ", ".join(got) if got else "no tap"
        print(f"kernel: frame to {dst} written into {tap}: delivered to {where}", flush=True)
' "${taps[@]}" < /tmp/hn-lab-cmd.$$ > /tmp/hn-lab-holder.$$ &
HOLDER=$!
exec 3> /tmp/hn-lab-cmd.$$
until grep -q ready /tmp/hn-lab-holder.$$ 2>/dev/null; do kill -0 "$HOLDER" || { echo "the tap holder failed" >&2; exit 1; }; sleep 0.1; done
kernel_send() { # TAP DST ETHERTYPE -> the holder's line
  local before; before=$(wc -l < /tmp/hn-lab-holder.$$)
  echo "send $1 $2 $3" >&3
  until [ "$(wc -l < /tmp/hn-lab-holder.$$)" -gt "$before" ]; do sleep 0.05; done
  tail -1 /tmp/hn-lab-holder.$$
}
# Wait until every port is forwarding (carrier reaches the bridge within a second).
until [ "$(ip -n "$NS" -d -j link show | python3 -c 'import json,sys; print(all(l["linkinfo"]["info_slave_data"]["state"]=="forwarding" for l in json.load(sys.stdin) if l.get("linkinfo",{}).get("info_slave_kind")=="bridge"))')" = True ]; do sleep 0.2; done

# The libvirt definitions go into the snapshot where a collection on the hypervisor finds them.
with_xml() { # snapshot.json server1.xml > out
  node -e '
const fs = require("fs");
const [snapPath, server1] = process.argv.slice(1);
const snap = JSON.parse(fs.readFileSync(snapPath, "utf8"));
for (const name of fs.readdirSync("libvirt").sort()) {
  const content = name === "t5_server1.xml" && server1 ? fs.readFileSync(server1, "utf8") : fs.readFileSync("libvirt/" + name, "utf8");
  snap.files.push({ path: "/etc/libvirt/qemu/" + name, content, mask: null, role: null });
}
process.stdout.write(JSON.stringify(snap, null, 1) + "\n");' "$@"
}

hostnet collect --netns "$NS" --redact -o /tmp/hn-lab-before.json
with_xml /tmp/hn-lab-before.json "" > kvm-host-before.json
hostnet trace frame --snapshot kvm-host-before.json --bridge t5_br9 --in vnet19 --proto lacp > output/trace-lacp-before.txt
kernel_send vnet19 01:80:c2:00:00:02 8809 > output/kernel-lacp-before.txt
kernel_send vnet12 01:80:c2:00:00:0e 88cc >> output/kernel-lacp-before.txt
hostnet trace frame --snapshot kvm-host-before.json --bridge t5_br9 --in vnet19 --proto lacp --format json > output/trace-lacp-before.json
hostnet check --snapshot kvm-host-before.json --input lab-intent=intent.yaml > output/check-kvm-before.txt || true
hostnet check --snapshot kvm-host-before.json --input lab-intent=intent.yaml --format json > /tmp/hn-lab-check.json || true

# The guest: an empty namespace stands for the VM; its bond status is the recorded text.
ip netns add hn-lab-guest
hostnet collect --netns hn-lab-guest --redact -o server1-guest.json
ip netns del hn-lab-guest
hostnet check --snapshot server1-guest.json --input proc-net-bonding=server1/before/bond0 > output/check-server1-before.txt || true
hostnet check --snapshot server1-guest.json --input proc-net-bonding=server1/no-partner/bond0 > output/check-server1-no-partner.txt || true
hostnet check --snapshot server1-guest.json --input proc-net-bonding=server1/after/bond0 > output/check-server1-after.txt || true

# Apply the fixes hostnet proposed: the per-port masks (run here) and the libvirt override (a file).
node -e '
const r = JSON.parse(require("fs").readFileSync("/tmp/hn-lab-check.json", "utf8"));
for (const f of r.findings) {
  if (f.ruleId === "bridge/l2-control-blocked") for (const c of f.fixes[0].commands) if (c.startsWith("ip link set")) console.log(c);
}' > output/applied-commands.txt
while read -r cmd; do
  # shellcheck disable=SC2086
  ip -n "$NS" ${cmd#ip }
done < output/applied-commands.txt
node -e '
const r = JSON.parse(require("fs").readFileSync("/tmp/hn-lab-check.json", "utf8"));
const f = r.findings.find((x) => x.ruleId === "libvirt/virtio-in-lacp-bond");
process.stdout.write(f.fixes[0].files[0].content);' > output/t5_server1.fixed.xml
node -e '
const r = JSON.parse(require("fs").readFileSync("/tmp/hn-lab-check.json", "utf8"));
const f = r.findings.find((x) => x.ruleId === "bridge/l2-control-blocked");
process.stdout.write(f.fixes[0].files[0].content);' > output/hostnet-group-fwd-mask.hook

hostnet collect --netns "$NS" --redact -o /tmp/hn-lab-after.json
with_xml /tmp/hn-lab-after.json output/t5_server1.fixed.xml > kvm-host-after.json
hostnet trace frame --snapshot kvm-host-after.json --bridge t5_br9 --in vnet19 --proto lacp > output/trace-lacp-after.txt
kernel_send vnet19 01:80:c2:00:00:02 8809 > output/kernel-lacp-after.txt
kernel_send vnet12 01:80:c2:00:00:0e 88cc >> output/kernel-lacp-after.txt
hostnet trace frame --snapshot kvm-host-after.json --bridge t5_br9 --in vnet12 --proto lacp lldp stp > output/trace-leaf1-after.txt
hostnet check --snapshot kvm-host-after.json --input lab-intent=intent.yaml > output/check-kvm-after.txt || true
rm -f /tmp/hn-lab-before.json /tmp/hn-lab-after.json /tmp/hn-lab-check.json
echo "done: $(ls output | wc -l) outputs"
