/**
 * Loading a plugin: read the `.wasm`, check it against the sha256 the policy
 * pins, cap its memory, compile it (cached by content hash and cap) and inspect
 * its imports. Nothing of the plugin runs here.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KernelError } from '../../nanokernel/errors.js';
import { assertImportsProvided } from './inspect-imports.js';
import type { WasmLimits } from './limits.js';
import { capMemory } from './memory-limit.js';
import { readPluginPermissions, type PluginPermissions } from './permissions.js';

/** A plugin ready to instantiate. */
export interface LoadedPlugin {
  readonly path: string;
  readonly sha256: string;
  readonly module: WebAssembly.Module;
  /** The memory cap applied, in 64 KiB pages. */
  readonly maxPages: number;
  /** What the plugin declares it needs (`nanokernel.permissions`), if anything. */
  readonly permissions: PluginPermissions | null;
}

const MAX_CACHED = 64;
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The lower-case hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Load the plugin at `wasmPath`, refusing it unless its sha256 is `expectedSha256`.
 *
 * @throws KernelError `E_PLUGIN_HASH` on a hash mismatch, `E_DENIED` for an
 *   import the host does not provide or memory beyond the grant,
 *   `E_POLICY_INVALID` when the file or the pinned hash is unusable.
 * @example
 * const plugin = await loadWasmPlugin('dist/plugins/wordcount.wasm', pinned, limits);
 */
export async function loadWasmPlugin(wasmPath: string, expectedSha256: string, limits: WasmLimits): Promise<LoadedPlugin> {
  if (!/^[0-9a-f]{64}$/i.test(expectedSha256)) {
    throw new KernelError('E_POLICY_INVALID', `the pinned sha256 for ${wasmPath} is not 64 hex digits`, {
      facts: { path: wasmPath },
      hint: 'pin the plugin with "sha256sum <file>" output in the policy',
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(wasmPath);
  } catch (err) {
    throw new KernelError('E_POLICY_INVALID', `cannot read plugin file ${wasmPath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      facts: { path: wasmPath },
      hint: 'check the plugin path in the policy, or run "npm run build:plugins"',
      cause: err,
    });
  }
  const expected = expectedSha256.toLowerCase();
  const actual = sha256Hex(bytes);
  if (actual !== expected) {
    throw new KernelError('E_PLUGIN_HASH', `plugin ${wasmPath} has sha256 ${actual}, but the policy pins ${expected}`, {
      facts: { path: wasmPath, expected, actual },
      hint: 'review the new build, then update the pinned sha256 in the policy (or restore the pinned file)',
    });
  }
  const module = await compileCached(actual, bytes, limits.maxPages);
  assertImportsProvided(module, { wasi: limits.useWasi });
  let permissions: PluginPermissions | null = null;
  try {
    permissions = readPluginPermissions(module);
  } catch {
    permissions = null; // a claim, not a grant: a malformed claim does not stop loading
  }
  return { path: wasmPath, sha256: actual, module, maxPages: limits.maxPages, permissions };
}

function compileCached(sha256: string, bytes: Uint8Array, maxPages: number): Promise<WebAssembly.Module> {
  const key = `${sha256}:${maxPages}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const capped = capMemory(bytes, maxPages).bytes;
  const module = WebAssembly.compile(capped).catch((err: unknown) => {
      compiled.delete(key);
      throw new KernelError('E_DENIED', `the plugin is not a valid Wasm module: ${(err as Error).message}`, {
        facts: { reason: 'malformed-module', sha256 },
        hint: 'rebuild the plugin with a standard toolchain (docs/plugin-abi.md)',
      });
    });
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, module);
  return module;
}
