/**
 * The worker extension SDK: what an extension author imports.
 *
 * An extension is one module whose only value imports are from this SDK (or
 * `zod`); they are provided inside the sandbox, not loaded. Its default export
 * is a `defineExtension({...})`. See docs/worker-extensions.md.
 *
 * @example
 * import { defineExtension, z } from '../../extensions/sdk/worker/index.js';
 * export default defineExtension({
 *   ops: { upper: { body: z.object({ text: z.string() }), handle: ({ text }) => text.toUpperCase() } },
 * });
 *
 * @module
 */
export { z } from 'zod';
export { KernelError } from '../../../nanokernel/errors.js';
export type { ErrorCode, WireError } from '../../../nanokernel/errors.js';
export type { CallOptions, EventContext, KernelApi, LogLevel, MessageContext } from './api.js';
export { defineExtension, isExtensionDefinition } from './define.js';
export type { EventSpec, ExtensionDefinition, OpSpec } from './define.js';
export { client } from './client.js';
export type { ClientCallOptions, ExtensionClient } from './client.js';
