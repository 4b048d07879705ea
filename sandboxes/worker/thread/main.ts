/**
 * The worker entry. `./lockdown.js` is imported first, so SES locks the realm
 * down before any other module runs. This top level is trusted and still sees
 * `process`; the extension only ever runs inside the Compartment built by
 * `compartment.ts`, with the endowments listed there.
 *
 * The worker boots and exposes `WorkerApi` before it knows its extension, so a
 * supervisor can prestart it; `load` then evaluates the extension once.
 *
 * @module
 */
import './lockdown.js';
import { workerData } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import { z as zodNamespace } from 'zod';
import * as sdk from '../../../extensions/sdk/worker/index.js';
import type { Envelope } from '../../../nanokernel/envelope.js';
import { KernelError } from '../../../nanokernel/errors.js';
import { guardedEndpoint } from '../guarded-endpoint.js';
import { WORKER_METHODS, type BootData, type KernelApi, type LoadRequest, type Outcome, type WorkerApi } from '../protocol.js';
import { installKernelErrorTransfer, wireOf } from '../transfer.js';
import { evaluateExtension, loadError } from './compartment.js';
import { makeKernelApi } from './kernel-client.js';
import { ExtensionRuntime } from './runtime.js';
import { wireFromThrown } from './thrown.js';

installKernelErrorTransfer();
const { controlPort, kernelPort } = workerData as BootData;
const kernel = wrap<KernelApi>(guardedEndpoint(kernelPort, 'call'));

/**
 * zod, as extensions see it: a frozen plain copy of its namespace. zod's classes
 * are not hardened because zod installs prototype members lazily on first use;
 * nothing trusted in this worker uses zod, so an extension can only break its own.
 */
function plainNamespace(ns: object, seen = new Map<object, object>()): object {
  const known = seen.get(ns);
  if (known) return known;
  const copy: Record<string, unknown> = {};
  seen.set(ns, copy);
  for (const key of Object.keys(ns)) {
    const value = (ns as Record<string, unknown>)[key];
    const isNamespace = Object.prototype.toString.call(value) === '[object Module]';
    copy[key] = isNamespace ? plainNamespace(value as object, seen) : value;
  }
  return Object.freeze(copy);
}

const zod = plainNamespace(zodNamespace);
/** The "zod" module as `import { z } from 'zod'` (and `import * as zod`) expect it: its members and `z`. */
const zodModule = Object.freeze({ ...zod, z: zod });
const sdkModule = Object.freeze({
  defineExtension: harden(sdk.defineExtension),
  client: harden(sdk.client),
  KernelError: harden(sdk.KernelError),
  isExtensionDefinition: harden(sdk.isExtensionDefinition),
  z: zod,
});
const originalDate = harden(Date);

let runtime: ExtensionRuntime | undefined;
let loading = false;

const api: WorkerApi = {
  async load(request: LoadRequest): Promise<Outcome<{ ops: string[]; events: string[] }>> {
    if (loading || runtime) {
      return { ok: false, error: wireOf(new KernelError('E_BAD_ENVELOPE', 'this worker already has an extension loaded', { hint: 'start a fresh worker' })) };
    }
    loading = true;
    try {
      const extensionApi = makeKernelApi(request.id, kernel, request.hostGrants.maxBodyBytes);
      const definition = await evaluateExtension(request, { api: extensionApi, modules: { sdk: sdkModule, zod: zodModule }, originalDate });
      const loaded = new ExtensionRuntime(definition, extensionApi, request.hostGrants.maxBodyBytes);
      try {
        await loaded.init(harden(structuredClone(request.data ?? {})));
      } catch (error) {
        throw loadError(request.id, 'INIT_THREW', wireFromThrown(error).message);
      }
      runtime = loaded;
      return { ok: true, value: { ops: loaded.ops, events: loaded.events } };
    } catch (error) {
      return { ok: false, error: wireFromThrown(error) };
    }
  },
  async deliver(envelope: Envelope) {
    if (!runtime) return { ok: false, error: wireOf(new KernelError('E_NO_TARGET', 'no extension is loaded in this worker')) };
    return runtime.deliver(envelope);
  },
  ping: () => 'pong',
  async stop() {
    await runtime?.stop();
  },
};

expose(Object.freeze(api), guardedEndpoint(controlPort, 'expose', new Set(WORKER_METHODS)));
