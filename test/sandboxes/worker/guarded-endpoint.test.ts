import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelError } from '../../../nanokernel/index.js';
import { guardedEndpoint } from '../../../sandboxes/worker/guarded-endpoint.js';
import { installKernelErrorTransfer } from '../../../sandboxes/worker/transfer.js';

installKernelErrorTransfer();

describe('guarded comlink endpoint', () => {
  const channels: MessageChannel[] = [];
  afterEach(() => channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close())));

  function serve() {
    const channel = new MessageChannel();
    channels.push(channel);
    const table = Object.freeze({
      add: (a: number, b: number) => a + b,
      fail: () => {
        throw new KernelError('E_DENIED', 'no', { facts: { who: 'x' }, hint: 'grant it' });
      },
      secret: 's3cret',
    });
    expose(table, guardedEndpoint(channel.port1, 'expose', new Set(['add', 'fail'])));
    const raw = (message: Record<string, unknown>) =>
      new Promise<Record<string, unknown>>((resolve) => {
        channel.port2.once('message', resolve);
        channel.port2.postMessage({ id: 'm1', ...message });
      });
    return { channel, raw };
  }

  it('answers listed methods and keeps KernelError code, facts and hint', async () => {
    const { channel } = serve();
    const remote = wrap<{ add(a: number, b: number): number; fail(): void }>(guardedEndpoint(channel.port2, 'call'));
    expect(await remote.add(2, 3)).toBe(5);
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect(error).toMatchObject({ code: 'E_DENIED', facts: { who: 'x' }, hint: 'grant it' });
  });

  it.each([
    ['GET of a property', { type: 'GET', path: ['secret'] }],
    ['APPLY of a method not listed', { type: 'APPLY', path: ['secret'], argumentList: [] }],
    ['APPLY through a path (constructor)', { type: 'APPLY', path: ['add', 'constructor'], argumentList: [{ type: 'RAW', value: 'return process' }] }],
    ['SET', { type: 'SET', path: ['add'], value: { type: 'RAW', value: 1 } }],
    ['CONSTRUCT', { type: 'CONSTRUCT', path: ['add'], argumentList: [] }],
    ['ENDPOINT', { type: 'ENDPOINT' }],
    ['a proxy argument', { type: 'APPLY', path: ['add'], argumentList: [{ type: 'HANDLER', name: 'proxy', value: null }] }],
  ])('refuses %s with E_BAD_ENVELOPE', async (_name, message) => {
    const { raw } = serve();
    const reply = await raw(message);
    expect(reply).toMatchObject({ id: 'm1', type: 'HANDLER', name: 'throw', value: { kernelError: { code: 'E_BAD_ENVELOPE' } } });
  });
});
