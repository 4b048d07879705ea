/**
 * The tracker's client for the artifact store, validating every reply against
 * the store's protocol (extensions/artifacts/protocol.ts). The tracker uses it
 * for its own event log and for `when: { exists }`; tasks reach the store with
 * their own delegated token, never through this client.
 *
 * @module
 */
import { KernelError, type KernelApi } from '../sdk/worker/index.js';
import { GetReply, ListReply, PutReply, StatReply } from '../artifacts/protocol.js';
import type { z } from 'zod';

/**
 * Read a reply through `schema`, or fail with `E_BAD_ENVELOPE` naming the op.
 *
 * @example
 * const granted = checkReply(Granted, await api.call('pool', 'lease', 'wordcount', body), 'pool lease');
 */
export function checkReply<S extends z.ZodType>(schema: S, reply: unknown, what: string): z.output<S> {
  const result = schema.safeParse(reply);
  if (result.success) return result.data;
  throw new KernelError('E_BAD_ENVELOPE', `${what} answered a reply that does not match its protocol: ${result.error.issues[0]?.message ?? 'invalid'}`, {
    facts: { what, path: result.error.issues[0]?.path.join('.') ?? '' },
    hint: 'check that the extension implements the protocol the tracker expects (docs/extensions.md#dag)',
  });
}

/** The code of a thrown value (`E_TARGET_CRASHED` for anything uncoded). */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'E_TARGET_CRASHED';
}

/** The message of a thrown value, cut short (never a body: kernel errors do not carry one). */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(error)).slice(0, 500);
}

export class ArtifactsClient {
  readonly #api: KernelApi;
  readonly to: string;

  constructor(api: KernelApi, to: string) {
    this.#api = api;
    this.to = to;
  }

  async put(ref: string, data: string): Promise<z.output<typeof PutReply>> {
    return checkReply(PutReply, await this.#api.call(this.to, 'put', ref, { data, encoding: 'utf8' }), `${this.to} put`);
  }

  async get(ref: string): Promise<z.output<typeof GetReply>> {
    return checkReply(GetReply, await this.#api.call(this.to, 'get', ref, { encoding: 'utf8' }), `${this.to} get`);
  }

  async stat(ref: string): Promise<z.output<typeof StatReply>> {
    return checkReply(StatReply, await this.#api.call(this.to, 'stat', ref, {}), `${this.to} stat`);
  }

  /** Refs under `prefix` (the resource of `list` is the prefix itself). */
  async list(prefix: string, limit = 10_000): Promise<z.output<typeof ListReply>> {
    return checkReply(ListReply, await this.#api.call(this.to, 'list', prefix, { limit }), `${this.to} list`);
  }
}
