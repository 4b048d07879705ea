/**
 * Fuzzing the worker bridge: arbitrary RPC arguments into the host side of the
 * kernel channel (`makeKernelBridge`, the table a worker's comlink calls are
 * served from), first directly with everything a structured clone can carry
 * (cycles, typed arrays, Dates, huge strings, non-strings everywhere), then
 * through a real SES worker whose extension hands the same kind of arguments to
 * its `api`. Properties: every failure is a `KernelError` with a documented
 * code (and never the `E_TARGET_CRASHED` that would mean a raw error was
 * masked), `log` never throws, and no call the plain reference refuses goes through.
 */
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostGrants } from '../../../capabilities/index.js';
import { Kernel, KernelError, type Port } from '../../../nanokernel/index.js';
import { makeKernelBridge } from '../../../sandboxes/worker/kernel-bridge.js';
import type { KernelApi } from '../../../sandboxes/worker/protocol.js';
import { WorkerSandbox } from '../../../sandboxes/worker/index.js';
import { tempDir } from '../../nanokernel/helpers.js';
import { probeSource } from '../../sandboxes/worker/helpers.js';
import { anyValue, assertCoded, Lazy, LONG, figure, nastyString, real, refDecide, runs, SEED, touchSafe, trapUnhandled, type RefGrant } from './harness.js';

const GRANTS: RefGrant[] = [
  { effect: 'allow', action: 'call', to: 'a', ops: ['put', 'get'], resources: ['k/*'] },
  { effect: 'deny', action: 'call', to: 'a', ops: ['get'], resources: ['k/secret'] },
  { effect: 'allow', action: 'publish', to: 'ext.*', ops: ['*'], resources: ['*'] },
  { effect: 'allow', action: 'subscribe', to: 'news.*', ops: ['*'], resources: ['*'] },
  { effect: 'allow', action: 'delegate', to: 'b', ops: ['*'], resources: ['*'] },
];

/** What a structured clone can deliver from a worker: anything cloneable, else the value's label. */
function cloned(value: unknown): unknown {
  try {
    return structuredClone(real(value));
  } catch {
    return value instanceof Lazy ? value.label : 'not cloneable';
  }
}

const word = fc.constantFrom('a', 'b', 'put', 'get', 'k/1', 'k/secret', 'ext.x', 'news.y', '', 'a.b');
/** Cloneable and cheap: megabyte arrays are left to the body-size cases (huge strings do that job). */
const small = anyValue.filter((v) => touchSafe(v) && !(v instanceof Lazy && v.label.includes('MiB')));
const arg = fc.oneof({ weight: 5, arbitrary: word }, { weight: 2, arbitrary: nastyString }, { weight: 2, arbitrary: small });
/** Calls aimed at the grants, so allows and the deny override are both common. */
const aimed = fc.constantFrom(['a', 'put', 'k/1'], ['a', 'get', 'k/2'], ['a', 'get', 'k/secret'], ['a', 'put', 'k/'], ['b', 'put', 'k/1'], ['a', 'del', 'k/1']);
const optionsArg = fc.oneof(
  fc.constant(undefined),
  fc.record({ timeoutMs: fc.oneof(fc.integer({ min: -5, max: 700_000 }), fc.constantFrom(NaN, 1.5)), cap: fc.oneof(nastyString, fc.constant('x.y.z')), from: fc.constant('driver') }, { requiredKeys: [] }),
  small,
);
const grantsArg = fc.oneof(
  fc.array(fc.record({ action: fc.constantFrom('call', 'publish', 'delegate', 'bogus'), to: arg, ops: fc.array(arg, { maxLength: 2 }) }, { requiredKeys: ['action'] }), { maxLength: 3 }),
  fc.array(small, { maxLength: 120 }),
  small,
);

describe('fuzz: the worker kernel bridge', () => {
  let kernel: Kernel;
  let port: Port;
  let bridge: KernelApi;
  let trap: ReturnType<typeof trapUnhandled>;
  let driver: Port;
  const codes = new Map<string, number>();
  const tally = { direct: 0, worker: 0, allowed: 0 };

  beforeAll(async () => {
    trap = trapUnhandled();
    kernel = await Kernel.start({ auditFile: path.join(tempDir('nk-bridge-'), 'audit.log'), logger: pino({ level: 'silent' }), defaults: { capacity: 100_000 } });
    for (const id of ['a', 'b']) await kernel.register(id, await kernel.mintToken(id, []), (envelope) => envelope.body);
    port = await kernel.register('ext', await kernel.mintToken('ext', GRANTS), () => undefined);
    bridge = makeKernelBridge(port, HostGrants.parse({ maxCallsPerSecond: 1_000_000, maxBodyBytes: 64 * 1024 }));
  });

  afterAll(async () => {
    trap.uninstall();
    await kernel.shutdown(200);
    figure('bridge fuzz cases (direct)', tally.direct);
    figure('bridge fuzz cases (through a real worker)', tally.worker);
    figure('bridge fuzz allowed calls', tally.allowed);
    figure('bridge fuzz refusals', JSON.stringify(Object.fromEntries(codes)));
  });

  const refused = (error: unknown, where: string): void => {
    const coded = assertCoded(error, where);
    if (coded.code === 'E_TARGET_CRASHED') throw new Error(`${where}: a raw error was masked as E_TARGET_CRASHED: ${coded.message}`);
    codes.set(coded.code, (codes.get(coded.code) ?? 0) + 1);
  };

  it('every method, every argument arbitrary: coded refusals only, no allow without a grant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('call', 'call', 'publish', 'subscribe', 'delegate', 'log'), fc.option(aimed, { freq: 2 }), arg, arg, arg, arg, optionsArg, grantsArg, async (method, aim, a1, a2, a3, body, options, grants) => {
        tally.direct++;
        return runCase();
        async function runCase(): Promise<void> {
        const [x, y, z, b, o, g] = [cloned(aim?.[0] ?? a1), cloned(aim?.[1] ?? a2), cloned(aim?.[2] ?? a3), cloned(body), cloned(aim ? undefined : options), cloned(grants)];
        try {
          switch (method) {
            case 'call': {
              await bridge.call(x as string, y as string, z as string, b, o as never);
              const cap = typeof o === 'object' && o !== null ? (o as { cap?: unknown }).cap : undefined;
              if (typeof x !== 'string' || typeof y !== 'string' || typeof z !== 'string' || cap !== undefined) throw new Error('allowed a malformed call');
              if (refDecide(GRANTS, 'call', x, y, z) !== 'allow') throw new Error(`allowed ${x} ${y} ${z} without a grant`);
              tally.allowed++;
              return;
            }
            case 'publish':
              await bridge.publish(x as string, b);
              if (typeof x !== 'string' || refDecide(GRANTS, 'publish', x, '', '') !== 'allow') throw new Error(`published ${String(x)} without a grant`);
              return;
            case 'subscribe':
              await bridge.subscribe(x as string);
              if (typeof x !== 'string' || !x.startsWith('news.')) throw new Error(`subscribed to ${String(x)} without a grant`);
              return;
            case 'delegate': {
              const token = await bridge.delegate(g as unknown[], y as number, x as string, o as never);
              if (typeof token !== 'string' || x !== 'b') throw new Error(`delegated to ${String(x)} without a grant`);
              return;
            }
            case 'log':
              expect(bridge.log(x as never, y as string, b as never)).toBeUndefined();
              return;
          }
        } catch (error) {
          if (error instanceof Error && !(error instanceof KernelError) && /allowed|published|subscribed|delegated/.test(error.message)) throw error;
          refused(error, `bridge.${method}`);
        }
        }
      }),
      { numRuns: runs(9_000), seed: SEED },
    );
    for (const code of ['E_BAD_ENVELOPE', 'E_DENIED', 'E_TOO_LARGE']) expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
    expect(tally.allowed).toBeGreaterThan(20);
  }, LONG ? 600_000 : 30_000);

  it('through a real SES worker: arbitrary arguments to api.* come back as coded errors', async () => {
    // The extension decodes a recipe into hostile arguments inside the Compartment (cycles, typed
    // arrays, functions, huge strings, getters) and hands them to its own api.
    const source = probeSource(`
      const make = (r, i) => {
        if (r === 'cycle') { const o = {}; o.o = o; return o; }
        // Big typed arrays only as the body: as options they hit the known bug tested below.
        if (r === 'bytes') return i === 3 ? new Uint8Array(100000) : new Uint8Array(8);
        if (r === 'fn') return () => 1;
        if (r === 'getter') return { get x() { throw new Error('getter'); } };
        if (r === 'huge') return 'x'.repeat(200000);
        return r;
      };
      const args = input.args.map((r, i) => make(r, i));
      try {
        const value = await ctx.api[input.method](...args);
        return { ok: true, type: typeof value };
      } catch (e) {
        return { ok: false, isKernelError: e instanceof KernelError, code: e && e.code, message: String(e && e.message) };
      }
    `);
    const sandbox = new WorkerSandbox({ id: 'fuzzed', source, hostGrants: { maxCallsPerSecond: 100_000, maxBodyBytes: 64 * 1024 } });
    driver = await kernel.register('fuzz-driver', await kernel.mintToken('fuzz-driver', [{ action: 'call', to: 'fuzzed' }]), () => undefined);
    await kernel.attach(sandbox, await kernel.mintToken('fuzzed', GRANTS), { timeoutMs: 5_000 });
    // 'getter' (a body whose getter throws) is left out here: it is the known bug tested below.
    const recipe = fc.oneof(word, nastyString.map((s) => s.slice(0, 600)), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('cycle', 'bytes', 'fn', 'huge', null, 7, -1));
    {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('call', 'publish', 'subscribe', 'delegate'), fc.array(recipe, { maxLength: 5 }), async (method, args) => {
          tally.worker++;
          const reply = (await driver.call('fuzzed', 'probe', '', { method, args })) as { ok: boolean; isKernelError?: boolean; code?: string; message?: string };
          if (reply.ok) {
            const [to, op, resource] = args as string[];
            if (method === 'call' && !(typeof to === 'string' && typeof op === 'string' && typeof resource === 'string' && refDecide(GRANTS, 'call', to, op, resource) === 'allow')) throw new Error(`the worker's call ${JSON.stringify(args).slice(0, 200)} went through`);
            return;
          }
          if (!reply.isKernelError || typeof reply.code !== 'string') throw new Error(`api.${method} failed uncoded: ${reply.message}`);
          if (reply.code === 'E_TARGET_CRASHED') throw new Error(`api.${method}: masked raw error: ${reply.message}`);
          codes.set(reply.code, (codes.get(reply.code) ?? 0) + 1);
        }),
        { numRuns: runs(1_000), seed: SEED },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(trap.seen).toEqual([]);
  }, LONG ? 600_000 : 30_000);

  // Options are checked to be a small plain object before zod sees them: a typed array of a million
  // elements once made zod list every index, costing the host's main thread ~0.4 s and a 10 MB message.
  it('options that are a large typed array are refused fast with a short E_BAD_ENVELOPE', async () => {
    const started = performance.now();
    const error = await bridge.call('a', 'put', 'k/1', null, new Uint8Array(1_000_000) as never).then(() => undefined, (e: unknown) => e as KernelError);
    expect(error?.code).toBe('E_BAD_ENVELOPE');
    expect(error!.message.length).toBeLessThan(2_000);
    expect(performance.now() - started).toBeLessThan(100);
  });

  // A body whose getter throws is reported as E_BAD_ENVELOPE by the body measurement, not as the raw error.
  it('a body with a throwing getter is refused with E_BAD_ENVELOPE inside the worker', async () => {
    const reply = (await driver.call('fuzzed', 'probe', '', { method: 'call', args: ['a', 'put', 'k/1', 'getter'] })) as { isKernelError?: boolean; code?: string };
    expect(reply).toMatchObject({ isKernelError: true, code: 'E_BAD_ENVELOPE' });
  });
});
