/**
 * Typed clients for calling other extensions. The types come from the target's
 * definition (`import type` only, so nothing is loaded); at run time a client is
 * a thin wrapper over `api.call`, and the target validates the body itself.
 *
 * @module
 */
import type { z } from 'zod';
import type { CallOptions, KernelApi } from './api.js';
import type { ExtensionDefinition, OpSpec } from './define.js';

type OpsOf<D> = D extends ExtensionDefinition<infer Ops> ? Ops : never;
type BodyOf<S> = S extends OpSpec<infer Schema, any> ? z.input<Schema> : never;
type ReplyOf<S> = S extends OpSpec<any, infer R> ? Awaited<R> : never;

/** Options for one client call: the resource it names, plus the usual call options. */
export interface ClientCallOptions extends CallOptions {
  readonly resource?: string;
}

/** A client for extension `D` running under some id. */
export interface ExtensionClient<D> {
  readonly to: string;
  call<K extends keyof OpsOf<D> & string>(op: K, body: BodyOf<OpsOf<D>[K]>, options?: ClientCallOptions): Promise<ReplyOf<OpsOf<D>[K]>>;
}

/**
 * A typed client for the extension `to`, whose definition type is `D`.
 *
 * @example
 * import type uppercase from '../uppercase/index.js';
 * const upper = client<typeof uppercase>(api, 'uppercase');
 * const shout = await upper.call('upper', { text: 'hi' }); // typed as string
 */
export function client<D>(api: KernelApi, to: string): ExtensionClient<D> {
  return Object.freeze({
    to,
    call(op: string, body: unknown, options: ClientCallOptions = {}) {
      const { resource = '', ...callOptions } = options;
      return api.call(to, op, resource, body, callOptions) as never;
    },
  }) as ExtensionClient<D>;
}
