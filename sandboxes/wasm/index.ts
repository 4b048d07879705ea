/**
 * The WebAssembly sandbox: Extism plugins in worker threads, loaded by pinned
 * hash, limited by their host grants, talking to the kernel only through the
 * host functions documented in docs/plugin-abi.md.
 *
 * @module
 */
export { WasmSandbox } from './wasm-sandbox.js';
export type { WasmSandboxOptions } from './options.js';
export { configFromData, wasmLimitsFromGrants } from './limits.js';
export type { WasmLimits } from './limits.js';
export { loadWasmPlugin, sha256Hex } from './load-module.js';
export type { LoadedPlugin } from './load-module.js';
export { assertImportsProvided, NK_NAMESPACE, NK_FUNCTIONS, EXTISM_NAMESPACE, EXTISM_FUNCTIONS, WASI_NAMESPACE } from './inspect-imports.js';
export { PERMISSIONS_SECTION, PluginPermissions, readPluginPermissions } from './permissions.js';
export { capMemory, PAGES_PER_MB } from './memory-limit.js';
export { MAX_HOST_CALLS_PER_DELIVERY } from './host-functions.js';
