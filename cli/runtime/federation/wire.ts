/**
 * What crosses NATS between kernels: subjects, and the reply to a forwarded
 * call. Requests are the envelope itself (JSON, validated with
 * `parseEnvelope` on receipt); replies are a discriminated union.
 *
 * @module
 */
import { z } from 'zod';
import { ERROR_CODES, fromWire, KernelError } from '../../../nanokernel/index.js';

/** NATS subjects, all under `nanokernel.`; kernel ids never contain `.`-free wildcards (`*`, `>`). */
export const subjects = {
  /** Calls for extensions of `kernel` (request/reply). */
  call: (kernel: string) => `nanokernel.call.${kernel}`,
  /** Events forwarded to `kernel`. */
  event: (kernel: string) => `nanokernel.event.${kernel}`,
  /** `kernel`'s signed revocation lists (published on every revocation and as a heartbeat). */
  revocations: (kernel: string) => `nanokernel.revocations.${kernel}`,
  /** Ask `kernel` for its current signed revocation list (request/reply). */
  revocationSync: (kernel: string) => `nanokernel.sync.${kernel}`,
};

export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), body: z.unknown() }).strict(),
  z
    .object({
      ok: z.literal(false),
      error: z.object({ code: z.enum(ERROR_CODES), message: z.string().max(4_000), hint: z.string().max(2_000).optional(), facts: z.record(z.string(), z.unknown()).optional() }),
    })
    .strict(),
]);
export type Reply = z.infer<typeof Reply>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parse JSON bytes; `E_BAD_ENVELOPE` when they are not JSON. */
export function decode(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new KernelError('E_BAD_ENVELOPE', 'a message from another kernel is not JSON', { cause, facts: { field: '(message)' } });
  }
}

export function okReply(body: unknown): Uint8Array {
  return encode({ ok: true, body: body === undefined ? null : body });
}

export function errorReply(error: unknown): Uint8Array {
  return encode({ ok: false, error: fromWire(error).toWire() });
}

/** The reply body, or the remote kernel's coded error rethrown here. */
export function readReply(bytes: Uint8Array): unknown {
  const parsed = Reply.safeParse(decode(bytes));
  if (!parsed.success) throw new KernelError('E_BAD_ENVELOPE', 'a reply from another kernel does not match the reply schema', { facts: { field: parsed.error.issues[0]?.path.join('.') ?? '(reply)' } });
  if (parsed.data.ok) return parsed.data.body;
  throw fromWire(parsed.data.error);
}
