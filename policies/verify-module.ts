/**
 * Check an extension's module file against the sha256 its policy pins, before
 * the sandbox loads it. A wasm extension always has a pin; a worker only when
 * its policy gives one.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KernelError } from '../nanokernel/errors.js';
import type { CompiledExtension } from './compile.js';

/**
 * Read the module and compare its sha256 with `extension.sha256`. Returns the
 * bytes read, so the caller instantiates exactly what was checked (no
 * time-of-check/time-of-use gap).
 *
 * @throws KernelError `E_PLUGIN_HASH` when the file differs or cannot be read.
 * @example
 * const bytes = await verifyModuleHash(policy.extensions.get('wordcount')!);
 * await createPlugin({ wasm: [{ data: bytes }] });
 */
export async function verifyModuleHash(extension: CompiledExtension): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    if (extension.module === undefined) throw new Error('a host principal has no module');
    bytes = await readFile(extension.module);
  } catch (cause) {
    throw new KernelError('E_PLUGIN_HASH', `cannot read the module of "${extension.id}" at ${extension.module}`, {
      facts: { extension: extension.id, module: extension.module },
      hint: 'build the module (npm run build) or fix "module:" in the policy',
      cause,
    });
  }
  if (extension.sha256 === undefined) return bytes;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== extension.sha256) {
    throw new KernelError('E_PLUGIN_HASH', `the module of "${extension.id}" has sha256 ${actual} but the policy pins ${extension.sha256}`, {
      facts: { extension: extension.id, module: extension.module, expected: extension.sha256, actual },
      hint: 'if you rebuilt the module on purpose, put the new sha256 in the policy; otherwise the file was tampered with',
    });
  }
  return bytes;
}
