/**
 * A plugin flooding the kernel with host calls gets E_OVERLOADED past its
 * maxCallsPerSecond, and a delivery that never stops calling is aborted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel, Port } from '../../../nanokernel/index.js';
import { MAX_HOST_CALLS_PER_DELIVERY } from '../../../sandboxes/wasm/index.js';
import { attachPlugin, client, rejection, sandboxFor, startKernel } from '../../sandboxes/wasm/helpers.js';

describe('flooding host calls', () => {
  let kernel: Kernel;
  let user: Port;

  beforeAll(async () => {
    ({ kernel } = await startKernel());
    await attachPlugin(kernel, sandboxFor('wordcount'));
    await attachPlugin(kernel, sandboxFor('flood', { host: { maxCallsPerSecond: 50 } }), [{ action: 'call', to: 'wordcount' }], 10_000);
    user = await client(kernel, 'user', [{ action: 'call', to: '*' }]);
  });
  afterAll(() => kernel.shutdown(500));

  it('answers E_OVERLOADED beyond maxCallsPerSecond, as a structured reply', async () => {
    const result = (await user.call('flood', 'burst', '', { n: 500 }, { timeoutMs: 10_000 })) as { ok: number; overloaded: number; other: number };
    expect(result.ok + result.overloaded).toBe(500);
    expect(result.other).toBe(0);
    expect(result.ok).toBeGreaterThanOrEqual(50);
    expect(result.ok).toBeLessThan(150);
  });

  it(`aborts a delivery that makes more than ${MAX_HOST_CALLS_PER_DELIVERY} host calls with E_OVERLOADED`, async () => {
    const error = await rejection(user.call('flood', 'forever', '', null, { timeoutMs: 10_000 }));
    expect(error).toMatchObject({ code: 'E_OVERLOADED', facts: { limit: MAX_HOST_CALLS_PER_DELIVERY } });
    expect(await user.call('wordcount', 'count', '', 'a b')).toEqual({ words: 2, chars: 3 });
  });
});
