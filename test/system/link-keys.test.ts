/**
 * The unit-file parser and the v252 key tables against the real udevd: udevd parses every .link
 * file it finds when net_setup_link runs and logs each syntax problem as FILE:LINE: MESSAGE; the
 * same files through hostnet's parser must give the same problems on the same lines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { LINK_KEYS, MATCH_KEYS, linkSchema, loadLinkConfigsFromFiles } from '../../src/model/link/index.js';
import { SRIOV_KEYS } from '../../src/model/link/keys.js';
import { parseUnitFile } from '../../src/sources/unitfile.js';
import { netns, requireRealSystem } from '../helpers/system.js';
import { makeLinkTrees, netSetupLink, runInLinkSandbox } from '../helpers/udev.js';

const SYNTAX = /^(\/etc\/systemd\/network\/[^:]+):(\d+): (Unknown key|Unknown section|Missing '='|Missing key name|Assignment outside|Invalid section header|Bad characters in section header)/;
const OUR_IDS = new Set(['unknown-key', 'unknown-section', 'missing-equals', 'missing-key', 'outside-section', 'invalid-section-header']);

async function udevSyntaxLines(t: Parameters<typeof requireRealSystem>[0], files: Record<string, string>): Promise<string[]> {
  const ns = netns(t, 'hn-linkkeys');
  ns.ip('tuntap', 'add', 'tap0', 'mode', 'tap');
  const dir = mkdtempSync(join(tmpdir(), 'hn-linkkeys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trees = makeLinkTrees(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(trees.etc, name), text);
  const [r] = await runInLinkSandbox(ns.name, trees, [netSetupLink('tap0')]);
  return r!.stderr.split('\n').map((l) => SYNTAX.exec(l)).filter((m) => m !== null).map((m) => `${m[1]}:${m[2]}: ${m[3]}`).sort();
}

function ourSyntaxLines(files: Record<string, string>): string[] {
  const words: Record<string, string> = {
    'unknown-key': 'Unknown key', 'unknown-section': 'Unknown section', 'missing-equals': "Missing '='", 'missing-key': 'Missing key name',
    'outside-section': 'Assignment outside', 'invalid-section-header': 'Invalid section header',
  };
  return Object.entries(files).flatMap(([name, text]) => {
    const p = parseUnitFile(`/etc/systemd/network/${name}`, text, linkSchema(252));
    return p.diagnostics.filter((d) => OUR_IDS.has(d.id)).map((d) => {
      const word = d.id === 'invalid-section-header' && /^Bad characters/.test(d.message) ? 'Bad characters in section header' : words[d.id];
      return `${d.file}:${d.line}: ${word}`;
    });
  }).sort();
}

test('udevd 252 knows every key hostnet lists for 252, and none of those it lists as later', { timeout: 60_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['udevadm', 'unshare'] })) return;
  const known = (m: ReadonlyMap<string, number>, v: boolean): string[] => [...m].filter(([, since]) => (since <= 252) === v).map(([k]) => k);
  const text = `[Match]\n${known(MATCH_KEYS, true).map((k) => `${k}=`).join('\n')}\n[Link]\n${known(LINK_KEYS, true).map((k) => `${k}=`).join('\n')}\n` +
    `[SR-IOV]\n${known(SRIOV_KEYS, true).map((k) => `${k}=`).join('\n')}\n[Link]\n${known(LINK_KEYS, false).map((k) => `${k}=`).join('\n')}\n`;
  const files = { '10-all-keys.link': text };
  const udev = await udevSyntaxLines(t, files);
  assert.ok(known(LINK_KEYS, false).length > 0);
  assert.deepEqual(udev, ourSyntaxLines(files));
  assert.equal(udev.length, known(LINK_KEYS, false).length, 'exactly the later keys are unknown');
});

test('syntax problems: hostnet reports the lines udevd 252 reports, on generated files', { timeout: 120_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['udevadm', 'unshare'] })) return;
  const line = fc.oneof(
    fc.constantFrom('[Match]', '[Link]', '[SR-IOV]', '[Bogus]', '[X-Vendor]', '[Link', '[Ma"tch]', '', '   ', '# c', '  ; c', 'nokey', '=v',
      'OriginalName=*', 'OriginalName=a \\', 'Kind=tun', 'MACAddressPolicy=none', 'Bogus=1', 'X-Ours=1', 'Property=A=b', '\\', 'a b=c'),
    fc.stringMatching(/^[A-Za-z=\\# [\]]{0,10}$/),
  );
  const files = Object.fromEntries(fc.sample(fc.array(line, { maxLength: 12 }), { numRuns: 60, seed: 4242 })
    .map((lines, i) => [`${String(i).padStart(2, '0')}-gen.link`, `${lines.join('\n')}\n`]));
  const udev = await udevSyntaxLines(t, files);
  assert.ok(udev.length > 20, 'the generated files do contain problems');
  assert.deepEqual(ourSyntaxLines(files), udev);
});

test('invalid values: hostnet warns on the lines udevd 252 warns on', { timeout: 60_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['udevadm', 'unshare'] })) return;
  const lines = [
    '[Match]', 'OriginalName=*', 'OriginalName=123', 'OriginalName=a/b', 'MACAddress=zz', 'MACAddress=02:00:00:00:00:01',
    'PermanentMACAddress=1:2:3:4:5:6', 'Property=NOEQUALS', 'Property=A=b', 'Kind=tun',
    '[Link]', 'MACAddressPolicy=persistent', 'MACAddressPolicy=bogus', 'MACAddressPolicy=', 'MACAddress=02:00:00:00:00:02', 'MACAddress=nope',
    'NamePolicy=keep kernel', 'NamePolicy=keep bogus', 'Name=eth0', 'Name=this-name-is-far-too-long', 'MTUBytes=1400', 'MTUBytes=12',
    'MTUBytes=1K', 'MTUBytes=x', 'TransmitQueues=4', 'TransmitQueues=0', 'ReceiveQueues=5000', 'TransmitQueueLength=100',
    'GenericReceiveOffload=yes', 'GenericReceiveOffload=maybe', 'AutoNegotiation=no', 'AutoNegotiation=2', 'Duplex=full',
    'Duplex=double', 'Port=tp', 'Port=usb', 'MDI=auto', 'MDI=sideways', 'AlternativeNamesPolicy=path', 'AlternativeNamesPolicy=kernel',
    'Alias=ok', 'MTUBytes=0', 'MTUBytes=5G', 'MTUBytes=4294967295', 'MTUBytes=1.5K', 'MTUBytes=-1',
  ];
  const files = { '10-values.link': `${lines.join('\n')}\n` };
  const ns = netns(t, 'hn-linkvals');
  ns.ip('tuntap', 'add', 'tap0', 'mode', 'tap');
  const dir = mkdtempSync(join(tmpdir(), 'hn-linkvals-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trees = makeLinkTrees(dir);
  writeFileSync(join(trees.etc, '10-values.link'), files['10-values.link']);
  const [r] = await runInLinkSandbox(ns.name, trees, [netSetupLink('tap0')]);
  const udevLines = [...new Set(r!.stderr.split('\n').map((l) => /^\/etc\/systemd\/network\/10-values\.link:(\d+): /.exec(l)?.[1]).filter((x) => x !== undefined).map(Number))].sort((a, b) => a - b);
  const ours = loadLinkConfigsFromFiles([{ path: '/etc/systemd/network/10-values.link', content: files['10-values.link'], mask: null, role: null }], { systemdVersion: 252 });
  const ourLines = [...new Set(ours.diagnostics.filter((d) => d.id === 'invalid-value').map((d) => d.line))].sort((a, b) => a - b);
  assert.ok(udevLines.length >= 10, `udevd reported ${udevLines.join(', ')}`);
  assert.deepEqual(ourLines, udevLines, `udevd: ${r!.stderr.split('\n').filter((l) => l.includes('10-values.link:')).join('\n')}`);
});
