/**
 * bridge/l2-control-blocked: a Linux bridge that stands for a point-to-point wire between two VM (or
 * namespace) ports does not let through a link-local protocol the ends need (LACP, LLDP, STP, ...).
 * The wires and protocols come from the lab intent (and from the 802.3ad bonds it declares); each
 * protocol is traced through the bridge model in both directions.
 */
import { buildLab, labWires, type Wire } from '../../model/bridge/lab.js';
import { bridgeView, checkMaskWrite, handleFrame, hex, type BridgeView } from '../../model/bridge/index.js';
import type { Host } from '../../model/host.js';
import { WIRE_PROTOCOLS, type WireProtocol } from '../../sources/lab-intent.js';
import type { Finding, Fix, InterfaceChange, Rule } from '../types.js';

/** One hook per bridge, so that the fixes for several bridges never write the same file. */
const hookPath = (bridge: string) => `/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask-${bridge}`;

interface Blocked {
  protocol: WireProtocol;
  from: string;
  to: string;
  why: string;
}

export const l2ControlBlocked: Rule = {
  meta: {
    id: 'bridge/l2-control-blocked',
    title: 'A bridge standing for a wire blocks a link-local protocol its ends need',
    severity: 'error',
    references: [
      'seeds/004 (LACP between vQFX leaves and a dual-homed server swallowed by Linux bridges)',
      'net/bridge/br_input.c br_handle_frame(); commit 5af48b59f35c (per-port group_fwd_mask, Linux 4.15)',
      'docs/labs.md',
    ],
  },
  check(host: Host): Finding[] {
    const lab = buildLab(host);
    const findings: Finding[] = [];
    const { wires, unplaced } = labWires(host, lab);
    // What the intent names but this host does not have: said once, so a typo is not silence.
    for (const u of unplaced) {
      findings.push({ ruleId: 'bridge/l2-control-blocked', severity: 'note', message: `lab intent not checked: ${u.message}`,
        evidence: [{ message: u.message, file: u.file, line: u.line }], fixes: [] });
    }
    for (const wire of wires) {
      const br = bridgeView(host, wire.bridge);
      if (!br) continue;
      const blocked = blockedOn(br, wire);
      if (blocked.length === 0) continue;
      const protocols = [...new Set(blocked.map((b) => b.protocol))];
      const lldpHint = protocols.includes('lldp') && (br.groupFwdMask & 0xff) !== 0 && !(br.groupFwdMask & 0x4000)
        ? ` (${br.name}'s mask ${hex(br.groupFwdMask)} covers 01:80:c2:00:00:00-07 only; LLDP is bit 14, 0x4000)` : '';
      findings.push({
        ruleId: 'bridge/l2-control-blocked',
        severity: 'error',
        interface: wire.bridge,
        message: `${wire.bridge} stands for a wire between ${wire.ports.join(' and ')} but does not forward ${protocols.join(', ')}${lldpHint}: ` +
          `the ends never hear each other's ${protocols.join('/')} frames`,
        evidence: [
          ...wire.because.map((b) => ({ message: b.message, file: b.file, line: b.line })),
          ...blocked.map((b) => ({ message: `${b.protocol} from ${b.from} to ${b.to}: ${b.why}`, interface: b.from, field: 'group_fwd_mask',
            value: hex(br.ports.find((p) => p.name === b.from)?.groupFwdMask ?? 0) })),
        ],
        fixes: fixes(host, br, wire, blocked),
      });
    }
    return findings;
  },
};

function blockedOn(br: BridgeView, wire: Wire): Blocked[] {
  const out: Blocked[] = [];
  for (const protocol of [...wire.protocols].sort()) {
    const dst = `01:80:c2:00:00:0${WIRE_PROTOCOLS[protocol].toString(16)}`;
    for (const from of wire.ports) {
      if (!br.ports.some((p) => p.name === from)) continue;
      const decision = handleFrame(br, from, { dst });
      for (const to of wire.ports) {
        if (to === from || decision.egress.includes(to)) continue;
        out.push({ protocol, from, to, why: decision.steps.at(-1)?.reason ?? decision.verdict });
      }
    }
  }
  return out;
}

function fixes(host: Host, br: BridgeView, wire: Wire, blocked: Blocked[]): Fix[] {
  const out: Fix[] = [];
  const bits = blocked.reduce((m, b) => m | (1 << WIRE_PROTOCOLS[b.protocol]), 0);
  const ingressPorts = [...new Set(blocked.map((b) => b.from))];
  if (br.kernel.portMask) {
    const changes: InterfaceChange[] = [];
    const commands: string[] = [];
    const masks = new Map<string, number>();
    for (const name of ingressPorts) {
      const port = br.ports.find((p) => p.name === name)!;
      const mask = (port.groupFwdMask ?? 0) | bits;
      masks.set(name, mask);
      changes.push({ interface: name, set: { bridgePort: { groupFwdMask: mask, state: port.state } } });
      commands.push(`ip link set dev ${name} type bridge_slave group_fwd_mask ${hex(mask)}`);
    }
    const taps = ingressPorts.every((p) => host.interface(p)?.kind === 'tun');
    out.push({
      title: `Let ${describe(bits)} through ${ingressPorts.join(' and ')} with a per-port group_fwd_mask (Linux >= 4.15, no kernel rebuild; the ingress port's mask decides)` +
        (taps ? `; the libvirt hook re-applies it whenever a VM starts` : ''),
      files: taps ? [{ path: hookPath(br.name), content: hookScript(br.name, bits) }] : [],
      changes,
      verifyBy: ['bridge-model'],
      ...(taps ? { testedBy: { detail: 'the hook script, run for real in a namespace with the bridge, sets these masks on every port when a VM has started', test: 'test/system/bridge-hook.test.ts' } } : {}),
      commands: [...commands, ...(taps ? [`chmod 755 ${hookPath(br.name)}   # libvirt >= 6.5 runs every script in qemu.d; restart libvirtd once so it sees it`] : [])],
    });
  }
  // LLDP, EAPOL and the other unrestricted addresses can also be opened for the whole bridge.
  const bridgeBits = bits & ~br.kernel.bridgeRefused;
  if (bridgeBits === bits) {
    const mask = br.groupFwdMask | bits;
    const write = checkMaskWrite('bridge', mask, br.kernel, br.kernel.bridgeMaskNetlink ? 'netlink' : 'sysfs');
    if (write.accepted !== false) {
      out.push({
        title: `Or open ${describe(bits)} on the whole bridge ${br.name} (every port forwards them)${write.accepted === 'uncertain' ? `; ${write.reason}` : ''}`,
        files: [],
        changes: [{ interface: br.name, set: { bridge: { groupFwdMask: mask, stpState: br.stpState, vlanFiltering: br.vlanFiltering } } }],
        verifyBy: ['bridge-model'],
        commands: [br.kernel.bridgeMaskNetlink
          ? `ip link set dev ${br.name} type bridge group_fwd_mask ${hex(mask)}`
          : `echo ${mask} > /sys/class/net/${br.name}/bridge/group_fwd_mask`],
      });
    }
  }
  if (wire.ports.length === 2) {
    const [a, b] = wire.ports;
    out.push({
      title: `Or do without the bridge: a wire needs none. Join the two ends directly (a veth pair between namespaces, or a libvirt UDP tunnel between the two VMs' NICs)`,
      files: [],
      commands: [
        `# libvirt: replace each end's <interface type='bridge'> with a UDP tunnel to the other (ports are examples)`,
        `#   end at ${a}: <interface type='udp'><source address='127.0.0.1' port='10001'><local address='127.0.0.1' port='10002'/></source>...</interface>`,
        `#   end at ${b}: <interface type='udp'><source address='127.0.0.1' port='10002'><local address='127.0.0.1' port='10001'/></source>...</interface>`,
        `# namespaces: ip link add ${a}-w type veth peer name ${b}-w, one end moved into each namespace`,
      ],
    });
  }
  return out;
}

function describe(bits: number): string {
  const names = Object.entries(WIRE_PROTOCOLS).filter(([, n]) => bits & (1 << n)).map(([name]) => name);
  return `${names.join(', ')} (${hex(bits)})`;
}

/** A libvirt qemu hook: on every VM start, set the mask on every port of the bridge. */
function hookScript(bridge: string, bits: number): string {
  return `#!/bin/sh
# Written by hostnet (bridge/l2-control-blocked). libvirt runs every script in /etc/libvirt/hooks/qemu.d/
# as: SCRIPT <domain> <operation> <sub-operation> ... Once a VM has started its taps are in their
# bridges, so this sets the per-port group_fwd_mask again on every port of ${bridge}: the taps are
# new devices on every start and would come back with mask 0.
case "$2" in
  started|reconnect) ;;
  *) exit 0 ;;
esac
for port in /sys/class/net/${bridge}/brif/*; do
  [ -e "$port" ] || continue
  mask=$(( $(cat "$port/group_fwd_mask") | ${hex(bits)} ))
  ip link set dev "\${port##*/}" type bridge_slave group_fwd_mask "$mask"
done
exit 0
`;
}
