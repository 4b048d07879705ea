/**
 * Faults, injected for real: an audit log that cannot be written at start, a
 * disk that fills up (`/dev/full`, and `ulimit -f` on a child kernel mid-run),
 * kill -9 of a kernel in the middle of writing, a policy file deleted or broken
 * while the host runs, and a worker extension that dies under load. Each test
 * asserts the code the callers see and what the audit file holds afterwards.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../cli/runtime/host.js';
import { Kernel, verifyAuditLog, type Port } from '../../nanokernel/index.js';
import { readAudit, rejection, tempDir } from '../nanokernel/helpers.js';
import { probeSource, ROOT } from '../sandboxes/worker/helpers.js';

const CHILD = path.join(ROOT, 'test', 'reliability', 'fixtures', 'audit-child.mjs');
/**
 * A real disk-full under a running kernel: the descriptor the audit log holds is
 * closed and /dev/full opened in its place (POSIX gives the lowest free number,
 * so the same descriptor now refuses every write with ENOSPC).
 */
function fillDiskUnder(file: string): void {
  const fd = readdirSync('/proc/self/fd').map(Number).find((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`) === file;
    } catch {
      return false;
    }
  });
  if (fd === undefined) throw new Error(`no open descriptor for ${file}`);
  closeSync(fd);
  const spare: number[] = [];
  let opened = openSync('/dev/full', 'w');
  while (opened < fd) {
    spare.push(opened);
    opened = openSync('/dev/full', 'w');
  }
  spare.forEach((n) => closeSync(n));
  if (opened !== fd) throw new Error(`could not put /dev/full at descriptor ${fd}`);
}

const quiet = pino({ level: 'silent' });
const faults = { injected: 0, survived: 0 };
afterAll(() => console.log(`[figure] faults injected: ${faults.injected}, survived (kernel kept its promise): ${faults.survived}`));

/** Run the child kernel under `sh` (so `ulimit` can be set) and collect its stdout lines. */
function child(args: string[], shellPrefix = '') {
  const proc = spawn('sh', ['-c', `${shellPrefix}exec "${process.execPath}" "${CHILD}" ${args.map((a) => `"${a}"`).join(' ')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, lines, exited, stderr: () => stderr };
}

describe('the audit log cannot be written', () => {
  it('at start: Kernel.start refuses with E_DENIED and says what to change', async () => {
    faults.injected += 2;
    const dir = tempDir('nk-fault-');
    writeFileSync(path.join(dir, 'not-a-dir'), 'x');
    const underFile = await rejection(Kernel.start({ auditFile: path.join(dir, 'not-a-dir', 'audit.log'), logger: quiet }));
    expect(underFile).toMatchObject({ code: 'E_DENIED', hint: expect.stringContaining('writable') });
    expect(underFile.message).toContain('cannot be written');
    // A full disk in strict mode: the first record fails, so nothing starts.
    symlinkSync('/dev/full', path.join(dir, 'full.log'));
    const full = await rejection(Kernel.start({ auditFile: path.join(dir, 'full.log'), auditSync: true, logger: quiet }));
    expect(full.code).toBe('E_DENIED');
    expect(full.message).toContain('ENOSPC');
    faults.survived += 2;
  });

  // Whatever the batching mode, the first records are written at open, so a log that cannot take a
  // byte fails the start (the operator sees it) rather than the first decision.
  it('at start, batched mode: Kernel.start refuses a disk-full log too', async () => {
    const dir = tempDir('nk-fault-');
    symlinkSync('/dev/full', path.join(dir, 'full.log'));
    const error = await rejection(Kernel.start({ auditFile: path.join(dir, 'full.log'), logger: quiet }));
    expect(error.code).toBe('E_DENIED');
  });

  it('disk full while running (batched, /dev/full): health() says why and every later decision is refused', async () => {
    faults.injected++;
    const dir = tempDir('nk-fault-');
    const auditFile = path.join(dir, 'audit.log');
    const kernel = await Kernel.start({ auditFile, logger: quiet });
    fillDiskUnder(auditFile); // from now on the log's descriptor writes to /dev/full
    await kernel.mintToken('probe', []).catch(() => undefined); // a record goes into the batch...
    await new Promise((resolve) => setImmediate(resolve)); // ...the batch goes out, and fails
    expect(kernel.health()).toMatchObject({ ok: false, audit: expect.stringContaining('ENOSPC') });
    const refused = await rejection(kernel.mintToken('a', []));
    expect(refused.code).toBe('E_DENIED');
    expect(refused.message).toContain('audit log cannot be written');
    expect(refused.message).toContain('ENOSPC');
    faults.survived++;
  });

  it('file size limit hit mid-run (child under ulimit -f): strict mode never allows an unrecorded call; a restart cuts the torn line and continues the chain', async () => {
    faults.injected++;
    const file = path.join(tempDir('nk-fault-'), 'audit.log');
    const run = child(['fill', file, 'sync'], 'ulimit -f 128; '); // 128 × 512 bytes: a few hundred records
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const report = JSON.parse(run.lines.at(-1)!) as { allowed: number; refusals: { code: string; message: string; hint: string | null }[]; health: { ok: boolean; audit: string } };
    expect(report.allowed).toBeGreaterThan(50);
    expect(report.refusals).toHaveLength(20);
    expect(report.refusals.every((r) => r.code === 'E_DENIED')).toBe(true);
    expect(report.refusals[0]!.message).toMatch(/audit log cannot be written.*EFBIG/);
    expect(report.refusals.at(-1)!.message).toContain('nothing is granted unrecorded');
    expect(report.refusals.at(-1)!.hint).toContain('free disk space');
    expect(report.health).toMatchObject({ ok: false, audit: expect.stringContaining('EFBIG') });

    // On disk: the chain verifies up to the torn last line, and holds exactly the calls that were allowed.
    const before = await verifyAuditLog(file);
    expect(before).toMatchObject({ ok: true, tornTail: true });
    const complete = readFileSync(file, 'utf8').split('\n').slice(0, before.records).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(complete.filter((r) => r.action === 'call' && r.verdict === 'allow')).toHaveLength(report.allowed);

    // Restart without the limit: the torn line is cut, recorded, and the chain continues.
    const kernel = await Kernel.start({ auditFile: file, auditSync: true, logger: quiet });
    await kernel.shutdown();
    const after = await verifyAuditLog(file);
    expect(after).toMatchObject({ ok: true });
    expect(after.tornTail).toBeUndefined();
    const records = readAudit(file);
    expect(records[before.records]).toMatchObject({ action: 'audit.open', detail: { continued_from: before.records } });
    expect(records[before.records + 1]).toMatchObject({ action: 'audit.recovered' });
    expect((records[before.records + 1]!.detail as { truncated_bytes: number }).truncated_bytes).toBeGreaterThan(0);
    faults.survived++;
  });

  it('kill -9 of a kernel mid-stream (batched): at most one batch lost, the chain verifies, and a restart continues it', async () => {
    faults.injected++;
    const file = path.join(tempDir('nk-fault-'), 'audit.log');
    const run = child(['flood', file, 'batched']);
    await expect.poll(() => Number(run.lines.filter((l) => l.startsWith('allowed ')).at(-1)?.slice(8) ?? 0), { timeout: 20_000, interval: 20 }).toBeGreaterThan(3_000);
    run.proc.kill('SIGKILL');
    const { signal } = await run.exited;
    expect(signal).toBe('SIGKILL');
    const lastReported = Number(run.lines.filter((l) => l.startsWith('allowed ')).at(-1)!.slice(8));

    const before = await verifyAuditLog(file);
    expect(before.ok).toBe(true);
    const onDisk = readFileSync(file, 'utf8').split('\n').slice(0, before.records).map((line) => JSON.parse(line) as Record<string, unknown>);
    const allowsOnDisk = onDisk.filter((r) => r.action === 'call' && r.verdict === 'allow').length;
    // Everything reported before the kill was appended; at most one batch (64 records) can still have been in memory.
    expect(allowsOnDisk).toBeGreaterThanOrEqual(lastReported - 64);
    console.log(`[figure] kill -9: ${lastReported} calls reported, ${allowsOnDisk} allow records on disk, torn tail: ${before.tornTail === true}`);

    const kernel = await Kernel.start({ auditFile: file, auditSync: true, logger: quiet });
    const sink = await kernel.register('sink', await kernel.mintToken('sink', []), () => 'ok');
    void sink;
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'sink' }]), () => undefined);
    expect(await client.call('sink', 'n', '', 1)).toBe('ok');
    await kernel.shutdown();
    const after = await verifyAuditLog(file);
    expect(after).toMatchObject({ ok: true });
    expect(after.tornTail).toBeUndefined();
    expect(after.records).toBeGreaterThan(before.records + 5);
    const records = readAudit(file);
    expect(records[before.records]).toMatchObject({ action: 'audit.open', detail: { continued_from: before.records } });
    if (before.tornTail) expect(records[before.records + 1]).toMatchObject({ action: 'audit.recovered' });
    faults.survived++;
  });
});

describe('policy and extension faults under a running host', () => {
  let dir: string;
  let policyFile: string;
  let auditFile: string;
  let host: ExtensionHost;
  let ops: Port;
  const GOOD = (victimMemory: number) => [
    'version: 1',
    'extensions:',
    '  uppercase:',
    '    sandbox: worker',
    `    module: ${path.join(ROOT, 'dist', 'examples', 'workers', 'uppercase', 'index.js')}`,
    '    why: upper-cases text',
    '  victim:',
    '    sandbox: worker',
    '    module: ./victim.js',
    '    why: echoes, and blows its heap on request',
    '    host:',
    `      memoryMb: ${victimMemory}`,
    '      timeoutMs: 20000',
    '  ops:',
    '    sandbox: host',
    '    why: the operator',
    '    allow:',
    '      - call: uppercase',
    '      - call: victim',
    '',
  ].join('\n');
  const upper = async (text: string) => expect(await ops.call('uppercase', 'upper', '', { text })).toBe(text.toUpperCase());

  beforeAll(async () => {
    dir = tempDir('nk-host-fault-');
    policyFile = path.join(dir, 'policy.yaml');
    auditFile = path.join(dir, 'audit.log');
    writeFileSync(path.join(dir, 'victim.js'), probeSource('const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length));'));
    writeFileSync(policyFile, GOOD(32));
    host = await ExtensionHost.start({ policyFile, auditFile, auditSync: true, watch: true, logger: quiet });
    ops = await host.principal('ops');
  });
  afterAll(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a reload with a broken file is refused E_POLICY_INVALID with line:col, recorded, and the previous grants keep working', async () => {
    faults.injected++;
    const hash = host.policy.hash;
    writeFileSync(policyFile, GOOD(32).replace('      - call: victim', '      - call: victim\n        ops: [oops'));
    const error = await rejection(host.reload());
    expect(error.code).toBe('E_POLICY_INVALID');
    expect(error.message).toMatch(/policy\.yaml:\d+:\d+/);
    expect(host.policy.hash).toBe(hash);
    await expect.poll(() => readAudit(auditFile).filter((r) => r.action === 'policy.reject').length).toBeGreaterThan(0);
    expect(readAudit(auditFile).find((r) => r.action === 'policy.reject')).toMatchObject({ code: 'E_POLICY_INVALID', detail: { kept_hash: hash } });
    await upper('still granted');
    expect(await ops.call('victim', 'echo', '', 'here')).toBe('here');
    writeFileSync(policyFile, GOOD(32));
    faults.survived++;
  });

  it('the policy file deleted while watched: last good policy kept, policy.reject recorded, calls still allowed', async () => {
    faults.injected++;
    const rejectsBefore = readAudit(auditFile).filter((r) => r.action === 'policy.reject').length;
    const hash = host.policy.hash;
    unlinkSync(policyFile);
    await expect.poll(() => readAudit(auditFile).filter((r) => r.action === 'policy.reject').length, { timeout: 5_000 }).toBeGreaterThan(rejectsBefore);
    const reject = readAudit(auditFile).filter((r) => r.action === 'policy.reject').at(-1)!;
    expect(reject).toMatchObject({ code: 'E_POLICY_INVALID', detail: { kept_hash: hash } });
    expect((reject.detail as { message: string }).message).toContain('deleted');
    expect(existsSync(policyFile)).toBe(false);
    await upper('policy gone, grants kept');
    expect(host.policy.hash).toBe(hash);
    writeFileSync(policyFile, GOOD(32));
    faults.survived++;
  });

  it('a worker that dies mid-stream: its in-flight caller gets E_TARGET_CRASHED, every other call is answered, others unaffected', async () => {
    faults.injected++;
    const victimCalls: Promise<unknown>[] = [];
    const upperCalls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i === 100) victimCalls.push(ops.call('victim', 'probe', '', null));
      victimCalls.push(ops.call('victim', 'echo', '', i));
      upperCalls.push(ops.call('uppercase', 'upper', '', { text: `m${i}` }));
    }
    const victim = await Promise.allSettled(victimCalls);
    const uppers = await Promise.allSettled(upperCalls);
    expect(uppers.every((r, i) => r.status === 'fulfilled' && r.value === `M${i}`)).toBe(true);
    const codes = victim.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    expect(codes[100]).toBe('E_TARGET_CRASHED'); // the call that killed it
    expect(codes.slice(0, 100).every((c) => c === 'ok')).toBe(true); // answered before the crash
    expect(new Set(codes)).toEqual(new Set(['ok', 'E_TARGET_CRASHED'])); // nothing lost, no other outcome
    const echoes = victim.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
    expect(echoes).toEqual([...echoes].sort((a, b) => a - b)); // order kept for those answered
    console.log(`[figure] crash under load: victim ${codes.filter((c) => c === 'ok').length} answered, ${codes.filter((c) => c !== 'ok').length} E_TARGET_CRASHED; uppercase 300/300`);
    const records = readAudit(auditFile);
    expect(records.find((r) => r.action === 'endpoint.crash' && r.target === 'victim')).toMatchObject({ detail: { sandbox: 'worker' } });
    await expect.poll(() => host.extension('victim')?.state, { timeout: 10_000 }).toBe('running');
    expect(await ops.call('victim', 'echo', '', 'back')).toBe('back');
    expect(readAudit(auditFile).some((r) => r.action === 'endpoint.restart' && r.target === 'victim')).toBe(true);
    faults.survived++;
  });
});
