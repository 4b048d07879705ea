/**
 * The engine's settings, read from the policy's `data:` for the arbitration
 * extension. A wrong field fails the start with `E_POLICY_INVALID` naming it.
 *
 * @module
 */
import { KernelError, z } from '../sdk/worker/index.js';
import { BUILTIN_KINDS, Kind, ReducerName } from './protocol.js';

export const ArbitrationData = z
  .object({
    /** Default collection window when an asker gives none. */
    deadlineMs: z.number().int().min(1).default(500),
    /** Longest window an asker may ask for; keep it below the engine's `host.timeoutMs` and askers' call timeouts. */
    maxDeadlineMs: z.number().int().min(1).default(3_000),
    /** Reducer used when the asker names none. */
    reducer: ReducerName.default('score'),
    /** Known resolvers: collection ends early once all of them answered; reported as `asked`. */
    resolvers: z.array(z.string().min(1).max(64)).max(1_000).default([]),
    /** User-defined kinds, besides ToolResolution, AgentResolution and ContextResolution. */
    kinds: z.array(Kind).max(256).default([]),
    /** Questions collecting at once; more asks get `E_OVERLOADED`. Keep it below the endpoint's concurrency. */
    maxPending: z.number().int().min(1).max(10_000).default(16),
    /** Proposals accepted per question (each resolver may propose once). */
    maxProposals: z.number().int().min(1).max(10_000).default(64),
    /** Closed questions remembered, so late proposals are answered `late` instead of `unknown`. */
    rememberClosed: z.number().int().min(0).max(100_000).default(256),
  })
  .strict();
export type ArbitrationData = z.output<typeof ArbitrationData>;

/** Settings resolved for the running engine. */
export interface EngineConfig extends ArbitrationData {
  readonly knownKinds: ReadonlySet<string>;
}

/**
 * Parse the policy data (undefined = all defaults).
 *
 * @example
 * const config = readConfig({ resolvers: ['cheapest', 'fastest'], kinds: ['RouteChoice'] });
 */
export function readConfig(data: unknown): EngineConfig {
  const parsed = ArbitrationData.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(data)';
    throw new KernelError('E_POLICY_INVALID', `arbitration data.${field}: ${issue.message}`, {
      facts: { field },
      hint: 'fix the data: block of the arbitration extension in the policy (see docs/extensions.md#arbitration)',
    });
  }
  const config = parsed.data;
  if (config.deadlineMs > config.maxDeadlineMs) {
    throw new KernelError('E_POLICY_INVALID', `arbitration data.deadlineMs (${config.deadlineMs}) is above data.maxDeadlineMs (${config.maxDeadlineMs})`, {
      facts: { field: 'deadlineMs' },
      hint: 'lower data.deadlineMs or raise data.maxDeadlineMs',
    });
  }
  return { ...config, knownKinds: new Set<string>([...BUILTIN_KINDS, ...config.kinds]) };
}
