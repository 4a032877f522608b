/**
 * `kubectl hostnet` run by kubectl itself (the plugin found on PATH) against the local API server, with
 * two real agents (`hostnet agent` processes) behind its pod proxy. The API server authenticates and
 * authorises every request with the shipped RBAC (deploy/clusterrole.yaml for the agent,
 * deploy/plugin/rbac.yaml for the plugin's users), and answers the agents' TokenReviews and
 * SubjectAccessReviews from the same rules. Checked: status against the agents' conditions and
 * `hostnet check` of the same snapshots, check NODE equal to `hostnet check` of the snapshot the agent
 * served, the rate limit, refusals, completion, and the fleet report equal to `hostnet report` of the
 * same snapshots on disk.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { hostnetArgv, hostnetAsync, requireTools, type CliResult } from '../helpers/system.js';
import { FakeApiServer, type PolicyRule } from './agent-apiserver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODES = { node1: 'examples/calico-vpp-broken/snapshot.json', node2: 'examples/vpp-e810-fixed/snapshot.json' } as const;
/** node1's agent runs with --ignore of one rule its snapshot trips: the plugin must leave it out as the agent does. */
const AGENT_IGNORES: Record<string, string[]> = { node1: ['vpp/networkd-permanent-mac'], node2: [] };
const AGENT_USER = 'system:serviceaccount:hostnet-system:hostnet-agent';
/** The agents' --check-min-interval: long enough that two plugin runs in a row fall within it. */
const MIN_INTERVAL_S = 6;

/** The rules of every ClusterRole and Role in a deploy/ file, a Role's kept to its namespace. */
function rulesOf(file: string): PolicyRule[] {
  return parseAllDocuments(readFileSync(join(ROOT, 'deploy', file), 'utf8')).flatMap((doc) => {
    const o = doc.toJS() as { kind: string; metadata: { namespace?: string }; rules: PolicyRule[] };
    return o.rules.map((r) => (o.kind === 'Role' ? { ...r, namespace: o.metadata.namespace } : r));
  });
}

function run(argv: string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

interface Cluster {
  server: FakeApiServer;
  dir: string;
  kubectl: (kubeconfig: string, ...args: string[]) => Promise<CliResult>;
  ports: Record<string, number>;
  alice: string;
  /** When the agents' first checks had completed. */
  ready: number;
  checks: (node: string) => Promise<number>;
}

/** The API server, its users, and one agent per node (a real `hostnet agent`), registered as its pod. */
async function cluster(t: TestContext): Promise<Cluster> {
  const server = new FakeApiServer('node1');
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'hn-kubectl-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  server.addNode('node2');
  server.addNode('cp1', { 'node-role.kubernetes.io/control-plane': '' });
  for (const n of ['node1', 'node2']) server.nodes.get(n)!.labels['node-role.kubernetes.io/worker'] = '';
  server.rbac = true;
  server.users.set('test-token', { username: AGENT_USER, groups: ['system:serviceaccounts'], rules: rulesOf('clusterrole.yaml') });
  server.users.set('alice-token', { username: 'alice', groups: ['system:authenticated'], rules: rulesOf('plugin/rbac.yaml') });
  // carol may reach the agents (pods/proxy) but has no hostnet rights: the agent itself must refuse her.
  server.users.set('carol-token', { username: 'carol', groups: ['system:authenticated'], rules: rulesOf('plugin/rbac.yaml').filter((r) => r.namespace) });
  const ports: Record<string, number> = {};
  for (const [node, file] of Object.entries(NODES)) {
    const [nodeBin, ...argv] = hostnetArgv(['agent', '--kubeconfig', server.kubeconfig(), '--node-name', node, '--snapshot', join(ROOT, file), '--interval', '3600', '--listen', '127.0.0.1:0', '--check-min-interval', String(MIN_INTERVAL_S), ...AGENT_IGNORES[node]!.flatMap((id) => ['--ignore', id])]);
    const child = spawn(nodeBin!, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const end = Date.now() + 30_000;
    while (!/metrics on http:\/\/127\.0\.0\.1:(\d+)/.test(stderr)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`agent ${node} did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    ports[node] = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    server.pods.push({ namespace: 'hostnet-system', name: `hostnet-agent-${node}`, nodeName: node, labels: { 'app.kubernetes.io/name': 'hostnet', 'app.kubernetes.io/component': 'agent' }, phase: 'Running', ports: [{ name: 'metrics', containerPort: ports[node] }] });
  }
  const checks = async (node: string): Promise<number> => Number(/^hostnet_checks_total\{result="ok"\} (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${ports[node]}/metrics`)).text())?.[1] ?? 0);
  // Both agents have checked and published.
  const end = Date.now() + 30_000;
  while (!(server.condition('HostNetworkTrap', 'node1') && server.condition('HostNetworkTrap', 'node2') && (await checks('node1')) === 1 && (await checks('node2')) === 1)) {
    if (Date.now() > end) throw new Error('the agents did not publish');
    await new Promise((r) => setTimeout(r, 50));
  }
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'dist', 'kubectl-hostnet.js'), join(bin, 'kubectl-hostnet'));
  symlinkSync(join(ROOT, 'dist', 'kubectl_complete-hostnet.js'), join(bin, 'kubectl_complete-hostnet'));
  const kubectl = (kubeconfig: string, ...args: string[]): Promise<CliResult> => run(['kubectl', ...args], { PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: kubeconfig });
  return { server, dir, kubectl, ports, alice: server.userKubeconfig('alice-token'), checks, ready: Date.now() };
}

/** What `hostnet check --format json` finds in a snapshot file: its rule ids. */
async function rulesFound(file: string, ignore: readonly string[] = []): Promise<string[]> {
  const r = await hostnetAsync(['check', '--snapshot', file, '--format', 'json', ...ignore.flatMap((id) => ['--ignore', id])]);
  return [...new Set((JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId))].sort();
}

test('kubectl hostnet: status, check NODE with its rate limit, refusals, completion, and the fleet report equal to hostnet report of the same snapshots', { timeout: 240_000 }, async (t) => {
  if (!requireTools(t, ['kubectl'], ['kubernetes-client'])) return;
  const c = await cluster(t);

  // status: kubectl finds the plugin; --context picks the cluster (the kubeconfig's current one is unreachable).
  const table = await c.kubectl(c.alice, 'hostnet', 'status', '--context', 'fake');
  assert.equal(table.code, 1, table.stderr); // node1 has warnings and errors
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NODE\s+TRAP\s+SINCE\s+CHECKED\s+FINDINGS$/);
  assert.match(lines.find((l) => l.startsWith('cp1'))!, /^cp1\s+<none>\s+<unknown>\s+<unknown>\s+<none>$/);
  assert.match(lines.find((l) => l.startsWith('node2'))!, /^node2\s+False\s+\d+s\s+\d+s\s+<none>$/);
  const json = await c.kubectl(c.alice, 'hostnet', 'status', '--context', 'fake', '-o', 'json', '-l', 'node-role.kubernetes.io/worker=');
  const items = (JSON.parse(json.stdout) as { items: { node: string; condition: { status: string }; findings: { rule: string; from: string }[] }[] }).items;
  assert.deepEqual(items.map((i) => [i.node, i.condition.status]), [['node1', 'True'], ['node2', 'False']]);
  for (const item of items) {
    assert.deepEqual([...new Set(item.findings.map((f) => f.rule))].sort(), await rulesFound(NODES[item.node as keyof typeof NODES], AGENT_IGNORES[item.node]), item.node);
    assert.ok(item.findings.every((f) => f.from === 'events'));
  }
  const yaml = await c.kubectl(c.alice, 'hostnet', 'status', '--context', 'fake', '-o', 'yaml', '-l', 'kubernetes.io/hostname=none');
  assert.deepEqual([yaml.code, yaml.stdout], [0, 'apiVersion: hostnet/v1\nkind: NodeStatusList\nitems: []\n']);
  assert.equal((await c.kubectl(c.alice, 'hostnet', 'status', '--context', 'fake', '--fail-on', 'error', '-l', 'kubernetes.io/hostname=none')).code, 0);

  // check NODE: a new check on the agent, printed as hostnet check prints the snapshot it served.
  const served = await fetch(`http://127.0.0.1:${c.ports.node1}/snapshot`, { headers: { authorization: 'Bearer alice-token' } });
  assert.equal(served.status, 200);
  const snapshot = await served.json() as { host: { machineId: string | null }; scope: { redacted: boolean } };
  assert.deepEqual([snapshot.host.machineId, snapshot.scope.redacted], [null, true], 'redacted as collect --redact');
  const disk = join(c.dir, 'snapshots');
  mkdirSync(disk);
  writeFileSync(join(disk, 'node1.json'), JSON.stringify(snapshot));
  await new Promise((r) => setTimeout(r, Math.max(0, c.ready + MIN_INTERVAL_S * 1000 + 200 - Date.now())));
  const checked = await c.kubectl(c.alice, 'hostnet', '--context', 'fake', 'check', 'node1');
  assert.equal(checked.code, 1, checked.stderr);
  assert.equal(await c.checks('node1'), 2, 'the agent ran a check');
  const expected = await run([...hostnetArgv(['check', '--snapshot', 'node1.json', '--ignore', 'vpp/networkd-permanent-mac'])], {}, disk);
  assert.equal(checked.stdout, expected.stdout);
  assert.match(checked.stderr, /leaving out what the agent on node1 ignores \(its --ignore\): vpp\/networkd-permanent-mac/);
  assert.equal(checked.code, expected.code);
  // Within the minimum interval: answered from that check, no new one.
  const again = await c.kubectl(c.alice, 'hostnet', '--context', 'fake', 'check', 'node1', '-o', 'json');
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /checked at .*at most once per interval \(next in \d+ s\)/);
  assert.equal(await c.checks('node1'), 2, 'no check ran for the request over the limit');
  assert.equal((JSON.parse(again.stdout) as { source: string }).source, 'node1.json');

  // Refusals: carol reaches the agent but RBAC gives her no hostnet verb; the agent says so.
  const carol = await c.kubectl(c.server.userKubeconfig('carol-token'), 'hostnet', '--context', 'fake', 'check', 'node1');
  assert.equal(carol.code, 2);
  assert.match(carol.stderr, /HTTP 403: carol may not create nodes\/check in API group "hostnet" \(node1\)/);
  const stranger = await c.kubectl(c.server.userKubeconfig('nobody-token'), 'hostnet', '--context', 'fake', 'status');
  assert.equal(stranger.code, 2);
  assert.match(stranger.stderr, /HTTP 401: Unauthorized\n {2}hint: the credentials were not accepted/);
  // Straight to the agent's port: no token, a wrong one, and one without the right are refused.
  const agentUrl = `http://127.0.0.1:${c.ports.node2}`;
  for (const [path, method, auth, code] of [
    ['/check', 'POST', undefined, 401], ['/check', 'POST', 'Bearer wrong', 401], ['/check', 'POST', 'Bearer carol-token', 403],
    ['/snapshot', 'GET', undefined, 401], ['/snapshot', 'GET', 'Bearer carol-token', 403], ['/metrics', 'GET', undefined, 200],
  ] as const) {
    const res = await fetch(`${agentUrl}${path}`, { method, headers: auth ? { authorization: auth } : {} });
    assert.equal(res.status, code, `${method} ${path} ${auth ?? 'without a token'}: ${await res.text()}`);
  }
  assert.equal(await c.checks('node2'), 1, 'no refused request ran a check');

  // Completion, as kubectl asks the plugin for it.
  const words = await c.kubectl(c.alice, '__complete', 'hostnet', 'ch');
  assert.match(words.stdout, /^check\t.*\n:4\n/);
  const nodes = await c.kubectl(c.alice, '__complete', 'hostnet', '--context', 'fake', 'check', 'node');
  assert.match(nodes.stdout, /^node1\nnode2\n:4\n/);

  // The fleet report through the plugin equals hostnet report of the same snapshots saved as NODE.json.
  const res2 = await fetch(`${agentUrl}/snapshot`, { headers: { authorization: 'Bearer alice-token' } });
  writeFileSync(join(disk, 'node2.json'), await res2.text());
  const fleet = join(c.dir, 'fleet.html');
  const viaPlugin = await c.kubectl(c.alice, 'hostnet', '--context', 'fake', 'report', '-l', 'node-role.kubernetes.io/worker=', '-o', fleet);
  const fromDisk = await run(hostnetArgv(['report', '--snapshots', '.']), {}, disk);
  assert.equal(viaPlugin.code, fromDisk.code, viaPlugin.stderr);
  const stamp = (html: string): string => html.replace(/generated \d{4}-\d\d-\d\dT[\d:.]+Z/, 'generated TIME');
  assert.ok(fromDisk.stdout.includes('node1.json') && fromDisk.stdout.length > 10_000);
  assert.equal(stamp(readFileSync(fleet, 'utf8')), stamp(fromDisk.stdout));
  // Every node: the control plane has no agent, and the report says so (exit 2), never leaves it out.
  const all = await c.kubectl(c.alice, 'hostnet', '--context', 'fake', 'report', '--format', 'junit');
  assert.equal(all.code, 2);
  assert.match(all.stderr, /cp1\.json: no running hostnet agent on this node in namespace hostnet-system/);
  assert.deepEqual(c.server.schemaErrors, []);
  assert.deepEqual(c.server.unexpected, []);
});

test('npm run krew: a reproducible archive whose sha256 the manifest names, installed as krew installs it, runs under kubectl', { timeout: 120_000 }, async (t) => {
  if (!requireTools(t, ['kubectl', 'tar', 'gzip'], ['kubernetes-client', 'tar', 'gzip'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-krew-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const make = (out: string): Promise<CliResult> => run([process.execPath, 'scripts/krew.mjs', '--base-url', 'https://releases.example.org/hostnet/', '--out', join(dir, out)], {});
  for (const out of ['a', 'b']) assert.equal((await make(out)).code, 0);
  const manifest = parseAllDocuments(readFileSync(join(dir, 'a', 'hostnet.yaml'), 'utf8'))[0]!.toJS() as {
    apiVersion: string; kind: string; metadata: { name: string };
    spec: { version: string; platforms: { uri: string; sha256: string; bin: string; files: { from: string; to: string }[] }[] };
  };
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.deepEqual([manifest.apiVersion, manifest.kind, manifest.metadata.name, manifest.spec.version], ['krew.googlecontainertools.github.com/v1alpha2', 'Plugin', 'hostnet', `v${version}`]);
  const [platform] = manifest.spec.platforms;
  const archive = `kubectl-hostnet-v${version}.tar.gz`;
  assert.equal(platform!.uri, `https://releases.example.org/hostnet/${archive}`);
  const { createHash } = await import('node:crypto');
  const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
  assert.equal(platform!.sha256, sha(join(dir, 'a', archive)));
  assert.equal(sha(join(dir, 'b', archive)), platform!.sha256, 'the same bundle makes the same archive');
  // As krew installs: unpack, copy `files`, link the plugin name to `bin` on PATH.
  const unpacked = join(dir, 'unpacked');
  const installed = join(dir, 'store');
  const bin = join(dir, 'bin');
  for (const d of [unpacked, installed, bin]) mkdirSync(d);
  assert.equal((await run(['tar', '-xzf', join(dir, 'a', archive), '-C', unpacked], {})).code, 0);
  for (const f of platform!.files) {
    assert.equal(f.to, '.');
    assert.match(f.from, /^[\w-]+\/\*$/);
    cpSyncDir(join(unpacked, f.from.slice(0, -2)), installed);
  }
  symlinkSync(join(installed, platform!.bin), join(bin, 'kubectl-hostnet'));
  const shown = await run(['kubectl', 'hostnet', '--version'], { PATH: `${bin}:${process.env.PATH}` }, dir);
  assert.deepEqual([shown.code, shown.stdout.trim()], [0, version], shown.stderr);
  assert.ok(readFileSync(join(installed, 'LICENSE'), 'utf8').length > 1000, 'the licence travels with the plugin');
});

function cpSyncDir(from: string, to: string): void {
  for (const name of readdirSync(from)) cpSync(join(from, name), join(to, name), { recursive: true });
}

test('deploy/plugin/rbac.yaml: a ClusterRole and a Role in the agent\'s namespace, valid against the Kubernetes schema; pods/proxy only in that namespace', async () => {
  const { ClusterRole } = await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole');
  const { Role } = await import('kubernetes-models/rbac.authorization.k8s.io/v1/Role');
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'plugin', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; rules: PolicyRule[] });
  assert.deepEqual(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace]), [['ClusterRole', 'hostnet-plugin-user', undefined], ['Role', 'hostnet-plugin-proxy', 'hostnet-system']]);
  new ClusterRole(docs[0] as never).validate();
  new Role(docs[1] as never).validate();
  assert.ok(!docs[0]!.rules.some((r) => r.resources?.some((x) => x.includes('proxy'))), 'no cluster-wide proxy');
  assert.ok(!docs.some((d) => d.rules.some((r) => r.verbs.includes('*') || r.resources?.includes('*'))));
});
