/**
 * The dispatch floor: every layer a message can cross, measured in one run so
 * each of our paths sits beside the bare mechanism it is built on.
 *
 * Floors: `Map.get` + direct call; a raw `postMessage` round trip to a bare
 * worker; a raw comlink call to a bare worker; `@extism/extism` calling the
 * `wordcount` plugin in-process and with `runInWorker`. Ours: the same
 * `wordcount` call through kernel → Wasm sandbox → reply, and an `upper` call
 * through kernel → SES worker extension → reply. Details and goals are in
 * wasm.bench.ts and worker.bench.ts.
 *
 * @module
 */
import { byName, measure, row, type BenchFile } from './harness.js';
import { startComlinkWorker, startEchoWorker } from './peers/bare-workers.js';
import { startSubjects } from './peers/kernel-subjects.js';
import { createDirectPlugin, deliveryInput, pluginFile, resettingCaller } from './peers/wasm-direct.js';

const TEXT = 'the quick brown fox';

const run: BenchFile = async (options) => {
  const subjects = await startSubjects();
  const echo = await startEchoWorker();
  const comlink = await startComlinkWorker();
  const bytes = pluginFile('wordcount').bytes;
  const inProcess = await createDirectPlugin(bytes, false);
  const inWorker = await createDirectPlugin(bytes, true);
  try {
    const input = deliveryInput(TEXT);
    const direct = resettingCaller(inProcess);
    const viaRunInWorker = resettingCaller(inWorker);
    const { client } = subjects;
    // Every path answers the same thing before anything is timed.
    const expected = { ok: { words: 4, chars: TEXT.length } };
    for (const [name, got] of [
      ['extism in-process', JSON.parse(await direct(input))],
      ['extism runInWorker', JSON.parse(await viaRunInWorker(input))],
      ['kernel → wasm', { ok: await client.call('wordcount', 'count', '', TEXT) }],
    ] as const) {
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`floor: ${name} answered ${JSON.stringify(got)}`);
    }
    for (const got of [await echo.call({ text: TEXT }), await comlink.call({ text: TEXT }), await client.call('uppercase', 'upper', '', { text: TEXT })]) {
      if (got !== TEXT.toUpperCase()) throw new Error(`floor: a worker path answered ${JSON.stringify(got)}`);
    }

    const table = new Map<string, (text: string) => string>([['upper', (text) => text.toUpperCase()]]);
    const [mapCall] = await measure(options, { 'Map.get + direct call': () => table.get('upper')!(TEXT) }, 1_000);
    const timed = await measure(options, {
      'raw postMessage round trip (bare worker)': () => echo.call({ text: TEXT }),
      'raw comlink call (bare worker)': () => comlink.call({ text: TEXT }),
      'kernel → worker extension → reply': () => client.call('uppercase', 'upper', '', { text: TEXT }),
      'extism call, in-process': () => direct(input),
      'extism call, runInWorker': () => viaRunInWorker(input),
      'kernel → Wasm sandbox → reply': () => client.call('wordcount', 'count', '', TEXT),
    });
    const post = byName(timed, 'raw postMessage round trip (bare worker)');
    const comlinkCall = byName(timed, 'raw comlink call (bare worker)');
    const oursWorker = byName(timed, 'kernel → worker extension → reply');
    const extismIn = byName(timed, 'extism call, in-process');
    const extismWorker = byName(timed, 'extism call, runInWorker');
    const oursWasm = byName(timed, 'kernel → Wasm sandbox → reply');
    return {
      title: 'Dispatch floor: every layer beside the mechanism under it',
      rows: [
        row(mapCall!, undefined, 'the floor of any in-process dispatch: a keyed lookup and a direct call'),
        row(comlinkCall, post, 'comlink over the same thread boundary: proxy, path walk and message ids on top of postMessage'),
        row(oursWorker, post, 'ours to a SES worker extension vs the raw round trip: token check, decision, audit record, mailbox, guarded comlink bridge and zod body check'),
        row(oursWorker, comlinkCall, 'ours to a SES worker extension vs a raw comlink call to a bare worker'),
        row(extismWorker, extismIn, "Extism's own runInWorker vs in-process: the cost of its worker hop (SharedArrayBuffer + Atomics)"),
        row(oursWasm, extismWorker, 'ours to a Wasm plugin (Extism inside our own worker) vs Extism runInWorker: both pay a thread hop'),
        row(oursWasm, extismIn, 'ours to a Wasm plugin vs the same plugin in-process, which cannot be stopped if it loops (DESIGN.md)'),
      ],
    };
  } finally {
    await Promise.allSettled([echo.terminate(), comlink.terminate(), inProcess.close(), inWorker.close()]);
    await subjects.close();
  }
};
export default run;
