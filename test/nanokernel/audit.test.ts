import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, verifyAuditLog } from '../../nanokernel/index.js';
import { readAudit, tempDir } from './helpers.js';

async function writeLog(count: number): Promise<string> {
  const file = path.join(tempDir(), 'audit.log');
  const log = AuditLog.open(file, { kernel: 'k1' });
  for (let i = 0; i < count; i++) {
    log.append({ actor: `ext${i % 3}`, action: 'call', verdict: i % 4 === 0 ? 'deny' : 'allow', target: 'artifacts', op: 'get', resource: `r/${i}`, rule: 'p.yaml:3:5', trace_id: 't' });
  }
  await log.close();
  return file;
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('audit log', () => {
  it('writes pino-compatible hash-chained JSON lines that verify', async () => {
    const file = await writeLog(20);
    const records = readAudit(file);
    expect(records).toHaveLength(21); // audit.open + 20
    expect(records[1]).toMatchObject({ level: 40, seq: 2, kernel: 'k1', actor: 'ext0', action: 'call', verdict: 'deny', target: 'artifacts', op: 'get', rule: 'p.yaml:3:5', msg: 'call deny' });
    expect(typeof records[1]!.time).toBe('number');
    expect(records[1]!.prev).toBe(records[0]!.hash);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 21, kernels: ['k1'] });
  });

  it('detects an edited line', async () => {
    const file = await writeLog(10);
    const all = lines(file);
    all[4] = all[4]!.replace('"verdict":"allow"', '"verdict":"deny"').replace('"verdict":"deny"', '"verdict":"allow"').replace('"r/3"', '"r/x"');
    writeFileSync(file, `${all.join('\n')}\n`);
    const result = await verifyAuditLog(file);
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual({ line: 5, reason: expect.stringContaining('edited') as string });
  });

  it('detects a deleted line', async () => {
    const file = await writeLog(10);
    const all = lines(file);
    all.splice(3, 1);
    writeFileSync(file, `${all.join('\n')}\n`);
    expect((await verifyAuditLog(file)).broken?.line).toBe(4);
  });

  it('detects two swapped lines', async () => {
    const file = await writeLog(10);
    const all = lines(file);
    [all[6], all[7]] = [all[7]!, all[6]!];
    writeFileSync(file, `${all.join('\n')}\n`);
    expect((await verifyAuditLog(file)).broken?.line).toBe(7);
  });

  it('detects a line whose hash was recomputed without the chain', async () => {
    const file = await writeLog(5);
    const all = lines(file);
    all.splice(2, 0, all[2]!); // a duplicated, otherwise valid record
    writeFileSync(file, `${all.join('\n')}\n`);
    expect((await verifyAuditLog(file)).broken?.line).toBe(4);
  });

  it('continues the chain across restarts and cuts a torn last line', async () => {
    const file = await writeLog(5);
    appendFileSync(file, '{"level":30,"time":1,"msg":"call al'); // a crash mid-write
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 6, tornTail: true });
    const log = AuditLog.open(file, { kernel: 'k1' });
    log.append({ actor: 'a', action: 'call', verdict: 'allow' });
    await log.close();
    const records = readAudit(file);
    expect(records.map((record) => record.action).slice(-3)).toEqual(['audit.open', 'audit.recovered', 'call']);
    expect(records.at(-2)!.detail).toEqual({ truncated_bytes: 35 });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 9 });
  });

  it('never writes a token or a secret-looking field', async () => {
    const file = path.join(tempDir(), 'audit.log');
    const log = AuditLog.open(file, { kernel: 'k1' });
    log.append({ actor: 'a', action: 'call', verdict: 'info', detail: { password: 'hunter2', note: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.sig', nested: { api_key: 'k', parent_jti: 'j1' } } });
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('eyJhbGci');
    expect(readAudit(file)[1]!.detail).toEqual({ password: '[redacted]', note: '[redacted]', nested: { api_key: '[redacted]', parent_jti: 'j1' } });
  });

  it('refuses to open where it cannot write, saying what to change', () => {
    const dir = path.join(tempDir(), 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    const isRoot = process.getuid?.() === 0;
    const target = isRoot ? '/proc/nanokernel-audit.log' : path.join(dir, 'audit.log');
    expect(() => AuditLog.open(target, { kernel: 'k1' })).toThrowError(expect.objectContaining({ code: 'E_DENIED', hint: expect.stringContaining('writable') as string }) as Error);
  });

  it('refuses appends once closed', async () => {
    const file = path.join(tempDir(), 'audit.log');
    const log = AuditLog.open(file, { kernel: 'k1' });
    await log.close();
    expect(log.healthy).toBe(false);
    expect(() => log.append({ actor: 'a', action: 'call', verdict: 'allow' })).toThrowError(expect.objectContaining({ code: 'E_DENIED' }) as Error);
  });
});
