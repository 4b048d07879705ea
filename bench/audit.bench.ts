/**
 * The audit log: records per second with the hash chain (our `AuditLog`,
 * batched and strict-sync) against pino writing the same records to a file
 * through `pino.destination` without a chain (buffered async for the batched
 * case, sync for the strict case); and what audit adds to one decision.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AuditLog } from '../nanokernel/index.js';
import { byName, measure, row, type BenchFile, type Measured } from './harness.js';
import { ENDPOINT, startSubjects } from './peers/kernel-subjects.js';

const ENTRY = {
  actor: 'client',
  action: 'call',
  verdict: 'allow',
  target: 'echo',
  op: 'say',
  resource: 'reports/q3.json',
  rule: 'policies/default.yaml:14:7',
  trace_id: '0123456789abcdef0123456789abcdef',
  envelope_id: 'abcdef12-1a2b',
  token_jti: '8f0c0c9e-5b7a-4b7e-9d55-1c1c1c1c1c1c',
} as const;
const HEX = 'f'.repeat(64);
const BATCH = 100;

const perSecond = (m: Measured) => Math.round(1e9 / m.medianNs);

const run: BenchFile = async (options) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-audit-'));
  const batched = AuditLog.open(path.join(dir, 'batched.log'), { kernel: 'bench' });
  const strict = AuditLog.open(path.join(dir, 'strict.log'), { kernel: 'bench', sync: true });
  const asyncDest = pino.destination({ dest: path.join(dir, 'pino-async.log'), sync: false, minLength: 4_096 });
  const syncDest = pino.destination({ dest: path.join(dir, 'pino-sync.log'), sync: true });
  const pinoAsync = pino({ base: { kernel: 'bench' } }, asyncDest);
  const pinoSync = pino({ base: { kernel: 'bench' } }, syncDest);
  let seq = 0;
  // The same fields as an audit line, with hash-sized strings in place of the chain.
  const pinoRecord = (logger: pino.Logger) => () => logger.info({ seq: ++seq, ts: new Date().toISOString(), ...ENTRY, prev: HEX, hash: HEX }, 'call allow');
  const subjects = await startSubjects({ wasm: false, worker: false });
  const strictSubjects = await startSubjects({ wasm: false, worker: false, auditSync: true });
  try {
    for (const s of [subjects, strictSubjects]) await s.kernel.register('echo', await s.kernel.mintToken('echo', []), (envelope) => envelope.body, ENDPOINT);
    const records = await measure(
      options,
      {
        'AuditLog.append, batched (hash chain)': () => batched.append(ENTRY),
        'pino, buffered async destination (no chain)': pinoRecord(pinoAsync),
        'AuditLog.append, strict sync (hash chain, one write each)': () => strict.append(ENTRY),
        'pino, sync destination (no chain, one write each)': pinoRecord(pinoSync),
      },
      BATCH,
    );
    const seqBefore = subjects.kernel.audit.seq;
    const calls = await measure(options, {
      'kernel call, batched audit': () => subjects.client.call('echo', 'say', '', 'hi'),
      'kernel call, strict sync audit': () => strictSubjects.client.call('echo', 'say', '', 'hi'),
    });
    const callsMade = 10_000;
    const seqMid = subjects.kernel.audit.seq;
    for (let i = 0; i < callsMade; i++) await subjects.client.call('echo', 'say', '', i);
    const recordsPerCall = (subjects.kernel.audit.seq - seqMid) / callsMade;
    void seqBefore;
    await batched.close();
    const line = readFileSync(batched.file, 'utf8').split('\n').at(-2) ?? '';

    const ours = byName(records, 'AuditLog.append, batched (hash chain)');
    const pinoA = byName(records, 'pino, buffered async destination (no chain)');
    const oursStrict = byName(records, 'AuditLog.append, strict sync (hash chain, one write each)');
    const pinoS = byName(records, 'pino, sync destination (no chain, one write each)');
    const call = byName(calls, 'kernel call, batched audit');
    const strictCall = byName(calls, 'kernel call, strict sync audit');
    return {
      title: 'Audit log: hash-chained records vs pino without a chain',
      rows: [
        row(ours, pinoA, `batched: ${perSecond(ours).toLocaleString('en')} records/s vs pino's ${perSecond(pinoA).toLocaleString('en')}; the chain's sha256 and the hand-built line against pino's serializer`),
        row(oursStrict, pinoS, `strict sync: ${perSecond(oursStrict).toLocaleString('en')} records/s vs ${perSecond(pinoS).toLocaleString('en')}; both are bound by one write(2) per record`),
        row(ours, call, 'the cost per decision added by audit (batched): one record per allowed call, as a share of the call'),
        row(strictCall, call, 'a decision with strict sync audit vs batched: the write(2) moves onto the decision path'),
      ],
      facts: {
        'audit records per allowed call': recordsPerCall,
        'bytes per audit line': Buffer.byteLength(line) + 1,
        'records/s, batched (ours)': perSecond(ours),
        'records/s, strict sync (ours)': perSecond(oursStrict),
      },
    };
  } finally {
    await Promise.allSettled([batched.close(), strict.close(), subjects.close(), strictSubjects.close()]);
    asyncDest.flushSync();
    asyncDest.end();
    syncDest.end();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default run;
