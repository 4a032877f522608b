/**
 * libvirt/virtio-in-lacp-bond: the lab intent says a VM bonds some NICs with 802.3ad, and libvirt gives
 * those NICs the virtio model without a speed and duplex. The guest then sees "Speed: Unknown" and the
 * bond turns LACP off on them (see bond/speed-duplex-unknown, which the guest's own check reports).
 */
import { buildLab, type LabNic } from '../../model/bridge/lab.js';
import type { Host } from '../../model/host.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
const SPEED = 10000;

export const virtioInLacpBond: Rule = {
  meta: {
    id: 'libvirt/virtio-in-lacp-bond',
    title: 'A VM bonds virtio NICs with 802.3ad but libvirt gives them no speed or duplex',
    severity: 'error',
    references: [
      'seeds/004 (virtio NICs: "Speed: Unknown!", the 802.3ad bond never formed; e1000 worked)',
      'QEMU commit 9473939ed7ad (virtio-net-pci speed=, duplex=; QEMU 2.12); libvirt >= 8.2 <qemu:override>',
      'docs/labs.md',
    ],
  },
  check(host: Host): Finding[] {
    const lab = buildLab(host);
    if (!lab.intent) return [];
    const findings: Finding[] = [];
    lab.intent.bonds.forEach((bond, n) => {
      const members = bond.members.map((mac) => lab.findNic(bond.vm, mac)).filter((m): m is LabNic => m !== undefined);
      const bad = members.filter((m) => m.nic.model === 'virtio' && (m.nic.speed === null || m.nic.duplex !== 'full'));
      if (bad.length === 0) return;
      const domain = bad[0]!.domain;
      const evidence: Evidence[] = [
        { message: `the lab intent puts ${bond.members.join(', ')} of ${bond.vm} in ${bond.name} (${bond.mode})`, file: lab.intent!.path, line: lab.intent!.lines.bonds[n] },
        ...bad.map((m) => ({
          message: `${m.nic.mac} (${m.tap?.name ?? m.nic.targetDev ?? 'no tap'}${m.bridge ? ` on ${m.bridge}` : ''}): model virtio, ${m.nic.speed === null ? 'no speed' : `speed ${m.nic.speed}`}, ${m.nic.duplex === null ? 'no duplex' : `duplex ${m.nic.duplex}`}`,
          file: m.domain.path, line: m.nic.line, interface: m.tap?.name, field: 'model', value: 'virtio',
        })),
      ];
      findings.push({
        ruleId: 'libvirt/virtio-in-lacp-bond',
        severity: 'error',
        interface: bad[0]!.tap?.name ?? `${bond.vm}:${bond.name}`,
        message: `${bond.vm} bonds ${bad.length} virtio NIC(s) with 802.3ad but libvirt gives them no speed or duplex: ` +
          `the guest reports "Speed: Unknown", and its bond disables LACP on them`,
        evidence,
        fixes: fixes(host, domain.path, domain.name, bad),
      });
    });
    return findings;
  },
};

const SCHEMA_TEST = { detail: "the rewritten domain XML of the example lab is valid against libvirt's domain schema (virt-xml-validate)", test: 'test/system/bridge-libvirt-schema.test.ts' };

function fixes(host: Host, path: string, vm: string, bad: LabNic[]): Fix[] {
  const definition = host.file(path)?.content ?? null;
  const restart = [`virsh define ${path}`, `virsh shutdown ${vm} && virsh start ${vm}   # QEMU reads the device properties at start`];
  if (definition === null || /<domstatus[\s>]/.test(definition)) {
    return [{
      title: `Give the NICs a speed and duplex with <qemu:override> in ${vm}'s definition (libvirt >= 8.2, QEMU >= 2.12, guest Linux >= 4.16)`,
      files: [],
      commands: [`virsh edit ${vm}   # add the override shown in docs/labs.md for ${bad.map((m) => m.nic.mac).join(', ')}`, ...restart.slice(1)],
    }];
  }
  const indexes = bad.map((m) => m.nic.line);
  return [
    {
      title: `Tell QEMU a speed and duplex for the bond's virtio NICs with <qemu:override> (libvirt >= 8.2, QEMU >= 2.12, guest Linux >= 4.16)`,
      files: [{ path, content: withSpeedOverride(definition, indexes, SPEED) }],
      commands: restart,
      testedBy: SCHEMA_TEST,
    },
    {
      title: 'Or give those NICs a model that reports a speed (e1000), as the seed did',
      files: [{ path, content: withModel(definition, indexes, 'e1000') }],
      commands: restart,
      testedBy: SCHEMA_TEST,
    },
  ];
}

/** The opening `<interface` tags at the given lines, as [start, end of opening tag] offsets. */
function interfaceTags(xml: string, lines: number[]): { open: number; close: number; blockEnd: number }[] {
  const out: { open: number; close: number; blockEnd: number }[] = [];
  const re = /<interface[\s>]/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const line = xml.slice(0, m.index).split('\n').length;
    if (!lines.includes(line)) continue;
    const close = xml.indexOf('>', m.index);
    const blockEnd = xml.indexOf('</interface>', close);
    out.push({ open: m.index, close, blockEnd: blockEnd < 0 ? close : blockEnd });
  }
  return out;
}

/** Adds user aliases to the NICs (where they have none) and a <qemu:override> giving them speed and duplex. */
export function withSpeedOverride(xml: string, lines: number[], speed: number): string {
  let out = xml;
  const aliases: string[] = [];
  // From the last NIC to the first, so earlier offsets stay valid.
  const tags = interfaceTags(out, lines).reverse();
  tags.forEach((tag, n) => {
    const block = out.slice(tag.open, tag.blockEnd);
    const existing = /<alias\s+name=['"]([^'"]+)['"]/.exec(block)?.[1];
    if (existing) {
      aliases.unshift(existing);
      return;
    }
    const alias = `ua-hostnet-net${tags.length - 1 - n}`;
    aliases.unshift(alias);
    out = `${out.slice(0, tag.close + 1)}\n      <alias name='${alias}'/>${out.slice(tag.close + 1)}`;
  });
  const devices = aliases.map((a) => `    <qemu:device alias='${a}'>
      <qemu:frontend>
        <qemu:property name='speed' type='unsigned' value='${speed}'/>
        <qemu:property name='duplex' type='string' value='full'/>
      </qemu:frontend>
    </qemu:device>
`).join('');
  if (out.includes('</qemu:override>')) out = out.replace('</qemu:override>', `${devices}  </qemu:override>`);
  else out = out.replace(/<\/domain>\s*$/, `  <qemu:override>\n${devices}  </qemu:override>\n</domain>\n`);
  if (!/<domain[^>]*xmlns:qemu=/.test(out)) out = out.replace(/<domain(\s|>)/, `<domain xmlns:qemu='${QEMU_NS}'$1`);
  return out;
}

export function withModel(xml: string, lines: number[], model: string): string {
  let out = xml;
  for (const tag of interfaceTags(out, lines).reverse()) {
    const block = out.slice(tag.open, tag.blockEnd);
    const changed = block.replace(/<model\s+type=(['"])virtio\1/, `<model type='${model}'`);
    out = out.slice(0, tag.open) + changed + out.slice(tag.blockEnd);
  }
  return out;
}
