/**
 * Build the sandbox an extension of a compiled policy runs in: a Wasm plugin
 * (hash pinned by the policy) or a SES worker (hash checked when pinned).
 *
 * @module
 */
import path from 'node:path';
import { KernelError, type Sandbox } from '../../nanokernel/index.js';
import type { CompiledExtension, CompiledPolicy } from '../../policies/index.js';
import { verifyModuleHash } from '../../policies/index.js';
import { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { WorkerSandbox } from '../../sandboxes/worker/index.js';

/** Make (but do not start) the sandbox for `extension`. Throws `E_PLUGIN_HASH` on a hash mismatch. */
export async function sandboxFor(policy: CompiledPolicy, extension: CompiledExtension): Promise<Sandbox> {
  const baseDir = path.dirname(path.resolve(policy.file));
  if (extension.sandbox === 'host' || extension.module === undefined) {
    throw new KernelError('E_POLICY_INVALID', `"${extension.id}" is a host principal: it is registered in-process by the program that embeds the kernel, not started in a sandbox`, { facts: { extension: extension.id } });
  }
  if (extension.sandbox === 'wasm') {
    return new WasmSandbox({
      id: extension.id,
      wasmPath: extension.module,
      sha256: extension.sha256 ?? '',
      host: extension.host,
      baseDir,
      data: extension.data,
    });
  }
  const bytes = await verifyModuleHash(extension);
  return new WorkerSandbox({
    id: extension.id,
    source: Buffer.from(bytes).toString('utf8'),
    hostGrants: extension.host,
    baseDir,
    data: extension.data,
    warmSpare: false,
  });
}
