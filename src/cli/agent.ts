/** `hostnet agent`: the node agent (NodeCondition, Events, Prometheus metrics), usually as a DaemonSet. */
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import type { EndpointAccess } from '../agent/agent.js';
import { DEFAULT_CONDITION_TYPE } from '../agent/state.js';
import { collectHere } from '../collect/index.js';
import { ExitCode, InputError, inWords } from '../errors.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import { loadSnapshotFile } from '../snapshot/load.js';
import { withClusterConfig } from './input.js';
import { checkRuleIds, listOption } from './options.js';

interface AgentOpts {
  nodeName?: string;
  interval: string;
  listen: string;
  kubeconfig?: string;
  kube: boolean;
  snapshot?: string;
  root?: string;
  failOn: Severity;
  ignore: string[];
  conditionType: string;
  eventNamespace: string;
  apiTimeout: string;
  backoffMax: string;
  heartbeat: string;
  once: boolean;
  checkMinInterval: string;
  metricsAuth?: boolean;
  openEndpoints?: boolean;
}

export const DEFAULT_PORT = 9469;

export function agentCommand(): Command {
  return new Command('agent')
    .description('Run as a node agent: check this host on an interval, publish a NodeCondition and Events, serve Prometheus metrics')
    .option('--node-name <name>', 'the Node to report on (default: $NODE_NAME, else the host name)')
    .option('--interval <seconds>', 'seconds between checks', '60')
    .option('--listen <host:port>', 'address for /metrics, /healthz and POST /check', `0.0.0.0:${DEFAULT_PORT}`)
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
    .option('--no-kube', 'do not talk to Kubernetes: metrics only')
    .option('--snapshot <file>', 'check this snapshot file (re-read at every check) instead of collecting this host')
    .option('--root <dir>', 'read configuration files below this directory')
    .addOption(new Option('--fail-on <severity>', 'findings at or above this severity make the condition True').choices(['error', 'warning', 'note']).default('warning'))
    .addOption(listOption('--ignore <id>', 'a rule id not to run').default([]))
    .option('--condition-type <type>', 'the NodeCondition type to publish', DEFAULT_CONDITION_TYPE)
    .option('--event-namespace <ns>', 'namespace of the Events (Node events live in default)', 'default')
    .option('--api-timeout <seconds>', 'deadline of each Kubernetes API call', '10')
    .option('--backoff-max <seconds>', 'longest wait between retries when the API server fails', '120')
    .option('--heartbeat <seconds>', 're-send an unchanged condition this often (a change is sent at once)', '300')
    .option('--once', 'run one check, publish it, and exit with the check\'s exit code')
    .option('--check-min-interval <seconds>', 'POST /check runs at most one check this often; requests in between get the last result', '30')
    .option('--metrics-auth', 'GET /metrics needs a token allowed to `get` the non-resource URL /metrics (TokenReview, SubjectAccessReview)')
    .option('--open-endpoints', 'serve POST /check and GET /snapshot to anyone who reaches the port, without a token (the only way with --no-kube)')
    .addHelpText('after', `
Every --interval seconds, on SIGHUP, and on POST /check the agent collects this host, runs the rules and
sets the condition (${DEFAULT_CONDITION_TYPE}=True with the rule ids, False when clean, Unknown when the
check failed) on its Node with a strategic merge patch of nodes/status, and creates an Event for every
finding that appeared or went away. A failing API server is retried with backoff; metrics keep serving.

Endpoints: GET /metrics (Prometheus), GET /healthz, POST /check (runs a check, answers with a summary),
GET /snapshot (the last check's snapshot, redacted as collect --redact). POST /check and GET /snapshot need
a bearer token (Authorization, or X-Hostnet-Authorization through the API server's pod proxy) that the
API server accepts (TokenReview) for a user allowed to create/get nodes/check and nodes/snapshot in the
API group "hostnet" (SubjectAccessReview); deploy/plugin/rbac.yaml grants it to users of kubectl hostnet.
Exit codes: 0 on SIGTERM/SIGINT; with --once 0 clean, 1 findings at or above --fail-on, 2 could not evaluate.

Examples:
  npx hostnet agent                                        # in the DaemonSet (deploy/)
  npx hostnet agent --kubeconfig ~/.kube/config --node-name worker-1 --interval 300
  npx hostnet agent --no-kube --listen 127.0.0.1:9469      # metrics only
  npx hostnet agent --no-kube --open-endpoints --listen 127.0.0.1:9469   # and POST /check, GET /snapshot for anyone
  npx hostnet agent --once --no-kube --snapshot examples/vpp-e810-mac-rewritten/snapshot.json --node-name worker-1
  kill -HUP $(pidof hostnet)                           # check now`)
    .action(async (opts: AgentOpts) => {
      checkRuleIds(opts.ignore, '--ignore');
      process.exitCode = await runAgent(opts);
    });
}

function seconds(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new InputError(`${flag} ${JSON.stringify(value)}: expected a number of seconds >= ${min}`);
  return n * 1000;
}

function parseListen(value: string): { host: string; port: number } {
  // [v6]:port, or host:port split at the last colon (so $(HOST_IP):PORT works for an IPv6 node too).
  const m = /^(?:\[([^\]]+)\]|(.*)):(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError(`--listen ${JSON.stringify(value)}: expected HOST:PORT, e.g. 0.0.0.0:${DEFAULT_PORT}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

async function runAgent(opts: AgentOpts): Promise<number> {
  const intervalMs = seconds(opts.interval, '--interval', 0.1);
  const timeoutMs = seconds(opts.apiTimeout, '--api-timeout', 0.01);
  const backoffMaxMs = seconds(opts.backoffMax, '--backoff-max', 0.01);
  const heartbeatMs = seconds(opts.heartbeat, '--heartbeat', 0);
  const checkMinIntervalMs = seconds(opts.checkMinInterval, '--check-min-interval', 0);
  const listen = parseListen(opts.listen);
  if (opts.metricsAuth && !opts.kube) throw new InputError('--metrics-auth needs the API server to check tokens', undefined, 'leave out --no-kube, or --metrics-auth');
  const nodeName = opts.nodeName ?? process.env.NODE_NAME ?? hostname();
  const log = (message: string): void => {
    process.stderr.write(`${new Date().toISOString()} hostnet agent: ${message}\n`);
  };
  // Loaded here, not at start-up: the Kubernetes client and prom-client are large and only the agent needs them.
  const [{ Agent }, { KubeNodeApi, loadKubeConfig }, { AgentMetrics }, { Publisher }, { KubeAuthorizer }] = await Promise.all([
    import('../agent/agent.js'), import('../agent/kube.js'), import('../agent/metrics.js'), import('../agent/publish.js'), import('../agent/auth.js'),
  ]);
  const metrics = new AgentMetrics();
  const kc = opts.kube ? loadKubeConfig(opts.kubeconfig) : null;
  const access: EndpointAccess = opts.openEndpoints ? { mode: 'open' }
    : kc ? { mode: 'kube', authorizer: new KubeAuthorizer(kc, timeoutMs, log), protectMetrics: opts.metricsAuth === true }
    : { mode: 'closed', reason: 'POST /check and GET /snapshot are off: with --no-kube there is no API server to check tokens (start the agent with --open-endpoints to serve them to anyone)' };
  const publisher = kc
    ? new Publisher({
      api: new KubeNodeApi(kc, { timeoutMs, conditionType: opts.conditionType }),
      nodeName, eventNamespace: opts.eventNamespace, metrics, log,
      backoff: { initialMs: Math.min(1000, backoffMaxMs), maxMs: backoffMaxMs }, maxPendingEvents: 1000, heartbeatMs,
    })
    : null;
  const snapshotFile = opts.snapshot;
  // What was read from the cluster, logged when it changes (not at every check).
  let lastNote = '';
  const noteOnce = (note: string): void => {
    if (note !== lastNote) log(note);
    lastNote = note;
  };
  const agent = new Agent({
    nodeName, intervalMs, rules: ALL_RULES, ignore: opts.ignore, threshold: opts.failOn, conditionType: opts.conditionType,
    metrics, publisher, log, access, checkMinIntervalMs,
    collect: async () => {
      const snapshot = snapshotFile ? loadSnapshotFile(snapshotFile) : await collectHere({ root: opts.root, sysfsWorkers: false });
      return publisher ? withClusterConfig(snapshot, opts.kubeconfig, noteOnce, nodeName, timeoutMs) : snapshot;
    },
  });

  if (opts.once) {
    const summary = await agent.trigger();
    // Publishing is bounded: a dead API server costs the backoff, then the agent gives up.
    await Promise.race([publisher?.idle(), new Promise((r) => setTimeout(r, Math.max(timeoutMs * 3, 5000)).unref())]);
    const unpublished = publisher?.lastError;
    await agent.stop();
    if (!summary.ok) return ExitCode.couldNotEvaluate;
    if (unpublished) {
      log(`could not publish: ${unpublished}`);
      return ExitCode.couldNotEvaluate;
    }
    return summary.condition === 'True' ? ExitCode.findings : ExitCode.ok;
  }

  const { server, port } = await agent.listen(listen.host, listen.port).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot listen on ${opts.listen}: ${inWords(err)}`, undefined, 'choose another port with --listen HOST:PORT');
  });
  log(`node ${nodeName}, every ${intervalMs / 1000} s, ${ALL_RULES.length} rules, metrics on http://${listen.host}:${port}/metrics${publisher ? '' : ', Kubernetes off'}, ${describeEndpointAccess(access)}`);
  agent.start();
  const onHup = (): void => {
    log('SIGHUP: checking now');
    void agent.trigger();
  };
  process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal}: stopping`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.off('SIGHUP', onHup);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await agent.stop();
  return ExitCode.ok;
}

function describeEndpointAccess(access: EndpointAccess): string {
  if (access.mode === 'open') return 'POST /check and GET /snapshot open to anyone';
  if (access.mode === 'closed') return 'POST /check and GET /snapshot off';
  return `POST /check and GET /snapshot need a token (TokenReview, SubjectAccessReview)${access.protectMetrics ? ', /metrics too' : ''}`;
}
