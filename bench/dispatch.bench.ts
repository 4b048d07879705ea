/**
 * Dispatch: an allowed call through the kernel against a bare Map lookup and
 * function call, and one capability decision against a warm jose verify.
 *
 * @module
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jwtVerify } from 'jose';
import pino from 'pino';
import { compileGrants, Grant } from '../capabilities/index.js';
import { AuditLog, Kernel, KeyRing } from '../nanokernel/index.js';
import { byName, measure, row, type BenchFile } from './harness.js';

const run: BenchFile = async (options) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-'));
  const keys = await KeyRing.ephemeral();
  const kernel = await Kernel.start({ auditFile: path.join(dir, 'audit.log'), keys, logger: pino({ level: 'silent' }), defaults: { maxCallsPerSecond: 1e9, capacity: 1e6 } });
  await kernel.register('echo', await kernel.mintToken('echo', []), (env) => env.body);
  const grants = [{ action: 'call', to: 'echo', ops: ['say'], resources: ['*'] }];
  const token = await kernel.mintToken('client', grants);
  const client = await kernel.register('client', token, () => undefined);

  const table = new Map<string, (body: unknown) => unknown>([['echo', (body) => body]]);
  const asyncTable = new Map<string, (body: unknown) => Promise<unknown>>([['echo', async (body) => body]]);
  const [floor] = await measure(options, { 'Map.get + call': () => table.get('echo')!('hi') }, 1_000);
  const calls = await measure(options, {
    'kernel call (allowed, audited)': () => client.call('echo', 'say', '', 'hi'),
    'Map.get + await async call': () => asyncTable.get('echo')!('hi'),
  });
  const before = kernel.signatureChecks;
  for (let i = 0; i < 10_000; i++) await client.call('echo', 'say', '', i);
  const signaturesPerMessage = (kernel.signatureChecks - before) / 10_000;

  const matcher = compileGrants(grants.map((g) => Grant.parse(g)));
  const publicKey = keys.publicKey(keys.signing.kid)!;
  const [decide] = await measure(options, { 'compiled decision': () => matcher.decide('call', 'echo', 'say', '') }, 1_000);
  const [verify] = await measure(options, { 'jose EdDSA verify (warm)': () => jwtVerify(token, publicKey, { algorithms: ['EdDSA'] }) });

  const audit = AuditLog.open(path.join(dir, 'audit-only.log'), { kernel: 'bench' });
  const entry = { actor: 'client', action: 'call', verdict: 'allow', target: 'echo', op: 'say', resource: '', rule: 'policies/default.yaml:14:7', trace_id: '0123456789abcdef0123456789abcdef', envelope_id: 'abcdef12-1a2b', token_jti: '8f0c0c9e-5b7a-4b7e-9d55-1c1c1c1c1c1c' } as const;
  const [record] = await measure(options, { 'one audit record (hash-chained)': () => audit.append(entry) }, 100);
  await audit.close();

  await kernel.shutdown();
  const ours = byName(calls, 'kernel call (allowed, audited)');
  const asyncFloor = byName(calls, 'Map.get + await async call');
  const addedUs = (ours.medianNs - floor!.medianNs) / 1000;
  return {
    title: 'Dispatch (trusted core)',
    rows: [
      { ...row(ours, floor!, `adds ${addedUs.toFixed(2)} µs over the floor (goal: < 2 µs), including token check, decision, audit record and mailbox hop`), goal: '< 2 µs over floor', met: addedUs < 2 },
      row(ours, asyncFloor, 'the same against an awaited async function, the nearest honest floor for an asynchronous mailbox'),
      row(decide!, verify!, 'a cached-token decision against verifying the JWT signature each time'),
      row(record!, ours, 'share of an allowed call spent writing its audit record (sha256 chain + JSON line); the rest is token check, decision, envelope, mailbox and promise'),
    ],
    facts: { 'signature verifications per message (10,000 calls)': signaturesPerMessage },
  };
};
export default run;
