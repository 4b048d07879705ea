/**
 * A hostile plugin that tries to act beyond its grants. Every attempt must come
 * back to the plugin as a structured error (not a trap), be decided by the
 * kernel under the plugin's own identity, and be on the audit record.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel, Port } from '../../../nanokernel/index.js';
import { attachPlugin, client, readAudit, sandboxFor, startKernel } from '../../sandboxes/wasm/helpers.js';

type HostReply = { reply: { ok?: unknown; error?: { code: string; message: string; facts?: Record<string, unknown>; hint?: string } } };

describe('a plugin trying to escape its grants', () => {
  let kernel: Kernel;
  let auditFile: string;
  let user: Port;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://evil.example/' }).end();
      else res.end('hello from the allowed host');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    ({ kernel, auditFile } = await startKernel());
    await attachPlugin(kernel, sandboxFor('wordcount'));
    await attachPlugin(kernel, sandboxFor('trespass', { host: { net: [`127.0.0.1:${port}`] } }), [
      { action: 'call', to: 'wordcount', ops: ['count'] },
      { action: 'delegate', to: 'wordcount' },
    ]);
    user = await client(kernel, 'user', [{ action: 'call', to: '*' }]);
  });
  afterAll(async () => {
    await kernel.shutdown(500);
    server.close();
  });

  const attempt = async (op: string, body: unknown = null) => ((await user.call('trespass', op, '', body)) as HostReply).reply;
  const denials = () => readAudit(auditFile).filter((r) => r.actor === 'trespass' && r.verdict === 'deny');

  it('a granted call works (the control case)', async () => {
    expect(await attempt('allowed')).toEqual({ ok: { words: 3, chars: 13 } });
  });

  it('calling an ungranted target: structured E_DENIED, audited under its own name', async () => {
    const reply = await attempt('call');
    expect(reply.error?.code).toBe('E_DENIED');
    expect(denials().find((r) => r.action === 'call')).toMatchObject({ target: 'vault', op: 'read', resource: 'secrets/root', code: 'E_DENIED' });
  });

  it('publishing to an ungranted topic: E_DENIED, audited', async () => {
    expect((await attempt('publish')).error?.code).toBe('E_DENIED');
    expect(denials().find((r) => r.action === 'publish')).toMatchObject({ target: 'admin.reset', code: 'E_DENIED' });
  });

  it('delegating wider than its own token: E_NOT_SUBSET, audited', async () => {
    expect((await attempt('delegate')).error?.code).toBe('E_NOT_SUBSET');
    expect(denials().find((r) => r.action === 'delegate')).toMatchObject({ target: 'wordcount', code: 'E_NOT_SUBSET' });
  });

  it('claiming to be someone else ("from" in a request) is refused before the kernel sees it', async () => {
    const before = readAudit(auditFile).length;
    const reply = await attempt('from');
    expect(reply.error).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { fn: 'nk_call', field: 'from' } });
    expect(readAudit(auditFile).slice(before).filter((r) => r.actor === 'kernel' && r.action === 'call')).toEqual([]);
  });

  it('HTTP to an unlisted host: E_DENIED with status 0, no request made', async () => {
    const reply = (await user.call('trespass', 'http', '', { url: 'http://evil.example/steal' })) as { status: number; text: string };
    expect(reply.status).toBe(0);
    expect(JSON.parse(reply.text)).toMatchObject({ error: { code: 'E_DENIED', facts: { host: 'evil.example', action: 'http' } } });
  });

  it('HTTP to the listed host works; a redirect to another host is not followed', async () => {
    const ok = (await user.call('trespass', 'http', '', { url: `http://127.0.0.1:${port}/` })) as { status: number; text: string };
    expect(ok).toEqual({ status: 200, text: 'hello from the allowed host' });
    const redirect = (await user.call('trespass', 'http', '', { url: `http://127.0.0.1:${port}/redirect` })) as { status: number };
    expect(redirect.status).toBe(302);
    const otherPort = (await user.call('trespass', 'http', '', { url: `http://127.0.0.1:${port + 1}/` })) as { status: number; text: string };
    expect(JSON.parse(otherPort.text)).toMatchObject({ error: { code: 'E_DENIED' } });
  });

  it('keeps serving other plugins throughout', async () => {
    expect(await user.call('wordcount', 'count', '', 'a b')).toEqual({ words: 2, chars: 3 });
    expect(kernel.health().ok).toBe(true);
  });
});
