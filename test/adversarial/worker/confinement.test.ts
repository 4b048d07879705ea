/**
 * Hostile code in a real worker trying to leave its Compartment or forge its
 * identity. Each probe is run by the extension itself: its `probe` op compiles
 * `input.code` with the Compartment's own `Function` and runs it with `ctx`.
 * The host keeps serving the `uppercase` example throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSource, probeSource, startKernel, type TestKernel } from '../../sandboxes/worker/helpers.js';

const HOSTILE = probeSource(`
  try { return { ok: true, value: await Function('ctx', 'return (async () => {' + input.code + '})()')(ctx) }; }
  catch (e) { return { ok: false, name: e && e.name, message: String(e && e.message), code: e && e.code }; }
`);

type Probe = { ok: true; value: unknown } | { ok: false; name?: string; message: string; code?: string };

describe('worker confinement', () => {
  let t: TestKernel;
  const run = (code: string) => t.driver.call('hostile', 'probe', '', { code }) as Promise<Probe>;

  beforeAll(async () => {
    t = await startKernel();
    await t.attach({ id: 'uppercase', source: exampleSource('uppercase') }, []);
    await t.attach({ id: 'hostile', source: HOSTILE }, [{ action: 'call', to: 'uppercase', ops: ['upper'] }]);
  });
  afterAll(async () => t.close());

  it.each([
    ['process', 'process'],
    ['require', 'require'],
    ['fetch without a net grant', 'fetch'],
    ['fs without a file grant', 'fs'],
    ['setTimeout without the clock grant', 'setTimeout'],
    ['SharedArrayBuffer', 'SharedArrayBuffer'],
    ['Atomics', 'Atomics'],
    ['WebAssembly', 'WebAssembly'],
    ['Buffer', 'Buffer'],
    ['globalThis.process', 'globalThis.process'],
  ])('cannot see %s', async (_name, expression) => {
    expect(await run(`return typeof ${expression}`)).toEqual({ ok: true, value: 'undefined' });
  });

  it('cannot call process.exit, and keeps answering', async () => {
    const exit = await run('process.exit(1)');
    expect(exit.ok).toBe(false);
    expect(['ReferenceError', 'TypeError']).toContain((exit as { name: string }).name);
    expect(await run("return typeof globalThis['proc' + 'ess']")).toEqual({ ok: true, value: 'undefined' });
    expect(await t.driver.call('hostile', 'echo', '', 'still here')).toBe('still here');
  });

  it('Date.now and Math.random are tamed without the clock grant', async () => {
    expect(await run('return Date.now()')).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('return Math.random()')).toMatchObject({ ok: false, name: 'TypeError' });
  });

  it('constructor chains lead back into the Compartment, not to the worker global', async () => {
    expect(await run("return typeof globalThis.constructor.constructor('return this')().process")).toMatchObject({ ok: false });
    expect(await run("return typeof Function('return this')()")).toEqual({ ok: true, value: 'undefined' });
    expect(await run("return (async function () {}).constructor('return process')")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run("return (function* () {}).constructor('return process')")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('return typeof ctx.api.call.constructor("return this")()')).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('return typeof ctx.api.constructor.constructor("return this")()')).toMatchObject({ ok: false, name: 'TypeError' });
  });

  it('SES rejects dynamic import even when built at run time', async () => {
    expect(await run("return Function('return imp' + 'ort(\"node:fs\")')()")).toMatchObject({
      ok: false,
      name: 'SyntaxError',
      message: expect.stringContaining('SES_IMPORT_REJECTED'),
    });
  });

  it('cannot pollute shared prototypes (host and other extensions unaffected)', async () => {
    expect(await run("Object.prototype.polluted = 'yes'")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('Array.prototype.push = () => 0')).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('return ({}).polluted')).toEqual({ ok: true, value: undefined });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await t.driver.call('uppercase', 'upper', '', { text: 'ok' })).toBe('OK');
  });

  it('cannot mutate the endowed kernel API, console or SDK', async () => {
    expect(await run("ctx.api.call = async () => 'forged'")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run("ctx.api.log.extra = 1")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run("console.log = () => 0")).toMatchObject({ ok: false, name: 'TypeError' });
    expect(await run('return [Object.isFrozen(ctx.api), Object.isFrozen(console), Object.isFrozen(ctx)]')).toEqual({ ok: true, value: [true, true, true] });
  });

  it('cannot forge `from`: an extra option is refused by the host bridge', async () => {
    const forged = await run("await ctx.api.call('uppercase', 'upper', '', { text: 'x' }, { from: 'driver' })");
    expect(forged).toMatchObject({ ok: false, code: 'E_BAD_ENVELOPE', message: expect.stringContaining('argument "options"') });
  });

  it('a token stolen from another extension is refused by the kernel, and the attempt is audited', async () => {
    const stolen = await t.kernel.mintToken('uppercase', [{ action: 'call', to: 'driver' }]);
    const outcome = await run(`await ctx.api.call('driver', 'anything', '', null, { cap: ${JSON.stringify(stolen)} })`);
    expect(outcome).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
    const denial = t.audit().find((record) => record.actor === 'hostile' && record.verdict === 'deny' && record.target === 'driver');
    expect(denial).toMatchObject({ action: 'call', code: 'E_TOKEN_INVALID' });
    expect(JSON.stringify(t.audit())).not.toContain(stolen);
  });

  it('a call outside the grants is denied by the kernel with code and hint intact', async () => {
    const outcome = await run("try { await ctx.api.call('driver', 'x', '', null) } catch (e) { return [e.name, e.code, typeof e.hint, e instanceof Error] }");
    expect(outcome).toEqual({ ok: true, value: ['KernelError', 'E_DENIED', 'string', true] });
    expect(t.audit().some((r) => r.actor === 'hostile' && r.verdict === 'deny' && r.code === 'E_DENIED' && r.target === 'driver')).toBe(true);
  });

  it('an allowed call goes through with `from` stamped as the extension', async () => {
    expect(await run("return ctx.api.call('uppercase', 'upper', '', { text: 'via hostile' })")).toEqual({ ok: true, value: 'VIA HOSTILE' });
    const allowed = t.audit().find((r) => r.actor === 'hostile' && r.verdict === 'allow' && r.target === 'uppercase');
    expect(allowed).toMatchObject({ action: 'call', op: 'upper' });
  });
});
