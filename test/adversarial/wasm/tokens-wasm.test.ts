/**
 * Token attacks through a Wasm plugin's `cap` field (the hostile plugin
 * `hostcall` makes the host calls from inside Wasm), and the DAG tracker's
 * per-task delegated tokens replayed after their run ended, through the real
 * kernel and, for the DAG, a real `ExtensionHost` on a policy file.
 *
 * Task tokens (extensions/dag/runner.ts): the tracker delegates a token per
 * attempt covering exactly `get` on the task's inputs and `put` on its output,
 * expiring at the attempt's deadline (JWT seconds), and revokes it when the
 * attempt settles. So a task token kept by the instrument and replayed after its
 * run ended is refused with `E_TOKEN_REVOKED` for every use, its exact grants
 * included, and the revocation is in the audit log (actor dag). Each refusal is
 * checked in the audit file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../../cli/runtime/host.js';
import type { Kernel, Port } from '../../../nanokernel/index.js';
import { verifyAuditLog } from '../../../nanokernel/audit-verify.js';
import type { WasmSandbox } from '../../../sandboxes/wasm/index.js';
import { attachPlugin, client, pluginPath, readAudit, sandboxFor, startKernel, tempDir } from '../../sandboxes/wasm/helpers.js';
import { figure } from '../fuzz/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
type HostReply = { ok?: unknown; error?: { code: string; message: string } };
const tally = { attacks: 0, refusedExact: 0, audited: 0 };

/** Ask the plugin to make `fn` with `request` from inside Wasm; the host's reply as it saw it. */
async function fromPlugin(tester: Port, fn: string, request: Record<string, unknown>): Promise<HostReply> {
  const full = fn === 'nk_call' ? { body: null, ...request } : request;
  const reply = (await tester.call('hostcall', 'text', '', { fn, text: JSON.stringify(full) }, { timeoutMs: 5_000 })) as { raw: string };
  return JSON.parse(reply.raw) as HostReply;
}

function payload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('token attacks through a Wasm plugin\'s cap', () => {
  let kernel: Kernel;
  let auditFile: string;
  let plugin: WasmSandbox;
  let tester: Port;
  let victim: Port;
  const delivered: { from: string; op: string }[] = [];

  beforeAll(async () => {
    ({ kernel, auditFile } = await startKernel());
    await kernel.register('echo', await kernel.mintToken('echo', []), (envelope) => {
      delivered.push({ from: envelope.from, op: envelope.op });
      return 'echoed';
    });
    await kernel.register('wordcount', await kernel.mintToken('wordcount', []), () => null);
    plugin = sandboxFor('hostcall', { host: { timeoutMs: 5_000 } });
    await attachPlugin(kernel, plugin, [{ action: 'call', to: 'echo', ops: ['public'] }], 6_000);
    victim = await client(kernel, 'victim', [{ action: 'call', to: 'echo' }, { action: 'delegate', to: 'hostcall' }, { action: 'delegate', to: 'wordcount' }]);
    tester = await client(kernel, 'tester', [{ action: 'call', to: 'hostcall' }]);
  });
  afterAll(async () => {
    await plugin?.stop();
    if (kernel?.audit.healthy) await kernel.shutdown(200);
    figure('wasm token attacks tried / refused with the exact code / checked in the audit file', `${tally.attacks} / ${tally.refusedExact} / ${tally.audited}`);
  });

  /** The plugin presents `cap`; expect `code`, nothing delivered, and a deny record with that code. */
  async function attack(label: string, request: Record<string, unknown>, code: string, fn = 'nk_call'): Promise<void> {
    tally.attacks++;
    const before = delivered.length;
    const reply = await fromPlugin(tester, fn, request);
    expect(reply.error?.code, `${label}: ${JSON.stringify(reply)}`).toBe(code);
    expect(delivered.slice(before), label).toEqual([]);
    tally.refusedExact++;
    kernel.audit.flush();
    const denial = readAudit(auditFile).reverse().find((r) => r.actor === 'hostcall' && r.verdict === 'deny');
    expect(denial, label).toMatchObject({ action: fn === 'nk_call' ? 'call' : 'delegate', code });
    tally.audited++;
  }

  it('its own grant works, and a call outside it is denied', async () => {
    expect(await fromPlugin(tester, 'nk_call', { to: 'echo', op: 'public' })).toEqual({ ok: 'echoed' });
    expect(delivered.at(-1)).toEqual({ from: 'hostcall', op: 'public' });
    await attack('no grant', { to: 'echo', op: 'private' }, 'E_DENIED');
  });

  it('another extension\'s token, obtained as a body, is refused as the cap of a call and of a delegation', async () => {
    // A token whose subject is the victim (as a token handed over in a body would be), wider than the plugin's grants.
    const forVictim = await kernel.mintToken('victim', [{ action: 'call', to: 'echo' }] as never);
    await attack('victim\'s token as cap', { to: 'echo', op: 'private', cap: forVictim }, 'E_TOKEN_INVALID');
    await attack('victim\'s token as the parent of a delegation', { grants: [{ action: 'call', to: 'echo' }], ttl_seconds: 60, to: 'hostcall', cap: forVictim }, 'E_TOKEN_INVALID', 'nk_delegate');
    const forWordcount = await victim.delegate([{ action: 'call', to: 'echo' }], 60, 'wordcount');
    await attack('a token delegated to wordcount', { to: 'echo', op: 'private', cap: forWordcount }, 'E_TOKEN_INVALID');
  });

  it('forged caps: alg none, a flipped signature, a truncated token', async () => {
    const real = await victim.delegate([{ action: 'call', to: 'echo', ops: ['private'] }], 60, 'hostcall');
    const [h, p, s] = real.split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const widened = `${h}.${Buffer.from(JSON.stringify({ ...payload(real), grants: [{ effect: 'allow', action: 'call', to: '*', ops: ['*'], resources: ['*'] }] })).toString('base64url')}.${s}`;
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const [label, cap] of [['alg none', none], ['widened payload', widened], ['flipped signature', flipped], ['truncated', real.slice(0, -10)]] as const) {
      await attack(label, { to: 'echo', op: 'private', cap }, 'E_TOKEN_INVALID');
    }
  });

  it('a token delegated to the plugin works for its grants, then expires (E_TOKEN_EXPIRED)', async () => {
    const cap = await victim.delegate([{ action: 'call', to: 'echo', ops: ['private'] }], 1, 'hostcall');
    expect(await fromPlugin(tester, 'nk_call', { to: 'echo', op: 'private', cap })).toEqual({ ok: 'echoed' });
    await attack('delegated token, outside its grants', { to: 'echo', op: 'other', cap }, 'E_DENIED');
    const exp = Number(payload(cap).exp) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 1_100));
    await attack('delegated token after its expiry', { to: 'echo', op: 'private', cap }, 'E_TOKEN_EXPIRED');
  });

  it('a token delegated to the plugin is refused once its parent is revoked (E_TOKEN_REVOKED)', async () => {
    const cap = await victim.delegate([{ action: 'call', to: 'echo', ops: ['private'] }], 60, 'hostcall');
    expect(await fromPlugin(tester, 'nk_call', { to: 'echo', op: 'private', cap })).toEqual({ ok: 'echoed' });
    kernel.revokeToken(victim.tokenId, 'test: the parent (the victim\'s own token) is revoked');
    await attack('delegated token after its parent was revoked', { to: 'echo', op: 'private', cap }, 'E_TOKEN_REVOKED');
  });
});

// ---------------------------------------------------------------------------

describe('a DAG task token replayed after its run ended (real ExtensionHost, policy file)', () => {
  const dir = tempDir('nk-dagtok-');
  const auditFile = path.join(dir, 'audit.log');
  const store = path.join(dir, 'artifacts');
  let host: ExtensionHost;
  let operator: Port;
  let collector: Port;
  const leaked: Record<string, unknown>[] = [];
  const ended: string[] = [];
  const TIMEOUT_MS = 2_500;

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'policies'));
    const sha = createHash('sha256').update(readFileSync(pluginPath('hostcall'))).digest('hex');
    const policyFile = path.join(dir, 'policies', 'policy.yaml');
    writeFileSync(
      policyFile,
      `version: 1
extensions:
  operator:
    sandbox: host
    why: starts the run, and drives the thief plugin for the replays
    allow:
      - { call: dag, ops: [run, status], why: run }
      - { call: artifacts, ops: [put], resources: ["inputs/*"], why: inputs }
      - { call: hostcall, why: drive the thief }
      - { subscribe: "dag.*", why: progress }
  collector:
    sandbox: host
    why: the thief's accomplice, receives leaked task bodies
    allow:
      - { call: artifacts, ops: [get, put], why: "tries the stolen token itself (its own grant must not matter)" }
  dag:
    sandbox: worker
    module: ${path.join(ROOT, 'dist/extensions/dag/index.js')}
    why: tracker
    allow:
      - { call: artifacts, ops: [get, put, stat, list], why: log and task data }
      - { call: hostcall, ops: [task], why: the instrument }
      - { delegate: hostcall, why: task tokens }
      - { publish: "dag.*", why: events }
    host: { clock: true, memoryMb: 128, timeoutMs: 60000, concurrency: 8 }
    data: { maxConcurrency: 2, defaultTimeoutMs: ${TIMEOUT_MS} }
  artifacts:
    sandbox: worker
    module: ${path.join(ROOT, 'dist/extensions/artifacts/index.js')}
    why: store
    allow:
      - { publish: artifacts.put, why: announce }
    host:
      fs: [{ path: ${store}, mode: readwrite }]
  hostcall:
    sandbox: wasm
    module: ${pluginPath('hostcall')}
    sha256: "${sha}"
    why: a hostile instrument that keeps its task token
    allow:
      - { call: collector, ops: [leak], why: exfiltration channel (the attack) }
    host: { timeoutMs: 5000 }
`,
    );
    host = await ExtensionHost.start({ policyFile, auditFile, keyFile: path.join(dir, 'keys.json'), auditSync: true, logger: pino({ level: 'silent' }) });
    collector = await host.principal('collector', (envelope) => {
      if (envelope.op === 'leak') leaked.push(envelope.body as Record<string, unknown>);
      return null;
    });
    operator = await host.principal('operator', (envelope) => {
      const body = envelope.body as { state?: string };
      if (envelope.to.startsWith('dag.run.') && ['succeeded', 'failed', 'cancelled'].includes(String(body.state))) ended.push(String(body.state));
    });
    await operator.subscribe('dag.*');
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('during the run the thief uses its token; once the attempt settles the tracker revokes it: every replay is E_TOKEN_REVOKED', async () => {
    await operator.call('artifacts', 'put', 'inputs/doc.txt', { data: 'a secret report', encoding: 'utf8' });
    await operator.call('artifacts', 'put', 'inputs/other.txt', { data: 'not for this task', encoding: 'utf8' });
    const workflow = `version: 1\nname: steal\nnodes:\n  steal:\n    use: hostcall\n    op: task\n    inputs: { doc: inputs/doc.txt }\n    output: "out/{runId}/stolen.txt"\n    timeoutMs: ${TIMEOUT_MS}\n`;
    const { runId } = (await operator.call('dag', 'run', '', { workflow, runId: 'steal-1' })) as { runId: string };
    for (let i = 0; i < 200 && ended.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(ended).toEqual(['succeeded']);
    expect(leaked).toHaveLength(1);
    const task = leaked[0]! as { cap: string; deadline: number; output: string; inputs: Record<string, string> };
    expect(task.output).toBe(`out/${runId}/stolen.txt`);
    const claims = payload(task.cap);
    expect(claims.sub).toBe('hostcall');
    // The token expires at the node deadline, to the second (JWT exp is in whole seconds: the ttl is rounded up,
    // iat down, so exp lands within a second either side of the deadline).
    expect(Math.abs(Number(claims.exp) * 1000 - task.deadline)).toBeLessThan(1_000);

    const replay = async (request: Record<string, unknown>): Promise<HostReply> => {
      const reply = (await operator.call('hostcall', 'text', '', { fn: 'nk_call', text: JSON.stringify(request) }, { timeoutMs: 5_000 })) as { raw: string };
      return JSON.parse(reply.raw) as HostReply;
    };
    // After the run ended, well before the deadline: revoked, its exact grants included.
    expect(Date.now()).toBeLessThan(Number(claims.exp) * 1000 - 500);
    expect((await replay({ to: 'artifacts', op: 'get', resource: 'inputs/doc.txt', body: { encoding: 'utf8' }, cap: task.cap })).error?.code).toBe('E_TOKEN_REVOKED');
    expect((await replay({ to: 'artifacts', op: 'put', resource: task.output, body: { data: 'overwrite', encoding: 'utf8' }, cap: task.cap })).error?.code).toBe('E_TOKEN_REVOKED');
    expect((await replay({ to: 'artifacts', op: 'get', resource: 'inputs/other.txt', body: { encoding: 'utf8' }, cap: task.cap })).error?.code).toBe('E_TOKEN_REVOKED');
    // Nor can the thief delegate from it.
    const delegated = (await operator.call('hostcall', 'text', '', { fn: 'nk_delegate', text: JSON.stringify({ grants: [{ action: 'call', to: 'artifacts', ops: ['get'], resources: ['inputs/doc.txt'] }], ttl_seconds: 60, to: 'collector', cap: task.cap }) }, { timeoutMs: 5_000 })) as { raw: string };
    expect((JSON.parse(delegated.raw) as HostReply).error?.code).toBe('E_TOKEN_REVOKED');
    // The accomplice holding the token string: not its subject.
    await expect(collector.call('artifacts', 'get', 'inputs/doc.txt', { encoding: 'utf8' }, { cap: task.cap })).rejects.toMatchObject({ code: 'E_TOKEN_INVALID' });

    host.kernel.audit.flush();
    const audit = readAudit(auditFile);
    const revocation = audit.find((r) => r.action === 'revoke' && r.token_jti === claims.jti);
    expect(revocation).toMatchObject({ actor: 'dag', verdict: 'allow', target: 'hostcall' });
    const endOfRun = audit.findIndex((r) => r.action === 'publish' && typeof r.target === 'string' && r.target.startsWith('dag.run.') && r.actor === 'dag' && audit.indexOf(r) > audit.indexOf(revocation!));
    expect(endOfRun).toBeGreaterThan(-1);
    const records = audit.filter((r) => r.actor === 'hostcall' && r.target === 'artifacts' && r.verdict === 'deny');
    expect(records.map((r) => r.code)).toEqual(['E_TOKEN_REVOKED', 'E_TOKEN_REVOKED', 'E_TOKEN_REVOKED']);
    expect(audit.some((r) => r.actor === 'hostcall' && r.action === 'delegate' && r.verdict === 'deny' && r.code === 'E_TOKEN_REVOKED')).toBe(true);
    expect(audit.some((r) => r.actor === 'collector' && r.verdict === 'deny' && r.code === 'E_TOKEN_INVALID')).toBe(true);
    expect((await verifyAuditLog(auditFile)).ok).toBe(true);
    const stored = (await operator.call('dag', 'status', '', { runId })) as { runs: { state: string }[] };
    expect(stored.runs[0]?.state).toBe('succeeded');
    tally.attacks += 5;
    tally.refusedExact += 5;
    tally.audited += 5;
    figure('dag task token: exp − node deadline (ms)', Number(claims.exp) * 1000 - task.deadline);
  }, 30_000);
});
