/**
 * `nanokernel plugin hash|inspect|run` — look at a Wasm plugin before trusting
 * it, and try it under a policy.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { KernelError } from '../../nanokernel/index.js';
import { loadPolicyFile } from '../../policies/index.js';
import { EXTISM_FUNCTIONS, EXTISM_NAMESPACE, NK_FUNCTIONS, NK_NAMESPACE, WASI_NAMESPACE, readPluginPermissions, sha256Hex } from '../../sandboxes/wasm/index.js';
import { flag, need, parse, str, subcommand } from '../args.js';
import { EXIT_OK, EXIT_USAGE, UsageError, emit, paint, type Io } from '../output.js';
import { runPlugin } from '../runtime/try-plugin.js';

export const PLUGIN_USAGE = `nanokernel plugin <hash|inspect|run> <file.wasm> [options]

  hash <wasm>                          the sha256 to pin in a policy's "sha256:"
  inspect <wasm> [--policy file] [--as id]
                                       exports, imports (ours / Extism's / unknown), memory, and the
                                       permissions the author declares beside what the policy grants
  run <wasm> <export> [--input text] [--policy file] [--as id] [--timeout ms]
                                       call one export under a policy (default: no grants at all)

examples:
  nanokernel plugin hash dist/plugins/wordcount.wasm
  nanokernel plugin inspect dist/plugins/relay.wasm --policy policies/default.yaml
  nanokernel plugin run dist/plugins/wordcount.wasm handle --input '{"op":"count","body":"three little words"}'

"run" passes --input to the export as-is (the raw ABI) and prints what it answers. Plugins
written for nanokernel (like wordcount) expect a delivery: {"op": …, "body": …}.`;

type ImportOwner = 'nanokernel' | 'extism' | 'wasi' | 'unknown';

function ownerOf(item: WebAssembly.ModuleImportDescriptor): ImportOwner {
  if (item.module === NK_NAMESPACE && (NK_FUNCTIONS as readonly string[]).includes(item.name)) return 'nanokernel';
  if (item.module === EXTISM_NAMESPACE && (EXTISM_FUNCTIONS as readonly string[]).includes(item.name)) return 'extism';
  if (item.module === WASI_NAMESPACE) return 'wasi';
  return 'unknown';
}

async function compile(file: string): Promise<{ bytes: Buffer; module: WebAssembly.Module; sha256: string }> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new KernelError('E_PLUGIN_HASH', `cannot read ${file}`, { cause, facts: { file }, hint: 'check the path (plugins are built by "npm run build:plugins" into dist/plugins/)' });
  });
  try {
    return { bytes, module: await WebAssembly.compile(bytes), sha256: sha256Hex(bytes) };
  } catch (cause) {
    throw new KernelError('E_PLUGIN_HASH', `${file} is not a valid WebAssembly module: ${(cause as Error).message}`, { cause, facts: { file } });
  }
}

/** The policy entry for this plugin: by `--as`, else the one pinning its hash. */
async function policyEntry(policyFile: string | undefined, as: string | undefined, sha256: string) {
  if (!policyFile) return undefined;
  const policy = await loadPolicyFile(policyFile);
  const entry = as ? policy.extensions.get(as) : [...policy.extensions.values()].find((ext) => ext.sha256 === sha256);
  if (as && !entry) throw new UsageError(`the policy ${policyFile} has no extension "${as}"`);
  return entry ? { policy, entry } : undefined;
}

async function inspect(io: Io, file: string, policyFile: string | undefined, as: string | undefined): Promise<number> {
  const { module, sha256, bytes } = await compile(file);
  const imports = WebAssembly.Module.imports(module).map((item) => ({ module: item.module, name: item.name, kind: item.kind, owner: ownerOf(item) }));
  const exports = WebAssembly.Module.exports(module).map((item) => ({ name: item.name, kind: item.kind }));
  const declared = readPluginPermissions(module);
  const granted = await policyEntry(policyFile, as, sha256);
  const report = {
    file,
    sha256,
    bytes: bytes.length,
    exports,
    imports,
    unknownImports: imports.filter((item) => item.owner === 'unknown').map((item) => `${item.module}.${item.name}`),
    declared,
    granted: granted ? { extension: granted.entry.id, pinned: granted.entry.sha256 === sha256, grants: granted.entry.grants, host: granted.entry.host } : null,
  };
  emit(io, report, (r) => {
    const lines = [`${r.file}  ${r.bytes} bytes`, `sha256 ${r.sha256}`, '', 'exports:'];
    for (const e of r.exports) lines.push(`  ${e.kind.padEnd(8)} ${e.name}`);
    lines.push('', 'imports:');
    for (const i of r.imports) {
      const label = i.owner === 'unknown' ? paint(io, 'red', 'UNKNOWN (the host refuses to load this plugin)') : i.owner;
      lines.push(`  ${`${i.module}.${i.name}`.padEnd(40)} ${label}`);
    }
    lines.push('', `declared permissions (custom section "nanokernel.permissions"):`);
    if (!r.declared) lines.push('  none declared');
    else {
      if (r.declared.why) lines.push(`  why: ${r.declared.why}`);
      for (const g of r.declared.grants) lines.push(`  ${g.action} ${g.to}${g.action === 'call' ? ` ops [${g.ops.join(', ')}] resources [${g.resources.join(', ')}]` : ''}${g.why ? ` — ${g.why}` : ''}`);
    }
    lines.push('', 'granted by the policy:');
    if (!r.granted) lines.push(policyFile ? '  no extension in the policy pins this hash (pass --as <id>)' : '  (pass --policy <file> to compare)');
    else {
      lines.push(`  as "${r.granted.extension}"${r.granted.pinned ? '' : paint(io, 'red', ' — the policy pins a DIFFERENT hash: it would refuse this file (E_PLUGIN_HASH)')}`);
      for (const g of r.granted.grants) lines.push(`  ${g.effect} ${g.action} ${g.to}${g.action === 'call' ? ` ops [${g.ops.join(', ')}] resources [${g.resources.join(', ')}]` : ''}  (${g.rule ?? ''})`);
      if (r.granted.grants.length === 0) lines.push('  nothing (no messages allowed)');
    }
    return lines.join('\n');
  });
  return EXIT_OK;
}

export async function pluginCommand(io: Io, args: readonly string[]): Promise<number> {
  const { sub, rest } = subcommand(args);
  const parsed = parse(rest, { policy: { type: 'string' }, as: { type: 'string' }, input: { type: 'string' }, timeout: { type: 'string' } });
  if (flag(parsed, 'help') || sub === undefined) {
    io.out(PLUGIN_USAGE);
    return flag(parsed, 'help') ? EXIT_OK : EXIT_USAGE;
  }
  const file = need(parsed, 0, 'the .wasm file');
  switch (sub) {
    case 'hash': {
      const { sha256 } = await compile(file);
      emit(io, { file, sha256 }, (r) => `${r.sha256}  ${r.file}`);
      return EXIT_OK;
    }
    case 'inspect':
      return inspect(io, file, str(parsed, 'policy'), str(parsed, 'as'));
    case 'run': {
      const exportName = need(parsed, 1, 'the export to call');
      const timeoutMs = Number(str(parsed, 'timeout') ?? '5000');
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) throw new UsageError('--timeout is a whole number of milliseconds (1 to 3600000)');
      const { sha256 } = await compile(file);
      const granted = await policyEntry(str(parsed, 'policy'), str(parsed, 'as'), sha256);
      const result = await runPlugin({ file, sha256, exportName, input: str(parsed, 'input') ?? '', timeoutMs, ...(granted ? { policy: granted.policy, extension: granted.entry } : {}) });
      emit(io, result, (r) => `${r.output}\n${paint(io, 'dim', `(${r.ms} ms; ${r.denials} denied request${r.denials === 1 ? '' : 's'}; audit ${r.auditFile})`)}`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown plugin command "${sub}"`);
  }
}
