/**
 * Reading an extension's compiled JavaScript from disk, with the content hash
 * the kernel can compare against a policy's pinned hash (`E_PLUGIN_HASH`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The source text of a compiled extension and its sha256 (hex).
 *
 * @example
 * const { source } = await loadExtensionSource(new URL('../dist/examples/workers/greeter/index.js', import.meta.url));
 */
export async function loadExtensionSource(file: string | URL): Promise<{ source: string; sha256: string }> {
  const filePath = file instanceof URL ? fileURLToPath(file) : file;
  const bytes = await readFile(filePath);
  return { source: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') };
}
