/**
 * Runs a loaded extension: routes each delivered envelope to its op or event
 * handler, validates the body with the op's schema, and turns the outcome into
 * plain data (a snapshot of the reply, checked against `maxBodyBytes`, or a
 * sanitised error). Nothing an extension returns or throws reaches comlink as
 * an object the extension still controls.
 *
 * @module
 */
import type { Envelope } from '../../../nanokernel/envelope.js';
import { KernelError } from '../../../nanokernel/errors.js';
import type { EventSpec, ExtensionDefinition, KernelApi, OpSpec } from '../../../extensions/sdk/worker/index.js';
import type { Outcome } from '../protocol.js';
import { checkBodySize, snapshot } from './kernel-client.js';
import { wireFromThrown } from './thrown.js';

type ParseResult = { success: true; data: unknown } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

async function parseBody(schema: unknown, body: unknown, what: string): Promise<unknown> {
  if (schema === undefined) return body;
  const result = (await (schema as { safeParseAsync(v: unknown): Promise<ParseResult> }).safeParseAsync(body)) as ParseResult;
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  throw new KernelError('E_BAD_ENVELOPE', `${what}: body field "${field}": ${issue?.message ?? 'invalid'}`.slice(0, 500), {
    facts: { field },
    hint: `send a body matching the schema the extension declares for ${what}`,
  });
}

/** One loaded extension and the tables its handlers are found in. */
export class ExtensionRuntime {
  readonly #definition: ExtensionDefinition;
  readonly #api: KernelApi;
  readonly #maxBodyBytes: number;
  readonly #ops = new Map<string, OpSpec>();
  readonly #events = new Map<string, EventSpec>();
  readonly #eventPrefixes: [string, EventSpec][] = [];

  constructor(definition: ExtensionDefinition, api: KernelApi, maxBodyBytes: number) {
    this.#definition = definition;
    this.#api = api;
    this.#maxBodyBytes = maxBodyBytes;
    for (const [name, spec] of Object.entries(definition.ops)) this.#ops.set(name, spec);
    for (const [topic, spec] of Object.entries(definition.events ?? {})) {
      if (topic.endsWith('*')) this.#eventPrefixes.push([topic.slice(0, -1), spec]);
      else this.#events.set(topic, spec);
    }
    this.#eventPrefixes.sort((a, b) => b[0].length - a[0].length);
  }

  get ops(): string[] {
    return [...this.#ops.keys()];
  }

  get events(): string[] {
    return [...this.#events.keys(), ...this.#eventPrefixes.map(([prefix]) => `${prefix}*`)];
  }

  async init(data: unknown): Promise<void> {
    await this.#definition.init?.(this.#api, data);
  }

  async stop(): Promise<void> {
    await this.#definition.stop?.();
  }

  /** Handle one envelope; never throws. */
  async deliver(envelope: Envelope): Promise<Outcome<unknown>> {
    try {
      const value = envelope.kind === 'event' ? await this.#event(envelope) : await this.#call(envelope);
      checkBodySize(value, this.#maxBodyBytes);
      const reply = snapshot(value, 'the reply');
      checkBodySize(reply, this.#maxBodyBytes);
      return { ok: true, value: reply };
    } catch (error) {
      return { ok: false, error: wireFromThrown(error) };
    }
  }

  #context(envelope: Envelope) {
    return Object.freeze({
      from: envelope.from,
      op: envelope.op,
      resource: envelope.resource,
      traceId: envelope.trace_id,
      correlationId: envelope.correlation_id,
      api: this.#api,
    });
  }

  async #call(envelope: Envelope): Promise<unknown> {
    const spec = this.#ops.get(envelope.op);
    if (!spec) {
      throw new KernelError('E_NO_TARGET', `extension "${this.#api.id}" has no op "${envelope.op.slice(0, 128)}"`, {
        facts: { extension: this.#api.id, op: envelope.op.slice(0, 128), ops: this.ops },
        hint: `call one of: ${this.ops.join(', ') || '(none)'}`,
      });
    }
    const body = await parseBody(spec.body, envelope.body, `op "${envelope.op}"`);
    return spec.handle(body, this.#context(envelope));
  }

  async #event(envelope: Envelope): Promise<undefined> {
    const topic = envelope.to;
    const spec = this.#events.get(topic) ?? this.#eventPrefixes.find(([prefix]) => topic.startsWith(prefix))?.[1];
    if (!spec) return undefined; // subscribed more widely than handled: ignore
    const body = await parseBody(spec.body, envelope.body, `event "${topic}"`);
    await spec.handle(body, { ...this.#context(envelope), topic });
    return undefined;
  }
}
