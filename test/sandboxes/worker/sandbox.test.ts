import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSandbox } from '../../../sandboxes/worker/index.js';
import { callEnvelope, exampleSource, probeSource, recordingPort, rejection, startKernel, type TestKernel } from './helpers.js';

describe('WorkerSandbox through the kernel', () => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startKernel();
    await t.attach({ id: 'uppercase', source: exampleSource('uppercase') }, []);
  });
  afterAll(async () => t.close());

  it('runs the greeter example, which calls uppercase through the typed client', async () => {
    await t.attach({ id: 'greeter', source: exampleSource('greeter') }, [{ action: 'call', to: 'uppercase', ops: ['upper'] }]);
    expect(await t.driver.call('greeter', 'greet', '', { name: 'ada', shout: true })).toEqual({ greeting: 'HELLO, ADA', from: 'driver' });
    expect(t.audit().find((r) => r.actor === 'greeter' && r.target === 'uppercase')).toMatchObject({ verdict: 'allow', op: 'upper' });
    expect(t.logLines.some((line) => line.ext === 'greeter' && line.msg === 'greeter ready')).toBe(true);
  });

  it('without the grant the same call is denied and audited', async () => {
    await t.attach({ id: 'greeter-ungranted', source: exampleSource('greeter') }, []);
    const error = await rejection(t.driver.call('greeter-ungranted', 'greet', '', { name: 'ada', shout: true }));
    expect(error.code).toBe('E_DENIED');
    expect(t.audit().find((r) => r.actor === 'greeter-ungranted' && r.target === 'uppercase')).toMatchObject({ verdict: 'deny', code: 'E_DENIED' });
  });

  it("gives extensions zod both as \`import { z } from 'zod'\` and as its named members", async () => {
    const source = [
      "import { defineExtension } from '../../extensions/sdk/worker/index.js';",
      "import { z } from 'zod';",
      "import * as zod from 'zod';",
      'export default defineExtension({ ops: { parse: { body: z.object({ n: zod.number() }), handle: ({ n }) => n + 1 } } });',
    ].join('\n');
    await t.attach({ id: 'zod-user', source }, []);
    expect(await t.driver.call('zod-user', 'parse', '', { n: 41 })).toBe(42);
  });

  it('validates bodies with the op schema and names unknown ops', async () => {
    const bad = await rejection(t.driver.call('uppercase', 'upper', '', { text: 42 }));
    expect(bad).toMatchObject({ code: 'E_BAD_ENVELOPE', message: expect.stringContaining('"text"') });
    expect((await rejection(t.driver.call('uppercase', 'lower', '', { text: 'x' }))).code).toBe('E_NO_TARGET');
  });

  it('delivers subscribed events to the matching handler', async () => {
    const source = [
      "import { defineExtension, z } from '../../extensions/sdk/worker/index.js';",
      'const seen = [];',
      'export default defineExtension({',
      "  ops: { seen: { body: z.unknown(), handle: () => seen } },",
      "  events: { 'news.*': { body: z.object({ title: z.string() }), handle: (body, ctx) => { seen.push([ctx.topic, body.title, ctx.from]); } } },",
      "  async init(api) { await api.subscribe('news.*'); },",
      '});',
    ].join('\n');
    await t.attach({ id: 'reader', source }, [{ action: 'subscribe', to: 'news.*' }]);
    await t.driver.publish('news.today', { title: 'hello' });
    await expect.poll(() => t.driver.call('reader', 'seen', '', null)).toEqual([['news.today', 'hello', 'driver']]);
  });
});

describe('WorkerSandbox directly', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  async function running(id: string, source: string, hostGrants: unknown = {}) {
    const sandbox = new WorkerSandbox({ id, source, hostGrants });
    await sandbox.start(recordingPort(id));
    return sandbox;
  }

  it.each([
    ["const s = 'imp' + 'ort(';", "const s = 'import(x)';", 'SES_IMPORT_REJECTED'],
    ['', "import { readFileSync } from 'node:fs';", 'IMPORT_NOT_PROVIDED'],
    ['', 'const x = ;', 'SYNTAX'],
    ['', "throw new Error('at top level');", 'TOP_LEVEL_THREW'],
  ])('a bad source fails to load with a load error naming the rule (%#)', async (_ok, bad, expected) => {
    const sandbox = new WorkerSandbox({ id: 'bad', source: probeSource('return 1;', bad) });
    const error = await rejection(sandbox.start(recordingPort('bad')));
    expect(error).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { stage: 'load', rule: expected } });
    expect(sandbox.state).toBe('stopped');
  });

  it('a default export that is not a definition is refused', async () => {
    const sandbox = new WorkerSandbox({ id: 'plain', source: 'export default { ops: {} };' });
    expect((await rejection(sandbox.start(recordingPort('plain')))).facts).toMatchObject({ rule: 'DEFAULT_NOT_DEFINITION' });
  });

  it('restarts with a fresh worker after stop, after a timeout, and after a crash', async () => {
    const sandbox = await running('counter', probeSource("globalThis.n = (globalThis.n ?? 0) + 1; if (input === 'spin') for (;;) {} return globalThis.n;"));
    const crashes: string[] = [];
    sandbox.onCrash((reason) => crashes.push(reason));
    expect(await sandbox.deliver(callEnvelope('counter', 'probe', 1), 1_000)).toBe(1);
    expect(await sandbox.deliver(callEnvelope('counter', 'probe', 1), 1_000)).toBe(2);
    await sandbox.stop();
    expect(crashes).toEqual([]);
    await sandbox.start(recordingPort('counter'));
    expect(await sandbox.deliver(callEnvelope('counter', 'probe', 1), 1_000)).toBe(1);
    expect((await rejection(sandbox.deliver(callEnvelope('counter', 'probe', 'spin'), 200))).code).toBe('E_TIMEOUT');
    expect(sandbox.state).toBe('crashed');
    expect(crashes).toHaveLength(1);
    expect((await rejection(sandbox.deliver(callEnvelope('counter', 'probe', 1), 200))).code).toBe('E_TARGET_CRASHED');
    await sandbox.start(recordingPort('counter'));
    expect(await sandbox.deliver(callEnvelope('counter', 'probe', 1), 1_000)).toBe(1);
    await sandbox.stop();
  });

  it('refuses an incoming body over maxBodyBytes without posting it', async () => {
    const sandbox = await running('small', probeSource('return 1;'), { maxBodyBytes: 100 });
    expect((await rejection(sandbox.deliver(callEnvelope('small', 'echo', 'x'.repeat(200)), 1_000))).code).toBe('E_TOO_LARGE');
    await sandbox.ping(1_000);
    await sandbox.stop();
  });

  it('gives the clock only with the clock grant', async () => {
    const code = "await new Promise((resolve) => setTimeout(resolve, 5)); return typeof Date.now();";
    const timed = await running('timed', probeSource(code), { clock: true });
    expect(await timed.deliver(callEnvelope('timed', 'probe', null), 1_000)).toBe('number');
    await timed.stop();
    const untimed = await running('untimed', probeSource(code));
    expect((await rejection(untimed.deliver(callEnvelope('untimed', 'probe', null), 1_000))).code).toBe('E_TARGET_CRASHED');
    await untimed.stop();
  });

  it('confines fs to granted directories: modes, ../ and symlinks', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'nk-fs-'));
    dirs.push(base);
    for (const dir of ['rw', 'ro', 'outside']) mkdirSync(path.join(base, dir));
    writeFileSync(path.join(base, 'ro', 'a.txt'), 'read me');
    writeFileSync(path.join(base, 'outside', 'secret.txt'), 'secret');
    symlinkSync(path.join(base, 'outside'), path.join(base, 'rw', 'link'));
    const source = probeSource("try { return await Function('fs', 'return (async () => {' + input + '})()')(fs); } catch (e) { return 'ERR ' + (e.code ?? e.name); }");
    const fresh = new WorkerSandbox({ id: 'files', source, hostGrants: { fs: [{ path: 'rw', mode: 'readwrite' }, { path: 'ro', mode: 'read' }] }, baseDir: base });
    await fresh.start(recordingPort('files'));
    const ask2 = (code: string) => fresh.deliver(callEnvelope('files', 'probe', code), 2_000);
    expect(await ask2("await fs.writeFile('out.txt', 'hi'); return fs.readFile('out.txt', 'utf8');")).toBe('hi');
    expect(readFileSync(path.join(base, 'rw', 'out.txt'), 'utf8')).toBe('hi');
    expect(await ask2("return fs.readFile('../outside/secret.txt', 'utf8');")).toBe('ERR E_DENIED');
    expect(await ask2("return fs.readFile('link/secret.txt', 'utf8');")).toBe('ERR E_DENIED');
    expect(await ask2("return fs.writeFile('link/new.txt', 'x');")).toBe('ERR E_DENIED');
    expect(await ask2(`return fs.readFile(${JSON.stringify(path.join(base, 'ro', 'a.txt'))}, 'utf8');`)).toBe('read me');
    expect(await ask2(`return fs.writeFile(${JSON.stringify(path.join(base, 'ro', 'b.txt'))}, 'x');`)).toBe('ERR E_DENIED');
    expect(await ask2("return fs.readFile('/etc/passwd', 'utf8');")).toBe('ERR E_DENIED');
    expect(await ask2('return typeof (await fs.readFile("out.txt")).buffer;')).toBe('object');
    await fresh.stop();
  });
});
