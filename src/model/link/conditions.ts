/**
 * The condition keys of [Match] (Host=, Virtualization=, KernelCommandLine=, KernelVersion=,
 * Architecture=, Firmware=, Credential=). udevd tests them once, when it loads the file, against the
 * machine it runs on; a file whose conditions fail is skipped. Some cannot be decided from a
 * snapshot (Firmware=, Credential=): they are "unknown" and the caller says so.
 */
import type { HostFacts } from '../../snapshot/schema.js';
import { splitWords } from '../../sources/unitfile.js';
import { fnmatch } from './fnmatch.js';

export type ConditionKey = 'Host' | 'Virtualization' | 'KernelCommandLine' | 'KernelVersion' | 'Architecture' | 'Firmware' | 'Credential';

export interface LinkCondition {
  key: ConditionKey;
  value: string;
  negate: boolean;
  file: string;
  line: number;
}

export type Tristate = true | false | 'unknown';

const VMS = new Set(['qemu', 'kvm', 'amazon', 'zvm', 'vmware', 'microsoft', 'oracle', 'powervm', 'xen', 'bochs', 'uml',
  'parallels', 'bhyve', 'qnx', 'acrn', 'apple', 'sre', 'google', 'vm-other']);
const CONTAINERS = new Set(['openvz', 'lxc', 'lxc-libvirt', 'systemd-nspawn', 'docker', 'podman', 'rkt', 'wsl', 'proot',
  'pouch', 'container-other']);

/** uname -m → systemd's architecture names. */
const ARCHITECTURES: [RegExp, string][] = [
  [/^x86_64$/, 'x86-64'], [/^i[3-6]86$/, 'x86'], [/^aarch64$/, 'arm64'], [/^aarch64_be$/, 'arm64-be'],
  [/^armv?[0-9].*b$/, 'arm-be'], [/^arm/, 'arm'], [/^ppc64le$/, 'ppc64-le'], [/^ppc64$/, 'ppc64'], [/^ppcle$/, 'ppc-le'],
  [/^ppc$/, 'ppc'], [/^s390x$/, 's390x'], [/^s390$/, 's390'], [/^riscv64$/, 'riscv64'], [/^riscv32$/, 'riscv32'],
  [/^mips64el$/, 'mips64-le'], [/^mips64$/, 'mips64'], [/^mipsel$/, 'mips-le'], [/^mips$/, 'mips'],
  [/^loongarch64$/, 'loongarch64'], [/^alpha$/, 'alpha'], [/^sparc64$/, 'sparc64'], [/^ia64$/, 'ia64'],
];
const KNOWN_ARCHITECTURES = new Set(ARCHITECTURES.map(([, a]) => a));

function parseBoolean(s: string): boolean | null {
  if (/^(1|yes|y|true|t|on)$/i.test(s)) return true;
  if (/^(0|no|n|false|f|off)$/i.test(s)) return false;
  return null;
}

/** strverscmp_improved() in short: digit runs compare as numbers, other runs as strings. */
export function compareVersions(a: string, b: string): number {
  const split = (s: string): string[] => s.match(/[0-9]+|[A-Za-z]+|[^0-9A-Za-z]+/g) ?? [];
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return q !== undefined && /^[~]/.test(q) ? 1 : -1;
    if (q === undefined) return /^[~]/.test(p) ? -1 : 1;
    if (/^[0-9]/.test(p) && /^[0-9]/.test(q)) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

function testOne(c: LinkCondition, facts: HostFacts): Tristate | 'error' {
  const p = c.value;
  switch (c.key) {
    case 'Host': {
      const id = p.replace(/-/g, '').toLowerCase();
      if (/^[0-9a-f]{32}$/.test(id)) return facts.machineId === null ? 'unknown' : facts.machineId === id;
      if (facts.hostname === null) return 'unknown';
      return fnmatch(p.toLowerCase(), facts.hostname.toLowerCase());
    }
    case 'Virtualization': {
      if (p === 'private-users') return 'unknown';
      const v = facts.virtualization;
      if (v === null) return 'unknown';
      const b = parseBoolean(p);
      if (b !== null) return b === (v !== 'none');
      if (p === 'vm') return VMS.has(v);
      if (p === 'container') return CONTAINERS.has(v);
      return p === v;
    }
    case 'KernelCommandLine': {
      // Inside a container systemd reads PID 1's command line instead of the kernel's.
      const line = facts.virtualization !== null && CONTAINERS.has(facts.virtualization) ? facts.initCommandLine ?? null : facts.kernelCommandLine;
      if (line === null) return 'unknown';
      const { words } = splitWords(line, { unquote: true });
      const exact = p.includes('=');
      return words.some((w) => (exact ? w === p : w === p || w.startsWith(`${p}=`)));
    }
    case 'KernelVersion': {
      if (facts.kernelRelease === null) return 'unknown';
      const release = facts.kernelRelease;
      const { words } = splitWords(p, { unquote: true });
      for (let i = 0; i < words.length; i++) {
        let w = words[i]!;
        const m = /^(<=|>=|!=|=|<|>)\s*(.*)$/.exec(w);
        if (!m) {
          if (!fnmatch(w, release)) return false;
          continue;
        }
        w = m[2]!;
        if (w === '' && i + 1 < words.length) w = words[++i]!;
        const cmp = compareVersions(release, w);
        const ok = { '<': cmp < 0, '<=': cmp <= 0, '=': release === w, '!=': release !== w, '>=': cmp >= 0, '>': cmp > 0 }[m[1] as '<'];
        if (!ok) return false;
      }
      return true;
    }
    case 'Architecture': {
      if (facts.architecture === null) return 'unknown';
      const native = ARCHITECTURES.find(([re]) => re.test(facts.architecture!))?.[1] ?? null;
      if (native === null) return 'unknown';
      if (p === 'native') return true;
      if (!KNOWN_ARCHITECTURES.has(p)) return 'error';
      return p === native;
    }
    case 'Credential':
      // For .link files this asks for a credential of systemd-udevd.service, which has none unless
      // a drop-in gives it some (checked here: udevadm skips a file with Credential=foo).
      return false;
    case 'Firmware':
      // Firmware tables are not in a snapshot.
      return 'unknown';
  }
}

/**
 * All conditions of a file together, as udevd decides when loading it: every one must hold; one
 * that cannot be evaluated (a bad parameter) counts as failed, as in systemd.
 */
export function testConditions(conditions: readonly LinkCondition[], facts: HostFacts): { result: Tristate; failed: LinkCondition | null; unknown: LinkCondition[] } {
  const unknown: LinkCondition[] = [];
  for (const c of conditions) {
    const r = testOne(c, facts);
    if (r === 'unknown') {
      unknown.push(c);
      continue;
    }
    const holds = r === 'error' ? false : c.negate ? !r : r;
    if (!holds) return { result: false, failed: c, unknown };
  }
  return { result: unknown.length ? 'unknown' : true, failed: null, unknown };
}

export function parseConditionValue(value: string): { value: string; negate: boolean } {
  return value.startsWith('!') ? { value: value.slice(1), negate: true } : { value, negate: false };
}

export function splitConditionWords(value: string): string[] {
  return splitWords(value, { unquote: true }).words;
}
