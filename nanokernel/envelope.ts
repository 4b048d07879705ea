/**
 * The envelope: one shape for every call, reply, event and error, end to end.
 * The zod schema is the type and the validator; the kernel validates envelopes
 * that arrive from sandboxes and stamps `from` itself.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KernelError } from './errors.js';

export const ENVELOPE_VERSION = 1;

/** Extension ids: lower-case words joined by `-`, `_` or `.` (they appear in patterns and logs). */
export const ExtensionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-", starting with a letter');

const Key = z
  .string()
  .max(512)
  .refine((value) => !/[*\u0000-\u001f\u007f]/.test(value), 'must not contain "*" or control characters');

export const EnvelopeKind = z.enum(['call', 'reply', 'event', 'error']);
export type EnvelopeKind = z.infer<typeof EnvelopeKind>;

export const Envelope = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    id: z.string().min(1).max(80),
    kind: EnvelopeKind,
    /** Stamped by the kernel from the channel the message arrived on; never trusted from a sender. */
    from: z.string().min(1).max(64),
    /** An extension id for calls and replies, a topic for events. */
    to: Key.pipe(z.string().min(1)),
    op: Key.pipe(z.string().max(128)),
    resource: Key,
    ts: z.number().int().nonnegative(),
    trace_id: z.string().min(1).max(64),
    span_id: z.string().min(1).max(64),
    correlation_id: z.string().max(80).optional(),
    causation_id: z.string().max(80).optional(),
    /** Epoch milliseconds after which the call is answered with `E_TIMEOUT`. */
    deadline: z.number().int().nonnegative().optional(),
    /** A delegated token presented with a call; never logged. */
    cap: z.string().max(16_384).optional(),
    body: z.unknown(),
  })
  .strict();
export type Envelope = z.infer<typeof Envelope>;

/** The part of an envelope a sender chooses; the kernel fills in the rest. */
export type Outgoing = Pick<Envelope, 'kind' | 'to' | 'op' | 'resource' | 'body'> &
  Partial<Pick<Envelope, 'correlation_id' | 'deadline' | 'cap'>>;

/**
 * Validate an envelope from an untrusted source.
 * Throws `E_BAD_ENVELOPE` naming the first offending field.
 */
export function parseEnvelope(input: unknown): Envelope {
  let result: ReturnType<typeof Envelope.safeParse>;
  try {
    result = Envelope.safeParse(input);
  } catch (cause) {
    throw new KernelError('E_BAD_ENVELOPE', 'the envelope cannot be read: a getter or proxy trap in it threw', { cause, facts: { field: '(envelope)' } });
  }
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || '(envelope)';
  throw new KernelError('E_BAD_ENVELOPE', `envelope field "${field}": ${issue.message}`, {
    facts: { field },
    hint: 'send an envelope matching the schema in nanokernel/envelope.ts (docs/errors.md#e_bad_envelope)',
  });
}

/**
 * Bytes a body would take as JSON, counted without serialising and giving up as
 * soon as `limit` is passed (so a 100 MB body costs no more to refuse than a small one).
 * An object reached twice is counted twice, as JSON would write it; a cycle
 * therefore counts past any limit. A body whose getters or proxy traps throw
 * cannot be sent: `E_BAD_ENVELOPE`.
 */
export function bodySize(body: unknown, limit: number): number {
  try {
    return measure(body, limit);
  } catch (cause) {
    throw new KernelError('E_BAD_ENVELOPE', 'the body cannot be read: a getter or proxy trap in it threw', {
      cause,
      facts: { field: 'body' },
      hint: 'send plain data (JSON values, byte arrays)',
    });
  }
}

function measure(body: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || value === undefined) size += 4;
    else if (typeof value === 'string') size += value.length + 2;
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') size += 8;
    else if (ArrayBuffer.isView(value)) size += value.byteLength;
    else if (value instanceof ArrayBuffer) size += value.byteLength;
    else if (typeof value === 'object') {
      if (Array.isArray(value)) {
        size += 2 + value.length;
        for (let i = 0; i < value.length; i++) stack.push(value[i]);
      } else {
        for (const key in value) {
          size += key.length + 4;
          stack.push((value as Record<string, unknown>)[key]);
        }
      }
    } else size += 8;
    if (size > limit) return size;
  }
  return size;
}

/**
 * Ids unique across kernel restarts: a random boot prefix and a counter.
 * Trace ids are 32 hex characters (W3C trace-context size): 16 random per boot, 16 counted.
 */
export class IdSource {
  readonly #prefix = randomUUID().slice(0, 8);
  readonly #tracePrefix = randomUUID().replaceAll('-', '').slice(0, 16);
  #counter = 0;
  #traces = 0;
  next(): string {
    return `${this.#prefix}-${(++this.#counter).toString(36)}`;
  }
  trace(): string {
    return `${this.#tracePrefix}${(++this.#traces).toString(16).padStart(16, '0')}`;
  }
}
