/**
 * The agent's HTTP endpoints over real loopback: /metrics parsed with a Prometheus text-format parser
 * (parse-prometheus-text-format, a port of the Prometheus Python client's parser, so the exposition is
 * checked by code that is not prom-client's own), /healthz, POST /check; and `hostnet agent --once`
 * end to end against the local API server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Agent } from '../../src/agent/agent.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { hostnetArgv, hostnetAsync } from '../helpers/system.js';
import { FakeApiServer } from './agent-apiserver.js';
import { NOTE_RULE, syntheticSnapshot, TRAP_RULE } from './report-synthetic.js';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[];
}

test('GET /metrics is valid Prometheus text with findings by rule and severity, durations, last success and gaps', { timeout: 30_000 }, async (t) => {
  const metrics = new AgentMetrics();
  const agent = new Agent({
    nodeName: 'node1', intervalMs: 3_600_000, rules: [TRAP_RULE, NOTE_RULE], ignore: [], threshold: 'warning', conditionType: 'HostNetworkTrap',
    metrics, publisher: null, log: () => {}, collect: async () => syntheticSnapshot({ traps: ['trap0', 'trap1'] }),
  });
  const { server, port } = await agent.listen('127.0.0.1', 0);
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await agent.stop();
  });
  const base = `http://127.0.0.1:${port}`;
  const before = Date.now() / 1000;
  const check = await fetch(`${base}/check`, { method: 'POST' });
  assert.equal(check.status, 200);
  const answer = await check.json() as Record<string, unknown>;
  assert.deepEqual({ ...answer, checkedAt: undefined }, { ok: true, findings: 3, condition: 'True', checkedAt: undefined, fromLastCheck: false, ignoredRules: [] });
  assert.ok(Math.abs(Date.parse(String(answer.checkedAt)) - Date.now()) < 10_000, `checkedAt ${String(answer.checkedAt)}`);

  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text) as Family[];
  const family = (name: string): Family => {
    const f = families.find((x) => x.name === name);
    assert.ok(f, `${name} is exported`);
    return f;
  };
  const sample = (name: string, labels: Record<string, string>): number => {
    const m = family(name).metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
    assert.ok(m, `${name}${JSON.stringify(labels)}`);
    return Number(m.value);
  };
  assert.equal(family('hostnet_findings').type, 'GAUGE');
  assert.equal(sample('hostnet_findings', { rule: 'test/trap-iface', severity: 'error' }), 2);
  assert.equal(sample('hostnet_findings', { rule: 'test/host-note', severity: 'note' }), 1);
  assert.equal(sample('hostnet_collection_gaps', { reason: 'not-found' }), 1);
  assert.equal(sample('hostnet_collection_gaps', { reason: 'permission-denied' }), 0);
  assert.equal(sample('hostnet_checks_total', { result: 'ok' }), 1);
  assert.equal(sample('hostnet_node_condition', { type: 'HostNetworkTrap', status: 'True' }), 1);
  assert.equal(sample('hostnet_node_condition', { type: 'HostNetworkTrap', status: 'False' }), 0);
  const last = sample('hostnet_last_success_timestamp_seconds', {});
  assert.ok(last >= Math.floor(before) && last <= Date.now() / 1000 + 1, `last success ${last}`);
  const hist = family('hostnet_check_duration_seconds');
  assert.equal(hist.type, 'HISTOGRAM');
  // The parser folds labelled histograms into one bucket set; the counts per phase are read from the text.
  for (const phase of ['total', 'collect', 'rules']) assert.match(text, new RegExp(`^hostnet_check_duration_seconds_count\\{phase="${phase}"\\} 1$`, 'm'));
  assert.ok(families.some((f) => f.name === 'hostnet_agent_process_resident_memory_bytes'));

  // The findings go, the series stay at 0.
  const health = await fetch(`${base}/healthz`);
  assert.deepEqual([health.status, await health.text()], [200, 'ok\n']);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 404);
});

test('concurrent POST /check requests during a check share one follow-up check', { timeout: 30_000 }, async (t) => {
  let collections = 0;
  let release: () => void = () => {};
  const metrics = new AgentMetrics({ processMetrics: false });
  const agent = new Agent({
    nodeName: 'node1', intervalMs: 3_600_000, rules: [TRAP_RULE], ignore: [], threshold: 'warning', conditionType: 'HostNetworkTrap',
    metrics, publisher: null, log: () => {},
    collect: async () => {
      collections++;
      if (collections === 1) await new Promise<void>((r) => { release = r; });
      return syntheticSnapshot();
    },
  });
  t.after(() => agent.stop());
  const first = agent.trigger();
  const b = agent.trigger();
  const c = agent.trigger();
  release();
  await Promise.all([first, b, c]);
  assert.equal(collections, 2);
  assert.equal(b, c);
});

test('hostnet agent --once publishes the condition and exits with the check\'s code; a dead API server gives 2', { timeout: 90_000 }, async (t) => {
  const server = new FakeApiServer('worker-1');
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'hn-agent-once-'));
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const snap = join(dir, 'node.json');
  writeFileSync(snap, JSON.stringify(syntheticSnapshot()));
  const ok = await hostnetAsync(['agent', '--once', '--snapshot', snap, '--node-name', 'worker-1', '--kubeconfig', server.kubeconfig()]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(server.condition('HostNetworkTrap')?.status, 'False');
  assert.deepEqual(server.schemaErrors, []);

  server.always = { status: 503 };
  const down = await hostnetAsync(['agent', '--once', '--snapshot', snap, '--node-name', 'worker-1', '--kubeconfig', server.kubeconfig(), '--api-timeout', '0.5', '--backoff-max', '0.2']);
  assert.equal(down.code, 2);
  assert.match(down.stderr, /could not publish: get node: HTTP 503/);

  const bad = await hostnetAsync(['agent', '--once', '--snapshot', join(dir, 'missing.json'), '--no-kube']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /missing\.json/);
  const usage = await hostnetAsync(['agent', '--interval', 'soon', '--no-kube']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--interval "soon": expected a number of seconds/);
});

test('hostnet agent serves metrics, checks again on SIGHUP, and exits 0 on SIGTERM', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-agent-hup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snap = join(dir, 'node.json');
  writeFileSync(snap, JSON.stringify(syntheticSnapshot()));
  const [node, ...argv] = hostnetArgv(['agent', '--no-kube', '--snapshot', snap, '--interval', '3600', '--listen', '127.0.0.1:0']);
  const child = spawn(node!, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const waitFor = async (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    const end = Date.now() + 60_000;
    while (!(await cond())) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${what}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor(() => /metrics on http:\/\/127\.0\.0\.1:\d+/.test(stderr), 'the listening line');
  const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
  const checks = async (): Promise<number> => Number(/^hostnet_checks_total\{result="ok"\} (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? 0);
  await waitFor(async () => (await checks()) === 1, 'the first check');
  child.kill('SIGHUP');
  await waitFor(async () => (await checks()) === 2, 'a check on SIGHUP');
  assert.match(stderr, /SIGHUP: checking now/);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
