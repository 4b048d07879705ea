/**
 * Host functions called with garbage: bad offsets, invalid UTF-8, non-JSON,
 * wrong shapes, oversized requests. Each must be a structured error to the
 * plugin (or a clean E_TARGET_CRASHED for Extism's own kernel functions), and
 * the host must keep serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelError } from '../../../nanokernel/errors.js';
import { envelope, RecordingPort, rejection, sandboxFor } from '../../sandboxes/wasm/helpers.js';
import type { WasmSandbox } from '../../../sandboxes/wasm/index.js';

describe('host functions fed garbage', () => {
  let sandbox: WasmSandbox;
  let bystander: WasmSandbox;
  const port = new RecordingPort('garbage', [{ action: 'call', to: 'wordcount' }], () => ({ words: 1 }));

  beforeAll(async () => {
    sandbox = sandboxFor('garbage', { host: { maxBodyBytes: 1024 * 1024 } });
    await sandbox.start(port);
    bystander = sandboxFor('wordcount');
    await bystander.start(new RecordingPort('wordcount'));
  });
  afterAll(() => Promise.all([sandbox.stop(), bystander.stop()]));

  const reply = async (op: string) => ((await sandbox.deliver(envelope('garbage', op, null), 2_000)) as { reply: { error: KernelError } }).reply.error;

  it.each([
    ['bad-offset', 'E_BAD_ENVELOPE', 'not an Extism memory block'],
    ['zero', 'E_BAD_ENVELOPE', 'not an Extism memory block'],
    ['bad-utf8', 'E_BAD_ENVELOPE', 'UTF-8'],
    ['bad-json', 'E_BAD_ENVELOPE', 'not JSON'],
    ['bad-shape', 'E_BAD_ENVELOPE', 'field'],
    ['huge', 'E_TOO_LARGE', 'exceeds'],
  ])('%s → structured %s', async (op, code, text) => {
    const error = await reply(op);
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  it('never forwarded any of it to the kernel', () => {
    expect(port.calls).toEqual([]);
  });

  it.each(['load-garbage', 'output-garbage'])('%s in Extism kernel functions → clean E_TARGET_CRASHED', async (op) => {
    const error = await rejection(sandbox.deliver(envelope('garbage', op, null), 2_000));
    expect(error.code).toBe('E_TARGET_CRASHED');
    expect(await sandbox.deliver(envelope('garbage', 'ok', null), 2_000)).toBe('alive');
    expect(await bystander.deliver(envelope('wordcount', 'count', 'a b'), 2_000)).toEqual({ words: 2, chars: 3 });
  });
});
