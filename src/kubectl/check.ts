/**
 * `kubectl hostnet check NODE`: POST /check on the node's agent, then its snapshot (GET /snapshot),
 * checked here and printed as `hostnet check --snapshot` prints it.
 */
import { stringify } from 'yaml';
import type { CheckAnswer } from '../agent/agent.js';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { inputDiagnostics } from '../model/input-diagnostics.js';
import { checkScope } from '../model/scope.js';
import { renderJson } from '../render/json.js';
import { renderText } from '../render/text.js';
import { atOrAbove, runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import { parseSnapshot } from '../snapshot/load.js';
import { useColor } from '../cli/output.js';
import { checkRuleIds } from '../cli/options.js';
import { agentOf, agentPods, apiError, type AgentPod, type Cluster } from './cluster.js';

export async function checkNode(cluster: Cluster, namespace: string, node: string, opts: { output: 'text' | 'json' | 'yaml'; failOn: Severity; ignore: string[] }): Promise<number> {
  checkRuleIds(opts.ignore, '--ignore');
  const pod = agentOf(await agentPods(cluster, namespace, node), node, namespace);
  const asked = await cluster.agent('POST', pod, '/check');
  if (asked.status !== 200) throw apiError(asked, `run a check on ${node} (agent ${namespace}/${pod.name})`);
  const answer = JSON.parse(asked.body.toString('utf8')) as CheckAnswer;
  if (answer.fromLastCheck) process.stderr.write(`kubectl hostnet: the agent on ${node} checked at ${answer.checkedAt}; it runs a requested check at most once per interval (next in ${answer.retryAfterSeconds ?? '?'} s): this is that check\n`);
  if (!answer.ok) throw new InputError(`the agent on ${node} could not check it: ${answer.error ?? 'unknown error'}`);
  const source = `${node}.json`;
  const snapshot = parseSnapshot(await fetchSnapshot(cluster, pod), source);
  const host = buildHost(snapshot);
  const report = runChecks(host, ALL_RULES, { ignore: withAgentIgnores(opts.ignore, answer, node) }, inputDiagnostics(host));
  const text = opts.output === 'json' ? renderJson(report, { source })
    : opts.output === 'yaml' ? stringify(JSON.parse(renderJson(report, { source })))
    : renderText(report, { color: useColor(), source, scope: checkScope(host) });
  process.stdout.write(text);
  return atOrAbove(report.findings, opts.failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
}

/**
 * The user's --ignore and the agent's own, so the findings are the ones the agent reports. Rules this
 * plugin does not know (an agent newer than the plugin) cannot run here anyway.
 */
function withAgentIgnores(own: readonly string[], answer: CheckAnswer, node: string): string[] {
  const known = new Set(ALL_RULES.map((r) => r.meta.id));
  const agents = (answer.ignoredRules ?? []).filter((id) => known.has(id) && !own.includes(id));
  if (agents.length) process.stderr.write(`kubectl hostnet: leaving out what the agent on ${node} ignores (its --ignore): ${agents.join(', ')}\n`);
  return [...own, ...agents];
}

/** The agent's last snapshot as text (redacted by the agent). */
export async function fetchSnapshot(cluster: Cluster, pod: AgentPod): Promise<string> {
  const got = await cluster.agent('GET', pod, '/snapshot');
  if (got.status !== 200) throw apiError(got, `get the snapshot of ${pod.node} (agent ${pod.namespace}/${pod.name})`);
  return got.body.toString('utf8');
}
