#!/usr/bin/env node
/**
 * Build every AssemblyScript plugin to `dist/plugins/<name>.wasm`.
 *
 * Plugins are found at `examples/plugins/<name>/assembly/index.ts`,
 * `extensions/<name>/assembly/index.ts` and
 * `test/adversarial/wasm/plugins/<name>/assembly/index.ts`. Each is compiled with
 * the project's own `assemblyscript` (`-O3`, `--use abort=…/nkAbort`, the SDK's
 * trapping abort handler; default incremental runtime, since a plugin instance
 * lives for many calls and the stub runtime never frees). When the plugin
 * directory holds a `permissions.json`, it is embedded as the custom section
 * `nanokernel.permissions` (AssemblyScript cannot emit custom sections itself, so
 * this script appends it to the binary; see docs/plugin-abi.md).
 *
 * Compiles run in parallel in worker threads (one per core, at most 4), each
 * reusing one loaded compiler. A plugin whose sources, SDK and this script are
 * all older than its .wasm is skipped; `--force` rebuilds everything. Prints one
 * line per plugin and exits 1 if any plugin fails.
 *
 * @module
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'dist', 'plugins');
const SDK_DIR = path.join(ROOT, 'extensions', 'sdk', 'assemblyscript');
const PDK_DIR = path.join(ROOT, 'node_modules', '@extism', 'as-pdk');
const ABORT = 'extensions/sdk/assemblyscript/assembly/index/nkAbort';
const SEARCH = ['examples/plugins', 'extensions', 'test/adversarial/wasm/plugins'];
export const PERMISSIONS_SECTION = 'nanokernel.permissions';

if (isMainThread) await main();
else runWorker();

async function main() {
  const force = process.argv.includes('--force');
  const plugins = discover();
  mkdirSync(OUT_DIR, { recursive: true });
  const shared = Math.max(newest(SDK_DIR), newest(PDK_DIR), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  const todo = [];
  for (const plugin of plugins) {
    const fresh = !force && existsSync(plugin.out) && statSync(plugin.out).mtimeMs > Math.max(shared, newest(plugin.dir));
    if (fresh) console.log(`  fresh  ${plugin.name}`);
    else todo.push(plugin);
  }
  const results = await compileAll(todo);
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) process.stderr.write(`\n${r.name}:\n${r.stderr}\n`);
  console.log(`plugins: ${plugins.length} found, ${todo.length - failed.length} built, ${failed.length} failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

/** Every plugin directory with an `assembly/index.ts`; names must be unique. */
function discover() {
  const byName = new Map();
  for (const base of SEARCH) {
    const dir = path.join(ROOT, base);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const entryFile = path.join(dir, entry.name, 'assembly', 'index.ts');
      if (!entry.isDirectory() || !existsSync(entryFile)) continue;
      if (!/^[a-z][a-z0-9_-]*$/.test(entry.name)) fail(`plugin directory "${base}/${entry.name}" must be a lower-case name`);
      const other = byName.get(entry.name);
      if (other) fail(`two plugins are named "${entry.name}": ${path.relative(ROOT, other.dir)} and ${base}/${entry.name}`);
      byName.set(entry.name, {
        name: entry.name,
        dir: path.join(dir, entry.name),
        entry: path.relative(ROOT, entryFile),
        out: path.join(OUT_DIR, `${entry.name}.wasm`),
      });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function fail(message) {
  console.error(`build-plugins: ${message}`);
  process.exit(1);
}

/** The newest mtime of any file under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) max = Math.max(max, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return max;
}

/** Compile `todo` on a small pool of worker threads; resolves with one result per plugin. */
function compileAll(todo) {
  if (todo.length === 0) return Promise.resolve([]);
  const size = Math.min(todo.length, Math.max(1, Math.min(4, availableParallelism())));
  const queue = [...todo];
  const results = [];
  return new Promise((resolve) => {
    let live = size;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(fileURLToPath(import.meta.url));
      const next = () => {
        const plugin = queue.shift();
        if (plugin) worker.postMessage(plugin);
        else void worker.terminate();
      };
      worker.on('message', (result) => {
        results.push(result);
        const size = result.ok ? `${(result.bytes / 1024).toFixed(1)} kB` : 'FAILED';
        console.log(`  ${result.ok ? 'built' : 'error'}  ${result.name} (${size}, ${result.ms} ms)`);
        next();
      });
      worker.on('error', (err) => results.push({ name: '(worker)', ok: false, stderr: String(err) }));
      worker.on('exit', () => {
        if (--live === 0) resolve(results);
      });
      next();
    }
  });
}

function runWorker() {
  let ascPromise;
  parentPort.on('message', async (plugin) => {
    const started = performance.now();
    const tmp = `${plugin.out}.${process.pid}.tmp`;
    try {
      ascPromise ??= import('assemblyscript/asc');
      const asc = (await ascPromise).default;
      const stderr = asc.createMemoryStream();
      const { error } = await asc.main(
        [plugin.entry, '--outFile', tmp, '--use', `abort=${ABORT}`, '-O3', '--baseDir', ROOT],
        { stdout: asc.createMemoryStream(), stderr },
      );
      if (error) {
        const text = stderr.toString();
        const hint = text.includes('nkAbort') ? '\nhint: import the SDK (extensions/sdk/assemblyscript/assembly/index) in the plugin; it provides the abort handler\n' : '';
        throw new Error(`${error.message}\n${text}${hint}`);
      }
      let bytes = readFileSync(tmp);
      const permissions = path.join(plugin.dir, 'permissions.json');
      if (existsSync(permissions)) bytes = appendCustomSection(bytes, PERMISSIONS_SECTION, readPermissions(permissions));
      writeFileSync(tmp, bytes);
      renameSync(tmp, plugin.out);
      parentPort.postMessage({ name: plugin.name, ok: true, bytes: bytes.length, ms: Math.round(performance.now() - started) });
    } catch (err) {
      rmSync(tmp, { force: true });
      const ms = Math.round(performance.now() - started);
      parentPort.postMessage({ name: plugin.name, ok: false, ms, stderr: err instanceof Error ? err.message : String(err) });
    }
  });
}

/** The permissions file, re-serialised compactly; must be a JSON object. */
function readPermissions(file) {
  let value;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${path.relative(ROOT, file)} is not valid JSON: ${err.message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path.relative(ROOT, file)} must hold a JSON object (see docs/plugin-abi.md)`);
  }
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Append a Wasm custom section (id 0): size, name length, name, payload. */
function appendCustomSection(module, name, payload) {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([leb128(nameBytes.length), nameBytes, payload]);
  return Buffer.concat([module, Buffer.from([0]), leb128(body.length), body]);
}

function leb128(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return Buffer.from(out);
}
