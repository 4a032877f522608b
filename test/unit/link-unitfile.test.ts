import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatUnitFile, parseUnitFile, splitWords } from '../../src/sources/unitfile.js';

const schema = { sections: new Map([['Match', new Set(['OriginalName', 'Kind'])], ['Link', new Set(['MACAddressPolicy', 'Name'])]]) };

test('continuation: the backslash becomes a space, a comment line inside is skipped, the last line counts', () => {
  const p = parseUnitFile('f.link', '[Match]\nOriginalName=mv* \\\n# a comment\n  vx*\nKind=tun\n', schema);
  assert.deepEqual(p.assignments.map((a) => [a.key, a.value, a.line]), [['OriginalName', 'mv*    vx*', 4], ['Kind', 'tun', 5]]);
  assert.deepEqual(p.diagnostics, []);
});

test('a continuation open at the end of the file is parsed one line past the end', () => {
  const p = parseUnitFile('f.link', '[Match]\nOriginalName=a \\', schema);
  assert.deepEqual(p.assignments.map((a) => [a.value, a.line]), [['a', 3]]);
});

test('an escaped backslash at the end does not continue the line; an empty line ends a continuation', () => {
  const p = parseUnitFile('f', '[Link]\nName=a\\\\\nMACAddressPolicy=x \\\n\nName=b\n', schema);
  assert.deepEqual(p.assignments.map((a) => [a.key, a.value, a.line]), [['Name', 'a\\\\', 2], ['MACAddressPolicy', 'x', 4], ['Name', 'b', 5]]);
});

test('warnings as udevd 252 prints them; a broken section header fails the whole file', () => {
  const text = 'Foo=bar\n[Match]\nnokey\n=v\nBogus=1\nX-Mine=1\n[Other]\nA=1\nnokey\n[X-Vendor]\nB=2\n[Link\nName=x\n';
  const p = parseUnitFile('/etc/systemd/network/20-bad.link', text, schema);
  assert.deepEqual(p.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    '1: Assignment outside of section. Ignoring.',
    "3: Missing '=', ignoring line.",
    "4: Missing key name before '=', ignoring line.",
    "5: Unknown key 'Bogus' in section [Match], ignoring.",
    "7: Unknown section 'Other'. Ignoring.",
    "12: Invalid section header '[Link': systemd refuses the whole file",
  ]);
  assert.equal(p.failed?.line, 12);
  assert.equal(p.failed?.severity, 'error');
});

test('bad characters in a section header fail the file; CRLF, CR and a BOM are handled', () => {
  assert.ok(parseUnitFile('f', '[Ma"tch]\n', schema).failed);
  const p = parseUnitFile('f', '\ufeff[Match]\r\nKind=tun\rOriginalName=x\r\n', schema);
  assert.deepEqual(p.assignments.map((a) => [a.key, a.value, a.line]), [['Kind', 'tun', 2], ['OriginalName', 'x', 3]]);
});

test('without a schema every section and key is kept', () => {
  const p = parseUnitFile('x.network', '[Network]\nDHCP=yes\n[Link]\nMACAddressPolicy=none\n');
  assert.deepEqual(p.assignments.map((a) => `${a.section}.${a.key}=${a.value}`), ['Network.DHCP=yes', 'Link.MACAddressPolicy=none']);
});

test('the parser never throws and reports lines inside the file', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('[', ']', '=', '\\', '#', ';', ' ', '\n', '\r', 'a', 'M', 'X-', '\ufeff', '"', '\0', '\t') , maxLength: 200 }), (text) => {
    const p = parseUnitFile('f', text, schema);
    const lines = text.split(/\r\n|\r|\n|\0/).length + 1;
    for (const d of [...p.diagnostics, ...p.assignments]) assert.ok(d.line >= 1 && d.line <= lines, `line ${d.line} of ${lines}`);
  }), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
    parseUnitFile('f', text, schema);
    parseUnitFile('f', text);
  }), { numRuns: 2000 });
});

const keyArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/);
const valueArb = fc.stringMatching(/^[^\s\\#;][^\r\n\0\\]{0,20}[^\s\\]$|^$/);

test('round trip: assignments written out are read back unchanged, also with noise around them', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ name: fc.stringMatching(/^[A-Za-z][A-Za-z-]{0,8}$/), entries: fc.array(fc.record({ key: keyArb, value: valueArb }), { maxLength: 5 }) }), { maxLength: 4 }),
    fc.boolean(),
    (sections, noisy) => {
      let text = formatUnitFile(sections);
      if (noisy) text = text.split('\n').map((l) => (l.includes('=') ? `  ${l}\t` : l)).join('\n# comment\n; other\n');
      const p = parseUnitFile('f', text);
      const expected = sections.flatMap((s) => s.entries.map((e) => [s.name, e.key, e.value]));
      assert.deepEqual(p.assignments.map((a) => [a.section, a.key, a.value]), expected);
      assert.equal(p.failed, null);
    },
  ), { numRuns: 1000 });
});

test('splitWords follows extract_first_word flags', () => {
  assert.deepEqual(splitWords('  a  b\tc ').words, ['a', 'b', 'c']);
  assert.deepEqual(splitWords('"a b" c', { unquote: true }).words, ['a b', 'c']);
  assert.deepEqual(splitWords('"a b" c').words, ['"a', 'b"', 'c']);
  assert.deepEqual(splitWords('a\\*b', { retainEscape: true }).words, ['a\\*b']);
  assert.deepEqual(splitWords('a\\*b').words, ['a*b']);
  assert.deepEqual(splitWords('K=\\x41', { cunescape: true }).words, ['K=A']);
  assert.equal(splitWords('"open', { unquote: true }).error, true);
  assert.equal(splitWords('trailing\\').error, true);
});
