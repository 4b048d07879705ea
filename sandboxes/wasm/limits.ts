/**
 * Host grants → the limits a Wasm plugin runs under. Nothing is granted by
 * default: no network, no files, no environment or config, WASI off.
 *
 * Extism JS 1.0.3 cannot express every grant, so some are enforced by us:
 * - `net`: the in-process Extism has no HTTP; the host bridges `http_request`
 *   itself and checks every URL against the grant (redirects are not followed).
 * - `fs`: WASI preopens (node:wasi) cannot be read-only, so only `readwrite`
 *   grants become preopens; `read` grants are not mapped at all (documented gap).
 * - `memoryMb`: caps the module's linear memory (memory-limit.ts), Extism's
 *   host-side blocks (an allocation budget per delivery) and the worker's heap.
 *
 * @module
 */
import path from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import type { z } from 'zod';
import { HostGrants } from '../../capabilities/index.js';
import { KernelError } from '../../nanokernel/errors.js';
import { PAGES_PER_MB } from './memory-limit.js';

const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * The policy's `data` as Extism config: strings as-is, other values as JSON.
 * Throws `E_POLICY_INVALID` past 64 KiB.
 */
export function configFromData(id: string, data: Readonly<Record<string, unknown>> = {}): Record<string, string> {
  const config: Record<string, string> = {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) continue;
    config[key] = text;
    size += key.length + text.length;
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new KernelError('E_POLICY_INVALID', `the data for ${id} is ${size} bytes; Wasm plugins take at most ${MAX_CONFIG_BYTES}`, {
      facts: { id, bytes: size },
      hint: 'keep large data in a file or an extension, and put only its name in the policy',
    });
  }
  return config;
}

/** Everything the sandbox enforces for one plugin, derived once at load. */
export interface WasmLimits {
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** Cap on the plugin's linear memory, in 64 KiB pages. */
  readonly maxPages: number;
  /** Bytes of Extism host blocks (inputs, replies, outputs) a delivery may allocate. */
  readonly allocBudgetBytes: number;
  readonly maxBodyBytes: number;
  readonly maxCallsPerSecond: number;
  /** Host patterns the plugin may reach with `http_request`. */
  readonly net: readonly string[];
  /** WASI preopens: guest path → host path (read-write grants only). */
  readonly allowedPaths: Readonly<Record<string, string>>;
  /** Read-only grants that could not be mapped (see the module notes). */
  readonly unmappedReadOnly: readonly string[];
  readonly useWasi: boolean;
  /** Limits for the worker thread that hosts the plugin. */
  readonly resourceLimits: ResourceLimits;
}

/**
 * Derive a plugin's limits from its host grants. Relative `fs` paths resolve
 * against `baseDir` (the policy file's directory).
 *
 * @example
 * const limits = wasmLimitsFromGrants(HostGrants.parse({ memoryMb: 16 }));
 * limits.maxPages; // 256
 */
export function wasmLimitsFromGrants(grants: z.input<typeof HostGrants>, baseDir: string = process.cwd()): WasmLimits {
  const host = HostGrants.parse(grants);
  const allowedPaths: Record<string, string> = {};
  const unmappedReadOnly: string[] = [];
  for (const grant of host.fs) {
    const absolute = path.resolve(baseDir, grant.path);
    if (grant.mode === 'readwrite') allowedPaths[absolute] = absolute;
    else unmappedReadOnly.push(absolute);
  }
  const useWasi = Object.keys(allowedPaths).length > 0;
  return {
    timeoutMs: host.timeoutMs,
    memoryMb: host.memoryMb,
    maxPages: host.memoryMb * PAGES_PER_MB,
    allocBudgetBytes: Math.max(host.memoryMb * 1024 * 1024, 2 * host.maxBodyBytes + 65_536),
    maxBodyBytes: host.maxBodyBytes,
    maxCallsPerSecond: host.maxCallsPerSecond,
    net: [...host.net],
    allowedPaths,
    unmappedReadOnly,
    useWasi,
    resourceLimits: {
      maxOldGenerationSizeMb: 48 + Math.ceil((2 * host.maxBodyBytes) / (1024 * 1024)),
      maxYoungGenerationSizeMb: 16,
      stackSizeMb: 4,
    },
  };
}
