/**
 * The worker sandbox: extensions in `worker_threads`, confined by SES, talking
 * to the kernel over a guarded comlink bridge. See docs/worker-extensions.md.
 *
 * @module
 */
export { WorkerSandbox } from './worker-sandbox.js';
export type { WorkerSandboxOptions } from './worker-sandbox.js';
export { loadExtensionSource } from './source.js';
export { RateLimiter, resourceLimitsFor, STACK_SIZE_MB } from './limits.js';
export type { FsRoot, LoadedExtension } from './protocol.js';
