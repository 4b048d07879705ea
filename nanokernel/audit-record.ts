/**
 * What one audit record holds, and how secrets are kept out of it.
 *
 * Records are pino-compatible JSON lines (`level`, `time`, `msg`), so `jq` and
 * `pino-pretty` read them, plus the decision fields and the hash chain
 * (`prev`, `hash`). Message bodies never appear; tokens appear only by `jti`.
 *
 * @module
 */
import { z } from 'zod';

export const AuditAction = z.enum([
  'call',
  'publish',
  'subscribe',
  'delegate',
  'mint',
  'revoke',
  'endpoint.start',
  'endpoint.stop',
  'endpoint.crash',
  'endpoint.restart',
  'circuit.open',
  'circuit.close',
  'policy.load',
  'policy.reload',
  'policy.reject',
  'audit.open',
  'audit.recovered',
  'kernel.start',
  'kernel.stop',
  'peer.trust',
  'peer.distrust',
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const Verdict = z.enum(['allow', 'deny', 'info']);
export type Verdict = z.infer<typeof Verdict>;

/** The fields a caller supplies; the log adds `seq`, `time`, `ts`, `kernel`, `prev`, `hash`. */
export const AuditEntry = z.object({
  actor: z.string(),
  action: AuditAction,
  verdict: Verdict,
  target: z.string().optional(),
  op: z.string().optional(),
  resource: z.string().optional(),
  rule: z.string().nullable().optional(),
  why: z.string().optional(),
  code: z.string().optional(),
  trace_id: z.string().optional(),
  span_id: z.string().optional(),
  envelope_id: z.string().optional(),
  /** The envelope being handled when this request was made (its parent in the trace tree). */
  causation_id: z.string().optional(),
  token_jti: z.string().optional(),
  policy_hash: z.string().optional(),
  /** Decision latency in microseconds, when measured. */
  latency_us: z.number().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.input<typeof AuditEntry>;

export const AuditRecord = AuditEntry.extend({
  level: z.number(),
  time: z.number(),
  msg: z.string(),
  seq: z.number().int().positive(),
  ts: z.string(),
  kernel: z.string(),
  prev: z.string().length(64),
  hash: z.string().length(64),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const GENESIS_HASH = '0'.repeat(64);

const SECRET_KEY = /(secret|passw(or)?d|token|authori[sz]ation|cookie|private|api[-_]?key|credential|^key$|^cap$|^body$)/i;
const JWT_LIKE = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/;
const REDACTED = '[redacted]';

/**
 * A copy of `value` with secret-looking fields and JWT-looking strings replaced.
 * Field names ending in `_jti` are ids, not secrets, and are kept.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return JWT_LIKE.test(value) ? REDACTED : value.length > 2_000 ? `${value.slice(0, 2_000)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && !key.endsWith('_jti') && !key.endsWith('jti') ? REDACTED : redact(item, depth + 1);
  }
  return out;
}
