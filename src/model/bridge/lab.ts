/**
 * A virtual lab on one hypervisor: the libvirt domains and their NICs, the lab intent, and which tap
 * and bridge each NIC ends in. Built from the host model's files (collected /etc and /run libvirt XML,
 * or files given with `--input libvirt-domain=FILE` and `--input lab-intent=FILE`).
 */
import { InputError } from '../../errors.js';
import type { Host } from '../host.js';
import type { FileRecord, Interface } from '../../snapshot/schema.js';
import { LIBVIRT_DIRS, LibvirtParseError, parseDomainXml, tapMacFor, type Domain, type DomainInterface } from '../../sources/libvirt.js';
import { IntentError, parseLabIntent, type IntentEnd, type LabIntent } from '../../sources/lab-intent.js';

export const LIBVIRT_ROLE = 'libvirt-domain';
export const INTENT_ROLE = 'lab-intent';

export interface LabNic {
  domain: Domain;
  nic: DomainInterface;
  /** The host side: the tap as the snapshot has it, when it can be found. */
  tap: Interface | undefined;
  /** The bridge the tap is a port of. */
  bridge: string | null;
}

export interface Lab {
  domains: Domain[];
  intent: LabIntent | null;
  nics: LabNic[];
  /** The NIC an intent end names. */
  findEnd(end: IntentEnd): LabNic | undefined;
  findNic(vm: string, mac: string): LabNic | undefined;
}

export function buildLab(host: Host): Lab {
  const byName = new Map<string, Domain>();
  const files = [...LIBVIRT_DIRS.flatMap((d) => host.filesUnder(d).filter((f) => f.path.endsWith('.xml') && !f.path.slice(d.length + 1).includes('/'))),
    ...host.snapshot.files.filter((f) => f.role === LIBVIRT_ROLE)];
  for (const f of files) {
    const domain = readDomain(f);
    if (!domain) continue;
    // A live status file knows the tap names: it wins over the definition of the same domain.
    const seen = byName.get(domain.name);
    if (!seen || (domain.live && !seen.live) || f.role === LIBVIRT_ROLE) byName.set(domain.name, domain);
  }
  const domains = [...byName.values()];
  const intentFile = host.snapshot.files.find((f) => f.role === INTENT_ROLE);
  const intent = intentFile ? readIntent(intentFile) : null;
  const nics = domains.flatMap((domain) => domain.interfaces.map((nic) => {
    const tap = (nic.targetDev ? host.interface(nic.targetDev) : undefined)
      ?? (nic.mac ? host.interfaces.find((i) => i.mac === tapMacFor(nic.mac!)) : undefined);
    return { domain, nic, tap, bridge: tap?.master ?? (nic.type === 'bridge' ? nic.sourceBridge : null) };
  }));
  const findNic = (vm: string, mac: string) => nics.find((n) => n.domain.name === vm && n.nic.mac === mac);
  return {
    domains,
    intent,
    nics,
    findNic,
    findEnd: (end) => nics.find((n) => n.domain.name === end.vm && ((end.mac !== undefined && n.nic.mac === end.mac) || (end.dev !== undefined && (n.nic.targetDev === end.dev || n.tap?.name === end.dev)))),
  };
}

function readDomain(f: FileRecord): Domain | null {
  if (f.content === null) return null;
  try {
    return parseDomainXml(f.content, f.path);
  } catch (err) {
    if (!(err instanceof LibvirtParseError)) throw err;
    // A file the user named must be right; a collected one that is not a domain is skipped.
    if (f.role === LIBVIRT_ROLE) throw new InputError(err.message, err.line ? `${f.path}:${err.line}` : f.path, 'give a libvirt domain XML (virsh dumpxml NAME)');
    return null;
  }
}

function readIntent(f: FileRecord): LabIntent {
  try {
    return parseLabIntent(f.content ?? '', f.path);
  } catch (err) {
    if (err instanceof IntentError) throw new InputError(err.message, err.line ? `${f.path}:${err.line}` : f.path, 'see docs/labs.md for the lab intent format');
    throw err;
  }
}
