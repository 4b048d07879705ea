/**
 * Wasm plugins (issue 5): a `wordcount` op through the kernel against the same
 * plugin called directly with `@extism/extism` **in the same execution mode**.
 *
 * - In-process: a kernel endpoint whose handler runs the plugin in-process
 *   (the same encode/decode as our sandbox) vs a direct in-process call. Our
 *   product never runs untrusted plugins on the main thread (a loop would block
 *   it for good); this row isolates what the kernel adds to a Wasm call.
 * - In a worker: our `WasmSandbox` (Extism inside our own worker) vs a direct
 *   call into Extism inside a bare worker of the same shape (bench/peers/extism-worker.ts),
 *   and vs Extism's own `runInWorker`. Goal: ≤ 1.2× the direct call in the same mode.
 * - The worker hop itself: the bare worker vs in-process.
 * - Cold load: one plugin, and 50 at once, against Extism building the same.
 *
 * @module
 */
import { Envelope } from '../nanokernel/index.js';
import { decodeReply, encodeDelivery } from '../sandboxes/wasm/plugin-io.js';
import { byName, measure, row, summarize, timeOnce, type BenchFile, type Row } from './harness.js';
import { ENDPOINT, startSubjects, wordcountSandbox } from './peers/kernel-subjects.js';
import { createDirectPlugin, deliveryInput, pluginFile, resettingCall, resettingCaller, startExtismWorker } from './peers/wasm-direct.js';

const TEXT = 'the quick brown fox jumps over the lazy dog';
const MANY = 50;

const run: BenchFile = async (options) => {
  const subjects = await startSubjects({ worker: false });
  const { kernel, client } = subjects;
  const plugin = pluginFile('wordcount');
  const module = await WebAssembly.compile(plugin.bytes);
  const inProcess = await createDirectPlugin(module, false);
  const runInWorker = await createDirectPlugin(plugin.bytes, true);
  const bare = await startExtismWorker(module);
  const rows: Row[] = [];
  const facts: Record<string, string | number> = {};
  try {
    // The sandbox alone (no kernel): a second wordcount sandbox driven through deliver().
    const alone = wordcountSandbox('wordcount-alone');
    const aloneSupervised = await kernel.attach(alone, await kernel.mintToken('wordcount-alone', []), ENDPOINT);
    let seq = 0;
    const envelope = () =>
      Envelope.parse({ v: 1, id: `w-${++seq}`, kind: 'call', from: 'bencher', to: 'wordcount-alone', op: 'count', resource: '', ts: Date.now(), trace_id: 'bench-trace', span_id: `s-${seq}`, body: TEXT });
    // In-process under the kernel: the sandbox's own encode/decode around an in-process instance.
    const kernelInProcess = resettingCall(inProcess);
    await kernel.register('wordcount-inproc', await kernel.mintToken('wordcount-inproc', []), async (envelope) => {
      const output = await kernelInProcess(encodeDelivery(envelope, 1 << 20));
      return decodeReply('wordcount-inproc', output?.bytes() ?? null, envelope.kind);
    }, ENDPOINT);
    const direct = resettingCaller(inProcess);
    const viaRunInWorker = resettingCaller(runInWorker);
    const input = deliveryInput(TEXT);
    const decoder = new TextDecoder();
    const want = JSON.stringify({ words: 9, chars: TEXT.length });
    const answers = [
      JSON.stringify(JSON.parse(await direct(input)).ok),
      JSON.stringify(JSON.parse(await viaRunInWorker(input)).ok),
      JSON.stringify(JSON.parse(decoder.decode((await bare.call(input))!)).ok),
      JSON.stringify(await client.call('wordcount', 'count', '', TEXT)),
      JSON.stringify(await client.call('wordcount-inproc', 'count', '', TEXT)),
      JSON.stringify(await alone.deliver(envelope(), 10_000)),
    ];
    if (answers.some((answer) => answer !== want)) throw new Error(`wasm bench: paths disagree: ${answers.join(' ')}`);

    const timed = await measure(options, {
      'extism in-process (direct)': () => direct(input),
      'kernel → in-process Extism endpoint': () => client.call('wordcount-inproc', 'count', '', TEXT),
      'extism in a bare worker (direct)': () => bare.call(input),
      'extism runInWorker (direct)': () => viaRunInWorker(input),
      'WasmSandbox.deliver alone (no kernel)': () => alone.deliver(envelope(), 10_000),
      'kernel → WasmSandbox (Extism in our worker)': () => client.call('wordcount', 'count', '', TEXT),
    });
    const sandboxAlone = byName(timed, 'WasmSandbox.deliver alone (no kernel)');
    const directIn = byName(timed, 'extism in-process (direct)');
    const oursIn = byName(timed, 'kernel → in-process Extism endpoint');
    const bareWorker = byName(timed, 'extism in a bare worker (direct)');
    const extismWorker = byName(timed, 'extism runInWorker (direct)');
    const ours = byName(timed, 'kernel → WasmSandbox (Extism in our worker)');
    const overIn = (oursIn.medianNs - directIn.medianNs) / 1_000;
    const overWorker = (ours.medianNs - bareWorker.medianNs) / 1_000;
    rows.push(row(oursIn, directIn, `in-process mode: the kernel adds ${overIn.toFixed(1)} µs (token check, decision, audit record, mailbox, envelope JSON, reply check, and Extism's promise chain running inside the kernel's AsyncLocalStorage trace context) to a call that itself costs ${(directIn.medianNs / 1_000).toFixed(1)} µs`, 1.2));
    rows.push(row(ours, bareWorker, `worker mode, our product path: adds ${overWorker.toFixed(1)} µs over Extism in a bare worker of the same shape — ${((sandboxAlone.medianNs - bareWorker.medianNs) / 1_000).toFixed(1)} µs in the sandbox's own path, ${((ours.medianNs - sandboxAlone.medianNs) / 1_000).toFixed(1)} µs in the kernel`, 1.2));
    rows.push(row(ours, extismWorker, "worker mode vs Extism's own runInWorker (which cannot stop a looping plugin and leaves its call pending)", 1.2));
    rows.push(row(sandboxAlone, bareWorker, `the sandbox alone (envelope JSON, mailbox and deadline, async scope, worker protocol, reply check) vs the bare worker: ${((sandboxAlone.medianNs - bareWorker.medianNs) / 1_000).toFixed(1)} µs; the kernel adds ${((ours.medianNs - sandboxAlone.medianNs) / 1_000).toFixed(1)} µs on top`));
    rows.push(row(bareWorker, directIn, `the worker hop itself: ${((bareWorker.medianNs - directIn.medianNs) / 1_000).toFixed(1)} µs (postMessage there and back, input string copy, output bytes transfer)`));
    rows.push(row(extismWorker, bareWorker, "Extism runInWorker vs a plain worker around an in-process instance: Extism's SharedArrayBuffer/Atomics channel"));
    facts['kernel overhead on a Wasm call, in-process (µs)'] = Math.round(overIn * 10) / 10;
    facts['kernel overhead on a Wasm call, in a worker (µs)'] = Math.round(overWorker * 10) / 10;
    facts['sandbox alone over the bare worker (µs)'] = Math.round((sandboxAlone.medianNs - bareWorker.medianNs) / 100) / 10;
    await aloneSupervised.stop('bench');
    facts['worker hop, bare worker − in-process (µs)'] = Math.round((bareWorker.medianNs - directIn.medianNs) / 100) / 10;

    // Cold load: one plugin (first start compiles; later starts reuse the compiled module by hash).
    const repeats = options.quick ? 3 : 10;
    let n = 0;
    const startOne = async () => {
      const id = `cold-${++n}`;
      const token = await kernel.mintToken(id, []);
      let supervised: Awaited<ReturnType<typeof kernel.attach>> | undefined;
      const ns = await timeOnce(async () => (supervised = await kernel.attach(wordcountSandbox(id), token, ENDPOINT)));
      return { ns, stop: () => supervised!.stop('bench') };
    };
    const oneSamples: number[] = [];
    const runInWorkerSamples: number[] = [];
    const inProcessSamples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const one = await startOne();
      oneSamples.push(one.ns);
      await one.stop();
      let built: Awaited<ReturnType<typeof createDirectPlugin>> | undefined;
      runInWorkerSamples.push(await timeOnce(async () => (built = await createDirectPlugin(plugin.bytes, true))));
      await built!.close();
      inProcessSamples.push(await timeOnce(async () => (built = await createDirectPlugin(plugin.bytes, false))));
      await built!.close();
    }
    const coldOurs = summarize('WasmSandbox start, 1 plugin (attach: hash check, worker, instance)', oneSamples);
    const coldRunInWorker = summarize('extism createPlugin runInWorker, 1 plugin', runInWorkerSamples);
    const coldInProcess = summarize('extism createPlugin in-process from bytes, 1 plugin', inProcessSamples);
    rows.push(row(coldOurs, coldRunInWorker, 'cold load of one plugin: both start a worker and build an instance'));
    rows.push(row(coldOurs, coldInProcess, 'cold load vs an in-process instance: the worker start is the cost of being able to stop a plugin'));

    const manyRepeats = options.quick ? 1 : 3;
    const manyOurs: number[] = [];
    const manyPeer: number[] = [];
    for (let r = 0; r < manyRepeats; r++) {
      const tokens = await Promise.all(Array.from({ length: MANY }, (_, i) => kernel.mintToken(`many-${r}-${i}`, [])));
      let attached: Awaited<ReturnType<typeof kernel.attach>>[] = [];
      manyOurs.push(await timeOnce(async () => (attached = await Promise.all(tokens.map((token, i) => kernel.attach(wordcountSandbox(`many-${r}-${i}`, 120_000), token, ENDPOINT))))));
      await Promise.all(attached.map((s) => s.stop('bench')));
      let built: Awaited<ReturnType<typeof createDirectPlugin>>[] = [];
      manyPeer.push(await timeOnce(async () => (built = await Promise.all(Array.from({ length: MANY }, () => createDirectPlugin(plugin.bytes, true))))));
      await Promise.all(built.map((p) => p.close()));
    }
    const manyMeasured = summarize(`WasmSandbox start, ${MANY} plugins at once`, manyOurs);
    rows.push(row(manyMeasured, summarize(`extism createPlugin runInWorker, ${MANY} at once`, manyPeer), `${MANY} cold loads in parallel on this machine: bounded by worker start-up, ${(manyMeasured.medianNs / MANY / 1e6).toFixed(1)} ms per plugin`));
    facts[`cold load, ${MANY} plugins at once, per plugin (ms)`] = Math.round(manyMeasured.medianNs / MANY / 1e5) / 10;
    return { title: 'Wasm plugins: kernel vs direct Extism, same execution mode', rows, facts };
  } finally {
    await Promise.allSettled([inProcess.close(), runInWorker.close(), bare.terminate()]);
    await subjects.close();
  }
};
export default run;
