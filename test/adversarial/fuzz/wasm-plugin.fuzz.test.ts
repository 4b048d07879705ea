/**
 * Fuzzing the host functions through a real hostile plugin
 * (`test/adversarial/wasm/plugins/hostcall`, compiled to dist/plugins/hostcall.wasm),
 * attached to a real kernel: the test picks a host function and hands the
 * plugin arbitrary bytes (random, or a valid request with bytes flipped), text
 * (random or mutated JSON requests) or a raw u64 offset, and the plugin makes
 * the call from inside Wasm and answers with the host's reply block verbatim.
 * This drives the worker-side byte layer (`sandboxes/wasm/host-functions.ts`:
 * offsets, lengths, UTF-8, JSON) and the main-thread bridge behind it.
 * The same plugin also answers with arbitrary output bytes (→ `decodeReply`
 * in the real sandbox).
 *
 * Properties: every host reply the plugin sees is `{"ok"}` or a coded
 * `{"error"}`; a delivery that fails fails with a documented code; no allowed
 * call without a covering grant (reply and audit file); the plugin and a
 * bystander plugin keep answering; no unhandled rejection in the host.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type Kernel } from '../../../nanokernel/index.js';
import { verifyAuditLog } from '../../../nanokernel/audit-verify.js';
import { attachPlugin, client, readAudit, sandboxFor, startKernel } from '../../sandboxes/wasm/helpers.js';
import { assertCoded, figure, LONG, nastyString, refDecide, runs, SEED, trapUnhandled, type RefGrant } from './harness.js';
import { expectedReply } from './wasm-expect.js';

const FNS = ['nk_call', 'nk_publish', 'nk_subscribe', 'nk_delegate', 'nk_log'] as const;
const PLUGIN_GRANTS: RefGrant[] = [
  { effect: 'allow', action: 'call', to: 'echo', ops: ['*'], resources: ['*'] },
  { effect: 'deny', action: 'call', to: 'echo', ops: ['secret'], resources: ['*'] },
  { effect: 'allow', action: 'call', to: 'store', ops: ['get'], resources: ['k/*'] },
  { effect: 'allow', action: 'publish', to: 'hc.*', ops: ['*'], resources: ['*'] },
  { effect: 'allow', action: 'subscribe', to: 'hc.*', ops: ['*'], resources: ['*'] },
  { effect: 'allow', action: 'delegate', to: 'echo', ops: ['*'], resources: ['*'] },
];
const MAX_BODY = 8 * 1024;

const enc = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('fuzz: host functions through a real hostile Wasm plugin', () => {
  let kernel: Kernel;
  let auditFile: string;
  let tester: Awaited<ReturnType<typeof client>>;
  const received: { to: string; from: string; op: string; resource: string }[] = [];
  let trap: ReturnType<typeof trapUnhandled>;
  const stopAll: (() => Promise<void>)[] = [];
  const tally = { deliveries: 0, hostReplies: new Map<string, number>(), failed: new Map<string, number>(), noBlock: 0, outputs: 0, allowedCalls: 0 };
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

  beforeAll(async () => {
    trap = trapUnhandled();
    ({ kernel, auditFile } = await startKernel());
    for (const to of ['echo', 'store']) {
      await kernel.register(to, await kernel.mintToken(to, []), (envelope) => {
        received.push({ to, from: envelope.from, op: envelope.op, resource: envelope.resource });
        return envelope.body;
      });
    }
    const plugin = sandboxFor('hostcall', { host: { maxBodyBytes: MAX_BODY, maxCallsPerSecond: 1_000_000, timeoutMs: 2_000 } });
    await attachPlugin(kernel, plugin, PLUGIN_GRANTS as never, 3_000);
    const bystander = sandboxFor('wordcount');
    await attachPlugin(kernel, bystander, []);
    stopAll.push(() => plugin.stop(), () => bystander.stop());
    tester = await client(kernel, 'tester', [{ action: 'call', to: 'hostcall' }, { action: 'call', to: 'wordcount' }]);
  });

  afterAll(async () => {
    trap.uninstall();
    await Promise.all(stopAll.map((stop) => stop()));
    if (kernel?.audit.healthy) await kernel.shutdown(200);
    figure('wasm plugin host-call deliveries fuzzed', tally.deliveries);
    figure('wasm plugin host replies by code', JSON.stringify(Object.fromEntries(tally.hostReplies)));
    figure('wasm plugin deliveries failed by code', JSON.stringify(Object.fromEntries(tally.failed)));
    figure('wasm plugin outputs fuzzed through the sandbox', tally.outputs);
  });

  const validRequest: Record<(typeof FNS)[number], fc.Arbitrary<Record<string, unknown>>> = {
    nk_call: fc.record({
      to: fc.constantFrom('echo', 'store', 'wordcount', 'hostcall', 'nobody'),
      op: fc.constantFrom('put', 'get', 'secret', 'count'),
      resource: fc.constantFrom('', 'k/1', 'k', 'x'),
      body: fc.jsonValue({ maxDepth: 2 }),
    }),
    nk_publish: fc.record({ topic: fc.constantFrom('hc.a', 'hc.b', 'other', 'dag.run.x'), body: fc.jsonValue({ maxDepth: 1 }) }),
    nk_subscribe: fc.record({ topic: fc.constantFrom('hc.*', 'hc.a', '*', 'dag.*') }),
    nk_delegate: fc.record({
      grants: fc.constantFrom([{ action: 'call', to: 'echo', ops: ['get'] }], [{ action: 'call', to: 'store' }], [{ action: 'call', to: '*' }]),
      ttl_seconds: fc.constantFrom(1, 60, 0),
      to: fc.constantFrom('echo', 'store'),
    }),
    nk_log: fc.record({ level: fc.constantFrom('info', 'warn', 'loud'), message: fc.string({ maxLength: 40 }) }),
  };
  const mutated = (fn: (typeof FNS)[number]): fc.Arbitrary<Record<string, unknown>> =>
    fc.tuple(validRequest[fn], fc.constantFrom('from', 'to', 'op', 'cap', 'body', 'topic', 'grants', 'extra', '__proto__'), fc.oneof(fc.jsonValue({ maxDepth: 1 }), nastyString)).map(([r, k, v]) => ({ ...r, [k]: v }));

  /** What the plugin sends: bytes, text or a raw offset. */
  const input = fc.constantFrom(...FNS, 'nk_call', 'nk_call').chain((fn) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.oneof(validRequest[fn], mutated(fn)).map((r) => ({ op: 'text', fn, text: JSON.stringify(r) })) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 96 }).map((b) => ({ op: 'bytes', fn, hex: hex(b) })) },
      {
        weight: 2,
        arbitrary: fc.tuple(validRequest[fn], fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })).map(([r, flips]) => {
          const bytes = enc.encode(JSON.stringify(r));
          for (const [at, byte] of flips) bytes[at % bytes.byteLength] = byte;
          return { op: 'bytes', fn, hex: hex(bytes) };
        }),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => ({ op: 'text', fn, text })) },
      // Larger than the request limit (maxBodyBytes + 64 KiB), or than the body limit only.
      { weight: 1, arbitrary: fc.oneof(fc.integer({ min: MAX_BODY + 64 * 1024 + 1, max: MAX_BODY + 80 * 1024 }), fc.integer({ min: MAX_BODY + 1, max: 2 * MAX_BODY })).map((pad) => ({ op: 'text', fn, pad, text: '{"to":"echo","op":"put","topic":"hc.a","body":"PAD"}' })) },
      ...(fn === 'nk_call' ? [{ weight: 4, arbitrary: validRequest.nk_call.map((r) => ({ op: 'text', fn, text: JSON.stringify(r) })) }] : []),
      {
        weight: 2,
        arbitrary: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 20n })).map((offset) => ({ op: 'offset', fn, offset: offset.toString() })),
      },
      { weight: 1, arbitrary: fc.oneof(fc.webUrl(), nastyString, fc.constant('http://127.0.0.1:1/')).map((url) => ({ op: 'http', fn, text: JSON.stringify({ url }) })) },
    ),
  );

  it('arbitrary requests from inside Wasm: coded host replies only, no allow without a grant', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (body) => {
        tally.deliveries++;
        const before = received.length;
        let reply: { raw?: string; none?: boolean; status?: number };
        try {
          reply = (await tester.call('hostcall', body.op, '', body, { timeoutMs: 3_000 })) as typeof reply;
        } catch (error) {
          bump(tally.failed, assertCoded(error, `delivery ${body.op}`).code);
          return;
        }
        if (reply.none) {
          tally.noBlock++;
          return;
        }
        let parsed: { ok?: unknown; error?: { code?: unknown; message?: unknown } };
        try {
          parsed = JSON.parse(reply.raw!) as typeof parsed;
        } catch {
          throw new Error(`the host answered ${body.op}/${body.fn} with a block that is not JSON: ${reply.raw?.slice(0, 80)}`);
        }
        if (body.op === 'http' && reply.status === 0 && parsed.error === undefined) throw new Error('a refused http_request without an error block');
        if ('error' in parsed) {
          const code = parsed.error?.code;
          if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code) || typeof parsed.error?.message !== 'string') throw new Error(`uncoded host error: ${reply.raw}`);
          bump(tally.hostReplies, code);
          if (received.slice(before).some((m) => m.from === 'hostcall')) throw new Error(`refused with ${code}, but a message was delivered`);
          return;
        }
        if (!('ok' in parsed) || Object.keys(parsed).length !== 1) throw new Error(`host reply is neither ok nor error: ${reply.raw}`);
        if (body.op === 'http') throw new Error('an http_request without a net grant was answered');
        bump(tally.hostReplies, `ok:${body.fn}`);
        if (body.fn === 'nk_call') {
          const got = received.slice(before).find((m) => m.from === 'hostcall');
          if (got) {
            tally.allowedCalls++;
            if (refDecide(PLUGIN_GRANTS, 'call', got.to, got.op, got.resource) !== 'allow') throw new Error(`allowed hostcall → ${got.to} ${got.op} ${got.resource}`);
          } else {
            // Only echo and store record deliveries; the plugin has no grant for anything else, so an ok must have reached one.
            throw new Error(`nk_call answered ok but nothing was delivered to a granted target: ${reply.raw}`);
          }
        }
      }),
      { numRuns: runs(3_000), seed: SEED },
    );
    expect(tally.allowedCalls).toBeGreaterThan(20);
    for (const code of ['E_BAD_ENVELOPE', 'E_DENIED', 'E_TOO_LARGE']) expect(tally.hostReplies.get(code) ?? 0, code).toBeGreaterThan(0);
    expect(tally.noBlock, 'the host returned no reply block').toBe(0);
  }, LONG ? 900_000 : 45_000);

  it('arbitrary output bytes from the plugin: the ok value, its own code, or E_TARGET_CRASHED', async () => {
    const output = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => enc.encode(JSON.stringify(v))),
      fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('ok', 'error')).map(([v, k]) => enc.encode(JSON.stringify({ [k]: k === 'error' ? { code: 'E_DENIED', message: String(v) } : v }))),
    );
    await fc.assert(
      fc.asyncProperty(output, async (bytes) => {
        tally.outputs++;
        const want = expectedReply(bytes, 'call');
        try {
          const value = await tester.call('hostcall', 'output', '', { hex: hex(bytes) }, { timeoutMs: 3_000 });
          if (want === 'crashed' || want === 'event-empty' || !('ok' in want)) throw new Error(`accepted output ${Buffer.from(bytes).toString()}`);
          expect(value).toEqual(want.ok);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('accepted output')) throw error;
          const coded = assertCoded(error, 'output');
          if (want === 'crashed') expect(coded.code).toBe('E_TARGET_CRASHED');
          else if (want !== 'event-empty' && 'code' in want) expect(coded.code).toBe(want.code);
          else throw new Error(`refused a well-formed output with ${coded.code}`);
        }
      }),
      { numRuns: runs(300), seed: SEED },
    );
  }, LONG ? 300_000 : 20_000);

  it('after all of it: the plugin and a bystander answer, every allowed call is covered in the audit file, the chain verifies', async () => {
    expect(await tester.call('hostcall', 'ok', '', null)).toBe('alive');
    expect(await tester.call('wordcount', 'count', '', 'a b c')).toEqual({ words: 3, chars: 5 });
    kernel.audit.flush();
    const calls = readAudit(auditFile).filter((r) => r.actor === 'hostcall' && r.action === 'call');
    const allows = calls.filter((r) => r.verdict === 'allow');
    expect(allows.length).toBeGreaterThanOrEqual(tally.allowedCalls);
    for (const r of allows) expect(refDecide(PLUGIN_GRANTS, 'call', String(r.target), String(r.op), String(r.resource ?? '')), JSON.stringify(r)).toBe('allow');
    expect(calls.some((r) => r.verdict === 'deny')).toBe(true);
    expect((await verifyAuditLog(auditFile)).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(trap.seen).toEqual([]);
  });
});
