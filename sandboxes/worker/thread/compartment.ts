/**
 * Builds the Compartment an extension runs in and evaluates its source.
 * The globals are exactly: the basic endowments (`endow-basic.ts`), the clock
 * (`endow-timers.ts`) when `clock` is granted, `fs` when directories are
 * granted, `fetch` when hosts are granted — plus what SES gives every
 * Compartment (the hardened JS intrinsics, `TextEncoder`/`TextDecoder`,
 * `harden`, `assert`, and a tamed `Date`/`Math` whose `now()`/`random()` throw).
 * The kernel API is not a global: it is passed to `init(api)` and `ctx.api`.
 *
 * @module
 */
import { KernelError } from '../../../nanokernel/errors.js';
import { isExtensionDefinition, type ExtensionDefinition, type KernelApi } from '../../../extensions/sdk/worker/index.js';
import type { LoadRequest } from '../protocol.js';
import { basicEndowments } from './endow-basic.js';
import { fsEndowment } from './endow-fs.js';
import { fetchEndowment } from './endow-fetch.js';
import { clockEndowments } from './endow-timers.js';
import { translateSource } from './load-format.js';

/** A load failure: `E_TARGET_CRASHED` with `facts.stage = 'load'` and the rule broken. */
export function loadError(id: string, rule: string, detail: string, line?: number): KernelError {
  return new KernelError('E_TARGET_CRASHED', `extension "${id}" failed to load: ${rule}: ${detail}`, {
    facts: { extension: id, stage: 'load', rule, ...(line ? { line } : {}) },
    hint: 'fix the extension source; the load format is described in docs/worker-extensions.md',
  });
}

/** What the worker's top level hands in: things only it can reach. */
export interface CompartmentDeps {
  readonly api: KernelApi;
  /** The provided modules (`sdk`, `zod`) by import key. */
  readonly modules: Readonly<Record<'sdk' | 'zod', object>>;
  /** The original `Date` (the start compartment's, whose `now()` works). */
  readonly originalDate: DateConstructor;
}

/** The globals for one extension, per its host grants. */
export function endowmentsFor(request: LoadRequest, deps: CompartmentDeps): Record<string, unknown> {
  const { hostGrants } = request;
  const denied = (what: string) => (facts: Record<string, unknown>) =>
    deps.api.log('warn', `host ${what} denied`, { kind: 'host-denied', resource: what, ...facts });
  return {
    ...basicEndowments(deps.api),
    ...(hostGrants.clock ? clockEndowments(deps.api, deps.originalDate) : {}),
    ...(request.fsRoots.length > 0 ? { fs: fsEndowment(request.fsRoots, denied('fs')) } : {}),
    ...(hostGrants.net.length > 0 ? { fetch: fetchEndowment(hostGrants.net, hostGrants.maxBodyBytes, (host) => denied('net')({ host })) } : {}),
  };
}

/** Map SES's own rejection messages to the rule they name. */
function sesRule(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /\((SES_[A-Z_]+)\)/.exec(message)?.[1];
}

/** Evaluate the extension and return its definition, or throw a load error naming the rule. */
export async function evaluateExtension(request: LoadRequest, deps: CompartmentDeps): Promise<ExtensionDefinition> {
  const translated = translateSource(request.source);
  if (!translated.ok) throw loadError(request.id, translated.problem.rule, translated.problem.message, translated.problem.line);
  const compartment = new Compartment({ globals: endowmentsFor(request, deps), __options__: true, name: request.id });
  let factory: unknown;
  try {
    factory = compartment.evaluate(translated.script);
  } catch (error) {
    const rule = sesRule(error) ?? 'SYNTAX';
    throw loadError(request.id, rule, error instanceof Error ? error.message.slice(0, 300) : 'the source does not parse');
  }
  let definition: unknown;
  try {
    definition = await (factory as (modules: object) => Promise<unknown>)(deps.modules);
  } catch (error) {
    const message = error instanceof Error ? error.message : typeof error;
    throw loadError(request.id, 'TOP_LEVEL_THREW', String(message).slice(0, 300));
  }
  if (!isExtensionDefinition(definition)) {
    throw loadError(request.id, 'DEFAULT_NOT_DEFINITION', 'the default export must be the result of defineExtension({...})');
  }
  return definition;
}
