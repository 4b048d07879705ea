/**
 * `nanokernel audit verify|query|tail|stats|serve` — reading permission logs.
 *
 * @module
 */
import { watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { verifyAuditLog } from '../../nanokernel/index.js';
import { duration, flag, need, parse, str, subcommand } from '../args.js';
import { auditStats } from '../audit/stats.js';
import { AuditFilter, describeRecord, matches } from '../audit/query.js';
import { assertReadable, readRecords, type LoggedRecord } from '../audit/records.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, emit, paint, table, type Io } from '../output.js';

export const AUDIT_USAGE = `nanokernel audit <verify|query|tail|stats|serve> <log> [options]

  verify <log>                 check the hash chain; prints the first broken line (exit 1)
  query <log> [<log>…] [--ext id] [--verdict allow|deny|info] [--op name] [--action call]
              [--trace id] [--since 10m] [--text word]
  tail <log> [-f] [--ext id] [--verdict deny] [-n 20]
  stats <log>                  decisions per extension, top denials, decision latency
  serve <log> [--port 0] [--host 127.0.0.1] [--policy file]
                               a read-only local web page over the log: chain status,
                               timeline, record joins, granted vs used, traces, live tail

examples:
  nanokernel audit verify .nanokernel/audit.log
  nanokernel audit query .nanokernel/audit.log --verdict deny --since 10m
  nanokernel audit query a/audit.log b/audit.log --trace <id>   (federated kernels, merged by time)
  nanokernel audit tail .nanokernel/audit.log -f
  nanokernel audit stats .nanokernel/audit.log --json
  nanokernel audit serve .nanokernel/audit.log --policy policies/default.yaml`;

const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  policy: { type: 'string' },
} as const;

const FILTER_OPTIONS = {
  ext: { type: 'string' },
  verdict: { type: 'string' },
  op: { type: 'string' },
  action: { type: 'string' },
  trace: { type: 'string' },
  since: { type: 'string' },
  text: { type: 'string' },
} as const;

function filterFrom(parsed: ReturnType<typeof parse>): AuditFilter {
  const since = str(parsed, 'since');
  const result = AuditFilter.safeParse({
    ext: str(parsed, 'ext'),
    verdict: str(parsed, 'verdict'),
    op: str(parsed, 'op'),
    action: str(parsed, 'action'),
    trace: str(parsed, 'trace'),
    text: str(parsed, 'text'),
    since: since === undefined ? undefined : Date.now() - duration(since),
  });
  if (!result.success) throw new UsageError(`bad filter: ${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`);
  return result.data;
}

function line(io: Io, record: LoggedRecord): string {
  const text = describeRecord(record);
  return record.verdict === 'deny' ? paint(io, 'red', text) : record.verdict === 'info' ? paint(io, 'dim', text) : text;
}

async function verify(io: Io, file: string): Promise<number> {
  assertReadable(file);
  const result = await verifyAuditLog(file);
  emit(io, { file, ...result }, (r) =>
    r.ok
      ? `${paint(io, 'green', 'verified')}: ${r.records} records, chain intact${r.tornTail ? ' (last line torn by a crash: everything before it verified)' : ''}`
      : `${paint(io, 'red', 'BROKEN')} at line ${r.broken!.line}: ${r.broken!.reason}\n${r.records} records before it verified`,
  );
  return result.ok ? EXIT_OK : EXIT_FAILED;
}

/** Query one log, or several (federated kernels' logs) merged by time, each line naming its kernel. */
async function query(io: Io, files: readonly string[], filter: AuditFilter): Promise<number> {
  const rows: LoggedRecord[] = [];
  for (const file of files) {
    for await (const record of readRecords(file)) if (matches(record, filter)) rows.push(record);
  }
  if (files.length > 1) rows.sort((x, y) => x.time - y.time);
  if (io.json) for (const record of rows) io.out(JSON.stringify(record));
  else {
    for (const record of rows) io.out(files.length > 1 ? `[${record.kernel}] ${line(io, record)}` : line(io, record));
    io.err(paint(io, 'dim', `${rows.length} record${rows.length === 1 ? '' : 's'}`));
  }
  return EXIT_OK;
}

async function tail(io: Io, file: string, filter: AuditFilter, count: number, follow: boolean): Promise<number> {
  const last: LoggedRecord[] = [];
  for await (const record of readRecords(file)) {
    if (!matches(record, filter)) continue;
    last.push(record);
    if (last.length > count) last.shift();
  }
  const print = (record: LoggedRecord) => io.out(io.json ? JSON.stringify(record) : line(io, record));
  last.forEach(print);
  if (!follow) return EXIT_OK;
  const handle = await open(file, 'r');
  let offset = (await handle.stat()).size;
  let buffered = '';
  let lineNo = last.at(-1)?.line ?? 0;
  const drain = async () => {
    const { size } = await handle.stat();
    if (size <= offset) return;
    const chunk = Buffer.alloc(size - offset);
    await handle.read(chunk, 0, chunk.length, offset);
    offset = size;
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      lineNo++;
      try {
        const record = { ...(JSON.parse(text) as LoggedRecord), line: lineNo };
        if (matches(record, filter)) print(record);
      } catch {
        // A torn line: the next read completes it.
      }
    }
  };
  await new Promise<void>((resolve) => {
    const watcher = watch(file, () => void drain());
    const stop = () => {
      watcher.close();
      void handle.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT_OK;
}

async function stats(io: Io, file: string): Promise<number> {
  const records: LoggedRecord[] = [];
  for await (const record of readRecords(file)) records.push(record);
  emit(io, auditStats(records), (s) => {
    const perExtension = table(
      Object.entries(s.byExtension).map(([ext, c]) => [ext, String(c.allow), String(c.deny)]),
      ['extension', 'allow', 'deny'],
    );
    const denials = s.topDenials.map((d) => `  ${d.count}× ${d.actor} ${d.action} ${d.target}${d.op ? `.${d.op}` : ''} ${d.code}: ${d.why}`);
    const latency = s.latencyUs ? `decision latency: p50 ${s.latencyUs.p50} µs, p99 ${s.latencyUs.p99} µs (${s.latencyUs.samples} decisions)` : 'decision latency: not recorded';
    return [`${s.records} records, ${s.decisions} decisions`, '', perExtension, '', 'top denials:', ...(denials.length ? denials : ['  none']), '', latency].join('\n');
  });
  return EXIT_OK;
}

export async function auditCommand(io: Io, args: readonly string[]): Promise<number> {
  const { sub, rest } = subcommand(args);
  const parsed = parse(rest, { ...FILTER_OPTIONS, ...SERVE_OPTIONS, follow: { type: 'boolean', short: 'f' }, n: { type: 'string', short: 'n' }});
  if (flag(parsed, 'help') || sub === undefined) {
    io.out(AUDIT_USAGE);
    return flag(parsed, 'help') ? EXIT_OK : EXIT_USAGE;
  }
  const file = need(parsed, 0, 'the audit log path');
  switch (sub) {
    case 'verify':
      return verify(io, file);
    case 'query':
      return query(io, parsed.positionals, filterFrom(parsed));
    case 'tail': {
      const count = Number(str(parsed, 'n') ?? '20');
      if (!Number.isInteger(count) || count < 0) throw new UsageError('-n must be a whole number');
      return tail(io, file, filterFrom(parsed), count, flag(parsed, 'follow'));
    }
    case 'stats':
      return stats(io, file);
    case 'serve': {
      const port = Number(str(parsed, 'port') ?? '0');
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be a port number (0 picks a free one)');
      const policy = str(parsed, 'policy');
      const { serveAudit } = await import('../audit/serve.js');
      return serveAudit(io, file, { port, host: str(parsed, 'host') ?? '127.0.0.1', ...(policy !== undefined ? { policy } : {}) });
    }
    default:
      throw new UsageError(`unknown audit command "${sub}"`);
  }
}
