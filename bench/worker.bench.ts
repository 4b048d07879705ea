/**
 * Worker extensions (issue 6): kernel → SES worker extension → reply against a
 * raw comlink call to a bare worker and a raw `postMessage` round trip. Goal:
 * ≤ 2× the raw round trip. Two more figures split our path: the sandbox alone
 * (`WorkerSandbox.deliver`, no kernel: guarded comlink bridge, SES compartment,
 * zod body check) and the kernel alone (a call to an in-process endpoint).
 *
 * @module
 */
import { Envelope } from '../nanokernel/index.js';
import { WorkerSandbox } from '../sandboxes/worker/index.js';
import { byName, measure, row, type BenchFile } from './harness.js';
import { startComlinkWorker, startEchoWorker } from './peers/bare-workers.js';
import { BENCH_HOST, ENDPOINT, startSubjects } from './peers/kernel-subjects.js';

const BODY = { text: 'the quick brown fox' };

const run: BenchFile = async (options) => {
  const subjects = await startSubjects({ wasm: false });
  const { kernel, client } = subjects;
  const echo = await startEchoWorker();
  const comlink = await startComlinkWorker();
  // A second copy of the extension, driven without the kernel: what the sandbox alone costs.
  const direct = new WorkerSandbox({ id: 'uppercase-direct', source: subjects.workerSource, hostGrants: BENCH_HOST });
  const supervised = await kernel.attach(direct, await kernel.mintToken('uppercase-direct', []), ENDPOINT);
  await kernel.register('echo', await kernel.mintToken('echo', []), (envelope) => (envelope.body as typeof BODY).text.toUpperCase(), ENDPOINT);
  let seq = 0;
  const envelope = () =>
    Envelope.parse({ v: 1, id: `w-${++seq}`, kind: 'call', from: 'bencher', to: 'uppercase-direct', op: 'upper', resource: '', ts: Date.now(), trace_id: 'bench-trace', span_id: `s-${seq}`, body: BODY });
  try {
    const want = BODY.text.toUpperCase();
    const answers = [await client.call('uppercase', 'upper', '', BODY), await direct.deliver(envelope(), 10_000), await echo.call(BODY), await comlink.call(BODY), await client.call('echo', 'upper', '', BODY)];
    if (answers.some((answer) => answer !== want)) throw new Error(`worker bench: paths disagree: ${JSON.stringify(answers)}`);
    const timed = await measure(options, {
      'raw postMessage round trip': () => echo.call(BODY),
      'raw comlink call': () => comlink.call(BODY),
      'WorkerSandbox.deliver alone (no kernel)': () => direct.deliver(envelope(), 10_000),
      'kernel → in-process endpoint (no worker)': () => client.call('echo', 'upper', '', BODY),
      'kernel → worker extension → reply': () => client.call('uppercase', 'upper', '', BODY),
    });
    const post = byName(timed, 'raw postMessage round trip');
    const com = byName(timed, 'raw comlink call');
    const sandbox = byName(timed, 'WorkerSandbox.deliver alone (no kernel)');
    const kernelOnly = byName(timed, 'kernel → in-process endpoint (no worker)');
    const ours = byName(timed, 'kernel → worker extension → reply');
    const kernelShare = ours.medianNs - sandbox.medianNs;
    const bridgeShare = sandbox.medianNs - post.medianNs;
    return {
      title: 'Worker extensions: kernel → SES worker vs raw worker messaging',
      rows: [
        row(ours, post, `the whole path; of the ${((ours.medianNs - post.medianNs) / 1_000).toFixed(0)} µs over the raw round trip, ≈ ${(bridgeShare / 1_000).toFixed(0)} µs is the sandbox bridge and ≈ ${(kernelShare / 1_000).toFixed(0)} µs the kernel`, 2),
        row(ours, com, 'the whole path vs a raw comlink call to a bare worker'),
        row(sandbox, com, 'the sandbox alone (guarded comlink endpoint, SES compartment, zod body check, deadline) vs raw comlink'),
        row(sandbox, post, 'the sandbox alone vs the raw round trip'),
        row(kernelOnly, post, 'the kernel alone (token check, decision, audit, mailbox) to an in-process endpoint, against the thread hop it is meant to be small beside'),
      ],
      facts: {
        'kernel share of a worker call (µs)': Math.round(kernelShare / 100) / 10,
        'sandbox bridge over raw postMessage (µs)': Math.round(bridgeShare / 100) / 10,
      },
    };
  } finally {
    await supervised.stop('bench');
    await Promise.allSettled([echo.terminate(), comlink.terminate()]);
    await subjects.close();
  }
};
export default run;
