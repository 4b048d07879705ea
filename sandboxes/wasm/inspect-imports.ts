/**
 * Import inspection: before a plugin is instantiated, every import it declares
 * must be one the host provides. Anything else (an unknown host function, an
 * imported memory or table, WASI when no grant needs it) is refused with
 * `E_DENIED` naming the import, so a plugin never reaches authority by asking
 * for a name we did not mean to give.
 *
 * @module
 */
import { KernelError } from '../../nanokernel/errors.js';

/** Our host functions, in Extism's user namespace. */
export const NK_NAMESPACE = 'extism:host/user';
export const NK_FUNCTIONS = ['nk_call', 'nk_publish', 'nk_subscribe', 'nk_delegate', 'nk_revoke', 'nk_log'] as const;
export type NkFunction = (typeof NK_FUNCTIONS)[number];

/** The Extism kernel namespace and the functions Extism JS 1.0.3 supplies in it. */
export const EXTISM_NAMESPACE = 'extism:host/env';
export const EXTISM_FUNCTIONS = [
  'alloc', 'free', 'length', 'length_unsafe',
  'load_u8', 'load_u64', 'store_u8', 'store_u64',
  'input_offset', 'input_length', 'input_load_u8', 'input_load_u64',
  'output_set', 'error_set', 'config_get', 'var_get', 'var_set',
  'http_request', 'http_status_code',
  'log_warn', 'log_info', 'log_debug', 'log_error',
] as const;

export const WASI_NAMESPACE = 'wasi_snapshot_preview1';

/**
 * Refuse `module` unless every import is provided. `wasi` says whether WASI is
 * on for this plugin (it is only when a grant needs files).
 *
 * @example
 * assertImportsProvided(module, { wasi: false }); // throws E_DENIED for env.abort
 */
export function assertImportsProvided(module: WebAssembly.Module, options: { wasi: boolean }): void {
  const refused: string[] = [];
  for (const item of WebAssembly.Module.imports(module)) {
    if (!isProvided(item, options.wasi)) refused.push(`${item.module}.${item.name}`);
  }
  if (refused.length === 0) return;
  const first = refused[0]!;
  const wasiOnly = refused.every((name) => name.startsWith(`${WASI_NAMESPACE}.`));
  throw new KernelError('E_DENIED', `the plugin imports ${first}, which the host does not provide`, {
    facts: { import: first, imports: refused.slice(0, 20), reason: 'unknown-import' },
    hint: wasiOnly
      ? 'WASI is off unless the policy grants a read-write path (host.fs); grant one or build without WASI'
      : `plugins may import only ${NK_NAMESPACE} (${NK_FUNCTIONS.join(', ')}) and the Extism kernel functions; see docs/plugin-abi.md`,
  });
}

function isProvided(item: WebAssembly.ModuleImportDescriptor, wasi: boolean): boolean {
  if (item.kind !== 'function') return false;
  if (item.module === NK_NAMESPACE) return (NK_FUNCTIONS as readonly string[]).includes(item.name);
  if (item.module === EXTISM_NAMESPACE) return (EXTISM_FUNCTIONS as readonly string[]).includes(item.name);
  if (item.module === WASI_NAMESPACE) return wasi;
  return false;
}
