/**
 * Running one node to the end: its `when:` condition, then attempts with
 * retries and backoff, then success, its fallback, or failure. Each step is a
 * transition the run logs and publishes; a run stopped meanwhile (cancel, fail)
 * makes the node drop whatever it was doing.
 *
 * @module
 */
import type { KernelApi } from '../sdk/worker/index.js';
import { codeOf, messageOf, type ArtifactsClient } from './artifacts.js';
import { backoffDelay, isRetryable } from './backoff.js';
import { evaluate } from './conditions.js';
import type { DagConfig } from './config.js';
import { runAttempt } from './runner.js';
import type { NodeEntry, NodeState, RunView } from './state.js';
import { sleep } from './timing.js';
import type { ParsedWorkflow } from './workflow/parse.js';
import type { Backoff } from './workflow/schema.js';

/** Replies larger than this are remembered as `{ truncated: true, chars }` (conditions then see no value). */
export const MAX_RESULT_CHARS = 16_384;

type Extra = Partial<Omit<NodeEntry, 'type' | 'seq' | 'at' | 'runId' | 'nodeId' | 'state'>>;

/** What a node needs from its run. */
export interface NodeHost {
  readonly api: KernelApi;
  readonly config: DagConfig;
  readonly artifacts: ArtifactsClient;
  readonly random: () => number;
  readonly parsed: ParsedWorkflow;
  readonly view: RunView;
  readonly stopped: boolean;
  move(nodeId: string, state: NodeState, extra: Extra): Promise<void>;
}

/** Replace `{runId}` in a ref or template (and `{nodeId}` in idempotency keys). */
export const fill = (template: string, runId: string, nodeId = ''): string => template.replaceAll('{runId}', runId).replaceAll('{nodeId}', nodeId);

function remembered(result: unknown): unknown {
  if (result === undefined) return null;
  const text = JSON.stringify(result) ?? 'null';
  return text.length > MAX_RESULT_CHARS ? { truncated: true, chars: text.length } : result;
}

/** The policy of a node: node settings, then the workflow's defaults, then the tracker's data. */
export function nodeSettings(parsed: ParsedWorkflow, nodeId: string, config: DagConfig): { retries: number; backoff: Backoff; timeoutMs: number } {
  const node = parsed.workflow.nodes[nodeId]!;
  const defaults = parsed.workflow.defaults;
  return {
    retries: node.retries ?? defaults.retries ?? config.retry.attempts - 1,
    backoff: node.backoff ?? defaults.backoff ?? { baseMs: config.retry.backoffMs, factor: 2, maxMs: config.retry.maxBackoffMs, jitter: config.retry.jitter },
    timeoutMs: node.timeoutMs ?? defaults.timeoutMs ?? config.defaultTimeoutMs,
  };
}

/** Run node `id` of the host's run until it settles (or the run stops). */
export async function executeNode(host: NodeHost, id: string): Promise<void> {
  const { workflow, plan } = host.parsed;
  const runId = host.view.runId;
  const node = workflow.nodes[id]!;
  const owner = plan.ownerOf.get(id);
  if (node.when) {
    const resolve = (ref: string) => fill(ref, runId);
    let verdict: { ok: boolean; why: string };
    try {
      verdict = await evaluate(node.when, { artifacts: host.artifacts, resultOf: (n) => host.view.nodes[n]?.result, resolve });
    } catch (error) {
      verdict = { ok: false, why: `when: could not be evaluated (${codeOf(error)})` };
      if (host.stopped) return;
      await host.move(id, 'running', { attempt: host.view.nodes[id]!.attempt + 1 });
      await host.move(id, 'failed', { attempt: host.view.nodes[id]!.attempt, reason: verdict.why, code: codeOf(error) });
      return;
    }
    if (host.stopped) return;
    if (!verdict.ok) return host.move(id, 'skipped', { attempt: 0, reason: verdict.why });
  }
  const outputTemplate = owner !== undefined ? workflow.nodes[owner]!.output : node.output;
  const output = outputTemplate === undefined ? undefined : fill(outputTemplate, runId);
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(node.inputs)) inputs[name] = fill(typeof input === 'string' ? input : workflow.nodes[input.from]!.output!, runId);
  const { retries, backoff, timeoutMs } = nodeSettings(host.parsed, id, host.config);
  const idempotencyKey = fill(node.idempotencyKey ?? '{runId}/{nodeId}', runId, id);
  const common = { idempotencyKey, ...(output ? { output } : {}), ...(owner ? { fallbackFor: owner } : {}) };

  for (;;) {
    const attempt = host.view.nodes[id]!.attempt + 1;
    await host.move(id, 'running', { attempt, ...common });
    if (host.stopped) return;
    let instrument: string | undefined;
    try {
      const services = { artifacts: host.config.artifacts, pool: host.config.pool, arbitration: host.config.arbitration };
      const done = await runAttempt({ api: host.api, services, runId, nodeId: id, node, attempt, deadline: Date.now() + timeoutMs, inputs, output, idempotencyKey, onInstrument: (i) => (instrument = i) });
      if (host.stopped) return;
      return await host.move(id, 'succeeded', { attempt, ...common, result: remembered(done.result), instrument: done.instrument });
    } catch (error) {
      if (host.stopped) return;
      const code = codeOf(error);
      const failure = { attempt, code, reason: messageOf(error), ...(instrument ? { instrument } : {}) };
      if (isRetryable(code) && attempt <= retries) {
        const delayMs = backoffDelay(attempt, backoff, host.random);
        await host.move(id, 'retrying', { ...failure, delayMs });
        await sleep(delayMs);
        if (host.stopped) return;
        continue;
      }
      if (plan.fallbackOf.has(id)) return host.move(id, 'fallback', failure);
      await host.move(id, 'failed', failure);
      if (owner !== undefined) await host.move(owner, 'failed', { attempt: host.view.nodes[owner]!.attempt, reason: `its fallback "${id}" failed`, code });
      return;
    }
  }
}
