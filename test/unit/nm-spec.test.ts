// NetworkManager's device specs: hostnet's split and match against the table of NetworkManager's own
// matcher test (src/core/tests/test-core.c, test_match_spec_device, NetworkManager/NetworkManager
// 355bc902994f8f616bc80dcb451455f7aeb6b809), and properties that hold for any spec list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { joinSpecs } from '../../src/model/networkmanager/config.js';
import { globMatch, matchSpecs, splitSpecs, type NmDeviceFacts, type SpecMatch } from '../../src/model/networkmanager/spec.js';

const byName = (name: string): NmDeviceFacts => ({ name, mac: null, type: 'ethernet', driver: null });
const byDriver = (s: string): NmDeviceFacts => {
  const [driver, version] = s.split('|');
  return { name: '', mac: null, type: 'ethernet', driver: driver!, driverVersion: version ?? null };
};

// The names test-core.c checks every spec against when it lists no non-matches of its own.
const DEFAULT_NO_MATCH = ['e', 'em', 'em*', 'em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2', 'em1', 'em11', 'em2', '=em*'];

interface Row { spec: string; match: string[]; none?: string[]; except?: string[]; device?: (s: string) => NmDeviceFacts }
const TABLE: Row[] = [
  { spec: 'em1', match: ['em1'] },
  { spec: 'em1,em2', match: ['em1', 'em2'] },
  { spec: 'em1,em2,interface-name:em2', match: ['em1', 'em2'] },
  { spec: 'interface-name:em1', match: ['em1'] },
  { spec: 'interface-name:em*', match: ['em', 'em*', 'em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2', 'em1', 'em11', 'em2', 'em3'] },
  { spec: 'interface-name:em\\*', match: ['em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2'] },
  { spec: 'interface-name:~em\\*', match: ['em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2'] },
  { spec: 'except:*', match: [], none: [], except: ['a'] },
  { spec: 'interface-name:=em*', match: ['em*'] },
  { spec: 'interface-name:em*,except:interface-name:em1*', match: ['em', 'em*', 'em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2', 'em2', 'em3'], except: ['em1', 'em11'] },
  { spec: 'interface-name:em*,except:interface-name:=em*', match: ['em', 'em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2', 'em1', 'em11', 'em2', 'em3'], except: ['em*'] },
  { spec: 'except:interface-name:em*', match: ['', 'eth', 'eth1', 'e1'], none: [], except: ['em', 'em\\', 'em\\*', 'em\\1', 'em\\11', 'em\\2', 'em1', 'em11', 'em2', 'em3'] },
  { spec: 'aa,bb,cc\\,dd,e,,', match: ['aa', 'bb', 'cc,dd', 'e'] },
  { spec: 'aa;bb;cc\\;dd;e,;', match: ['aa', 'bb', 'cc;dd', 'e'] },
  { spec: 'interface-name:em\\;1,em\\,2,\\,,\\\\,,em\\\\x', match: ['em;1', 'em,2', ',', '\\', 'em\\x'] },
  { spec: '\\s\\s,\\sinterface-name:a,\\s,', match: ['  ', ' ', ' interface-name:a'] },
  { spec: ' aa ;  bb   ; cc\\;dd  ;e , ; \t\\t  , ', match: ['aa', 'bb', 'cc;dd', 'e', '\t'] },
  { spec: 'driver:DRV', match: ['DRV', 'DRV|1.6'], none: ['DR', 'DR*'], device: byDriver },
  { spec: 'driver:DRV//', match: ['DRV/'], none: ['DRV/|1.6', 'DR', 'DR*'], device: byDriver },
  { spec: 'driver:DRV//*', match: ['DRV/', 'DRV/|1.6'], none: ['DR', 'DR*'], device: byDriver },
  { spec: 'driver:DRV//1.5*', match: ['DRV/|1.5', 'DRV/|1.5.2'], none: ['DRV/', 'DRV/|1.6', 'DR', 'DR*'], device: byDriver },
];

test('the matcher gives what NetworkManager\'s own test asserts, in the given and in reversed order', () => {
  let checked = 0;
  for (const row of TABLE) {
    const specs = splitSpecs(row.spec);
    const device = row.device ?? byName;
    const expect = (input: string, want: SpecMatch) => {
      for (const list of [specs, [...specs].reverse()]) {
        assert.equal(matchSpecs(list, device(input)).result, want, `${JSON.stringify(row.spec)} on ${JSON.stringify(input)}`);
        checked++;
      }
    };
    for (const m of row.match) expect(m, 'match');
    for (const m of row.except ?? []) expect(m, 'except');
    for (const m of row.none ?? DEFAULT_NO_MATCH.filter((s) => !row.match.includes(s) && !(row.except ?? []).includes(s))) expect(m, 'none');
  }
  assert.ok(checked > 200, `only ${checked} cases`);
});

test('the split keeps escaped separators and whitespace, as test_config_confdir asserts', () => {
  assert.deepEqual(splitSpecs('\\s space1 \\s'), ['  space1  ']);
  assert.deepEqual(splitSpecs('\\sspace2\\t\t'), [' space2\t']);
});

test('mac: compares bytes, case-insensitively, and a bare MAC matches too', () => {
  const dev: NmDeviceFacts = { name: 'eth0', mac: '00:1e:65:30:d1:c4', type: 'ethernet', driver: 'e1000e' };
  for (const spec of ['mac:00:1E:65:30:D1:C4', 'MAC:00-1e-65-30-d1-c4', '00:1E:65:30:D1:C4', 'TYPE:ethernet'.toLowerCase(), 'Interface-Name:eth*']) {
    assert.equal(matchSpecs(splitSpecs(spec), dev).result, 'match', spec);
  }
  for (const spec of ['mac:00:1e:65:30:d1:c5', 'type:veth', 'driver:e1000']) {
    assert.equal(matchSpecs(splitSpecs(spec), dev).result, 'none', spec);
  }
  // After except: a spec needs its tag: a bare MAC never matches there, so the list of only that
  // except matches every device, this one included.
  assert.equal(matchSpecs(splitSpecs('except:00:1e:65:30:d1:c4'), dev).result, 'match');
  assert.equal(matchSpecs(splitSpecs('except:mac:00:1e:65:30:d1:c4'), dev).result, 'except');
});

const specText = fc.stringMatching(/^[a-z0-9*?:=~.;, \\_-]{0,12}$/);
const ifname = fc.stringMatching(/^[a-z0-9._*-]{0,10}$/);

test('property: split(join(specs)) gives the specs back', () => {
  fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s !== ''), { maxLength: 6 }), (specs) => {
    assert.deepEqual(splitSpecs(joinSpecs(specs)), specs);
    assert.deepEqual(splitSpecs(joinSpecs(specs, ';')), specs);
  }), { seed: 1717, numRuns: 400 });
});

test('property: the order of specs never changes the result; an except that matches always wins', () => {
  fc.assert(fc.property(fc.array(specText, { maxLength: 6 }), ifname, fc.nat(), (raw, name, shift) => {
    const specs = raw.flatMap((r) => splitSpecs(r));
    const dev = byName(name);
    const rotated = specs.length ? [...specs.slice(shift % specs.length), ...specs.slice(0, shift % specs.length)] : specs;
    assert.equal(matchSpecs(rotated, dev).result, matchSpecs(specs, dev).result);
    const withExcept = [...specs, `except:interface-name:=${name}`];
    if (name !== '') assert.equal(matchSpecs(withExcept, dev).result, 'except');
  }), { seed: 4242, numRuns: 500 });
});

test('property: interface-name globs agree with a regular expression built from * and ?', () => {
  const globs = fc.stringMatching(/^[ab*?]{0,6}$/);
  const names = fc.stringMatching(/^[ab]{0,6}$/);
  fc.assert(fc.property(globs, names, (g, n) => {
    const re = new RegExp(`^${g.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
    assert.equal(globMatch(g, n), re.test(n), `${g} on ${n}`);
  }), { seed: 99, numRuns: 2000 });
});
