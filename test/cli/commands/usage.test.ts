/**
 * How the command is called: `--help` everywhere (exit 0), and every way of
 * calling it wrong (no command, an unknown command, subcommand or flag) is a
 * usage error, exit 2, with the usage and no stack; with `--json`, a JSON error.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectNoStack, json, nk, tempDir } from './cli.js';

const USAGE_HEADS = {
  run: 'nanokernel run [workflow.yaml] [options]',
  policy: 'nanokernel policy <check|explain|schema|diff|learn> [options]',
  audit: 'nanokernel audit <verify|query|tail|stats|serve> <log> [options]',
  plugin: 'nanokernel plugin <hash|inspect|run> <file.wasm> [options]',
  keys: 'nanokernel keys <init|rotate|jwks>',
} as const;

const SUBCOMMANDS: readonly (readonly string[])[] = [
  ['run'],
  ['policy', 'check'],
  ['policy', 'explain'],
  ['policy', 'schema'],
  ['policy', 'diff'],
  ['policy', 'learn'],
  ['audit', 'verify'],
  ['audit', 'query'],
  ['audit', 'tail'],
  ['audit', 'stats'],
  ['plugin', 'hash'],
  ['plugin', 'inspect'],
  ['plugin', 'run'],
  ['keys', 'init'],
  ['keys', 'rotate'],
  ['keys', 'jwks'],
];

// Every case is its own subprocess and touches nothing shared: they run concurrently.
describe.concurrent('nanokernel (top level)', () => {
  it('--help and help print the commands, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const ran = await nk([flag], tempDir());
      expect(ran.code, flag).toBe(0);
      expect(ran.stdout).toMatch(/^nanokernel — a capability-secured nanokernel/);
      for (const command of Object.keys(USAGE_HEADS)) expect(ran.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
  });

  it('no command: the usage, exit 2', async () => {
    const ran = await nk([], tempDir());
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain('usage: nanokernel <command> [options]');
  });

  it('an unknown command: exit 2, named, with the usage; --json gives a USAGE error', async () => {
    const ran = await nk(['frobnicate'], tempDir());
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^unknown command "frobnicate"\n\nnanokernel — /);
    expectNoStack(ran);
    const asJson = await nk(['frobnicate', '--json'], tempDir());
    expect(asJson.code).toBe(2);
    expect(json(asJson)).toEqual({ error: { code: 'USAGE', message: 'unknown command "frobnicate"' } });
    const subJson = await nk(['policy', 'explain', 'p.yaml', '--call', 'a', 'b', '--json'], tempDir());
    expect(subJson.code).toBe(2);
    expect(json(subJson)).toEqual({ error: { code: 'USAGE', message: '--as <extension> names who is asking' } });
  });
});

describe.concurrent('each command', () => {
  for (const [command, head] of Object.entries(USAGE_HEADS)) {
    it(`${command} --help: its usage with examples, exit 0`, async () => {
      const ran = await nk([command, '--help'], tempDir());
      expect(ran.code).toBe(0);
      expect(ran.stdout.startsWith(head)).toBe(true);
      expect(ran.stdout).toContain('examples:');
    });
  }

  for (const args of SUBCOMMANDS) {
    it(`${args.join(' ')} --help: its command's usage, exit 0, nothing written`, async () => {
      const dir = tempDir();
      const ran = await nk([...args, '--help'], dir);
      expect(ran.code).toBe(0);
      expect(ran.stdout.startsWith(USAGE_HEADS[args[0] as keyof typeof USAGE_HEADS])).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  // Flags are parsed per command: one subcommand of each stands for the others.
  for (const args of [['run'], ['policy', 'check', 'p.yaml'], ['audit', 'verify', 'a.log'], ['plugin', 'hash', 'p.wasm'], ['keys', 'init']]) {
    it(`${args.join(' ')} --no-such-flag: exit 2 naming the flag, with the usage; nothing written`, async () => {
      const dir = tempDir();
      const ran = await nk([...args, '--no-such-flag'], dir);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain("Unknown option '--no-such-flag'");
      expect(ran.stderr).toContain(USAGE_HEADS[args[0] as keyof typeof USAGE_HEADS]);
      expectNoStack(ran);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  for (const command of ['policy', 'audit', 'plugin', 'keys']) {
    it(`${command} with no subcommand: its usage, exit 2; an unknown one: exit 2 naming it`, async () => {
      const none = await nk([command], tempDir());
      expect(none.code).toBe(2);
      expect(none.stdout).toContain(USAGE_HEADS[command as keyof typeof USAGE_HEADS]);
      const unknown = await nk([command, 'frobnicate', 'x'], tempDir());
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(`unknown ${command} command "frobnicate"`);
      expectNoStack(unknown);
    });
  }
});
