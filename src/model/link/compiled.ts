/**
 * [Match] sections compiled once per file into plain predicates, so resolving thousands of
 * interfaces does not re-read glob strings: a literal becomes an equality, `prefix*` a startsWith,
 * `*` always true, anything else an fnmatch call. Same semantics as explain.ts's firstMismatch(),
 * which the unit tests check on random inputs.
 */
import type { LinkMatch } from './config.js';
import { deviceTypeString, type LinkDevice } from './device.js';
import { fnmatch } from './fnmatch.js';

type Test = (s: string) => boolean;

const SPECIAL = /[*?[\\]/;

export function compileGlob(glob: string): Test {
  if (!SPECIAL.test(glob)) return (s) => s === glob;
  if (glob === '*') return () => true;
  const star = glob.indexOf('*');
  if (star === glob.length - 1 && !SPECIAL.test(glob.slice(0, -1))) {
    const prefix = glob.slice(0, -1);
    return (s) => s.startsWith(prefix);
  }
  return (s) => fnmatch(glob, s);
}

interface GlobList {
  positive: Test[];
  negative: Test[];
}

function compileList(patterns: readonly string[]): GlobList | null {
  if (patterns.length === 0) return null;
  const positive: Test[] = [];
  const negative: Test[] = [];
  for (const p of patterns) {
    if (p.startsWith('!')) negative.push(compileGlob(p.slice(1)));
    else positive.push(compileGlob(p));
  }
  return { positive, negative };
}

/** net_condition_test_strv() over compiled globs. */
function testList(list: GlobList | null, value: string | null): boolean {
  if (list === null) return true;
  if (value === null) return list.positive.length === 0;
  for (const t of list.negative) if (t(value)) return false;
  if (list.positive.length === 0) return true;
  for (const t of list.positive) if (t(value)) return true;
  return false;
}

interface PropertyTest {
  key: string;
  invert: boolean;
  test: Test;
}

export interface CompiledMatch {
  mac: Set<string> | null;
  permanentMac: Set<string> | null;
  path: GlobList | null;
  driver: GlobList | null;
  type: GlobList | null;
  kind: GlobList | null;
  originalName: GlobList | null;
  property: PropertyTest[];
}

const cache = new WeakMap<LinkMatch, CompiledMatch>();

export function compileMatch(m: LinkMatch): CompiledMatch {
  let c = cache.get(m);
  if (!c) {
    c = {
      mac: m.macAddress && m.macAddress.length ? new Set(m.macAddress) : null,
      permanentMac: m.permanentMacAddress && m.permanentMacAddress.length ? new Set(m.permanentMacAddress) : null,
      path: compileList(m.path),
      driver: compileList(m.driver),
      type: compileList(m.type),
      kind: compileList(m.kind),
      originalName: compileList(m.originalName),
      property: m.property.map((e) => {
        const invert = e.startsWith('!');
        const body = invert ? e.slice(1) : e;
        const eq = body.indexOf('=');
        return { key: body.slice(0, eq), invert, test: compileGlob(body.slice(eq + 1)) };
      }),
    };
    cache.set(m, c);
  }
  return c;
}

/** True when the device passes every [Match] key (net_match_config()). */
export function matchesDevice(c: CompiledMatch, device: LinkDevice, type: string | null): boolean {
  if (c.mac && (device.mac === null || !c.mac.has(device.mac))) return false;
  if (c.permanentMac && (device.permanentMac === null || !c.permanentMac.has(device.permanentMac))) return false;
  if (!testList(c.path, device.properties.ID_PATH ?? null)) return false;
  if (!testList(c.driver, device.driver)) return false;
  if (!testList(c.type, type)) return false;
  if (!testList(c.kind, device.kind)) return false;
  if (!testList(c.originalName, device.name)) return false;
  for (const p of c.property) {
    const v = device.properties[p.key];
    const hit = v !== undefined && p.test(v);
    if (p.invert ? hit : !hit) return false;
  }
  return true;
}

export { deviceTypeString };

interface Gate {
  kind: Set<string> | null;
  driver: Set<string> | null;
  type: Set<string> | null;
}

/** A list of only positive literals (the common `Kind=veth`, `Driver=ixgbe`) as a set; else null. */
function literalSet(patterns: readonly string[]): Set<string> | null {
  if (patterns.length === 0 || patterns.some((p) => p.startsWith('!') || SPECIAL.test(p))) return null;
  return new Set(patterns);
}

const candidateCache = new WeakMap<readonly { match: LinkMatch }[], Map<string, { match: LinkMatch }[]>>();

/**
 * The configs, in order, that can possibly match a device with this kind, driver and type: the
 * others have a literal-only Kind=/Driver=/Type= list that cannot hold. Cached per distinct triple,
 * so thousands of interfaces of a few kinds each test only the files that concern them.
 */
export function candidateConfigs<C extends { match: LinkMatch }>(configs: readonly C[], device: LinkDevice, type: string | null): C[] {
  let byKey = candidateCache.get(configs);
  if (!byKey) {
    byKey = new Map();
    candidateCache.set(configs, byKey);
  }
  const key = `${device.kind ?? '\0'}\n${device.driver ?? '\0'}\n${type ?? '\0'}`;
  let list = byKey.get(key) as C[] | undefined;
  if (!list) {
    list = configs.filter((c) => {
      const gate: Gate = { kind: literalSet(c.match.kind), driver: literalSet(c.match.driver), type: literalSet(c.match.type) };
      if (gate.kind && (device.kind === null || !gate.kind.has(device.kind))) return false;
      if (gate.driver && (device.driver === null || !gate.driver.has(device.driver))) return false;
      if (gate.type && (type === null || !gate.type.has(type))) return false;
      return true;
    });
    byKey.set(key, list);
  }
  return list;
}
