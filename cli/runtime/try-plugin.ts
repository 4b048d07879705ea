/**
 * `plugin run`: call one export of any Extism plugin under a policy, through
 * a real kernel with its own audit log, so trying a third-party plugin is safe:
 * it gets exactly what the policy grants it (nothing, without a policy), its
 * host calls are decided and recorded, and a runaway is stopped at the timeout.
 *
 * @module
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Kernel } from '../../nanokernel/index.js';
import type { CompiledExtension, CompiledPolicy } from '../../policies/index.js';
import { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { allRecords } from '../audit/records.js';

export interface TryPluginOptions {
  readonly file: string;
  readonly sha256: string;
  readonly exportName: string;
  readonly input: string;
  readonly timeoutMs: number;
  readonly policy?: CompiledPolicy;
  readonly extension?: CompiledExtension;
}

export interface TryPluginResult {
  readonly output: string;
  readonly ms: number;
  readonly denials: number;
  readonly auditFile: string;
}

const TRY = 'operator';

export async function runPlugin(options: TryPluginOptions): Promise<TryPluginResult> {
  const auditFile = path.join(mkdtempSync(path.join(tmpdir(), 'nanokernel-plugin-run-')), 'audit.log');
  const kernel = await Kernel.start({ id: 'plugin-run', auditFile, auditSync: true, logger: pino({ level: 'warn' }, pino.destination(2)) });
  const id = options.extension?.id ?? path.basename(options.file, '.wasm').replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z]+/, 'p');
  try {
    const sandbox = new WasmSandbox({
      id,
      wasmPath: options.file,
      sha256: options.sha256,
      entry: options.exportName,
      abi: 'raw',
      ...(options.extension ? { host: options.extension.host, data: options.extension.data } : {}),
      ...(options.policy ? { baseDir: path.dirname(options.policy.file) } : {}),
    });
    await kernel.attach(sandbox, await kernel.mintToken(id, options.extension?.grants ?? []), { timeoutMs: options.timeoutMs, maxBodyBytes: options.extension?.host.maxBodyBytes ?? 1024 * 1024 });
    const operator = await kernel.register(TRY, await kernel.mintToken(TRY, [{ action: 'call', to: id, ops: [options.exportName] }]), () => undefined);
    const started = performance.now();
    const output = await operator.call(id, options.exportName, '', options.input, { timeoutMs: options.timeoutMs });
    const ms = Math.round(performance.now() - started);
    await kernel.shutdown();
    const denials = (await allRecords(auditFile)).filter((record) => record.verdict === 'deny' && record.actor === id).length;
    return { output: String(output), ms, denials, auditFile };
  } finally {
    await kernel.shutdown();
  }
}
