/**
 * The headline trap as a new user meets it: a process that calls itself vpp_main creates a tap named
 * like the uplink (ens2f0) in a throw-away namespace and sets the MAC VPP would; the real udevd 252,
 * which decided before that and writes after it (strace delays its netlink requests), rewrites it to
 * the persistent MAC. `hostnet check --netns NS` with no configuration at all reports the rewrite with
 * the exact MAC and names the holder (comm and PID) from /proc; with the Calico/VPP ConfigMap found in
 * the cluster (a local API server, --kubeconfig) the same tap is the seeds' error.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { createInterface } from 'node:readline';
import { persistentMac } from '../../src/model/link/index.js';
import { hostnetAsync, skipUnlessCI } from '../helpers/system.js';
import { startIsolatedUdevd, udevdAvailable } from '../helpers/udevd.js';
import { FakeApiServer } from '../unit/agent-apiserver.js';

const TAP = 'ens2f0';
const UPLINK_MAC = '40:a6:b7:1c:2d:3e';
const HELPER = fileURLToPath(new URL('../helpers/tap-holder.py', import.meta.url));
const skip = udevdAvailable()
  ?? (spawnSync('sh', ['-c', 'command -v strace && command -v python3']).status === 0 ? null : 'needs strace and python3 (apt-get install strace python3)');
const options = skipUnlessCI(skip);

interface Report { findings: { ruleId: string; interface?: string; severity: string; message: string; evidence: { message: string; field?: string; value?: string }[] }[] }

/** The helper, started in the namespace; resolves once it holds the tap. Ended (stdin closed) after the test. */
async function startHolder(t: TestContext, netns: string): Promise<{ child: ChildProcessWithoutNullStreams; send: (line: string) => Promise<string> }> {
  // `ip netns exec` execs in place: the child's PID is python's, the tap holder's.
  const child = spawn('ip', ['netns', 'exec', netns, 'python3', HELPER, TAP, 'vpp_main']);
  t.after(() => {
    child.stdin.end();
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the tap holder ended: ${stderr}`);
    return r.value;
  };
  assert.equal(await next(), 'ready');
  return { child, send: async (line) => (child.stdin.write(`${line}\n`), next()) };
}

test('a tap held by vpp_main, rewritten by the real udevd: found and its holder named with no configuration, the seeds\' error with it', { ...options, timeout: 120_000 }, async (t) => {
  const udevd = await startIsolatedUdevd(t, { delayNetlinkMs: 2000 });
  const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
  const persistent = persistentMac(machineId, TAP);

  const holder = await startHolder(t, udevd.netns);
  // udevd reads addr_assign_type (random) and decides; VPP sets the uplink's MAC; then udevd writes.
  await udevd.waitForLog(TAP, (l) => l === `Applying persistent MAC address: ${persistent}`);
  assert.equal(await holder.send(`mac ${UPLINK_MAC}`), 'ok');
  await udevd.waitForAdd(TAP);
  assert.equal(udevd.attr(TAP, 'address'), persistent, 'udevd overwrote the MAC the holder set');

  const plain = await hostnetAsync(['check', '--netns', udevd.netns, '--format', 'json', '--no-kube']);
  assert.equal(plain.code, 1, plain.stderr);
  const found = (JSON.parse(plain.stdout) as Report).findings.find((f) => f.ruleId === 'link/mac-rewritten-by-udev' && f.interface === TAP);
  assert.ok(found, plain.stdout);
  assert.equal(found.severity, 'warning');
  assert.ok(found.evidence.some((e) => e.field === 'mac' && e.value === persistent), 'the exact MAC udevd wrote');
  assert.ok(found.message.includes(`vpp_main (PID ${holder.child.pid})`), found.message);
  assert.ok(found.evidence.some((e) => e.field === 'holder' && e.value === String(holder.child.pid) && /\(VPP\)/.test(e.message)), JSON.stringify(found.evidence));

  // The cluster holds the configuration: a local API server serves the ConfigMap, as the agent tests do.
  const server = new FakeApiServer('node1');
  await server.start();
  t.after(() => server.stop());
  server.objects.set('/api/v1/namespaces/calico-vpp-dataplane/configmaps/calico-vpp-config', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calico-vpp-config', namespace: 'calico-vpp-dataplane' },
    data: { CALICOVPP_INTERFACES: `{"uplinkInterfaces": [{"interfaceName": "${TAP}", "vppDriver": "af_packet"}]}`, SERVICE_PREFIX: '10.96.0.0/12' },
  });
  const configured = await hostnetAsync(['check', '--netns', udevd.netns, '--format', 'json', '--kubeconfig', server.kubeconfig()], { env: { NODE_NAME: 'node1' } });
  assert.match(configured.stderr, /Calico\/VPP configuration read from http:\/\/127\.0\.0\.1:\d+: ConfigMap calico-vpp-dataplane\/calico-vpp-config/);
  assert.equal(configured.code, 1, configured.stderr);
  const seeds = (JSON.parse(configured.stdout) as Report).findings.find((f) => f.ruleId === 'link/mac-rewritten-by-udev' && f.interface === TAP);
  assert.ok(seeds, configured.stdout);
  assert.equal(seeds.severity, 'error');
  assert.ok(seeds.evidence.some((e) => e.field === 'holder' && e.value === String(holder.child.pid)), 'the holder is still named as evidence');
});
