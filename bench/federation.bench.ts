/**
 * Federation: a call through two kernels over NATS (local decision, proxy,
 * request/reply, remote decision, delivery, reply) against a bare NATS
 * request/reply echo on the same server in the same run; and calls per second
 * with 10 concurrent senders. Without `nats-server` the section says so.
 *
 * @module
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { Federation, natsServerInstalled, startNatsServer } from '../cli/runtime/federation/index.js';
import { Kernel, KeyRing } from '../nanokernel/index.js';
import { parsePolicy, compilePolicy } from '../policies/index.js';
import { byName, measure, row, type BenchFile, type Section } from './harness.js';

const TITLE = 'Federation (two kernels over NATS)';

const run: BenchFile = async (options): Promise<Section> => {
  if (!natsServerInstalled()) return { title: TITLE, rows: [], facts: { skipped: 'nats-server is not installed (apt-get install nats-server)' } };
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-fed-'));
  const server = await startNatsServer();
  const quiet = pino({ level: 'silent' });
  const defaults = { maxCallsPerSecond: 1e9, capacity: 1e6 };
  const [keysA, keysB] = await Promise.all([KeyRing.ephemeral(), KeyRing.ephemeral()]);
  const a = await Kernel.start({ id: 'a', keys: keysA, auditFile: path.join(dir, 'a.log'), logger: quiet, defaults });
  const b = await Kernel.start({ id: 'b', keys: keysB, auditFile: path.join(dir, 'b.log'), logger: quiet, defaults: { ...defaults, concurrency: 64 } });
  writeFileSync(path.join(dir, 'a.jwks.json'), JSON.stringify(a.jwks()));
  writeFileSync(path.join(dir, 'b.jwks.json'), JSON.stringify(b.jwks()));
  const policy = (text: string, name: string) => {
    const parsed = parsePolicy(text, path.join(dir, name));
    return compilePolicy(parsed.policy, parsed.source);
  };
  const policyA = policy('version: 1\nextensions:\n  client: { sandbox: host, why: bench, allow: [{ call: echo }] }\npeers:\n  b: { jwks: b.jwks.json, why: bench, extensions: [echo] }\n', 'a.yaml');
  const policyB = policy('version: 1\nextensions:\n  echo: { sandbox: host, why: bench }\npeers:\n  a: { jwks: a.jwks.json, why: bench, allow: [{ call: echo }] }\n', 'b.yaml');
  await b.register('echo', await b.mintToken('echo', []), (env) => env.body, { concurrency: 64 });
  const client = await a.register('client', await a.mintToken('client', [{ action: 'call', to: 'echo' }]), () => undefined);
  const fa = await Federation.join({ kernel: a, policy: policyA, servers: server.url });
  const fb = await Federation.join({ kernel: b, policy: policyB, servers: server.url });
  // The bare peer gets the same client setting as our link (no stack captured per request).
  const [responder, requester] = await Promise.all([connect({ servers: server.url, noAsyncTraces: true }), connect({ servers: server.url, noAsyncTraces: true })]);
  responder.subscribe('bench.echo', { callback: (_error, msg) => void msg.respond(msg.data) });
  await responder.flush();
  const body = { text: 'hello' };
  const payload = JSON.stringify(body);
  for (let i = 0; i < 200; i++) await client.call('echo', 'say', '', body);

  const results = await measure(options, {
    'remote call through two kernels': () => client.call('echo', 'say', '', body),
    'bare NATS request/reply': () => requester.request('bench.echo', payload),
  });
  const throughput = async (send: () => Promise<unknown>) => {
    const until = Date.now() + (options.quick ? 500 : 2_000);
    let done = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (Date.now() < until) {
        await send();
        done++;
      }
    }));
    return Math.round(done / ((options.quick ? 500 : 2_000) / 1000));
  };
  const ours = await throughput(() => client.call('echo', 'say', '', body));
  const bare = await throughput(() => requester.request('bench.echo', payload));
  const signatures = a.peers.signatureChecks + b.peers.signatureChecks;

  await fa.leave();
  await fb.leave();
  await Promise.all([responder.close(), requester.close()]);
  await Promise.all([a.shutdown(), b.shutdown()]);
  await server.stop();
  const remote = byName(results, 'remote call through two kernels');
  const floor = byName(results, 'bare NATS request/reply');
  return {
    title: TITLE,
    rows: [
      row(
        remote,
        floor,
        `both kernels decide and audit (two hash-chained records), the envelope travels as JSON with the caller's token and is validated on arrival, and the receiver de-duplicates by envelope id: ${((remote.medianNs - floor.medianNs) / 1_000).toFixed(0)} µs over the bare round trip, all on this one process's event loop (both kernels and NATS clients share it); the token is verified once on b, then cached`,
        1.5,
      ),
    ],
    facts: {
      'calls/s, 10 concurrent senders, through two kernels': ours,
      'requests/s, 10 concurrent senders, bare NATS': bare,
      'foreign signature checks during the run': signatures,
    },
  };
};
export default run;
