/**
 * Events across two kernels (in this process, over a real nats-server): a local
 * topic listed in `peers.<id>.topics` reaches the peer's subscribers, decided
 * there with the publisher's token and the peer rules; what those rules do not
 * allow is refused and recorded on the receiving kernel; both kernels forward
 * news to each other, and an event that came from a peer is not sent back out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Federation, natsServerInstalled, startNatsServer, subjects, type NatsServer } from '../../cli/runtime/federation/index.js';
import { Kernel, KeyRing, type Envelope, type Port } from '../../nanokernel/index.js';
import { compilePolicy, parsePolicy } from '../../policies/index.js';
import { readAudit } from '../nanokernel/helpers.js';

const installed = natsServerInstalled();
const suite = installed || process.env.CI ? describe : describe.skip;

const dir = mkdtempSync(path.join(tmpdir(), 'nk-fed-events-'));
const quiet = pino({ level: 'silent' });

function policy(text: string, name: string) {
  const parsed = parsePolicy(text, path.join(dir, name));
  return compilePolicy(parsed.policy, parsed.source);
}

const records = readAudit;

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

suite('events over NATS between two kernels', () => {
  let server: NatsServer;
  let a: Kernel;
  let b: Kernel;
  let fa: Federation;
  let fb: Federation;
  let reporter: Port;
  let relay: Port;
  const heardOnB: Envelope[] = [];
  const heardOnA: Envelope[] = [];
  /** Every event envelope sent to kernel a over the bus, as NATS carried it. */
  const wireToA: { from: string; to: string }[] = [];
  let tap: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    const [keysA, keysB] = await Promise.all([KeyRing.ephemeral(), KeyRing.ephemeral()]);
    a = await Kernel.start({ id: 'a', keys: keysA, auditFile: path.join(dir, 'a.log'), auditSync: true, logger: quiet });
    b = await Kernel.start({ id: 'b', keys: keysB, auditFile: path.join(dir, 'b.log'), auditSync: true, logger: quiet });
    writeFileSync(path.join(dir, 'a.jwks.json'), JSON.stringify(a.jwks()));
    writeFileSync(path.join(dir, 'b.jwks.json'), JSON.stringify(b.jwks()));
    const policyA = policy(
      `version: 1
extensions:
  reporter: { sandbox: host, why: publishes news, allow: [{ publish: "news.*" }, { publish: "gossip.*" }] }
  echoes: { sandbox: host, why: listens on a, allow: [{ subscribe: "news.*" }] }
peers:
  b: { jwks: b.jwks.json, why: wants the news, topics: ["news.*", "gossip.*"], allow: [{ publish: "news.*" }] }
`,
      'a.yaml',
    );
    const policyB = policy(
      `version: 1
extensions:
  listener: { sandbox: host, why: reads the news, allow: [{ subscribe: "news.*" }, { subscribe: "gossip.*" }] }
  relay: { sandbox: host, why: publishes on b, allow: [{ publish: "news.*" }] }
peers:
  a:
    jwks: a.jwks.json
    why: a's reporter may publish news here, not gossip; b's news goes to a
    topics: ["news.*"]
    allow:
      - publish: "news.*"
    deny:
      - publish: news.embargoed
        why: not before the date
`,
      'b.yaml',
    );
    reporter = await a.register('reporter', await a.mintToken('reporter', policyA.extensions.get('reporter')!.grants), () => undefined);
    const echoes = await a.register('echoes', await a.mintToken('echoes', policyA.extensions.get('echoes')!.grants), (envelope) => void heardOnA.push(envelope));
    await echoes.subscribe('news.*');
    const listener = await b.register('listener', await b.mintToken('listener', policyB.extensions.get('listener')!.grants), (envelope) => void heardOnB.push(envelope));
    await listener.subscribe('news.*');
    await listener.subscribe('gossip.*');
    relay = await b.register('relay', await b.mintToken('relay', policyB.extensions.get('relay')!.grants), () => undefined);
    tap = await connect({ servers: server.url });
    tap.subscribe(subjects.event('a'), { callback: (_error, msg) => void wireToA.push(msg.json<{ from: string; to: string }>()) });
    await tap.flush();
    fa = await Federation.join({ kernel: a, policy: policyA, servers: server.url, logger: quiet });
    fb = await Federation.join({ kernel: b, policy: policyB, servers: server.url, logger: quiet });
  }, 30_000);

  afterAll(async () => {
    await tap?.close();
    await fa?.leave();
    await fb?.leave();
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await server?.stop();
  });

  it("a local event on a forwarded topic reaches the peer's subscriber, from <sub>@<kernel>, in the same trace", async () => {
    await reporter.publish('news.today', { headline: 'hello' });
    await until(() => heardOnB.length === 1);
    expect(heardOnB[0]).toMatchObject({ kind: 'event', from: 'reporter@a', to: 'news.today', body: { headline: 'hello' } });
    expect(heardOnB[0]!.cap).toBeUndefined(); // the token is not handed to the subscriber
    expect(heardOnA.map((e) => e.to)).toEqual(['news.today']); // and it was delivered locally too
    a.audit.flush();
    b.audit.flush();
    const sent = records(path.join(dir, 'a.log')).find((r) => r.action === 'publish' && r.target === 'news.today');
    const received = records(path.join(dir, 'b.log')).find((r) => r.action === 'publish' && r.target === 'news.today');
    expect(received).toMatchObject({ kernel: 'b', actor: 'reporter@a', verdict: 'allow' });
    expect(received!.trace_id).toBe(sent!.trace_id);
  });

  it("the peer's rules decide: a topic they do not allow, or one they deny, is refused and recorded on the receiving kernel", async () => {
    await reporter.publish('gossip.rumour', { text: 'psst' });
    await reporter.publish('news.embargoed', { headline: 'later' });
    await until(() => {
      b.audit.flush();
      return records(path.join(dir, 'b.log')).filter((r) => r.actor === 'reporter@a' && r.verdict === 'deny').length === 2;
    });
    const denials = records(path.join(dir, 'b.log')).filter((r) => r.actor === 'reporter@a' && r.verdict === 'deny');
    expect(denials.map((r) => [r.target, r.code])).toEqual([
      ['gossip.rumour', 'E_DENIED'],
      ['news.embargoed', 'E_DENIED'],
    ]);
    expect(denials[1]!.why).toBe('not before the date');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heardOnB.map((e) => e.to)).toEqual(['news.today']);
  });

  it('b forwards its own news to a, but never an event that came from a peer: no echo, no loop', async () => {
    await relay.publish('news.local', { from: 'b' });
    await until(() => heardOnA.some((e) => e.to === 'news.local'));
    expect(heardOnA.find((e) => e.to === 'news.local')).toMatchObject({ from: 'relay@b', body: { from: 'b' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // reporter@a's news.today reached b's news.* forwarder too, and was not sent back to a.
    expect(wireToA.map((e) => `${e.from} ${e.to}`)).toEqual(['relay news.local']);
    expect(heardOnA.filter((e) => e.to === 'news.today')).toHaveLength(1);
    expect(heardOnB.filter((e) => e.to === 'news.today')).toHaveLength(1);
  });
});
