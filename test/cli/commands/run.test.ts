/**
 * `nanokernel run`: `npm start` runs the demo to the end and its summary shows
 * the artifacts, the arbitration decision and the one denial, with a log that
 * verifies; bad workflows and options fail with their exit codes; Ctrl-C
 * mid-run stops cleanly with a complete log.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStack, json, nk, npm, tempDir, writeDemoPolicy, type Ran } from './cli.js';
import { readAudit } from '../../nanokernel/helpers.js';

describe.concurrent('npm start (the demo)', () => {
  let dir: string;
  let audit: string;
  let ran: Ran;

  beforeAll(async () => {
    dir = tempDir('nk-start-');
    const policy = writeDemoPolicy(dir);
    audit = path.join(dir, 'audit.log');
    // npm runs the script in the repository; every path that is written is absolute and in `dir`.
    ran = await npm(['start', '--', '--policy', policy, '--audit', audit, '--keys', path.join(dir, 'keys.json')], dir, 60_000);
  });

  it('completes the workflow and exits 0', () => {
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^run run-[a-z0-9]+: succeeded in [\d.]+ s$/m);
    expect(ran.stdout).toMatch(/nodes: count=succeeded, summary=succeeded, headline=fallback, headline-fallback=succeeded, digest=succeeded, publish=succeeded/);
    expectNoStack(ran);
  });

  it('lists exactly one denial: summarize reading secrets/api-key', () => {
    const section = ran.stdout.split('\ndenials\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(section).toHaveLength(1);
    expect(section[0]).toMatch(/^ {2}E_DENIED summarize call artifacts\.get "secrets\/api-key": .+ \(audit #\d+\)$/);
  });

  it('lists the artifacts the run wrote, with their hashes', () => {
    const runId = /^run (run-[a-z0-9]+):/m.exec(ran.stdout)![1]!;
    const section = ran.stdout.split('\nartifacts written\n')[1]!.split('\n\n')[0]!.split('\n');
    const refs = section.map((line) => /^ {2}(\S+) → sha256:[0-9a-f]{16}… \(\d+ bytes\)$/.exec(line)?.[1]);
    expect(refs.sort()).toEqual(['inputs/report.txt', ...['count.json', 'digest.txt', 'final.json', 'headline.txt', 'summary.txt'].map((f) => `reports/${runId}/${f}`)].sort());
  });

  it('shows the arbitration decision with both proposals', () => {
    const section = ran.stdout.split('\ndecisions\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(section[0]).toMatch(/^ {2}instrument: decided → (wordcount|summarize) \(reducer score\)$/);
    expect(section.slice(1)).toHaveLength(2);
    expect(section[1]).toMatch(/^ {4}proposed by cheapest → wordcount \(score [\d.]+\)$/);
    expect(section[2]).toMatch(/^ {4}proposed by fastest → summarize \(score [\d.]+\)$/);
  });

  it('leaves an audit log that verifies, with as many records as the summary says', async () => {
    const counted = Number(/\((\d+) records, hash-chained\)/.exec(ran.stdout)![1]);
    const verified = await nk(['audit', 'verify', audit, '--json'], dir);
    expect(verified.code).toBe(0);
    expect(json(verified)).toMatchObject({ ok: true, records: counted });
    expect(readFileSync(audit, 'utf8').trim().split('\n')).toHaveLength(counted);
  });
});

describe.concurrent('nanokernel run: errors', () => {
  it('a missing workflow file is E_BAD_ENVELOPE at file:1:1, exit 1, before booting', async () => {
    const dir = tempDir();
    const ran = await nk(['run', 'nope.yaml', '--policy', writeDemoPolicy(dir)], dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('E_BAD_ENVELOPE: nope.yaml:1:1 (file): the file does not exist; check the path');
    expect(ran.stdout).not.toContain('booting');
    expectNoStack(ran);
  });

  it('an invalid workflow names the line and column, exit 1; --json gives the coded error', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\nname: bad\nnodes:\n  a:\n    use: wordcount\n    op: task\n    needs: [b]\n');
    const ran = await nk(['run', 'bad.yaml', '--policy', writeDemoPolicy(dir)], dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('E_BAD_ENVELOPE: bad.yaml:7:13 nodes.a.needs[0]: no node named "b"');
    expectNoStack(ran);
    const asJson = await nk(['run', 'bad.yaml', '--json'], dir);
    expect(asJson.code).toBe(1);
    expect(json<{ error: { code: string; facts: { line: number } } }>(asJson).error).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { line: 7 } });
  });

  it('a missing policy file is E_POLICY_INVALID, exit 1', async () => {
    const dir = tempDir();
    const ran = await nk(['run', '--policy', 'missing.yaml', '--audit', 'a.log', '--keys', 'k.json'], dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('E_POLICY_INVALID: 1 problem');
    expect(ran.stderr).toContain('missing.yaml:1:1 (file): the file does not exist');
    expectNoStack(ran);
  });

  it('usage mistakes exit 2 with the usage: unknown flag, bad duration, missing --inputs directory', async () => {
    const dir = tempDir();
    for (const args of [['--bogus'], ['--timeout', 'soon'], ['--inputs', 'no-such-dir']]) {
      const ran = await nk(['run', ...args], dir);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain('nanokernel run [workflow.yaml] [options]');
      expectNoStack(ran);
    }
  });

  it('--debug adds the stack the default output leaves out', async () => {
    const dir = tempDir();
    const ran = await nk(['run', 'nope.yaml', '--debug'], dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('    at ');
  });
});

describe('Ctrl-C during the demo', () => {
  it('stops the extensions, flushes the audit log (which verifies) and exits 130', async () => {
    const dir = tempDir('nk-sigint-');
    const policy = writeDemoPolicy(dir);
    const audit = path.join(dir, 'audit.log');
    const child = spawn(process.execPath, [BIN, 'run', '--policy', policy, '--audit', audit, '--keys', path.join(dir, 'keys.json')], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt as soon as the workflow has started: nodes are in flight.
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^running /m.test(stdout)) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted: stopping extensions and flushing the audit log');
    expect(stdout).not.toMatch(/succeeded in/);
    expectNoStack({ code: 130, stdout, stderr });

    const verified = await nk(['audit', 'verify', audit, '--json'], dir);
    expect(verified.code, verified.stdout).toBe(0);
    const records = readAudit(audit);
    expect(records.some((r) => r.action === 'call' && r.target === 'dag')).toBe(true);
    // Every extension that started was stopped, and that is on disk.
    const started = new Set(records.filter((r) => r.action === 'endpoint.start').map((r) => r.target));
    const stopped = new Set(records.filter((r) => r.action === 'endpoint.stop').map((r) => r.target));
    expect([...started].filter((id) => !stopped.has(id))).toEqual([]);
  }, 60_000);
});
