/**
 * Faults in the Wasm/DAG half:
 *
 * - kill -9 of the whole `nanokernel run` process (the demo, a child process)
 *   after the first `dag.node` progress lines; then a fresh `ExtensionHost` on
 *   the same policy, audit log, key file and artifact directory: the audit
 *   chain verifies up to the last complete record (and continues), the tracker
 *   resumes the unfinished run from its event log and completes it, and no
 *   artifact is half-written (every blob re-hashes to its name, every ref
 *   points at a blob).
 * - a Wasm plugin trapping under concurrent load: its callers get
 *   `E_TARGET_CRASHED`, the instance is rebuilt, a bystander plugin under the
 *   same load answers every call.
 * - a Wasm plugin looping under concurrent load: the looping call ends with
 *   `E_TIMEOUT` at the plugin's own limit, calls queued behind it are served by
 *   the fresh worker (or fail with a code), a bystander answers every call.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../cli/runtime/host.js';
import type { Kernel } from '../../nanokernel/index.js';
import { verifyAuditLog } from '../../nanokernel/audit-verify.js';
import type { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { attachPlugin, client, readAudit, sandboxFor, startKernel, tempDir } from '../sandboxes/wasm/helpers.js';
import { figure } from '../adversarial/fuzz/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const faults = { injected: 0, survived: 0 };
afterAll(() => figure('wasm/dag faults injected / survived', `${faults.injected} / ${faults.survived}`));

/** Every blob re-hashes to its file name; every ref names an existing blob of its recorded size. */
function checkStore(store: string): { blobs: number; refs: number } {
  let blobs = 0;
  for (const prefix of existsSync(path.join(store, 'blobs')) ? readdirSync(path.join(store, 'blobs')) : []) {
    for (const name of readdirSync(path.join(store, 'blobs', prefix))) {
      const hash = createHash('sha256').update(readFileSync(path.join(store, 'blobs', prefix, name))).digest('hex');
      expect(hash, `blob ${prefix}/${name}`).toBe(name);
      expect(name.startsWith(prefix)).toBe(true);
      blobs++;
    }
  }
  const refFiles = existsSync(path.join(store, 'refs')) ? readdirSync(path.join(store, 'refs')) : [];
  for (const file of refFiles) {
    const ref = JSON.parse(readFileSync(path.join(store, 'refs', file), 'utf8')) as { ref: string; hash: string; size: number };
    const blob = path.join(store, 'blobs', ref.hash.slice(0, 2), ref.hash);
    expect(existsSync(blob), `ref ${ref.ref} → missing blob ${ref.hash}`).toBe(true);
    expect(readFileSync(blob).byteLength, `ref ${ref.ref}`).toBe(ref.size);
  }
  return { blobs, refs: refFiles.length };
}

describe('kill -9 of the demo mid-run, then restart on the same files', () => {
  it('the chain verifies, the tracker resumes the run and completes it, no artifact is half-written', async () => {
    const dir = tempDir('nk-kill-demo-');
    mkdirSync(path.join(dir, 'policies'));
    const policyFile = path.join(dir, 'policies', 'default.yaml');
    writeFileSync(policyFile, readFileSync(path.join(ROOT, 'policies/default.yaml'), 'utf8').replaceAll('module: ../', `module: ${ROOT}/`));
    const auditFile = path.join(dir, 'audit.log');
    const keyFile = path.join(dir, 'keys.json');
    const store = path.join(dir, '.nanokernel', 'artifacts');

    // 1. The demo as the operator runs it, killed after the first node transitions.
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/bin.js'), 'run', '--policy', policyFile, '--audit', auditFile, '--keys', keyFile], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress line in 20 s:\n${out}\n${err}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Two node lines, e.g. "[0/6] count running" and "[0/6] summary running": the run is under way.
        if ((out.match(/\[\d\/6\] \S+ /g) ?? []).length >= 2) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the demo exited before it was killed:\n${out}\n${err}`)));
    });
    faults.injected++;
    expect(await exited).toBe('SIGKILL');
    const nodeLines = (out.match(/\[\d\/6\] \S+ /g) ?? []).length;
    expect(out).not.toMatch(/run run-\S+: succeeded/);

    // 2. What the crash left on disk.
    const afterKill = await verifyAuditLog(auditFile);
    expect(afterKill.ok, JSON.stringify(afterKill)).toBe(true);
    const storeAfterKill = checkStore(store);
    const runLogs = readdirSync(path.join(store, 'refs')).map((f) => (JSON.parse(readFileSync(path.join(store, 'refs', f), 'utf8')) as { ref: string }).ref).filter((ref) => ref.startsWith('dag/runs/'));
    const runId = runLogs[0]!.split('/')[2]!;
    expect(runLogs.some((ref) => ref === `dag/runs/${runId}/done`)).toBe(false);

    // 3. Restart on the same files: the tracker replays its log and finishes the run.
    const host = await ExtensionHost.start({ policyFile, auditFile, keyFile, logger: pino({ level: 'silent' }) });
    try {
      const operator = await host.principal('operator');
      let status: { runs: { runId: string; state: string; nodes: Record<string, { state: string }> }[] } = { runs: [] };
      for (let i = 0; i < 300; i++) {
        status = (await operator.call('dag', 'status', '', { runId })) as typeof status;
        if (status.runs[0] && status.runs[0].state !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status.runs[0]?.runId).toBe(runId);
      expect(status.runs[0]?.state, JSON.stringify(status)).toBe('succeeded');
      const nodes = Object.fromEntries(Object.entries(status.runs[0]!.nodes).map(([id, n]) => [id, n.state]));
      expect(nodes).toMatchObject({ count: 'succeeded', summary: 'succeeded', digest: 'succeeded', publish: 'succeeded' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await host.stop();
    }
    faults.survived++;

    // 4. After the resumed run: one chain across both processes, a resume recorded, the artifacts whole.
    const final = await verifyAuditLog(auditFile);
    expect(final.ok, JSON.stringify(final)).toBe(true);
    expect(final.records).toBeGreaterThan(afterKill.records);
    expect(final.kernels.length).toBeGreaterThanOrEqual(1);
    const records = readAudit(auditFile);
    expect(records.filter((r) => r.action === 'call' && r.actor === 'dag' && r.target === 'wordcount').length).toBeGreaterThan(0);
    const storeFinal = checkStore(store);
    const finalRef = readdirSync(path.join(store, 'refs')).map((f) => JSON.parse(readFileSync(path.join(store, 'refs', f), 'utf8')) as { ref: string }).find((r) => r.ref === `reports/${runId}/final.json`);
    expect(finalRef).toBeDefined();
    expect(existsSync(path.join(store, 'refs'))).toBe(true);
    figure('kill -9 of the demo: node lines before the kill / audit records at the kill (torn tail) / after the resumed run', `${nodeLines} / ${afterKill.records} (${afterKill.tornTail ? 'yes' : 'no'}) / ${final.records}`);
    figure('kill -9 of the demo: blobs (refs) at the kill / after', `${storeAfterKill.blobs} (${storeAfterKill.refs}) / ${storeFinal.blobs} (${storeFinal.refs})`);
  }, 60_000);
});

/**
 * A fresh kernel with the faulty plugin `name` (own limit `limitMs`) and the
 * `wordcount` bystander, and `count` senders allowed to call both; stopped after the suite.
 */
function underLoad(name: string, limitMs: number, count: number, prefix: string) {
  const sandboxes: WasmSandbox[] = [];
  let kernel: Kernel | undefined;
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.stop()));
    if (kernel?.audit.healthy) await kernel.shutdown(200);
  });
  return async () => {
    const started = await startKernel();
    kernel = started.kernel;
    const faulty = sandboxFor(name);
    const wordcount = sandboxFor('wordcount');
    sandboxes.push(faulty, wordcount);
    await attachPlugin(kernel, faulty, [], limitMs);
    await attachPlugin(kernel, wordcount, [], 3_000);
    const senders = await Promise.all(Array.from({ length: count }, (_, i) => client(kernel!, `${prefix}${i}`, [{ action: 'call', to: name }, { action: 'call', to: 'wordcount' }])));
    return { kernel, auditFile: started.auditFile, senders };
  };
}

describe('a Wasm plugin trapping under concurrent load', () => {
  const start = underLoad('trap', 3_000, 6, 's');

  it('its callers get E_TARGET_CRASHED, it is rebuilt, and a bystander answers every call', async () => {
    const { kernel, auditFile, senders } = await start();
    const outcome = { wordcountOk: 0, wordcountFailed: 0, trapOk: 0, crashed: 0, other: new Map<string, number>() };
    const ROUNDS = 150;
    await Promise.all(
      senders.map(async (sender, i) => {
        for (let round = 0; round < ROUNDS; round++) {
          const calls: Promise<void>[] = [
            sender.call('wordcount', 'count', '', `w${i} r${round} x`, { timeoutMs: 5_000 }).then(
              (reply) => {
                expect(reply).toEqual({ words: 3, chars: `w${i} r${round} x`.length });
                outcome.wordcountOk++;
              },
              () => void outcome.wordcountFailed++,
            ),
          ];
          // One sender in six traps the plugin every tenth round; the others use it normally meanwhile.
          const op = i === 0 && round % 10 === 0 ? 'trap' : 'ok';
          if (op === 'trap') faults.injected++;
          calls.push(
            sender.call('trap', op, '', null, { timeoutMs: 5_000 }).then(
              (reply) => {
                expect(op).toBe('ok');
                expect(reply).toBe('alive');
                outcome.trapOk++;
              },
              (error: { code?: string }) => {
                if (error.code === 'E_TARGET_CRASHED') outcome.crashed++;
                else outcome.other.set(String(error.code), (outcome.other.get(String(error.code)) ?? 0) + 1);
              },
            ),
          );
          await Promise.all(calls);
        }
      }),
    );
    const traps = ROUNDS / 10;
    expect(outcome.wordcountOk).toBe(senders.length * ROUNDS);
    expect(outcome.wordcountFailed).toBe(0);
    expect(outcome.crashed).toBeGreaterThanOrEqual(traps); // each trapping call, plus any caller caught in the rebuild
    expect(outcome.other.size, JSON.stringify([...outcome.other])).toBe(0);
    expect(outcome.trapOk + outcome.crashed).toBe(senders.length * ROUNDS);
    // After the storm the trapping plugin answers again, with a fresh instance.
    await expect.poll(async () => senders[1]!.call('trap', 'ok', '', null).catch((e: { code: string }) => e.code), { timeout: 10_000 }).toBe('alive');
    faults.survived += traps;
    kernel.audit.flush();
    const calls = readAudit(auditFile).filter((r) => r.action === 'call' && r.verdict === 'allow');
    expect(calls.filter((r) => r.target === 'wordcount').length).toBe(senders.length * ROUNDS);
    expect((await verifyAuditLog(auditFile)).ok).toBe(true);
    figure('wasm trap under load: calls to the bystander answered / trap callers E_TARGET_CRASHED / trap calls answered', `${outcome.wordcountOk} / ${outcome.crashed} / ${outcome.trapOk}`);
  }, 60_000);
});

describe('a Wasm plugin looping under concurrent load', () => {
  const LIMIT_MS = 250;
  const start = underLoad('spin', LIMIT_MS, 4, 'l');

  it('the looping call ends with E_TIMEOUT at the plugin’s own limit, calls queued behind it get a fresh worker (or a code), a bystander answers every call', async () => {
    const { kernel, auditFile, senders } = await start();
    const outcome = { wordcountOk: 0, wordcountFailed: 0, aliveOk: 0, spinTimedOut: 0, queuedFailed: new Map<string, number>(), other: new Map<string, number>() };
    const spinTook: number[] = [];
    const ROUNDS = 40;
    const started = Date.now();
    await Promise.all(
      senders.map(async (sender, i) => {
        for (let round = 0; round < ROUNDS; round++) {
          // One sender in four makes the plugin loop every tenth round (4 loops: under the circuit's 5 crashes).
          const op = i === 0 && round % 10 === 5 ? 'spin' : 'ok';
          if (op === 'spin') faults.injected++;
          const t0 = Date.now();
          await Promise.all([
            sender.call('wordcount', 'count', '', `l${i} r${round} x`, { timeoutMs: 5_000 }).then(
              () => void outcome.wordcountOk++,
              () => void outcome.wordcountFailed++,
            ),
            // The caller's deadline is longer than the plugin's limit: the plugin's own limit decides.
            sender.call('spin', op, '', null, { timeoutMs: 5_000 }).then(
              (reply) => {
                expect(op).toBe('ok');
                expect(reply).toBe('alive');
                outcome.aliveOk++;
              },
              (error: { code?: string }) => {
                const code = String(error.code);
                if (op === 'spin') {
                  expect(code).toBe('E_TIMEOUT');
                  spinTook.push(Date.now() - t0);
                  outcome.spinTimedOut++;
                } else if (code === 'E_TARGET_CRASHED' || code === 'E_TIMEOUT') outcome.queuedFailed.set(code, (outcome.queuedFailed.get(code) ?? 0) + 1);
                else outcome.other.set(code, (outcome.other.get(code) ?? 0) + 1);
              },
            ),
          ]);
        }
      }),
    );
    const loops = ROUNDS / 10;
    expect(outcome.spinTimedOut).toBe(loops);
    // Stopped at its own limit (plus the worker's termination), never at the caller's 5 s.
    for (const took of spinTook) expect(took).toBeLessThan(LIMIT_MS + 1_500);
    expect(outcome.other.size, JSON.stringify([...outcome.other])).toBe(0);
    expect(outcome.aliveOk + outcome.spinTimedOut + [...outcome.queuedFailed.values()].reduce((a, b) => a + b, 0)).toBe(senders.length * ROUNDS);
    expect(outcome.aliveOk).toBeGreaterThan(senders.length * ROUNDS * 0.5);
    expect(outcome.wordcountOk).toBe(senders.length * ROUNDS);
    expect(outcome.wordcountFailed).toBe(0);
    expect(await senders[1]!.call('spin', 'ok', '', null)).toBe('alive');
    faults.survived += loops;
    kernel.audit.flush();
    const records = readAudit(auditFile);
    expect(records.filter((r) => r.action === 'endpoint.crash' && r.target === 'spin').length).toBeGreaterThanOrEqual(loops);
    expect(records.filter((r) => r.action === 'endpoint.restart' && r.target === 'spin').length).toBeGreaterThanOrEqual(loops);
    expect((await verifyAuditLog(auditFile)).ok).toBe(true);
    figure(
      'wasm loop under load: bystander answered / loops stopped (E_TIMEOUT) / queued calls failed / answered; wall time',
      `${outcome.wordcountOk} / ${outcome.spinTimedOut} / ${JSON.stringify(Object.fromEntries(outcome.queuedFailed))} / ${outcome.aliveOk}; ${Date.now() - started} ms`,
    );
  }, 60_000);
});
