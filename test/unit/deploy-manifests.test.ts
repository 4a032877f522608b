/**
 * deploy/: every manifest validated against the Kubernetes OpenAPI schemas (kubernetes-models, which
 * ships validators generated from them, offline); the ClusterRole equal to the calls the agent really
 * makes (recorded by the local API server); the DaemonSet's mounts equal to what collection reads,
 * all read-only; the Dockerfile multi-stage and non-root; the NPD plugin config pointing at `check --npd`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ClusterRole, type IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding, type IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Agent } from '../../src/agent/agent.js';
import { KubeNodeApi, loadKubeConfig } from '../../src/agent/kube.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { KubeAuthorizer } from '../../src/agent/auth.js';
import { Publisher } from '../../src/agent/publish.js';
import { DEFAULT_CONDITION_TYPE } from '../../src/agent/state.js';
import { agentCommand } from '../../src/cli/agent.js';
import { withClusterConfig } from '../../src/cli/input.js';
import { EXTRA_SOURCES, NETWORK_DIRS } from '../../src/collect/files.js';
import { hostnetAsync } from '../helpers/system.js';
import { FakeApiServer, listenForTest } from './agent-apiserver.js';
import { syntheticSnapshot, TRAP_RULE } from './report-synthetic.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

interface Manifest {
  file: string;
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file} is valid YAML`);
      if (doc.contents !== null) out.push({ file, object: doc.toJS() as Manifest['object'] });
    }
  }
  return out;
}

const MODELS: Record<string, (o: never) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o),
  'v1/ServiceAccount': (o) => new ServiceAccount(o),
  'rbac.authorization.k8s.io/v1/ClusterRole': (o) => new ClusterRole(o),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o) => new ClusterRoleBinding(o),
  'apps/v1/DaemonSet': (o) => new DaemonSet(o),
};

function one<T>(kind: string): T {
  const found = manifests().filter((m) => m.object.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!.object as T;
}

test('every manifest is a known kind and valid against the Kubernetes OpenAPI schema', () => {
  const all = manifests();
  assert.ok(all.length >= 5);
  for (const { file, object } of all) {
    const make = MODELS[`${object.apiVersion}/${object.kind}`];
    assert.ok(make, `${file}: ${object.apiVersion} ${object.kind} has a validator`);
    assert.doesNotThrow(() => make(object as never).validate(), `${file}: ${object.kind} ${object.metadata.name}`);
  }
  // The validators catch a wrong type, so a passing test means something.
  const broken = structuredClone(one<IDaemonSet>('DaemonSet')) as unknown as { spec: { template: { spec: { hostNetwork: unknown } } } };
  broken.spec.template.spec.hostNetwork = 'yes';
  assert.throws(() => new DaemonSet(broken as never).validate(), /hostNetwork must be boolean/);
});

test('the kustomization lists every manifest, and namespaced objects share one namespace', () => {
  const k = parseAllDocuments(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  const files = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...k.resources].sort(), files);
  const ns = manifests().find((m) => m.object.kind === 'Namespace')!.object.metadata.name;
  for (const m of manifests()) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(m.object.kind)) assert.equal(m.object.metadata.namespace, ns, m.file);
  const binding = one<IClusterRoleBinding>('ClusterRoleBinding');
  const ds = one<IDaemonSet>('DaemonSet');
  assert.equal(binding.roleRef.name, one<IClusterRole>('ClusterRole').metadata?.name);
  assert.deepEqual(binding.subjects?.map((s) => [s.kind, s.name, s.namespace]), [['ServiceAccount', ds.spec?.template.spec?.serviceAccountName, ns]]);
});

test('the ClusterRole grants exactly the API calls the agent makes, no more', { timeout: 30_000 }, async (t) => {
  const server = new FakeApiServer('node1');
  await server.start();
  const metrics = new AgentMetrics({ processMetrics: false });
  const publisher = new Publisher({ api: new KubeNodeApi(loadKubeConfig(server.kubeconfig()), { timeoutMs: 2000, conditionType: DEFAULT_CONDITION_TYPE }), nodeName: 'node1', eventNamespace: 'default', metrics, log: () => {}, backoff: { initialMs: 10, maxMs: 10 }, maxPendingEvents: 10 });
  let traps = ['trap0'];
  // The cluster serves Calico/VPP's objects, so every read the agent can make is made.
  server.objects.set('/api/v1/namespaces/calico-vpp-dataplane/configmaps/calico-vpp-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calico-vpp-config', namespace: 'calico-vpp-dataplane' }, data: { CALICOVPP_INTERFACES: '{"uplinkInterfaces": [{"interfaceName": "eth1"}]}' } });
  server.objects.set('/apis/apps/v1/namespaces/calico-vpp-dataplane/daemonsets/calico-vpp-node', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-vpp-node', namespace: 'calico-vpp-dataplane' }, spec: { selector: {}, template: { spec: { containers: [] } } } });
  const authorizer = new KubeAuthorizer(loadKubeConfig(server.kubeconfig()), 2000);
  const agent = new Agent({
    nodeName: 'node1', intervalMs: 3_600_000, rules: [TRAP_RULE], ignore: [], threshold: 'warning', conditionType: DEFAULT_CONDITION_TYPE, metrics, publisher, log: () => {},
    collect: async () => withClusterConfig(syntheticSnapshot({ traps }), server.kubeconfig(), () => {}, 'node1', 2000),
    access: { mode: 'kube', authorizer, protectMetrics: false },
  });
  const { port } = await listenForTest(t, agent, server);
  await agent.trigger();
  traps = [];
  await agent.trigger();
  // A plugin user's request: the agent reviews the token and the user's access.
  server.users.set('user-token', { username: 'alice', groups: [], rules: [{ apiGroups: ['hostnet'], resources: ['nodes/check'], verbs: ['create'] }] });
  const asked = await fetch(`http://127.0.0.1:${port}/check`, { method: 'POST', headers: { authorization: 'Bearer user-token' } });
  assert.equal(asked.status, 200, await asked.text());
  await publisher.idle();
  // "verb group/resource[/subresource] [name]"; a name only where the role names its objects.
  const used = new Set(server.requests.map((r) => {
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)\/(?:namespaces\/[^/]+\/)?([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(r.path);
    assert.ok(m, r.path);
    const verb = { GET: m[3] ? 'get' : 'list', PATCH: 'patch', POST: 'create', PUT: 'update', DELETE: 'delete' }[r.method] ?? r.method;
    const named = m[2] === 'configmaps' || m[2] === 'daemonsets';
    return `${verb} ${m[1] ?? ''}/${m[2]}${m[4] ? `/${m[4]}` : ''}${named ? ` ${m[3]}` : ''}`;
  }));
  const granted = new Set(one<IClusterRole>('ClusterRole').rules!.flatMap((rule) => {
    assert.equal(rule.apiGroups?.length, 1);
    return rule.resources!.flatMap((res) => rule.verbs.flatMap((v) => (rule.resourceNames ?? ['']).map((n) => `${v} ${rule.apiGroups![0]}/${res}${n ? ` ${n}` : ''}`)));
  }));
  // calico-config (v0.7-era) and the kube-system DaemonSet are asked for too; this cluster has only the current ones (404).
  assert.deepEqual([...granted].sort(), [...used].sort());
  assert.ok(![...granted].some((g) => g.includes('*')));
});

test('the DaemonSet mounts read-only exactly what collection reads, on the host network, as non-root', () => {
  const ds = one<IDaemonSet>('DaemonSet');
  const pod = ds.spec!.template.spec!;
  assert.equal(pod.hostNetwork, true, 'collection must see the host network namespace (ip, /sys/class/net, /proc/net/bonding)');
  assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
  const [container, ...others] = pod.containers;
  assert.ok(container);
  assert.equal(others.length, 0);
  // What collection reads from the host's files: src/collect (NETWORK_DIRS, EXTRA_SOURCES, host facts, sysfs, udev db).
  // /proc paths need no mount: with hostNetwork the container's /proc/net is the host's.
  const needed = new Set(['/sys', '/etc/machine-id', '/etc/os-release', '/run/udev/data', ...NETWORK_DIRS,
    ...EXTRA_SOURCES.map((s) => s.dir).filter((d) => !d.startsWith('/proc/'))]);
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mounted = new Set<string>();
  for (const m of container.volumeMounts ?? []) {
    assert.equal(m.readOnly, true, `${m.mountPath} is read-only`);
    const v = volumes.get(m.name);
    assert.ok(v?.hostPath, `${m.name} is a hostPath volume`);
    assert.equal(v.hostPath.path, m.mountPath, `${m.name}: mounted where collection looks for it`);
    assert.ok(!m.mountPath.startsWith('/proc'), 'no /proc mount');
    mounted.add(m.mountPath);
  }
  // Every path collection reads is mounted (itself or a directory above it); every mount is such a path.
  const covered = (path: string): boolean => [...mounted].some((m) => path === m || path.startsWith(`${m}/`));
  const missing = [...needed].filter((p) => !covered(p));
  assert.deepEqual(missing, [], 'collection reads these paths: add a read-only hostPath mount to deploy/daemonset.yaml');
  const extra = [...mounted].filter((m) => !needed.has(m));
  assert.deepEqual(extra, [], 'mounted but not read by collection');
  assert.equal(volumes.size, mounted.size, 'no unused volume');
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.ok((pod.securityContext?.runAsUser ?? 0) > 0);
  assert.equal(container.securityContext?.privileged ?? false, false);
  assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
  assert.equal(container.securityContext?.capabilities?.add, undefined);
  assert.equal(container.env?.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
  assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
});

test('the DaemonSet\'s arguments are options `hostnet agent` knows', () => {
  const container = one<IDaemonSet>('DaemonSet').spec!.template.spec!.containers[0]!;
  const [verb, ...args] = container.args ?? [];
  assert.equal(verb, 'agent');
  const known = new Set(agentCommand().options.flatMap((o) => [o.long, o.short].filter(Boolean)));
  for (const arg of args) assert.ok(known.has(arg.split('=')[0]), `${arg} is an agent option`);
  const port = /:(\d+)$/.exec(args.find((a) => a.startsWith('--listen='))!)![1];
  assert.equal(String(container.ports?.[0]?.containerPort), port);
});

test('the agent started as the DaemonSet starts it (its node options and environment) checks and publishes', { timeout: 90_000 }, async (t) => {
  const container = one<IDaemonSet>('DaemonSet').spec!.template.spec!.containers[0]!;
  // The command is the image's entrypoint with node options added: same program, same script.
  const command = container.command ?? [];
  const script = command.findIndex((a) => a.endsWith('.js'));
  assert.equal(command[0], 'node');
  assert.equal(command[script], '/opt/hostnet/hostnet.js');
  const env = Object.fromEntries((container.env ?? []).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value!]));
  const server = new FakeApiServer('worker-1');
  await server.start();
  t.after(() => server.stop());
  // A node with real findings, so the condition is True and Events are created.
  const snap = fileURLToPath(new URL('../../examples/calico-vpp-broken/snapshot.json', import.meta.url));
  const r = await hostnetAsync(['agent', '--once', '--snapshot', snap, '--node-name', 'worker-1', '--kubeconfig', server.kubeconfig()],
    { nodeArgs: command.slice(1, script), env });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/i, 'no warnings from V8 or Node about the options');
  assert.equal(server.condition('HostNetworkTrap')?.status, 'True');
  assert.ok(server.events.size >= 4, `${server.events.size} events`);
  assert.deepEqual(server.schemaErrors, []);
});

test('the Dockerfile is multi-stage with a small non-root runtime that runs the bundle', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.map((l, i) => [l, i] as const).filter(([l]) => /^FROM /i.test(l));
  assert.ok(stages.length >= 2, 'multi-stage');
  const runtime = lines.slice(stages.at(-1)![1]);
  assert.match(runtime[0]!, /^FROM node:20-[\w.-]*slim/i, 'a slim Node 20 runtime (engines: node >= 20)');
  const user = runtime.filter((l) => /^USER /i.test(l)).at(-1);
  assert.ok(user && !/^USER\s+(0|root)\b/i.test(user), 'the runtime runs as non-root');
  assert.ok(runtime.some((l) => /^COPY --from=\w+ \/src\/dist\/ \/opt\/hostnet\//.test(l)), 'only the bundle is copied in');
  assert.ok(!runtime.some((l) => /^COPY (?!--from)/i.test(l)), 'nothing from the build context in the runtime');
  assert.ok(runtime.some((l) => /iproute2/.test(l)), 'iproute2: collection runs ip -j');
  assert.match(runtime.find((l) => /^ENTRYPOINT/i.test(l))!, /"node", "\/opt\/hostnet\/hostnet\.js"/);
  // The bundle the image copies is what `npm run build` makes.
  // (scripts/build.mjs bundles into dist/, and scripts/bundle.mjs names the entry hostnet.js.)
  const build = readFileSync(fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url)), 'utf8');
  const bundle = readFileSync(fileURLToPath(new URL('../../scripts/bundle.mjs', import.meta.url)), 'utf8');
  assert.match(build, /bundle\('dist',/);
  assert.match(bundle, /entryPoints: \{\s*hostnet: /);
  assert.match(bundle, /return `\$\{outdir\}\/hostnet\.js`/);
});

test('the NPD custom plugin config runs `hostnet check --npd` for the agent\'s condition type', () => {
  const config = JSON.parse(readFileSync(join(DEPLOY, 'npd', 'hostnet-plugin-monitor.json'), 'utf8')) as {
    plugin: string; pluginConfig: { invoke_interval: string; timeout: string; max_output_length: number };
    conditions: { type: string }[]; rules: { type: string; condition: string; path: string; reason: string }[];
  };
  assert.equal(config.plugin, 'custom');
  assert.deepEqual(config.conditions.map((c) => c.type), [DEFAULT_CONDITION_TYPE]);
  for (const rule of config.rules) {
    assert.ok(['permanent', 'temporary'].includes(rule.type));
    assert.equal(rule.condition, DEFAULT_CONDITION_TYPE);
    assert.match(rule.reason, /^[A-Z][A-Za-z]+$/, 'CamelCase reason');
    const script = join(DEPLOY, 'npd', rule.path.split('/').at(-1)!);
    assert.ok(statSync(script).mode & 0o111, `${script} is executable`);
    assert.match(readFileSync(script, 'utf8'), /hostnet\.js check --npd/);
  }
  assert.match(config.pluginConfig.invoke_interval, /^\d+[smh]$/);
  assert.ok(config.pluginConfig.max_output_length >= 80);
});

test('the tap-holder opt-in adds hostPID, root and CAP_SYS_PTRACE only, and the patched DaemonSet is valid', () => {
  const dir = join(DEPLOY, 'opt-in/tap-holders');
  const component = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { kind: string; patches: { path: string }[] };
  assert.equal(component.kind, 'Component');
  const patch = parseAllDocuments(readFileSync(join(dir, component.patches[0]!.path), 'utf8'))[0]!.toJS() as IDaemonSet;
  const ds = one<IDaemonSet>('DaemonSet');
  assert.equal(patch.metadata?.name, ds.metadata?.name);
  const pod = patch.spec!.template.spec!;
  assert.equal(pod.hostPID, true);
  const [c] = pod.containers;
  assert.equal(c!.name, ds.spec!.template.spec!.containers[0]!.name);
  assert.deepEqual(c!.securityContext?.capabilities, { drop: ['ALL'], add: ['SYS_PTRACE'] });
  // The strategic merge kustomize does, for these fields: pod fields replaced, the container merged by name.
  const merged = structuredClone(ds);
  const mergedPod = merged.spec!.template.spec!;
  mergedPod.hostPID = true;
  mergedPod.securityContext = { ...mergedPod.securityContext, ...pod.securityContext };
  mergedPod.containers[0]!.securityContext = { ...mergedPod.containers[0]!.securityContext, ...c!.securityContext };
  new DaemonSet(merged as never).validate();
  assert.equal(mergedPod.containers[0]!.securityContext?.allowPrivilegeEscalation, false, 'still no privilege escalation');
  assert.equal(mergedPod.containers[0]!.securityContext?.readOnlyRootFilesystem, true);
});
