/**
 * What a plugin's `handle` export receives and what it must answer.
 *
 * Input: the delivery as JSON — `v, id, kind, from, to, op, resource, body,
 * trace_id, span_id`, and `correlation_id`, `causation_id`, `deadline` when
 * set. Never the envelope's `cap` (a token).
 *
 * Output: `{"ok": <body>}` or `{"error": {"code", "message", "hint"?, "facts"?}}`
 * with a code from nanokernel/errors.ts. Anything else is `E_TARGET_CRASHED`.
 *
 * @module
 */
import { z } from 'zod';
import { bodySize, type Envelope } from '../../nanokernel/envelope.js';
import { ERROR_CODES, KernelError } from '../../nanokernel/errors.js';

const PluginError = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string().max(2_000),
    hint: z.string().max(2_000).optional(),
    facts: z.record(z.string(), z.unknown()).optional(),
  })
  .strip();

const PluginReply = z.union([
  z.object({ ok: z.unknown() }).strict().refine((value) => 'ok' in value, 'missing "ok"'),
  z.object({ error: PluginError }).strict(),
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON input for `handle`, or E_TOO_LARGE / E_BAD_ENVELOPE when the body cannot be sent. */
export function encodeDelivery(envelope: Envelope, maxBodyBytes: number): string {
  if (bodySize(envelope.body, maxBodyBytes) > maxBodyBytes) {
    throw new KernelError('E_TOO_LARGE', `the body for ${envelope.to} is larger than its limit of ${maxBodyBytes} bytes`, {
      facts: { to: envelope.to, op: envelope.op, limit: maxBodyBytes },
      hint: `send less, or raise host.maxBodyBytes for ${envelope.to}`,
    });
  }
  const { cap: _token, ...visible } = envelope;
  try {
    return JSON.stringify(visible);
  } catch {
    throw new KernelError('E_BAD_ENVELOPE', `the body for ${envelope.to} cannot be encoded as JSON`, {
      facts: { to: envelope.to, op: envelope.op },
      hint: 'send JSON-compatible bodies to Wasm plugins',
    });
  }
}

/** Turn `handle`'s output into the reply body, or throw the plugin's (or our) coded error. */
export function decodeReply(pluginId: string, output: Uint8Array | null, kind: Envelope['kind']): unknown {
  if (output === null || output.byteLength === 0) {
    if (kind === 'event') return undefined;
    throw crashed(pluginId, 'produced no output', 'call replyOk(...) or replyError(...) before handle() returns');
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(output));
  } catch {
    throw crashed(pluginId, 'answered with output that is not UTF-8 JSON', 'answer {"ok": ...} or {"error": {...}}');
  }
  const reply = PluginReply.safeParse(json);
  if (!reply.success) throw crashed(pluginId, 'answered with JSON that is neither {"ok"} nor {"error"}', 'see docs/plugin-abi.md');
  if ('error' in reply.data) {
    const { code, message, hint, facts } = reply.data.error;
    throw new KernelError(code, message, { facts: { ...facts, plugin: pluginId }, ...(hint ? { hint } : {}) });
  }
  return reply.data.ok;
}

/**
 * The raw ABI (any Extism plugin, e.g. for \`plugin run\`): the body itself is the
 * input (a string as-is, anything else as JSON) and the output comes back as text.
 */
export function encodeRaw(envelope: Envelope, maxBodyBytes: number): string {
  const input = typeof envelope.body === 'string' ? envelope.body : JSON.stringify(envelope.body ?? null);
  if (Buffer.byteLength(input) > maxBodyBytes) {
    throw new KernelError('E_TOO_LARGE', `the input for ${envelope.to} is larger than its limit of ${maxBodyBytes} bytes`, { facts: { to: envelope.to, limit: maxBodyBytes } });
  }
  return input;
}

export function decodeRaw(pluginId: string, output: Uint8Array | null): string {
  if (output === null) return '';
  try {
    return utf8.decode(output);
  } catch {
    throw crashed(pluginId, 'answered with output that is not UTF-8 text', 'the raw ABI returns text; use --json for binary-safe output');
  }
}

function crashed(pluginId: string, what: string, hint: string): KernelError {
  return new KernelError('E_TARGET_CRASHED', `plugin ${pluginId} ${what}`, { facts: { plugin: pluginId }, hint });
}
