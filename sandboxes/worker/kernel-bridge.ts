/**
 * The host side of the kernel API a worker may call: an explicit table of five
 * methods, each of which validates every argument with zod, charges the rate
 * limit, checks body sizes, and forwards to the extension's `ExtensionPort`.
 * `from` is never an argument: the port belongs to this worker and the kernel
 * stamps its id. Errors that leave here are always `KernelError`s.
 *
 * @module
 */
import { z } from 'zod';
import type { HostGrants } from '../../capabilities/index.js';
import { bodySize } from '../../nanokernel/envelope.js';
import { KernelError, fromWire } from '../../nanokernel/errors.js';
import type { ExtensionPort, LogLevel } from '../../nanokernel/sandbox.js';
import { RateLimiter } from './limits.js';
import type { KernelApi } from './protocol.js';
import { cloneableFacts } from './transfer.js';

const Key = (max: number) => z.string().min(1).max(max);
const Resource = z.string().max(512);
const CallOptions = z.object({ timeoutMs: z.number().int().min(1).max(600_000).optional(), cap: z.string().min(1).max(16_384).optional() }).strict();
const DelegateOptions = z.object({ cap: z.string().min(1).max(16_384).optional() }).strict();
const Level = z.enum(['debug', 'info', 'warn', 'error']);

/** Most characters of a log message and of its serialised fields that reach the kernel log. */
export const MAX_LOG_MESSAGE = 2_000;
export const MAX_LOG_FIELDS = 4_000;

function arg<T>(schema: z.ZodType<T>, value: unknown, method: string, name: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = [name, ...(issue?.path ?? []).slice(0, 8).map(String)].join('.').slice(0, 200);
  throw new KernelError('E_BAD_ENVELOPE', `${method}: argument "${where}": ${(issue?.message ?? 'invalid').slice(0, 200)}`, {
    facts: { method, argument: where },
    hint: `call ${method} as documented in extensions/sdk/worker/api.ts`,
  });
}

/**
 * Options are a small plain object or nothing. Checked before zod sees them: a
 * typed array or an object with a million keys would otherwise make zod list
 * every key, costing the host's main thread time and memory.
 */
function options<T>(schema: z.ZodType<T>, value: unknown, method: string): T {
  const plain = value === undefined || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length <= 8);
  if (!plain) {
    throw new KernelError('E_BAD_ENVELOPE', `${method}: argument "options" must be a plain object with at most 8 keys, or omitted`, {
      facts: { method, argument: 'options' },
      hint: `call ${method} as documented in extensions/sdk/worker/api.ts`,
    });
  }
  return arg(schema, value, method, 'options');
}

/** Any failure from the port, as a `KernelError` (no host stack crosses over). */
const coded = (error: unknown): KernelError => fromWire(error instanceof KernelError ? error : error instanceof Error ? error.message : error);

/** Build the table the worker's kernel channel is served from. */
export function makeKernelBridge(port: ExtensionPort, grants: HostGrants): KernelApi {
  const limiter = new RateLimiter(port.id, grants.maxCallsPerSecond);
  const checkBody = (method: string, body: unknown) => {
    const size = bodySize(body, grants.maxBodyBytes);
    if (size > grants.maxBodyBytes) {
      throw new KernelError('E_TOO_LARGE', `${method}: the body is over extension "${port.id}"'s maxBodyBytes (${grants.maxBodyBytes})`, {
        facts: { extension: port.id, method, maxBodyBytes: grants.maxBodyBytes },
        hint: 'send less data per message or raise host.maxBodyBytes in the policy',
      });
    }
  };
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw coded(error);
    }
  };
  const table: KernelApi = {
    call: (to, op, resource, body, callOptions) =>
      guarded(async () => {
        const args = [arg(Key(64), to, 'call', 'to'), arg(Key(128), op, 'call', 'op'), arg(Resource, resource, 'call', 'resource')] as const;
        const opts = options(CallOptions.optional(), callOptions, 'call');
        limiter.take('call');
        checkBody('call', body);
        return port.call(...args, body, opts);
      }),
    publish: (topic, body) =>
      guarded(async () => {
        const t = arg(Key(512), topic, 'publish', 'topic');
        limiter.take('publish');
        checkBody('publish', body);
        await port.publish(t, body);
      }),
    subscribe: (topic) =>
      guarded(async () => {
        const t = arg(Key(512), topic, 'subscribe', 'topic');
        limiter.take('subscribe');
        await port.subscribe(t);
      }),
    delegate: (grants_, ttlSeconds, to, delegateOptions) =>
      guarded(async () => {
        const g = arg(z.array(z.unknown()).max(100), grants_, 'delegate', 'grants');
        const ttl = arg(z.number().int().min(1).max(86_400), ttlSeconds, 'delegate', 'ttlSeconds');
        const target = arg(Key(64), to, 'delegate', 'to');
        const opts = options(DelegateOptions.optional(), delegateOptions, 'delegate');
        limiter.take('delegate');
        return port.delegate(g, ttl, target, opts);
      }),
    revoke: (token) =>
      guarded(async () => {
        const t = arg(z.string().min(1).max(16_384), token, 'revoke', 'token');
        limiter.take('revoke');
        await port.revoke(t);
      }),
    log(level, message, fields) {
      try {
        const parsed = Level.safeParse(level);
        let facts = fields === undefined ? undefined : cloneableFacts(fields);
        if (facts && JSON.stringify(facts).length > MAX_LOG_FIELDS) facts = { fieldsTruncated: true };
        port.log(parsed.success ? parsed.data : ('info' as LogLevel), String(message).slice(0, MAX_LOG_MESSAGE), facts);
      } catch {
        // A log line is never worth failing the extension for.
      }
    },
  };
  return Object.freeze(table);
}
