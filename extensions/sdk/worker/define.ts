/**
 * `defineExtension`: how a worker extension declares its ops (each with a zod
 * schema for its body), its event handlers, and its `init`/`stop` hooks.
 * The result is what the extension's module exports as `default`.
 *
 * @module
 */
import type { z } from 'zod';
import type { EventContext, KernelApi, MessageContext } from './api.js';

/** One op: the schema its body must match and the handler that answers it. */
export interface OpSpec<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly body: S;
  handle(body: z.output<S>, ctx: MessageContext): R | Promise<R>;
}

/** One event handler; `body` is optional (events without a schema get `unknown`). */
export interface EventSpec<S extends z.ZodType = z.ZodType> {
  readonly body?: S;
  handle(body: z.output<S>, ctx: EventContext): void | Promise<void>;
}

/** A whole extension. `events` keys are topics; a key ending in `*` matches by prefix. */
export interface ExtensionDefinition<Ops extends Record<string, OpSpec<any, any>> = Record<string, OpSpec<any, any>>> {
  readonly ops: Ops;
  readonly events?: Readonly<Record<string, EventSpec<any>>>;
  /**
   * Runs once after load, before the first delivery: subscribe, warm caches.
   * `data` is the extension's `data:` from the policy (plain JSON, frozen).
   */
  init?(api: KernelApi, data: unknown): void | Promise<void>;
  /** Runs on a graceful stop. */
  stop?(): void | Promise<void>;
}

const definitions = new WeakSet<object>();

const fail = (message: string): never => {
  throw new TypeError(`defineExtension: ${message}`);
};

function checkSpec(kind: string, name: string, spec: unknown, bodyRequired: boolean): void {
  if (typeof spec !== 'object' || spec === null) fail(`${kind} "${name}" must be an object with a handle function`);
  const { body, handle } = spec as { body?: unknown; handle?: unknown };
  if (typeof handle !== 'function') fail(`${kind} "${name}" needs a handle(body, ctx) function`);
  if (body === undefined && !bodyRequired) return;
  const parser = (body as { safeParseAsync?: unknown } | null)?.safeParseAsync;
  if (typeof parser !== 'function') fail(`${kind} "${name}" needs a zod schema as body (e.g. z.object({...}))`);
}

/**
 * Declare an extension. Checks the shape now, so a malformed extension fails at
 * load with a message naming the op, not at its first message.
 *
 * @example
 * export default defineExtension({
 *   ops: {
 *     upper: { body: z.object({ text: z.string().max(1000) }), handle: ({ text }) => text.toUpperCase() },
 *   },
 * });
 */
export function defineExtension<const Ops extends Record<string, OpSpec<any, any>>>(
  definition: { readonly ops: { [K in keyof Ops]: Ops[K] } } & Omit<ExtensionDefinition<Ops>, 'ops'>,
): ExtensionDefinition<Ops> {
  if (typeof definition !== 'object' || definition === null) fail('pass an object with "ops"');
  const { ops, events, init, stop } = definition;
  if (typeof ops !== 'object' || ops === null) fail('"ops" must be an object of op specs');
  for (const name of Object.keys(ops)) checkSpec('op', name, (ops as Record<string, unknown>)[name], true);
  if (events !== undefined) {
    if (typeof events !== 'object' || events === null) fail('"events" must be an object of event specs');
    for (const topic of Object.keys(events)) checkSpec('event', topic, events[topic], false);
  }
  if (init !== undefined && typeof init !== 'function') fail('"init" must be a function');
  if (stop !== undefined && typeof stop !== 'function') fail('"stop" must be a function');
  const result = Object.freeze({ ...definition, ops: Object.freeze({ ...ops }) }) as ExtensionDefinition<Ops>;
  definitions.add(result);
  return result;
}

/** Was `value` made by `defineExtension` (in this realm)? */
export function isExtensionDefinition(value: unknown): value is ExtensionDefinition {
  return typeof value === 'object' && value !== null && definitions.has(value);
}
