/**
 * The viewer's JSON API through fastify's `inject`, over a log the real kernel recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRecords } from '../../../cli/audit/records.js';
import { matches } from '../../../cli/audit/query.js';
import { createAuditApp, type AuditViewerApp } from '../../../cli/audit/viewer/app.js';
import { verifyAuditLog } from '../../../nanokernel/index.js';
import { DENY_RULE_AT, HOSTILE_OP, recordLog, tamperedCopy, type RecordedLog } from './record-log.js';

let log: RecordedLog;
let viewer: AuditViewerApp;
let bare: AuditViewerApp;

const get = async (app: AuditViewerApp, url: string, host = '127.0.0.1:4000') => {
  const response = await app.app.inject({ method: 'GET', url, headers: { host } });
  return { status: response.statusCode, headers: response.headers, body: response.body, json: () => response.json() as Record<string, any> };
};
const seqOf = async (predicate: (r: Record<string, any>) => boolean) => (await allRecords(log.auditFile)).find((r) => predicate(r as never))!.seq;

beforeAll(async () => {
  log = await recordLog();
  viewer = await createAuditApp(log.auditFile, { host: '127.0.0.1', policy: log.policyFile });
  bare = await createAuditApp(log.auditFile, { host: '127.0.0.1' });
});
afterAll(async () => {
  await viewer?.close();
  await bare?.close();
  log?.cleanup();
});

describe('status and records', () => {
  it('reports the chain as audit verify does, with the facets for the filters', async () => {
    const status = (await get(viewer, '/api/status')).json();
    const verified = await verifyAuditLog(log.auditFile);
    expect(status.chain).toEqual({ ok: true, records: verified.records });
    expect(status.records).toBe(log.lines().length);
    expect(status.facets.extensions).toEqual(['greeter', 'operator', 'uppercase']);
    expect(status.facets.ops).toContain(HOSTILE_OP);
    expect(status.policy.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('filters with the same engine as audit query', async () => {
    const all = await allRecords(log.auditFile);
    for (const [query, filter] of [
      ['verdict=deny', { verdict: 'deny' as const }],
      ['ext=greeter&op=greet', { ext: 'greeter', op: 'greet' }],
      ['action=delegate', { action: 'delegate' }],
      ['text=SECRETS', { text: 'SECRETS' }],
    ] as const) {
      const body = (await get(viewer, `/api/records?${query}`)).json();
      const expected = all.filter((record) => matches(record, filter)).map((record) => record.seq);
      expect(expected.length).toBeGreaterThan(0);
      expect(body.records.map((record: { seq: number }) => record.seq)).toEqual(expected);
      expect(body.matched).toBe(expected.length);
    }
    const denials = (await get(viewer, '/api/records?verdict=deny')).json().records;
    expect(denials.map((r: { why?: string; op: string }) => r.why ?? r.op)).toEqual(['secrets are never shouted', 'wave', HOSTILE_OP]);
  });

  it('filters by time and returns only the latest matches up to the limit', async () => {
    const all = await allRecords(log.auditFile);
    const cut = all[9]!.time;
    const since = (await get(viewer, `/api/records?since=${new Date(cut).toISOString()}`)).json();
    expect(since.records.every((r: { time: number }) => r.time >= cut)).toBe(true);
    expect(since.matched).toBe(all.filter((r) => r.time >= cut).length);
    const limited = (await get(viewer, '/api/records?limit=3')).json();
    expect(limited.records.map((r: { seq: number }) => r.seq)).toEqual(all.slice(-3).map((r) => r.seq));
    expect(limited.matched).toBe(all.length);
  });

  it('refuses bad or unknown parameters with E_BAD_QUERY (no parameter names a file)', async () => {
    for (const query of ['verdict=maybe', 'limit=0', 'limit=99999', 'since=yesterday', 'file=/etc/passwd', `text=${'x'.repeat(201)}`]) {
      const response = await get(viewer, `/api/records?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json().error.code).toBe('E_BAD_QUERY');
    }
    expect((await get(viewer, '/api/records/abc')).json().error.code).toBe('E_BAD_QUERY');
    expect((await get(viewer, '/api/status?path=x')).status).toBe(400);
  });
});

describe('record joins', () => {
  it('joins a denial with its rule, the policy line and the reason', async () => {
    const seq = await seqOf((r) => r.verdict === 'deny' && r.resource === 'secret/plan');
    const detail = (await get(viewer, `/api/records/${seq}`)).json();
    expect(detail.rule).toMatchObject({ file: log.policyFile, line: DENY_RULE_AT.line, col: DENY_RULE_AT.col, effect: 'deny', why: 'secrets are never shouted' });
    expect(detail.rule.text).toBe('- call: uppercase');
    expect(detail.denial).toMatchObject({ code: 'E_DENIED', reason: 'secrets are never shouted', suggestion: null });
    expect(detail.denial.advice).toContain(`${log.policyFile}:${DENY_RULE_AT.line}`);
    expect(detail.policy.given.same).toBe(true);
    expect(detail.verified).toBe(true);
  });

  it('gives a default denial the smallest grant that would allow it', async () => {
    const seq = await seqOf((r) => r.op === 'wave');
    const detail = (await get(viewer, `/api/records/${seq}`)).json();
    expect(detail.rule).toBeNull();
    expect(detail.denial.reason).toBe('no grant allows it (default deny)');
    expect(detail.denial.suggestion).toMatch(/call: greeter[\s\S]*wave/);
    const hostile = (await get(viewer, `/api/records/${await seqOf((r) => r.op === HOSTILE_OP)}`)).json();
    expect(hostile.denial.suggestion).toBeNull();
    expect(hostile.denial.advice).toMatch(/^denied/);
    const without = (await get(bare, `/api/records/${seq}`)).json();
    expect(without.denial).toEqual({ code: 'E_DENIED', reason: 'no grant allows it (default deny)' });
  });

  it('follows a delegated token to its parent and shows the plugin hashes', async () => {
    const records = await allRecords(log.auditFile);
    const delegation = records.find((r) => r.action === 'delegate')!;
    const detail = (await get(viewer, `/api/records/${delegation.seq}`)).json();
    const parent = records.find((r) => r.action === 'mint' && r.target === 'operator')!;
    expect(detail.tokens.chain.map((t: { jti: string; kind: string; subject: string }) => [t.jti, t.kind, t.subject])).toEqual([
      [parent.token_jti, 'mint', 'operator'],
      [delegation.token_jti, 'delegate', 'greeter'],
    ]);
    const greeter = detail.plugins.find((p: { id: string }) => p.id === 'greeter');
    expect(greeter.started.token_jti).toBe(records.find((r) => r.action === 'endpoint.start' && r.target === 'greeter')!.token_jti);
    expect(greeter.policy.current).toMatch(/^[0-9a-f]{64}$/);
    expect(greeter.policy.module).not.toMatch(/^\//);
  });

  it('answers E_NOT_FOUND for a seq the log does not have', async () => {
    const response = await get(viewer, '/api/records/999999');
    expect(response.status).toBe(404);
    expect(response.json().error.code).toBe('E_NOT_FOUND');
  });
});

describe('views', () => {
  it('shows a run as a tree: a call made while handling another nests under it', async () => {
    const records = await allRecords(log.auditFile);
    const first = records.find((r) => r.action === 'call' && r.op === 'greet')!;
    const tree = (await get(viewer, `/api/traces/${first.trace_id}`)).json();
    expect(tree.records).toBe(2);
    expect(tree.linked).toBe(true);
    type Node = { record: { actor: string; target: string }; children: Node[] };
    const describe = (n: Node): string => `${n.record.actor}>${n.record.target}${n.children.length ? `(${n.children.map(describe).join(',')})` : ''}`;
    expect(tree.roots.map(describe)).toEqual(['operator>greeter(greeter>uppercase)']);
    expect((await get(viewer, '/api/traces/nope')).status).toBe(404);
  });

  it('sets granted beside used for each extension', async () => {
    const body = (await get(viewer, '/api/extensions')).json();
    const operator = body.extensions.find((e: { id: string }) => e.id === 'operator');
    const uses = Object.fromEntries(operator.granted.map((g: { effect: string; action: string; to: string; uses: number }) => [`${g.effect} ${g.action} ${g.to}`, g.uses]));
    expect(uses).toEqual({ 'allow call greeter': 1, 'allow call uppercase': 0, 'allow delegate greeter': 1, 'deny call uppercase': 1 });
    expect(operator.unused).toHaveLength(1);
    expect(operator.used.find((u: { op: string }) => u.op === HOSTILE_OP)).toMatchObject({ recorded: 'deny', now: 'deny', rule: null });
    const greeter = body.extensions.find((e: { id: string }) => e.id === 'greeter');
    expect(greeter.learned).toEqual([{ action: 'call', to: 'uppercase', ops: ['upper'], resources: ['*'], uses: 1 }]);
    const bareBody = (await get(bare, '/api/extensions')).json();
    expect(bareBody.extensions.find((e: { id: string }) => e.id === 'operator').granted).toBeNull();
  });

  it('reports a tampered log broken at the edited line, like audit verify', async () => {
    const file = tamperedCopy(log, 10);
    const tampered = await createAuditApp(file, { host: '127.0.0.1' });
    try {
      const status = (await get(tampered, '/api/status')).json();
      const verified = await verifyAuditLog(file);
      expect(status.chain).toEqual({ ok: false, records: 9, broken: { line: 10, reason: verified.broken!.reason } });
      expect((await get(tampered, '/api/verify')).json()).toMatchObject({ ok: false, broken: { line: 10 } });
      const records = (await get(tampered, '/api/records')).json().records;
      expect(records.filter((r: { verified: boolean }) => !r.verified).map((r: { line: number }) => r.line)[0]).toBe(10);
    } finally {
      await tampered.close();
    }
  });
});
