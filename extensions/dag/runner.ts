/**
 * One attempt of one node: pick the instrument (`decide:`), take its pool slot
 * (`lease:`), ask the kernel to delegate a token for exactly the task's
 * artifacts (`get` on each input ref, `put` on the output ref, expiring at the
 * attempt's deadline), call the instrument with the task body, revoke the token,
 * give the slot back.
 *
 * @module
 */
import type { KernelApi } from '../sdk/worker/index.js';
import { chooseInstrument } from './decide.js';
import { acquireLease, releaseLease, type Held } from './lease.js';
import type { TaskBody } from './protocol.js';
import { withTimeout } from './timing.js';
import type { WorkflowNode } from './workflow/schema.js';

export interface Attempt {
  readonly api: KernelApi;
  readonly services: { readonly artifacts: string; readonly pool: string; readonly arbitration: string };
  readonly runId: string;
  readonly nodeId: string;
  readonly node: WorkflowNode;
  readonly attempt: number;
  /** Epoch ms: the whole attempt (decision, lease, call) must end by then. */
  readonly deadline: number;
  /** Input name → resolved artifact ref. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly output: string | undefined;
  readonly idempotencyKey: string;
  /** Called with the chosen instrument before the task is sent. */
  onInstrument?(instrument: string): void;
}

/**
 * The grants a task gets: read its inputs, write its output, nothing else.
 *
 * @example
 * taskGrants('artifacts', ['in/a.txt'], 'out/b.txt')
 * // [{ action: 'call', to: 'artifacts', ops: ['get'], resources: ['in/a.txt'] },
 * //  { action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/b.txt'] }]
 */
export function taskGrants(artifacts: string, inputs: readonly string[], output: string | undefined): object[] {
  const grants: object[] = [];
  const reads = [...new Set(inputs)];
  if (reads.length > 0) grants.push({ action: 'call', to: artifacts, ops: ['get'], resources: reads });
  if (output !== undefined) grants.push({ action: 'call', to: artifacts, ops: ['put'], resources: [output] });
  return grants;
}

async function revokeTaskToken(a: Attempt, cap: string): Promise<void> {
  try {
    await a.api.revoke(cap);
  } catch (error) {
    // Still bounded by its expiry at the attempt's deadline; say so, do not fail the node for it.
    const code = (error as { code?: unknown }).code;
    a.api.log('warn', 'could not revoke the task token; it expires at the attempt deadline', { node: a.nodeId, attempt: a.attempt, code: typeof code === 'string' ? code : 'unknown' });
  }
}

/** Run the attempt; resolves with the instrument's reply or throws its (coded) error. */
export async function runAttempt(a: Attempt): Promise<{ result: unknown; instrument: string }> {
  const left = () => a.deadline - Date.now();
  const what = `node "${a.nodeId}" (attempt ${a.attempt})`;
  return withTimeout(
    (async () => {
      const instrument = a.node.decide ? await chooseInstrument(a.api, a.services.arbitration, a.node.decide, a.node.use, a.deadline) : a.node.use!;
      a.onInstrument?.(instrument);
      let held: Held | undefined;
      if (a.node.lease !== undefined) {
        const lease = a.node.lease === true ? {} : a.node.lease;
        held = await acquireLease(a.api, a.services.pool, lease.instrument ?? instrument, `${a.runId}/${a.nodeId}`, lease.ttlMs ?? Math.max(1, left()), a.deadline);
      }
      let cap: string | undefined;
      try {
        const grants = taskGrants(a.services.artifacts, Object.values(a.inputs), a.output);
        const ttlSeconds = Math.max(1, Math.ceil(left() / 1000));
        cap = grants.length > 0 ? await a.api.delegate(grants, ttlSeconds, instrument) : undefined;
        const body: TaskBody = {
          runId: a.runId,
          nodeId: a.nodeId,
          attempt: a.attempt,
          idempotencyKey: a.idempotencyKey,
          inputs: { ...a.inputs },
          ...(a.output !== undefined ? { output: a.output } : {}),
          ...(cap !== undefined ? { cap } : {}),
          deadline: a.deadline,
          params: { ...a.node.with },
        };
        const result = await a.api.call(instrument, a.node.op, a.node.resource, body, { timeoutMs: Math.max(1, left()) });
        return { result, instrument };
      } finally {
        // The attempt is over, however it ended: its token must not outlive it (an
        // instrument that kept it could otherwise re-read its inputs or overwrite its output).
        if (cap !== undefined) await revokeTaskToken(a, cap);
        if (held) await releaseLease(a.api, a.services.pool, held);
      }
    })(),
    Math.max(1, left()) + 250,
    what,
  );
}
