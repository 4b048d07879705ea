import { describe, expect, it } from 'vitest';
import { handling, type Envelope, type Kernel } from '../../nanokernel/index.js';
import { readAudit, rejection, startKernel } from './helpers.js';

async function pair(kernel: Kernel, grants: unknown[], handler: (env: Envelope) => unknown = (env) => env.body, options = {}) {
  const target = await kernel.register('target', await kernel.mintToken('target', []), handler, options);
  const client = await kernel.register('client', await kernel.mintToken('client', grants), () => undefined);
  return { target, client };
}

describe('dispatch', () => {
  it('delivers an allowed call and returns the reply, with the decision audited', async () => {
    const kernel = await startKernel();
    const seen: Envelope[] = [];
    const { client } = await pair(kernel, [{ action: 'call', to: 'target', ops: ['echo'], rule: 'p.yaml:4:9' }], (env) => {
      seen.push(env);
      return { echoed: env.body };
    });
    expect(await client.call('target', 'echo', '', { n: 1 })).toEqual({ echoed: { n: 1 } });
    expect(seen[0]).toMatchObject({ v: 1, kind: 'call', from: 'client', to: 'target', op: 'echo' });
    await kernel.shutdown();
    const record = readAudit(kernel.audit.file).find((r) => r.action === 'call')!;
    expect(record).toMatchObject({ actor: 'client', target: 'target', op: 'echo', verdict: 'allow', rule: 'p.yaml:4:9', trace_id: seen[0]!.trace_id, token_jti: client.tokenId });
    expect(JSON.stringify(readAudit(kernel.audit.file))).not.toContain('echoed');
  });

  it('refuses an ungranted call before it reaches the target, naming the missing grant', async () => {
    const kernel = await startKernel();
    let reached = false;
    const { client } = await pair(kernel, [{ action: 'call', to: 'target', ops: ['echo'] }], () => {
      reached = true;
    });
    const error = await rejection(client.call('target', 'delete', 'reports/q3', {}));
    expect(error.code).toBe('E_DENIED');
    expect(error.facts).toMatchObject({ from: 'client', to: 'target', op: 'delete', resource: 'reports/q3', rule: null, missing: { action: 'call', to: 'target', ops: ['delete'], resources: ['reports/q3'] } });
    expect(reached).toBe(false);
    await kernel.shutdown();
    expect(readAudit(kernel.audit.file).find((r) => r.verdict === 'deny')).toMatchObject({ actor: 'client', action: 'call', target: 'target', op: 'delete', code: 'E_DENIED' });
  });

  it('lets a deny rule beat an allow and names the rule and its reason', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [
      { action: 'call', to: 'target' },
      { effect: 'deny', action: 'call', to: 'target', ops: ['gc'], rule: 'p.yaml:9:7', why: 'only the sweeper collects' },
    ]);
    const error = await rejection(client.call('target', 'gc', '', null));
    expect(error.code).toBe('E_DENIED');
    expect(error.message).toContain('p.yaml:9:7');
    expect(error.facts).toMatchObject({ rule: 'p.yaml:9:7', why: 'only the sweeper collects' });
    await kernel.shutdown();
  });

  it('stamps from from the channel, whatever the body says', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }], (env) => env.from);
    expect(await client.call('target', 'who', '', { from: 'kernel' })).toBe('client');
    await kernel.shutdown();
  });

  it('answers E_NO_TARGET for an allowed call to nobody, and E_BAD_ENVELOPE for a bad key', async () => {
    const kernel = await startKernel();
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: '*' }]), () => undefined);
    expect((await rejection(client.call('ghost', 'x', '', null))).code).toBe('E_NO_TARGET');
    expect((await rejection(client.call('ghost', 'x*', '', null))).code).toBe('E_BAD_ENVELOPE');
    expect((await rejection(client.call('', 'x', '', null))).code).toBe('E_BAD_ENVELOPE');
    await kernel.shutdown();
  });

  it('times out a call that is not answered by its deadline', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }], () => new Promise(() => undefined));
    const error = await rejection(client.call('target', 'hang', '', null, { timeoutMs: 50 }));
    expect(error.code).toBe('E_TIMEOUT');
    expect(kernel.deadLetters().at(-1)).toMatchObject({ code: 'E_TIMEOUT', to: 'target', op: 'hang' });
    await kernel.shutdown(10);
  });

  it('keeps a thrown coded error and turns anything else into E_TARGET_CRASHED', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }], (env) => {
      if (env.op === 'coded') throw Object.assign(new Error('nope'), { code: 'E_DENIED' });
      throw 'a string';
    });
    expect((await rejection(client.call('target', 'coded', '', null))).code).toBe('E_DENIED');
    expect((await rejection(client.call('target', 'other', '', null))).code).toBe('E_TARGET_CRASHED');
    await kernel.shutdown();
  });

  it('refuses a body over the size limit with E_TOO_LARGE', async () => {
    const kernel = await startKernel({ defaults: { maxBodyBytes: 1_000 } });
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }]);
    expect((await rejection(client.call('target', 'x', '', 'a'.repeat(2_000)))).code).toBe('E_TOO_LARGE');
    expect(await client.call('target', 'x', '', 'small')).toBe('small');
    await kernel.shutdown();
  });

  it('rate-limits a flooding sender with E_OVERLOADED', async () => {
    const kernel = await startKernel({ defaults: { maxCallsPerSecond: 10 } });
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }]);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => client.call('target', 'x', '', null)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(19);
    expect((refused[0] as PromiseRejectedResult).reason.code).toBe('E_OVERLOADED');
    await kernel.shutdown();
  });

  it('carries the trace: a call made while handling inherits trace_id and sets causation_id', async () => {
    const kernel = await startKernel();
    const seen: Envelope[] = [];
    await kernel.register('leaf', await kernel.mintToken('leaf', []), (env) => {
      seen.push(env);
      return 'leaf';
    });
    const middle = await kernel.register('middle', await kernel.mintToken('middle', [{ action: 'call', to: 'leaf' }]), async (env) => {
      seen.push(env);
      expect(handling()?.id).toBe(env.id);
      return middle.call('leaf', 'go', '', null);
    });
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'middle' }]), () => undefined);
    expect(await client.call('middle', 'go', '', null)).toBe('leaf');
    expect(seen[1]!.trace_id).toBe(seen[0]!.trace_id);
    expect(seen[1]!.causation_id).toBe(seen[0]!.id);
    await kernel.shutdown();
    const inner = readAudit(kernel.audit.file).find((r) => r.actor === 'middle' && r.action === 'call')!;
    expect(inner).toMatchObject({ trace_id: seen[0]!.trace_id, causation_id: seen[0]!.id, envelope_id: seen[1]!.id });
  });

  it('delivers 100,000 messages from 10 senders complete and in per-sender order', async () => {
    const kernel = await startKernel({ auditSync: false, defaults: { capacity: 200_000 } });
    const received = new Map<string, number[]>();
    await kernel.register('sink', await kernel.mintToken('sink', []), (env) => {
      const list = received.get(env.from) ?? [];
      list.push(env.body as number);
      received.set(env.from, list);
      return null;
    });
    const senders = await Promise.all(Array.from({ length: 10 }, async (_, i) => kernel.register(`s${i}`, await kernel.mintToken(`s${i}`, [{ action: 'call', to: 'sink' }]), () => undefined)));
    const calls: Promise<unknown>[] = [];
    for (let n = 0; n < 10_000; n++) for (const sender of senders) calls.push(sender.call('sink', 'n', '', n));
    await Promise.all(calls);
    for (let i = 0; i < 10; i++) {
      const list = received.get(`s${i}`)!;
      expect(list).toHaveLength(10_000);
      expect(list.every((value, index) => value === index)).toBe(true);
    }
    await kernel.shutdown();
  });

  it('answers E_OVERLOADED when a mailbox is full and keeps serving others', async () => {
    const kernel = await startKernel({ defaults: { capacity: 4 } });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await kernel.register('slow', await kernel.mintToken('slow', []), () => gate);
    await kernel.register('fast', await kernel.mintToken('fast', []), () => 'ok');
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: '*' }]), () => undefined);
    const pending = Array.from({ length: 4 }, () => client.call('slow', 'x', '', null));
    const overflow = await rejection(client.call('slow', 'x', '', null));
    expect(overflow.code).toBe('E_OVERLOADED');
    expect(await client.call('fast', 'x', '', null)).toBe('ok');
    release();
    await Promise.all(pending);
    await kernel.shutdown();
    expect(readAudit(kernel.audit.file).some((r) => r.code === 'E_OVERLOADED' && r.target === 'slow')).toBe(true);
  });

  it('publishes only to subscribers whose grants cover the topic, and refuses ungranted subscriptions', async () => {
    const kernel = await startKernel();
    const got: string[] = [];
    const listener = await kernel.register('listener', await kernel.mintToken('listener', [{ action: 'subscribe', to: 'dag.*' }, { effect: 'deny', action: 'subscribe', to: 'dag.secret.*' }]), (env) => {
      got.push(`${env.kind}:${env.to}`);
    });
    const outsider = await kernel.register('outsider', await kernel.mintToken('outsider', []), () => undefined);
    const publisher = await kernel.register('publisher', await kernel.mintToken('publisher', [{ action: 'publish', to: 'dag.*' }]), () => undefined);
    await listener.subscribe('dag.*');
    expect((await rejection(outsider.subscribe('dag.*'))).code).toBe('E_DENIED');
    expect((await rejection(listener.subscribe('*'))).code).toBe('E_DENIED');
    await publisher.publish('dag.run.started', { id: 1 });
    await publisher.publish('dag.secret.key', { id: 2 });
    expect((await rejection(publisher.publish('decision.made', {}))).code).toBe('E_DENIED');
    await kernel.shutdown();
    expect(got).toEqual(['event:dag.run.started']);
  });

  it('refuses a revoked endpoint token on its next message', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }]);
    expect(await client.call('target', 'x', '', 1)).toBe(1);
    kernel.revokeToken(client.tokenId, 'test');
    expect((await rejection(client.call('target', 'x', '', 1))).code).toBe('E_TOKEN_REVOKED');
    await kernel.shutdown();
  });

  it('lets a delegated token act for its holder, and refuses it over another channel or after its parent is revoked', async () => {
    const kernel = await startKernel();
    await kernel.register('store', await kernel.mintToken('store', []), (env) => `${env.op}:${env.resource}`);
    const boss = await kernel.register('boss', await kernel.mintToken('boss', [{ action: 'call', to: 'store', ops: ['put', 'get'], resources: ['out/*'] }, { action: 'delegate', to: 'worker' }]), () => undefined);
    const worker = await kernel.register('worker', await kernel.mintToken('worker', []), () => undefined);
    const thief = await kernel.register('thief', await kernel.mintToken('thief', []), () => undefined);
    const cap = await boss.delegate([{ action: 'call', to: 'store', ops: ['put'], resources: ['out/a.txt'] }], 60, 'worker');
    expect(await worker.call('store', 'put', 'out/a.txt', 'x', { cap })).toBe('put:out/a.txt');
    expect((await rejection(worker.call('store', 'put', 'out/b.txt', 'x', { cap }))).code).toBe('E_DENIED');
    expect((await rejection(worker.call('store', 'put', 'out/a.txt', 'x'))).code).toBe('E_DENIED');
    expect((await rejection(thief.call('store', 'put', 'out/a.txt', 'x', { cap }))).code).toBe('E_TOKEN_INVALID');
    expect((await rejection(boss.delegate([{ action: 'call', to: 'store', ops: ['gc'] }], 60, 'worker'))).code).toBe('E_NOT_SUBSET');
    expect((await rejection(boss.delegate([{ action: 'call', to: 'store', ops: ['put'], resources: ['out/a'] }], 60, 'thief'))).code).toBe('E_DENIED');
    kernel.revokeToken(boss.tokenId, 'test');
    expect((await rejection(worker.call('store', 'put', 'out/a.txt', 'x', { cap }))).code).toBe('E_TOKEN_REVOKED');
    await kernel.shutdown();
    const actions = readAudit(kernel.audit.file).map((r) => `${r.action}:${r.verdict}:${r.code ?? ''}`);
    expect(actions).toContain('delegate:allow:');
    expect(actions).toContain('delegate:deny:E_NOT_SUBSET');
    expect(actions).toContain('call:deny:E_TOKEN_REVOKED');
  });

  it('fails closed when the audit log cannot be written', async () => {
    const kernel = await startKernel();
    const { client } = await pair(kernel, [{ action: 'call', to: 'target' }]);
    await kernel.audit.close();
    const error = await rejection(client.call('target', 'x', '', 1));
    expect(error.code).toBe('E_DENIED');
    expect(error.message).toContain('audit log cannot be written');
    expect(kernel.health().ok).toBe(false);
  });

  it('refuses to register with a token issued to another name', async () => {
    const kernel = await startKernel();
    const token = await kernel.mintToken('a', []);
    expect((await rejection(kernel.register('b', token, () => undefined))).code).toBe('E_TOKEN_INVALID');
    await kernel.shutdown();
  });
});
