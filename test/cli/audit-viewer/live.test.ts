/**
 * Following a log as it grows: the chain re-checked line by line (and agreeing
 * with `verifyAuditLog`), and new records pushed over server-sent events.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditServer } from '../../../cli/audit/serve.js';
import { LogFollower } from '../../../cli/audit/viewer/follow.js';
import { AuditLog, verifyAuditLog } from '../../../nanokernel/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-viewer-live-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Append `ops` as call records with the real writer (which continues the chain). */
async function write(file: string, ops: string[]): Promise<void> {
  const log = AuditLog.open(file, { kernel: 'local', sync: true });
  for (const op of ops) log.append({ actor: 'a', action: 'call', verdict: 'allow', target: 'b', op, trace_id: 'run-1' });
  await log.close();
}

describe('LogFollower', () => {
  it('reads appended records and keeps the chain in step with verifyAuditLog', async () => {
    const file = path.join(dir, 'grow.log');
    await write(file, ['one', 'two']);
    const follower = await LogFollower.open(file);
    try {
      expect(follower.records.map((r) => r.op ?? r.action)).toEqual(['audit.open', 'one', 'two']);
      const heard: number[] = [];
      follower.subscribe((change) => change.kind === 'append' && heard.push(...change.records.map((r) => r.seq)));
      await write(file, ['three']);
      await follower.refresh();
      expect(heard).toEqual([4, 5]);
      expect(follower.record(5)?.op).toBe('three');
      const { kernels: _kernels, ...verified } = await verifyAuditLog(file);
      expect(follower.chain()).toEqual(verified);
      expect(follower.chain()).toEqual({ ok: true, records: 5 });
    } finally {
      await follower.close();
    }
  });

  it('treats an unfinished last line as a torn tail, and breaks the chain once a line follows it', async () => {
    const file = path.join(dir, 'torn.log');
    await write(file, ['one']);
    const follower = await LogFollower.open(file);
    try {
      appendFileSync(file, '{"level":30,"seq":3');
      await follower.refresh();
      expect(follower.chain()).toEqual({ ok: true, records: 2, tornTail: true });
      appendFileSync(file, '\n{"more":1}\n');
      await follower.refresh();
      const { kernels: _kernels, ...verified } = await verifyAuditLog(file);
      expect(follower.chain()).toEqual(verified);
      expect(follower.chain().broken?.line).toBe(3);
    } finally {
      await follower.close();
    }
  });

  it('reads a log again from the start when it shrank', async () => {
    const file = path.join(dir, 'shrink.log');
    await write(file, ['one', 'two', 'three']);
    const follower = await LogFollower.open(file);
    try {
      writeFileSync(file, '');
      await write(file, ['fresh']);
      await follower.refresh();
      expect(follower.records.map((r) => r.op ?? r.action)).toEqual(['audit.open', 'fresh']);
      expect(follower.chain()).toEqual({ ok: true, records: 2 });
    } finally {
      await follower.close();
    }
  });
});

/** Collect server-sent events from `url` until `done` says stop. */
function events(url: string, done: (seen: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  return new Promise((resolve, reject) => {
    const seen: { event: string; data: any }[] = [];
    const request = http.get(url, (response) => {
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      let buffer = '';
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) });
          if (done(seen)) {
            request.destroy();
            resolve(seen);
          }
        }
      });
      response.on('end', () => resolve(seen));
    });
    request.on('error', (error) => (done(seen) ? resolve(seen) : reject(error)));
  });
}

describe('live tail over server-sent events', () => {
  it('pushes each appended record and the re-checked chain', async () => {
    const file = path.join(dir, 'sse.log');
    await write(file, ['before']);
    const server = await startAuditServer(file, { port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const stream = events(`${server.url}api/events`, (seen) => seen.some((e) => e.event === 'record' && e.data.op === 'after') && seen.filter((e) => e.event === 'chain').length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await write(file, ['after']);
      const seen = await stream;
      expect(seen[0]).toEqual({ event: 'chain', data: { ok: true, records: 2 } });
      const after = seen.find((e) => e.event === 'record' && e.data.op === 'after')!;
      expect(after.data).toMatchObject({ seq: 4, verified: true, line: 4 });
      expect(seen.at(-1)).toEqual({ event: 'chain', data: { ok: true, records: 4 } });
    } finally {
      await server.close();
    }
  });

  it('closes promptly with a stream still open', async () => {
    const file = path.join(dir, 'close.log');
    await write(file, ['x']);
    const server = await startAuditServer(file, { port: 0 });
    const open = events(`${server.url}api/events`, () => false).catch(() => []);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await open;
  });
});
