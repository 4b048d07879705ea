/**
 * Two kernels over a real nats-server: kernel "a" in this process (an operator
 * calling a remote extension), kernel "b" a child process (`nanokernel run
 * --serve`) running the uppercase worker extension.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { ENVELOPE_VERSION, KeyRing, type Envelope, type Port } from '../../nanokernel/index.js';
import { ExtensionHost } from '../../cli/runtime/host.js';
import { Federation, natsServerInstalled, startNatsServer, subjects, type NatsServer } from '../../cli/runtime/federation/index.js';
import { readAudit } from '../nanokernel/helpers.js';

const installed = natsServerInstalled();
if (!installed && !process.env.CI) console.warn('test/federation skipped: nats-server is not installed (apt-get install nats-server); in CI it must be');
const suite = installed || process.env.CI ? describe : describe.skip;

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'nk-fed-'));
const file = (name: string) => path.join(dir, name);

const records = readAudit;

async function eventually<T>(fn: () => Promise<T> | T, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

suite('federation over NATS (two kernel processes)', () => {
  let server: NatsServer;
  let child: ChildProcess;
  let host: ExtensionHost;
  let federation: Federation;
  let operator: Port;
  let raw: NatsConnection;
  let localCalls = 0;

  beforeAll(async () => {
    server = await startNatsServer();
    const a = await KeyRing.open(file('a.keys.json'));
    const b = await KeyRing.open(file('b.keys.json'));
    writeFileSync(file('a.jwks.json'), JSON.stringify(a.jwks()));
    writeFileSync(file('b.jwks.json'), JSON.stringify(b.jwks()));
    writeFileSync(file('a.yaml'), `version: 1
extensions:
  operator:
    sandbox: host
    why: the test's caller
    allow:
      - call: uppercase
      - call: local
  local:
    sandbox: host
    why: local work that must go on while NATS is down
peers:
  b:
    jwks: b.jwks.json
    why: runs the uppercase extension
    extensions: [uppercase]
    revocationGraceMs: 1000
`);
    writeFileSync(file('b.yaml'), `version: 1
extensions:
  uppercase:
    sandbox: worker
    module: ${path.join(ROOT, 'dist/examples/workers/uppercase/index.js')}
    why: upper-cases text
peers:
  a:
    jwks: a.jwks.json
    why: kernel a's operator may upper-case text here
    allow:
      - call: uppercase
        ops: [upper]
        why: only upper
    revocationGraceMs: 1000
`);
    child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/bin.js'), 'run', '--serve', '--watch', '--json', '--policy', file('b.yaml'), '--kernel-id', 'b', '--nats', server.url, '--audit', file('b.log'), '--keys', file('b.keys.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"ready":true')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`kernel b exited with ${code}: ${stderr}`)));
    });
    host = await ExtensionHost.start({ policyFile: file('a.yaml'), auditFile: file('a.log'), keyFile: file('a.keys.json'), kernelId: 'a', auditSync: true, logger: pino({ level: 'silent' }) });
    await host.principal('local', () => ++localCalls);
    operator = await host.principal('operator');
    federation = await Federation.join({ kernel: host.kernel, policy: host.policy, servers: server.url, reconnectTimeWait: 100 });
    raw = await connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    // b hears a's revocation list (heartbeat) before a's tokens are honoured there.
    await eventually(() => operator.call('uppercase', 'upper', '', { text: 'warm' }));
  }, 60_000);

  afterAll(async () => {
    await raw?.close();
    await federation?.leave();
    await host?.stop();
    child?.kill('SIGTERM');
    await new Promise((resolve) => (child?.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await server?.stop();
  });

  /** Send an envelope straight onto the bus, as a replaying or forging client would. */
  async function send(cap: string, over: Partial<Envelope> = {}): Promise<{ ok: boolean; body?: unknown; error?: { code: string; message: string } }> {
    const id = `raw-${Math.random().toString(36).slice(2)}`;
    const envelope: Envelope = { v: ENVELOPE_VERSION, id, kind: 'call', from: 'operator', to: 'uppercase', op: 'upper', resource: '', ts: Date.now(), trace_id: id, span_id: id, deadline: Date.now() + 2_000, cap, body: { text: 'x' }, ...over };
    const msg = await raw.request(subjects.call('b'), JSON.stringify(envelope), { timeout: 3_000 });
    return msg.json();
  }

  it('routes an allowed call to the remote extension, audited on both kernels under one trace', async () => {
    expect(await operator.call('uppercase', 'upper', '', { text: 'hello' })).toBe('HELLO');
    host.kernel.audit.flush();
    const mine = records(file('a.log')).filter((r) => r.action === 'call' && r.actor === 'operator' && r.verdict === 'allow').at(-1)!;
    const trace = mine.trace_id as string;
    const theirs = await eventually(() => {
      const found = records(file('b.log')).find((r) => r.trace_id === trace && r.action === 'call');
      if (!found) throw new Error('not yet written');
      return found;
    });
    expect(theirs).toMatchObject({ kernel: 'b', actor: 'operator@a', verdict: 'allow', target: 'uppercase', op: 'upper', causation_id: mine.envelope_id });
    expect(await main(['audit', 'query', file('a.log'), file('b.log'), '--trace', trace, '--json'])).toBe(0);
  });

  it('refuses a call the peer grants do not allow, recorded on both kernels', async () => {
    const error = await rejection(operator.call('uppercase', 'lower', '', { text: 'x' }));
    expect(error.code).toBe('E_DENIED');
    expect(error.message).toContain('peers.a');
    host.kernel.audit.flush();
    expect(records(file('a.log')).find((r) => r.verdict === 'deny' && r.op === 'lower')).toMatchObject({ kernel: 'a', actor: 'operator', code: 'E_DENIED', detail: { remote: 'b' } });
    await eventually(() => expect(records(file('b.log')).find((r) => r.verdict === 'deny' && r.op === 'lower')).toMatchObject({ kernel: 'b', actor: 'operator@a', code: 'E_DENIED' }));
  });

  it('refuses a token forged by a kernel b does not trust, and one forged in a\'s name', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forge = (iss: string) => new SignJWT({ nk: { grants: [{ action: 'call', to: '*' }], chain: [], depth: 0 } }).setProtectedHeader({ alg: 'EdDSA', kid: 'x' }).setIssuer(iss).setSubject('operator').setAudience('nanokernel').setIssuedAt().setExpirationTime('1h').setJti(`forged-${iss}`).sign(privateKey);
    const evil = await send(await forge('evil'));
    expect(evil).toMatchObject({ ok: false, error: { code: 'E_TOKEN_INVALID' } });
    expect(evil.error!.message).toContain('does not trust');
    expect(await send(await forge('a'))).toMatchObject({ ok: false, error: { code: 'E_TOKEN_INVALID' } });
    await eventually(() => expect(records(file('b.log')).filter((r) => r.verdict === 'deny' && r.code === 'E_TOKEN_INVALID').map((r) => r.actor)).toEqual(expect.arrayContaining(['operator@evil', 'operator@a'])));
  });

  it('applies a revocation made on a to the token on b within a second', async () => {
    const token = await host.kernel.mintToken('operator', [{ action: 'call', to: 'uppercase' }]);
    expect(await send(token)).toMatchObject({ ok: true, body: 'X' });
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    const revokedAt = Date.now();
    host.kernel.revokeToken(jti, 'test');
    let reply = await send(token);
    while (reply.ok && Date.now() - revokedAt < 2_000) reply = await send(token);
    const took = Date.now() - revokedAt;
    expect(reply).toMatchObject({ ok: false, error: { code: 'E_TOKEN_REVOKED' } });
    expect(took).toBeLessThan(1_000);
    await eventually(() => expect(records(file('b.log')).find((r) => r.action === 'revoke' && r.token_jti === jti)).toMatchObject({ detail: { issuer: 'a' } }));
  });

  it("applies b's policy reloads to peer a at once: narrowed grants deny, a removed peer is distrusted, restored it is trusted again", async () => {
    const original = readFileSync(file('b.yaml'), 'utf8');
    const token = await host.kernel.mintToken('operator', [{ action: 'call', to: 'uppercase' }]);
    expect(await send(token)).toMatchObject({ ok: true, body: 'X' });
    writeFileSync(file('b.yaml'), original.replace('ops: [upper]', 'ops: [lower]'));
    await eventually(async () => expect(await send(token)).toMatchObject({ ok: false, error: { code: 'E_DENIED' } }));
    writeFileSync(file('b.yaml'), original.slice(0, original.indexOf('peers:')));
    await eventually(async () => {
      const reply = await send(token);
      expect(reply).toMatchObject({ ok: false, error: { code: 'E_TOKEN_INVALID' } });
      expect(reply.error!.message).toContain('does not trust');
    });
    writeFileSync(file('b.yaml'), original);
    await eventually(async () => expect(await send(token)).toMatchObject({ ok: true, body: 'X' }));
    await eventually(() => {
      const changes = records(file('b.log')).filter((r) => r.action === 'peer.trust' || r.action === 'peer.distrust' || r.action === 'policy.reload').map((r) => r.action);
      expect(changes.filter((action) => action === 'policy.reload')).toHaveLength(3);
      expect(changes.lastIndexOf('peer.trust')).toBeGreaterThan(changes.indexOf('peer.distrust'));
    });
  }, 30_000);

  it('fails remote calls cleanly while NATS is down, keeps local work going, and recovers by itself', async () => {
    const port = server.port;
    await server.stop();
    const started = Date.now();
    const error = await rejection(operator.call('uppercase', 'upper', '', { text: 'x' }, { timeoutMs: 800 }));
    expect(['E_TIMEOUT', 'E_NO_TARGET']).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await operator.call('local', 'ping', '', null)).toBe(localCalls);
    server = await startNatsServer(port);
    expect(await eventually(() => operator.call('uppercase', 'upper', '', { text: 'back' }, { timeoutMs: 1_000 }), 15_000)).toBe('BACK');
    expect(federation.connected).toBe(true);
  }, 30_000);

  it('fails closed on b for a\'s tokens once a stops publishing revocations for longer than the grace', async () => {
    const token = await host.kernel.mintToken('operator', [{ action: 'call', to: 'uppercase' }]);
    await eventually(async () => expect(await send(token)).toMatchObject({ ok: true }));
    await federation.leave();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const reply = await send(token);
    expect(reply).toMatchObject({ ok: false, error: { code: 'E_TOKEN_INVALID' } });
    expect(reply.error!.message).toContain('revocations cannot be checked');
  }, 15_000);
});
