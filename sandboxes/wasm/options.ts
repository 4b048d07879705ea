/**
 * Options for a `WasmSandbox`: which plugin (path and pinned hash), what it may
 * touch on the host, and how long it may take to start.
 *
 * @module
 */
import type { z } from 'zod';
import type { HostGrants } from '../../capabilities/index.js';

export interface WasmSandboxOptions {
  /** The extension id (the port given to `start` must carry the same id). */
  readonly id: string;
  /** Path of the compiled `.wasm`. */
  readonly wasmPath: string;
  /** The sha256 the policy pins (64 hex digits); any other file is refused with `E_PLUGIN_HASH`. */
  readonly sha256: string;
  /** Host grants; nothing is granted when omitted. */
  readonly host?: z.input<typeof HostGrants>;
  /** Directory relative `host.fs` paths resolve against (the policy file's directory). */
  readonly baseDir?: string;
  /** The export that handles deliveries. Default `handle`. */
  readonly entry?: string;
  /**
   * \`nanokernel\` (default): the export receives the envelope as JSON and answers
   * \`{"ok"}\`/\`{"error"}\` (docs/plugin-abi.md). \`raw\`: any Extism plugin; the body is
   * its input and its output is returned as text (what \`plugin run\` uses).
   */
  readonly abi?: 'nanokernel' | 'raw';
  /**
   * The policy's `data` for this extension: free-form configuration, given to the
   * plugin as Extism config (`config_get`): each top-level key, strings as-is,
   * anything else as JSON. At most 64 KiB in all.
   */
  readonly data?: Readonly<Record<string, unknown>>;
  /** How long a worker may take to build its instance (start-up code included). Default 5,000 ms. */
  readonly startTimeoutMs?: number;
  /** Reset Extism's per-call memory every this many calls. Default 1,000 (Extism 1.0.3 fails call 16,384). */
  readonly resetEvery?: number;
}
