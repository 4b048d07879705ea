/**
 * Fuzzing the Wasm plugin's only door, in two layers and both directions:
 *
 * - `createHostBridge` (sandboxes/wasm/host-bridge.ts), the main-thread side
 *   where a plugin's decoded request is validated and handed to its kernel
 *   port: arbitrary JSON requests for every host function (nk_call, nk_publish,
 *   nk_subscribe, nk_delegate, nk_revoke, nk_log, http), random and mutated from valid
 *   ones, against a real kernel. The bridge must never reject, every refusal
 *   must carry a documented code, nothing may be allowed without a covering
 *   grant (checked against the plain reference decision, in the reply and in
 *   the audit file), and HTTP may reach only the granted host (a local server
 *   that is not granted counts the requests that reach it: must stay 0).
 * - `decodeReply` (sandboxes/wasm/plugin-io.ts), the JSON coming out of a
 *   plugin: random bytes, random JSON and mutated valid replies → the `ok`
 *   value only for a well-formed `{"ok"}`, the plugin's own code for a
 *   well-formed `{"error"}`, `E_TARGET_CRASHED` for everything else.
 *
 * The byte layer in the worker (offsets, lengths, UTF-8, JSON from plugin
 * memory) is fuzzed through a real plugin in wasm-plugin.fuzz.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, Kernel, KernelError, type Port } from '../../../nanokernel/index.js';
import { verifyAuditLog } from '../../../nanokernel/audit-verify.js';
import { createHostBridge, type HostBridge } from '../../../sandboxes/wasm/host-bridge.js';
import { wasmLimitsFromGrants } from '../../../sandboxes/wasm/limits.js';
import { decodeReply } from '../../../sandboxes/wasm/plugin-io.js';
import type { HostFunction, HostResponse } from '../../../sandboxes/wasm/protocol.js';
import { tempDir } from '../../nanokernel/helpers.js';
import { expectedReply as expected } from './wasm-expect.js';
import { figure, LONG, nastyString, refDecide, runs, SEED, trapUnhandled, type RefGrant } from './harness.js';

const FNS: HostFunction[] = ['nk_call', 'nk_publish', 'nk_subscribe', 'nk_delegate', 'nk_revoke', 'nk_log', 'http'];
const TARGETS = ['a', 'b', 'store', 'x'];
const WORDS = ['a', 'b', 'store', 'x', 'put', 'get', 'k/1', 'k/2', 'k', '', 't.1', 't.2'];
const TO_PATTERNS = ['a', 'b', 'store', 'x', '*', 't.*', 't.1'];
const OP_PATTERNS = ['*', 'put', 'get'];
const RESOURCE_PATTERNS = ['*', 'k/*', 'k/1', 'k'];

const refGrant: fc.Arbitrary<RefGrant> = fc.record({
  effect: fc.constantFrom('allow' as const, 'allow' as const, 'allow' as const, 'deny' as const),
  action: fc.constantFrom('call', 'call', 'call', 'publish', 'subscribe', 'delegate'),
  to: fc.constantFrom(...TO_PATTERNS),
  ops: fc.array(fc.constantFrom(...OP_PATTERNS), { minLength: 1, maxLength: 2 }),
  resources: fc.array(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 2 }),
  plain: fc.boolean(),
}).map(({ plain, ...g }) => (g.action !== 'call' && plain ? { ...g, ops: ['*'], resources: ['*'] } : g)); // as policies write them

/** Subscribe and delegate grants name only a target: their ops and resources do not narrow them. */
const targetOnly = (grants: readonly RefGrant[]): RefGrant[] => grants.map((g) => (g.action === 'call' ? g : { ...g, ops: ['*'], resources: ['*'] }));

/** Is subscription pattern `p` inside grant pattern `g` (reference, trailing-wildcard patterns only)? */
const within = (p: string, g: string): boolean => g === '*' || g === p || (g.endsWith('*') && p.startsWith(g.slice(0, -1)) && (p.length > g.length - 1 || !p.endsWith('*')));

/** A WireError as the plugin will see it: a documented code and a string message. */
function assertWireError(response: HostResponse, where: string): string {
  if (response.ok) throw new Error(`${where}: not a refusal`);
  const { code, message } = response.error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) throw new Error(`${where}: refusal with undocumented code ${String(code)}`);
  if (typeof message !== 'string' || message.length === 0) throw new Error(`${where}: refusal without a message`);
  return code;
}

// ---------------------------------------------------------------------------

describe('fuzz: the Wasm host bridge (main-thread side) against a real kernel', () => {
  let kernel: Kernel;
  let auditFile: string;
  const senders: { name: string; port: Port; token: string; grants: RefGrant[]; bridge: HostBridge }[] = [];
  const received: { to: string; from: string; op: string; resource: string }[] = [];
  let granted: Server;
  let forbidden: Server;
  const hits = { granted: 0, forbidden: 0 };
  let grantedHost = '';
  let forbiddenPort = 0;
  let trap: ReturnType<typeof trapUnhandled>;
  const tally = { cases: 0, allowed: new Map<string, number>(), refused: new Map<string, number>() };
  /** Tokens each sender delegated through the bridge: the only ones it may revoke. */
  const delegatedBy = new Map<string, Set<string>>();
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

  const listen = async (onHit: () => void): Promise<Server> => {
    const server = createServer((_req, res) => {
      onHit();
      res.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };

  beforeAll(async () => {
    trap = trapUnhandled();
    granted = await listen(() => hits.granted++);
    forbidden = await listen(() => hits.forbidden++);
    grantedHost = `127.0.0.1:${(granted.address() as AddressInfo).port}`;
    forbiddenPort = (forbidden.address() as AddressInfo).port;
    auditFile = path.join(tempDir('nk-wasmfuzz-'), 'audit.log');
    kernel = await Kernel.start({ auditFile, logger: pino({ level: 'silent' }), defaults: { capacity: 100_000, timeoutMs: 2_000 } });
    for (const to of [...TARGETS, 't.1', 't.2']) {
      await kernel.register(to, await kernel.mintToken(to, []), (envelope) => {
        received.push({ to, from: envelope.from, op: envelope.op, resource: envelope.resource });
        return envelope.body;
      });
    }
    // Rate limit off for the property (it has its own tests), body limit small so E_TOO_LARGE is reachable.
    const limits = { ...wasmLimitsFromGrants({ net: [grantedHost], maxBodyBytes: 4_096 }), maxCallsPerSecond: 1e9 };
    const grantSets = fc.sample(fc.array(refGrant, { minLength: 1, maxLength: 6 }), { numRuns: 16, seed: SEED });
    for (const [i, grants] of grantSets.entries()) {
      const name = `p${i}`;
      const token = await kernel.mintToken(name, grants);
      const port = await kernel.register(name, token, () => undefined);
      senders.push({ name, token, grants, port, bridge: createHostBridge(port, limits) });
    }
  });

  afterAll(async () => {
    trap.uninstall();
    granted?.close();
    forbidden?.close();
    if (kernel?.audit.healthy) await kernel.shutdown(200);
    figure('wasm host-bridge cases fuzzed', tally.cases);
    figure('wasm host-bridge allowed', JSON.stringify(Object.fromEntries(tally.allowed)));
    figure('wasm host-bridge refusals', JSON.stringify(Object.fromEntries(tally.refused)));
    figure('wasm host-bridge HTTP requests that reached the granted / the ungranted server', `${hits.granted} / ${hits.forbidden}`);
  });

  /**
   * Fields aimed at one of the sender's grants for `fn` (so allows and deny-overrides are
   * common): a concrete target/op/resource for a call, a topic, a delegation of one of its
   * own call grants; without a cap most of the time.
   */
  const aimed = (fn: HostFunction, grants: RefGrant[], pick: number, word: string): Record<string, unknown> | undefined => {
    const action = { nk_call: 'call', nk_publish: 'publish', nk_subscribe: 'subscribe', nk_delegate: 'delegate' }[fn as string];
    const mine = grants.filter((g) => g.action === action);
    if (mine.length === 0) return undefined;
    const g = mine[pick % mine.length]!;
    const concrete = (pattern: string): string => (pattern.endsWith('*') ? pattern.slice(0, -1) + word : pattern);
    const dropCap = pick % 3 !== 0 ? { cap: undefined } : {};
    if (fn === 'nk_call') return { to: concrete(g.to), op: concrete(g.ops[pick % g.ops.length]!), resource: concrete(g.resources[pick % g.resources.length]!), ...dropCap };
    if (fn === 'nk_publish') return { topic: concrete(g.to), ...dropCap };
    if (fn === 'nk_subscribe') return { topic: pick % 2 === 0 ? g.to : concrete(g.to) };
    const calls = grants.filter((c) => c.action === 'call' && c.effect === 'allow');
    const child = calls.length > 0 ? [{ ...calls[pick % calls.length]!, effect: 'allow' }] : [{ action: 'call', to: 'a' }];
    return { to: concrete(g.to), grants: child, ttl_seconds: 60, ...dropCap };
  };

  const word = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: nastyString });
  const jsonish = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: fc.constant(null) });

  /** Requests per host function: well-formed, well-formed with one field mutated, or any JSON at all. */
  const request = (fn: HostFunction, tokens: string[]): fc.Arbitrary<unknown> => {
    const cap = fc.oneof(fc.constantFrom(...tokens), nastyString, fc.constant('eyJhbGciOiJFZERTQSJ9.e30.c2ln'));
    const valid: Record<HostFunction, fc.Arbitrary<Record<string, unknown>>> = {
      nk_call: fc.record(
        { to: word, op: word, resource: word, body: jsonish, timeout_ms: fc.integer({ min: -5, max: 3_000 }), cap },
        { requiredKeys: ['to', 'op'] },
      ),
      nk_publish: fc.record({ topic: word, body: jsonish }, { requiredKeys: ['topic'] }),
      nk_subscribe: fc.record({ topic: word }),
      nk_delegate: fc.record(
        {
          grants: fc.oneof(fc.array(refGrant, { minLength: 1, maxLength: 3 }), fc.array(jsonish, { maxLength: 3 })),
          ttl_seconds: fc.oneof(fc.integer({ min: 1, max: 3_600 }), fc.constantFrom(0, -1, 1e12, 1.5)),
          to: word,
          cap,
        },
        { requiredKeys: ['grants', 'ttl_seconds', 'to'] },
      ),
      nk_revoke: fc.record({ token: cap }),
      nk_log: fc.record({ level: fc.constantFrom('debug', 'info', 'warn', 'error', 'fatal', ''), message: fc.oneof(nastyString, fc.string()) }),
      http: fc.record(
        {
          url: fc.oneof(
            fc.constantFrom(
              `http://${grantedHost}/ok`,
              `http://127.0.0.1:${forbiddenPort}/`,
              `http://localhost:${forbiddenPort}/`,
              `http://[::1]:${forbiddenPort}/`,
              `http://${grantedHost}@127.0.0.1:${forbiddenPort}/`,
              `http://127.0.0.1:${forbiddenPort}#@${grantedHost}/`,
              `http://127.0.0.1:${forbiddenPort}\\@${grantedHost}/`,
              `HTTP://127.0.0.1:${forbiddenPort}/`,
              `http://2130706433:${forbiddenPort}/`,
              `http://0x7f.1:${forbiddenPort}/`,
              'file:///etc/passwd',
              'data:text/plain,hi',
              '/relative',
            ),
            fc.webUrl(),
            nastyString,
          ),
          method: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE', 'CONNECT', 'get'),
          headers: fc.dictionary(fc.constantFrom('host', 'Host', 'x-a', 'connection', 'proxy-authorization'), fc.constantFrom(`127.0.0.1:${forbiddenPort}`, 'v')),
          body: fc.uint8Array({ maxLength: 64 }),
        },
        { requiredKeys: ['url'] },
      ),
    };
    return fc.oneof(
      { weight: 4, arbitrary: valid[fn] },
      {
        weight: 2,
        arbitrary: fc.tuple(valid[fn], fc.oneof(fc.constantFrom('from', 'to', 'op', 'cap', 'body', '__proto__', 'grants', 'topic', 'url', 'extra'), nastyString), jsonish).map(
          ([value, key, replacement]) => ({ ...value, [key]: replacement }),
        ),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
  };

  it('every host function with arbitrary requests: resolves, refusals coded, no allow without a grant', async () => {
    const tokens = senders.map((s) => s.token);
    const cases = fc
      .tuple(fc.nat(senders.length - 1), fc.constantFrom(...FNS), fc.option(fc.tuple(fc.nat(), fc.constantFrom(...WORDS)), { freq: 2 }), fc.constantFrom('live', 'live', 'live', 'none', 'past'))
      .chain(([i, fn, aim, scope]) => request(fn, tokens).map((req) => ({ i, fn, aim, scope, req })));
    await fc.assert(
      fc.asyncProperty(cases, async ({ i, fn, aim, scope, req }) => {
        tally.cases++;
        const sender = senders[i]!;
        let req_ = req;
        if (aim !== null && req !== null && typeof req === 'object' && !Array.isArray(req)) {
          const fields = aimed(fn, sender.grants, ...aim);
          if (fields) {
            req_ = { ...req, ...fields };
            for (const key of Object.keys(fields)) if ((req_ as Record<string, unknown>)[key] === undefined) delete (req_ as Record<string, unknown>)[key];
          }
        }
        if (fn === 'nk_revoke' && aim !== null) {
          // Aimed: revoke a token the sender has just delegated (when its grants let it delegate at all).
          const fields = aimed('nk_delegate', sender.grants, ...aim);
          const minted = fields ? await sender.bridge('nk_delegate', { ...fields, cap: undefined }, { deadline: Date.now() + 2_000 }) : undefined;
          if (minted?.ok && typeof minted.value === 'string') {
            delegatedBy.set(sender.name, (delegatedBy.get(sender.name) ?? new Set()).add(minted.value));
            req_ = { token: minted.value };
          }
        }
        const before = { received: received.length, hitsForbidden: hits.forbidden };
        const scopeArg = scope === 'none' ? null : { deadline: Date.now() + (scope === 'live' ? 2_000 : -1) };
        const response = await sender.bridge(fn, req_, scopeArg); // a rejection fails the property
        const r = (typeof req_ === 'object' && req_ !== null ? req_ : {}) as Record<string, unknown>;
        if (hits.forbidden !== before.hitsForbidden) throw new Error(`an HTTP request reached the ungranted server: ${JSON.stringify(r.url)}`);
        if (!response.ok) {
          const code = assertWireError(response, fn);
          bump(tally.refused, `${fn}:${code}`);
          if (received.slice(before.received).some((m) => m.from === sender.name)) throw new Error(`${fn} was refused with ${code} but a message reached ${received.at(-1)!.to}`);
          return;
        }
        bump(tally.allowed, fn);
        if (scope !== 'live') throw new Error(`${fn} was allowed outside a live delivery (${scope})`);
        if ('from' in r) throw new Error(`${fn} accepted a request naming "from"`);
        const ownCap = r.cap === undefined || r.cap === sender.token;
        switch (fn) {
          case 'nk_call': {
            const [to, op, resource] = [r.to, r.op, r.resource ?? ''];
            if (typeof to !== 'string' || typeof op !== 'string' || typeof resource !== 'string') throw new Error('allowed a call with non-string keys');
            if (!ownCap) throw new Error(`allowed ${sender.name} → ${to} with a cap that is not its own`);
            if (refDecide(sender.grants, 'call', to, op, resource) !== 'allow') throw new Error(`allowed ${sender.name} → ${to} ${op} ${resource} without a covering grant`);
            const delivered = received.slice(before.received).find((m) => m.to === to && m.op === op && m.resource === resource);
            if (!delivered || delivered.from !== sender.name) throw new Error('the delivered envelope is not stamped with the plugin');
            break;
          }
          case 'nk_publish':
            if (!ownCap || refDecide(sender.grants, 'publish', r.topic as string, '', '') !== 'allow') throw new Error(`allowed ${fn} ${String(r.topic)} without a grant`);
            break;
          case 'nk_subscribe': {
            const topic = r.topic as string;
            const allow = sender.grants.some((g) => g.effect === 'allow' && g.action === 'subscribe' && within(topic, g.to));
            const deny = sender.grants.some((g) => g.effect === 'deny' && g.action === 'subscribe' && within(topic, g.to));
            if (!allow || deny) throw new Error(`allowed nk_subscribe ${topic} without a grant (or inside a deny)`);
            break;
          }
          case 'nk_delegate':
            if (!ownCap) throw new Error('delegated from a cap that is not its own');
            if (refDecide(targetOnly(sender.grants), 'delegate', r.to as string, '', '') !== 'allow') throw new Error(`delegated to ${String(r.to)} without a delegate grant`);
            if (typeof response.value !== 'string' || response.value.split('.').length !== 3) throw new Error('delegation answered with something that is not a token');
            delegatedBy.set(sender.name, (delegatedBy.get(sender.name) ?? new Set()).add(response.value));
            break;
          case 'nk_revoke':
            if (!delegatedBy.get(sender.name)?.has(r.token as string)) throw new Error(`${sender.name} revoked a token it did not delegate`);
            break;
          case 'http': {
            const url = new URL(r.url as string);
            if (url.host !== grantedHost) throw new Error(`HTTP allowed to ${url.host}`);
            break;
          }
          case 'nk_log':
            break;
        }
      }),
      { numRuns: runs(6_000), seed: SEED },
    );
    // Each function must have been both allowed and refused, or the property proves little.
    for (const fn of FNS) expect(tally.allowed.get(fn) ?? 0, `${fn} allowed`).toBeGreaterThan(0);
    const codes = new Set([...tally.refused.keys()].map((k) => k.split(':')[1]));
    for (const code of ['E_DENIED', 'E_BAD_ENVELOPE', 'E_TOKEN_INVALID', 'E_TIMEOUT', 'E_TOO_LARGE', 'E_NOT_SUBSET']) expect(codes.has(code), code).toBe(true);
    expect(hits.granted).toBeGreaterThan(0);
    expect(hits.forbidden).toBe(0);
  }, LONG ? 600_000 : 40_000);

  it('the audit file: every allowed call and delegation is covered by its actor\'s grants, the chain verifies', async () => {
    kernel.audit.flush();
    const grantsOf = new Map(senders.map((s) => [s.name, s.grants]));
    const records = readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, string>);
    const allows = records.filter((r) => (r.action === 'call' || r.action === 'delegate') && r.verdict === 'allow' && grantsOf.has(r.actor!));
    expect(allows.filter((r) => r.action === 'call').length).toBe(tally.allowed.get('nk_call') ?? 0);
    for (const r of allows) {
      const decision = r.action === 'call' ? refDecide(grantsOf.get(r.actor!)!, 'call', r.target!, r.op!, r.resource ?? '') : refDecide(targetOnly(grantsOf.get(r.actor!)!), 'delegate', r.target!, '', '');
      expect(decision, JSON.stringify(r)).toBe('allow');
    }
    const verified = await verifyAuditLog(auditFile);
    expect(verified.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(trap.seen).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

describe('fuzz: decodeReply (the JSON coming out of a plugin)', () => {
  const tally = { cases: 0, ok: 0, pluginCode: 0, crashed: 0 };
  afterAll(() => figure('wasm plugin outputs fuzzed into decodeReply (ok / plugin code / E_TARGET_CRASHED)', `${tally.cases} (${tally.ok} / ${tally.pluginCode} / ${tally.crashed})`));
  const enc = new TextEncoder();

  const validReply = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map((ok) => ({ ok }) as Record<string, unknown>),
    fc
      .record({ code: fc.constantFrom(...ERROR_CODES), message: fc.string({ maxLength: 40 }), hint: fc.string({ maxLength: 20 }), facts: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: ['code', 'message'] })
      .map((error) => ({ error }) as Record<string, unknown>),
  );
  const mutate = fc.oneof(
    fc.tuple(fc.constantFrom('ok', 'error', 'extra', 'from', '__proto__'), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => (r: Record<string, unknown>) => ({ ...r, [k]: v })),
    fc.tuple(fc.constantFrom('code', 'message', 'hint', 'facts', 'plugin'), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('E_NOPE', 'x'.repeat(2_001), 'e_denied'))).map(([k, v]) => (r: Record<string, unknown>) =>
      'error' in r && r.error !== null && typeof r.error === 'object' ? { ...r, error: { ...(r.error as object), [k]: v } } : r,
    ),
    fc.constant((r: Record<string, unknown>) => ({})),
  );
  const output = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(validReply, fc.array(mutate, { maxLength: 2 })).map(([r, ms]) => enc.encode(JSON.stringify(ms.reduce((acc, m) => m(acc), r)))) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => enc.encode(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.tuple(validReply, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([r, at, byte]) => {
      const bytes = enc.encode(JSON.stringify(r));
      bytes[at % bytes.byteLength] = byte; // one byte flipped: torn UTF-8, broken JSON, or a changed value
      return bytes;
    }) },
    { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), enc.encode('{"ok":1}\u0000'), enc.encode('\ufeff{"ok":1}'), enc.encode('{"ok":1} {"ok":2}'), Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), enc.encode('{"ok":1,"ok":2}'), enc.encode('{"error":{"code":"E_DENIED","message":"m","facts":{"__proto__":{"polluted":1}}}}')) },
  );

  it('random and mutated outputs: the ok value, the plugin\'s own code, or E_TARGET_CRASHED; nothing else', () => {
    fc.assert(
      fc.property(output, fc.constantFrom('call' as const, 'event' as const), (bytes, kind) => {
        tally.cases++;
        const want = expected(bytes, kind);
        let got: { value: unknown } | { error: unknown };
        try {
          got = { value: decodeReply('hostile', bytes, kind) };
        } catch (error) {
          got = { error };
        }
        if ('value' in got) {
          if (want === 'event-empty') {
            if (got.value !== undefined) throw new Error('empty event output decoded to a value');
            return;
          }
          if (want === 'crashed' || !('ok' in want)) throw new Error(`accepted ${JSON.stringify(Buffer.from(bytes).toString())} as a reply`);
          expect(got.value).toEqual(want.ok);
          tally.ok++;
          return;
        }
        if (!(got.error instanceof KernelError)) throw new Error(`decodeReply threw a non-KernelError: ${String(got.error)}`);
        if (!(ERROR_CODES as readonly string[]).includes(got.error.code)) throw new Error(`undocumented code ${got.error.code}`);
        if (want === 'crashed') {
          expect(got.error.code).toBe('E_TARGET_CRASHED');
          expect(got.error.facts.plugin).toBe('hostile');
          tally.crashed++;
        } else if (want !== 'event-empty' && 'code' in want) {
          expect(got.error.code).toBe(want.code);
          expect(got.error.message).toBe(want.message);
          expect(got.error.facts.plugin, 'a plugin cannot hide or forge its own id in facts').toBe('hostile');
          expect(Object.getPrototypeOf(got.error.facts)).toBe(Object.prototype);
          tally.pluginCode++;
        } else throw new Error(`refused a well-formed reply with ${got.error.code}: ${Buffer.from(bytes).toString()}`);
      }),
      { numRuns: runs(10_000), seed: SEED },
    );
    expect(tally.ok).toBeGreaterThan(500);
    expect(tally.pluginCode).toBeGreaterThan(500);
    expect(tally.crashed).toBeGreaterThan(500);
  }, LONG ? 300_000 : 20_000);
});
