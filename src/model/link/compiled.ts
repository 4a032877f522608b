/**
 * [Match] sections compiled once per file into plain predicates, so resolving thousands of
 * interfaces does not re-read glob strings: a literal becomes an equality, `prefix*` a startsWith,
 * `*` always true, anything else an fnmatch call. Same semantics as explain.ts's firstMismatch(),
 * which the unit tests check on random inputs.
 */
import type { LinkMatch } from './config.js';
import { deviceTypeString, type LinkDevice } from './device.js';
import { canMatchStartingWith, fnmatch } from './fnmatch.js';

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

/** A list of only positive literals (the common `Kind=veth`, `Driver=ixgbe`) as a set; else null. */
function literalSet(patterns: readonly string[]): Set<string> | null {
  if (patterns.length === 0 || patterns.some((p) => p.startsWith('!') || SPECIAL.test(p))) return null;
  return new Set(patterns);
}

/** The literal text before the first wildcard or escape of a glob. */
function literalRun(glob: string): string {
  const special = glob.search(SPECIAL);
  return special < 0 ? glob : glob.slice(0, special);
}

/** A config with its compiled [Match]: what the resolver tests. */
export interface Candidate<C> {
  config: C;
  compiled: CompiledMatch;
  /**
   * OriginalName='s positive globs as the literal prefixes a matching name must start with (one of
   * them); null when a glob starts with a wildcard, or there is no positive glob.
   */
  namePrefixes: string[] | null;
}

/** The candidates of one kind/driver/type, and their subsets by the name's first character. */
interface CandidateList<C> {
  all: Candidate<C>[];
  byFirstChar: Map<string, Candidate<C>[]>;
}

/** Candidate lists by kind, driver and type (nested maps: no key string is built per device). */
type ByTriple<C> = Map<string | null, Map<string | null, Map<string | null, CandidateList<C>>>>;

const candidateCache = new WeakMap<readonly { match: LinkMatch }[], ByTriple<{ match: LinkMatch }>>();

/** The value under `key`, made and stored first when missing (Map or WeakMap). */
function getOrAdd<K, V>(map: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * The configs, in order, that can possibly match a device with this kind, driver, type and name:
 * the others have a literal-only Kind=/Driver=/Type= list that cannot hold, or OriginalName= globs
 * none of which can match a name starting with the device's first character. Cached per distinct
 * triple and first character, so thousands of interfaces of a few kinds each test only the files
 * that concern them. The order is kept: the first candidate that matches is the file udevd applies.
 */
export function candidateConfigs<C extends { match: LinkMatch }>(configs: readonly C[], device: LinkDevice, type: string | null): Candidate<C>[] {
  const byTriple = getOrAdd(candidateCache, configs, () => new Map()) as ByTriple<C>;
  const byDriver = getOrAdd(byTriple, device.kind, () => new Map());
  const byType = getOrAdd(byDriver, device.driver, () => new Map());
  const list = getOrAdd(byType, type, () => ({ all: gateByKindDriverType(configs, device, type), byFirstChar: new Map() }));
  const first = device.name.charAt(0);
  return getOrAdd(list.byFirstChar, first, () => list.all.filter((c) => nameCanStartWith(c.config.match.originalName, first)));
}

function gateByKindDriverType<C extends { match: LinkMatch }>(configs: readonly C[], device: LinkDevice, type: string | null): CandidateList<C>['all'] {
  const out: CandidateList<C>['all'] = [];
  for (const config of configs) {
    const m = config.match;
    const kind = literalSet(m.kind);
    if (kind && (device.kind === null || !kind.has(device.kind))) continue;
    const driver = literalSet(m.driver);
    if (driver && (device.driver === null || !driver.has(device.driver))) continue;
    const types = literalSet(m.type);
    if (types && (type === null || !types.has(type))) continue;
    const positive = m.originalName.filter((p) => !p.startsWith('!'));
    const prefixes = positive.map(literalRun);
    out.push({ config, compiled: compileMatch(m), namePrefixes: positive.length && prefixes.every((p) => p !== '') ? prefixes : null });
  }
  return out;
}

/** Whether OriginalName= can hold for a name starting with `first` ('' for the empty name). */
function nameCanStartWith(originalName: readonly string[], first: string): boolean {
  const positive = originalName.filter((p) => !p.startsWith('!'));
  if (positive.length === 0) return true;
  return positive.some((p) => (first === '' ? fnmatch(p, '') : canMatchStartingWith(p, first)));
}

/**
 * The first config whose [Match] holds for the device: the candidates in order, each skipped at
 * once when the name lacks all its OriginalName= prefixes, else tested whole.
 */
export function firstMatchingConfig<C extends { match: LinkMatch }>(configs: readonly C[], device: LinkDevice, type: string | null): C | null {
  const name = device.name;
  for (const c of candidateConfigs(configs, device, type)) {
    if (c.namePrefixes !== null && !startsWithAny(name, c.namePrefixes)) continue;
    if (matchesDevice(c.compiled, device, type)) return c.config;
  }
  return null;
}

function startsWithAny(name: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (name.startsWith(p)) return true;
  return false;
}
