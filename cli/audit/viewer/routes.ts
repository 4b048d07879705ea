/**
 * The JSON API. Every route is a GET, checks its parameters with zod
 * (`params.ts`), filters with the shared engine (`matches` from
 * `cli/audit/query.ts`), and sends records only through `scrubRecord`.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { verifyAuditLog } from '../../../nanokernel/index.js';
import { matches } from '../query.js';
import type { LoggedRecord } from '../records.js';
import { ViewerError } from './errors.js';
import type { EventStreams } from './events.js';
import type { LogFollower } from './follow.js';
import { recordDetail } from './joins.js';
import { NoQuery, RecordsQuery, SeqParams, TraceParams, checkParams, toFilter } from './params.js';
import type { PolicyInfo } from './policy-info.js';
import { scrub, scrubRecord } from './scrub.js';
import { traceTree, type TraceNode } from './trace.js';
import { extensionUsage } from './usage.js';

export interface ViewerContext {
  readonly log: LogFollower;
  readonly policy: PolicyInfo | undefined;
  readonly streams: EventStreams;
}

const MAX_FACETS = 200;

function facets(records: readonly LoggedRecord[]) {
  const extensions = new Set<string>();
  const ops = new Set<string>();
  const actions = new Set<string>();
  const traces = new Set<string>();
  for (const record of records) {
    if (record.actor !== 'kernel') extensions.add(record.actor);
    if (record.target && (record.action === 'call' || record.action === 'delegate')) extensions.add(record.target);
    if (record.op) ops.add(record.op);
    actions.add(record.action);
    if (record.trace_id) traces.add(record.trace_id);
  }
  const cap = (set: Set<string>) => [...set].slice(-MAX_FACETS);
  return { extensions: cap(extensions).sort(), ops: cap(ops).sort(), actions: [...actions].sort(), traces: cap(traces) };
}

function scrubTree(node: TraceNode): unknown {
  return { record: scrubRecord(node.record), children: node.children.map(scrubTree) };
}

/** Register the API routes on `app`. */
export function registerApi(app: FastifyInstance, context: ViewerContext): void {
  const { log, policy, streams } = context;
  const out = (record: LoggedRecord) => ({ ...scrubRecord(record), verified: log.verified(record) });

  app.get('/api/status', async (request) => {
    checkParams(NoQuery, request.query);
    return scrub({
      file: log.file.split(/[\\/]/).pop(),
      chain: log.chain(),
      records: log.records.length,
      facets: facets(log.records),
      policy: policy ? { file: policy.file, hash: policy.policy.hash } : null,
    });
  });

  app.get('/api/verify', async (request) => {
    checkParams(NoQuery, request.query);
    const { kernels: _kernels, ...result } = await verifyAuditLog(log.file);
    return result;
  });

  app.get('/api/records', async (request) => {
    const query = checkParams(RecordsQuery, request.query);
    const filter = toFilter(query);
    const found: LoggedRecord[] = [];
    for (const record of log.records) if (matches(record, filter)) found.push(record);
    return { total: log.records.length, matched: found.length, records: found.slice(-query.limit).map(out) };
  });

  app.get('/api/records/:seq', async (request) => {
    const { seq } = checkParams(SeqParams, request.params);
    checkParams(NoQuery, request.query);
    const record = log.record(seq);
    if (!record) throw new ViewerError('E_NOT_FOUND', `no record with seq ${seq} in this log`);
    const detail = recordDetail(log, record, policy);
    return scrub({ ...detail, record: out(record) });
  });

  app.get('/api/traces/:trace', async (request) => {
    const { trace } = checkParams(TraceParams, request.params);
    checkParams(NoQuery, request.query);
    const tree = traceTree(log.records, trace);
    if (tree.records === 0) throw new ViewerError('E_NOT_FOUND', 'no record carries this trace id');
    return scrub({ ...tree, roots: tree.roots.map(scrubTree) });
  });

  app.get('/api/extensions', async (request) => {
    checkParams(NoQuery, request.query);
    return scrub({ policy: policy ? { file: policy.file, hash: policy.policy.hash } : null, extensions: await extensionUsage(log.file, policy) });
  });

  app.get('/api/events', (request, reply) => {
    checkParams(NoQuery, request.query);
    reply.hijack();
    streams.attach(reply.raw, log);
  });
}
