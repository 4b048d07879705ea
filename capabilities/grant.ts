/**
 * Grants and requests: the data the whole capability algebra works on.
 *
 * @module
 */
import { z } from 'zod';
import { Pattern } from './pattern.js';

/** What a grant lets an extension do. */
export const Action = z.enum(['call', 'publish', 'subscribe', 'delegate']);
export type Action = z.infer<typeof Action>;

/**
 * One grant. `to` names the target: an extension id for `call` and `delegate`,
 * a topic for `publish` and `subscribe`. `ops` and `resources` narrow a `call`;
 * they default to `*`. `deny` grants beat any `allow`.
 *
 * @example
 * Grant.parse({ action: 'call', to: 'artifacts', ops: ['get'], resources: ['reports/*'] })
 */
export const Grant = z
  .object({
    effect: z.enum(['allow', 'deny']).default('allow'),
    action: Action,
    to: Pattern,
    ops: z.array(Pattern).min(1).default(['*']),
    resources: z.array(Pattern).min(1).default(['*']),
    /** Which rule of which policy this grant came from, e.g. `policies/default.yaml:14:7`. */
    rule: z.string().max(300).optional(),
    /** The author's reason, shown in explanations and in denial records. */
    why: z.string().max(500).optional(),
  })
  .strict();
export type Grant = z.output<typeof Grant>;
export type GrantInput = z.input<typeof Grant>;

export const Grants = z.array(Grant);

/**
 * A concrete request to be decided: never contains patterns.
 * `op` and `resource` are `''` where they do not apply (events, delegation, calls without a resource).
 */
export const Request = z.object({
  action: Action,
  to: z.string(),
  op: z.string(),
  resource: z.string(),
});
export type Request = z.infer<typeof Request>;

/** The outcome of a decision: the grant that decided it, or `null` for default deny. */
export interface Decision {
  readonly verdict: 'allow' | 'deny';
  readonly grant: Grant | null;
}

/** Parse grants from untrusted input, applying defaults. Throws a ZodError when invalid. */
export function parseGrants(input: unknown): Grant[] {
  return Grants.parse(input);
}
