/**
 * `nanokernel plugin hash|inspect|run` on the built plugins: hashes match the
 * pins, inspect flags a hostile plugin's unknown import and shows what wordcount
 * declares beside what the policy grants, run calls an export through a real
 * kernel and stops a plugin that never returns.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, PLUGINS, expectNoStack, json, nk, tempDir } from './cli.js';

const wasm = (name: string) => path.join(PLUGINS, `${name}.wasm`);
const pinned = (id: string) => (parse(readFileSync(DEFAULT_POLICY, 'utf8')) as { extensions: Record<string, { sha256?: string }> }).extensions[id]!.sha256;

describe.concurrent('plugin hash', () => {
  it('prints the sha256 of the file, the one the default policy pins', async () => {
    const ran = await nk(['plugin', 'hash', wasm('wordcount')], tempDir());
    expect(ran.code).toBe(0);
    const sha256 = createHash('sha256').update(readFileSync(wasm('wordcount'))).digest('hex');
    expect(ran.stdout).toBe(`${sha256}  ${wasm('wordcount')}\n`);
    expect(sha256).toBe(pinned('wordcount'));
    expect(json(await nk(['plugin', 'hash', wasm('wordcount'), '--json'], tempDir()))).toEqual({ file: wasm('wordcount'), sha256 });
  });

  it('a missing file or one that is not Wasm: E_PLUGIN_HASH, exit 1, no stack', async () => {
    const dir = tempDir();
    const missing = await nk(['plugin', 'hash', 'nope.wasm'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('E_PLUGIN_HASH: cannot read nope.wasm');
    const notWasm = await nk(['plugin', 'hash', DEFAULT_POLICY], dir);
    expect(notWasm.code).toBe(1);
    expect(notWasm.stderr).toContain('is not a valid WebAssembly module');
    for (const ran of [missing, notWasm]) expectNoStack(ran);
  });
});

describe.concurrent('plugin inspect', () => {
  it('flags the hostile plugin’s unknown import (the host would refuse it)', async () => {
    const dir = tempDir();
    const ran = await nk(['plugin', 'inspect', wasm('unknown-import'), '--json'], dir);
    expect(ran.code).toBe(0);
    const report = json<{ unknownImports: string[]; imports: { owner: string }[] }>(ran);
    expect(report.unknownImports).toEqual(['env.steal_secrets']);
    expect(report.imports.filter((i) => i.owner === 'unknown')).toHaveLength(1);
    const human = await nk(['plugin', 'inspect', wasm('unknown-import')], dir);
    expect(human.stdout).toMatch(/env\.steal_secrets +UNKNOWN \(the host refuses to load this plugin\)/);
  });

  it('shows wordcount’s declared permissions beside what the policy grants it', async () => {
    const dir = tempDir();
    const ran = await nk(['plugin', 'inspect', wasm('wordcount'), '--policy', DEFAULT_POLICY, '--json'], dir);
    expect(ran.code).toBe(0);
    const report = json<{ unknownImports: string[]; imports: { name: string; owner: string }[]; exports: { name: string }[]; declared: { why: string; grants: unknown[] }; granted: { extension: string; pinned: boolean; grants: unknown[] } }>(ran);
    expect(report.unknownImports).toEqual([]);
    expect(report.imports).toContainEqual(expect.objectContaining({ name: 'nk_call', owner: 'nanokernel' }));
    expect(report.exports.map((e) => e.name)).toContain('handle');
    expect(report.declared).toMatchObject({ why: expect.stringContaining('Pure computation'), grants: [] });
    expect(report.granted).toMatchObject({ extension: 'wordcount', pinned: true, grants: [] });
    const human = await nk(['plugin', 'inspect', wasm('wordcount'), '--policy', DEFAULT_POLICY], dir);
    expect(human.stdout).toContain('declared permissions (custom section "nanokernel.permissions"):\n  why: Pure computation on its input');
    expect(human.stdout).toContain('granted by the policy:\n  as "wordcount"\n  nothing (no messages allowed)');
  });

  it('relay, compared with the policy: its call grant to wordcount', async () => {
    const ran = await nk(['plugin', 'inspect', wasm('relay'), '--policy', DEFAULT_POLICY], tempDir());
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/as "relay"\n {2}allow call wordcount ops \[count\]/);
  });

  it('--as an extension the policy does not have: exit 2', async () => {
    const ran = await nk(['plugin', 'inspect', wasm('wordcount'), '--policy', DEFAULT_POLICY, '--as', 'ghost'], tempDir());
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('has no extension "ghost"');
    expectNoStack(ran);
  });
});

describe.concurrent('plugin run', () => {
  it('calls an export with --input as-is: wordcount counts a delivery', async () => {
    const dir = tempDir();
    const ran = await nk(['plugin', 'run', wasm('wordcount'), 'handle', '--input', '{"op":"count","body":"three little words"}', '--json'], dir);
    expect(ran.code, ran.stderr).toBe(0);
    const result = json<{ output: string; denials: number; auditFile: string }>(ran);
    expect(JSON.parse(result.output)).toEqual({ ok: { words: 3, chars: 18 } });
    expect(result.denials).toBe(0);
    // The call went through a real kernel with its own audit log, which verifies.
    expect((await nk(['audit', 'verify', result.auditFile], dir)).code).toBe(0);
  });

  it('plain text is not a delivery: the plugin answers its coded error, printed as-is', async () => {
    const ran = await nk(['plugin', 'run', wasm('wordcount'), 'handle', '--input', 'three little words'], tempDir());
    expect(ran.code).toBe(0);
    expect(ran.stdout.split('\n')[0]).toBe('{"error":{"code":"E_BAD_ENVELOPE","message":"wordcount: the input is not a delivery"}}');
  });

  it('a plugin that never returns is stopped at --timeout: E_TIMEOUT, exit 1, no hang', async () => {
    const started = Date.now();
    const ran = await nk(['plugin', 'run', wasm('spin'), 'handle', '--input', '{"op":"spin"}', '--timeout', '300'], tempDir(), 15_000);
    expect(ran.code).toBe(1);
    // Whichever side notices first (the caller's deadline or the plugin's), it is E_TIMEOUT.
    expect(ran.stderr).toMatch(/^E_TIMEOUT: "?spin"? did not answer "?handle"? within \d+ ms$/m);
    expect(Date.now() - started).toBeLessThan(10_000); // stopped, not hung until the 15 s kill
    expectNoStack(ran);
    const asJson = await nk(['plugin', 'run', wasm('spin'), 'handle', '--timeout', '300', '--json'], tempDir(), 15_000);
    expect(asJson.code).toBe(1);
    expect(json<{ error: { code: string } }>(asJson).error.code).toBe('E_TIMEOUT');
  });

  it('a plugin with an unknown import is refused, exit 1', async () => {
    const ran = await nk(['plugin', 'run', wasm('unknown-import'), 'handle'], tempDir());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^E_[A-Z_]+: .*steal_secrets/m);
    expectNoStack(ran);
  });

  it('usage errors exit 2: no export, a --timeout that is not milliseconds', async () => {
    const dir = tempDir();
    const noExport = await nk(['plugin', 'run', wasm('wordcount')], dir);
    expect(noExport.code).toBe(2);
    expect(noExport.stderr).toContain('missing the export to call');
    const badTimeout = await nk(['plugin', 'run', wasm('spin'), 'handle', '--timeout', 'soon'], dir);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout is a whole number of milliseconds');
    for (const ran of [noExport, badTimeout]) expectNoStack(ran);
  });
});
