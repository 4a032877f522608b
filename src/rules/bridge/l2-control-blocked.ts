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
import type { Finding, Fix, FixFile, InterfaceChange, Rule } from '../types.js';

/** One hook for the host, naming every blocked bridge: each finding's fix writes the same file. */
const HOOK_PATH = '/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask';

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
    const found = wires.flatMap((wire) => {
      const br = bridgeView(host, wire.bridge);
      const blocked = br ? blockedOn(br, wire) : [];
      return br && blocked.length > 0 ? [{ wire, br, blocked }] : [];
    });
    const hook = hookFile(host, found);
    for (const { wire, br, blocked } of found) {
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
        fixes: fixes(host, br, wire, blocked, hook),
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

const bitsOf = (blocked: Blocked[]) => blocked.reduce((m, b) => m | (1 << WIRE_PROTOCOLS[b.protocol]), 0);
const ingressOf = (blocked: Blocked[]) => [...new Set(blocked.map((b) => b.from))];
/** libvirt re-creates taps at every VM start; only for taps does the hook have work to do. */
const hooked = (host: Host, br: BridgeView, blocked: Blocked[]) =>
  br.kernel.portMask && ingressOf(blocked).every((p) => host.interface(p)?.kind === 'tun');

/** The host's one hook: every bridge whose per-port fix needs it, with the bits it needs. */
function hookFile(host: Host, found: { br: BridgeView; blocked: Blocked[] }[]): FixFile | null {
  const bits = new Map<string, number>();
  for (const { br, blocked } of found) {
    if (hooked(host, br, blocked)) bits.set(br.name, (bits.get(br.name) ?? 0) | bitsOf(blocked));
  }
  return bits.size > 0 ? { path: HOOK_PATH, content: hookScript(bits) } : null;
}

/**
 * Titles name no bridge or port (the message and the commands do): the findings of a lab share them,
 * and the text output prints a shared fix once with each finding's own commands.
 */
function fixes(host: Host, br: BridgeView, wire: Wire, blocked: Blocked[], hook: FixFile | null): Fix[] {
  const out: Fix[] = [];
  const bits = bitsOf(blocked);
  const ingressPorts = ingressOf(blocked);
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
    const withHook = hooked(host, br, blocked) && hook !== null;
    out.push({
      title: `Let the blocked protocols through the ports they enter by, with a per-port group_fwd_mask (Linux >= 4.15, no kernel rebuild; the ingress port's mask decides)` +
        (withHook ? `; one libvirt hook re-applies the masks of every such bridge whenever a VM starts` : ''),
      files: withHook ? [hook] : [],
      changes,
      verifyBy: ['bridge-model'],
      ...(withHook ? { testedBy: { detail: 'the hook script, run for real in a namespace with two bridges (and one absent), sets each bridge\'s masks on its ports when a VM has started', test: 'test/system/bridge-hook.test.ts' } } : {}),
      commands: [...commands, ...(withHook ? [`chmod 755 ${HOOK_PATH}   # libvirt >= 6.5 runs every script in qemu.d; restart libvirtd once so it sees it`] : [])],
    });
  }
  // LLDP, EAPOL and the other unrestricted addresses can also be opened for the whole bridge.
  const bridgeBits = bits & ~br.kernel.bridgeRefused;
  if (bridgeBits === bits) {
    const mask = br.groupFwdMask | bits;
    const write = checkMaskWrite('bridge', mask, br.kernel, br.kernel.bridgeMaskNetlink ? 'netlink' : 'sysfs');
    if (write.accepted !== false) {
      out.push({
        title: `Or open the blocked protocols on the whole bridge (every port forwards them)${write.accepted === 'uncertain' ? `; ${write.reason}` : ''}`,
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
    out.push({
      title: `Or do without the bridge: a wire needs none. Join the two ends directly (a veth pair between namespaces, or a libvirt UDP tunnel between the two VMs' NICs)`,
      files: [],
      commands: [
        `# libvirt: replace each end's <interface type='bridge'> with a UDP tunnel to the other (ports are examples):`,
        `#   one end: <interface type='udp'><source address='127.0.0.1' port='10001'><local address='127.0.0.1' port='10002'/></source>...</interface>, the other the ports swapped`,
        `# namespaces: a veth pair (ip link add END1 type veth peer name END2), one end moved into each namespace`,
      ],
    });
  }
  return out;
}

/** A shell word: interface names may hold any byte but '/', ':' and whitespace, so they are quoted. */
function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A libvirt qemu hook: on every VM start, set each bridge's bits on every port it has. */
export function hookScript(bits: Map<string, number>): string {
  return `#!/bin/sh
# Written by hostnet (bridge/l2-control-blocked). libvirt runs every script in /etc/libvirt/hooks/qemu.d/
# as: SCRIPT <domain> <operation> <sub-operation> ... Once a VM has started its taps are in their
# bridges, so this sets the per-port group_fwd_mask again on every port of each bridge below: the taps
# are new devices on every start and would come back with mask 0. A bridge that does not exist is skipped.
case "$2" in
  started|reconnect) ;;
  *) exit 0 ;;
esac
# open_ports BRIDGE BITS: add BITS to the mask of every port of BRIDGE, keeping the bits a port has.
open_ports() {
  for port in "/sys/class/net/$1/brif/"*; do
    [ -e "$port/group_fwd_mask" ] || continue
    mask=$(( $(cat "$port/group_fwd_mask") | $2 ))
    ip link set dev "\${port##*/}" type bridge_slave group_fwd_mask "$mask"
  done
}
${[...bits].map(([bridge, b]) => `open_ports ${shellWord(bridge)} ${hex(b)}`).join('\n')}
exit 0
`;
}
