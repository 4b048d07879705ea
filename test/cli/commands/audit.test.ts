/**
 * `nanokernel audit verify|query|tail|stats` on the log of a real demo run:
 * verify catches an edited line, query finds the demo's denial, tail and stats
 * read the same log, and every one has its JSON form and its error exits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoStack, json, jsonLines, nk, runDemo, type DemoRun } from './cli.js';

interface Record {
  readonly seq: number;
  readonly actor: string;
  readonly verdict: string;
  readonly target?: string;
  readonly op?: string;
  readonly resource?: string;
  readonly line: number;
}

let demo: DemoRun;
let lines: string[];
/** The line of the demo's one denial. */
let denialLine: number;

beforeAll(async () => {
  demo = await runDemo();
  lines = readFileSync(demo.audit, 'utf8').trimEnd().split('\n');
  denialLine = lines.findIndex((line) => line.includes('"secrets/api-key"') && line.includes('"verdict":"deny"')) + 1;
});

describe.concurrent('audit verify', () => {
  it('an intact log: exit 0, every record counted', async () => {
    const ran = await nk(['audit', 'verify', demo.audit], demo.dir);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(`verified: ${lines.length} records, chain intact\n`);
    expect(json(await nk(['audit', 'verify', demo.audit, '--json'], demo.dir))).toMatchObject({ ok: true, records: lines.length, kernels: ['local'] });
  });

  it('an edited line (a denial turned into an allow): exit 1 and that line number', async () => {
    expect(denialLine).toBeGreaterThan(1);
    const edited = path.join(demo.dir, 'edited.log');
    const copy = [...lines];
    copy[denialLine - 1] = copy[denialLine - 1]!.replace('"verdict":"deny"', '"verdict":"allow"');
    writeFileSync(edited, `${copy.join('\n')}\n`);
    const ran = await nk(['audit', 'verify', edited], demo.dir);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(`BROKEN at line ${denialLine}: its content does not match its hash (the record was edited)`);
    expect(ran.stdout).toContain(`${denialLine - 1} records before it verified`);
    const asJson = await nk(['audit', 'verify', edited, '--json'], demo.dir);
    expect(asJson.code).toBe(1);
    expect(json(asJson)).toMatchObject({ ok: false, records: denialLine - 1, broken: { line: denialLine } });
  });

  it('a deleted line breaks the chain at the line after the gap', async () => {
    const cut = path.join(demo.dir, 'cut.log');
    writeFileSync(cut, `${lines.filter((_, i) => i !== 9).join('\n')}\n`);
    const ran = await nk(['audit', 'verify', cut, '--json'], demo.dir);
    expect(ran.code).toBe(1);
    expect(json(ran)).toMatchObject({ ok: false, broken: { line: 10 } });
  });

  it('no log at the path: E_NO_TARGET with a hint, exit 1, no stack', async () => {
    const ran = await nk(['audit', 'verify', 'nowhere.log'], demo.dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('E_NO_TARGET: no audit log at nowhere.log');
    expect(ran.stderr).toContain('hint: pass the path printed by "nanokernel run"');
    expectNoStack(ran);
  });
});

describe.concurrent('audit query', () => {
  it('--verdict deny finds exactly the demo denial', async () => {
    const ran = await nk(['audit', 'query', demo.audit, '--verdict', 'deny'], demo.dir);
    expect(ran.code).toBe(0);
    expect(ran.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(ran.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} #\d+ deny {2}summarize call artifacts\.get "secrets\/api-key" E_DENIED\n$/);
    expect(ran.stderr).toContain('1 record');
  });

  it('--json prints one record per line, with its line number in the file', async () => {
    const ran = await nk(['audit', 'query', demo.audit, '--verdict', 'deny', '--json'], demo.dir);
    expect(ran.code).toBe(0);
    const records = jsonLines<Record>(ran);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: 'summarize', verdict: 'deny', target: 'artifacts', op: 'get', resource: 'secrets/api-key', line: denialLine });
  });

  it('filters combine: --ext and --op and --action', async () => {
    const records = jsonLines<Record>(await nk(['audit', 'query', demo.audit, '--ext', 'stale', '--op', 'sweep', '--action', 'call', '--json'], demo.dir));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record.op).toBe('sweep');
      expect([record.actor, record.target]).toContain('stale');
    }
    // operator → stale.sweep and stale → pool.sweep
    expect(new Set(records.map((r) => `${r.actor}>${r.target}`))).toEqual(new Set(['operator>stale', 'stale>pool']));
  });

  it('--text and --since: the denial is recent, nothing is from the future', async () => {
    const text = await nk(['audit', 'query', demo.audit, '--text', 'API-KEY', '--json'], demo.dir);
    expect(text.code, text.stderr).toBe(0);
    expect(jsonLines<Record>(text).map((r) => r.line)).toEqual([denialLine]);
    const since = await nk(['audit', 'query', demo.audit, '--since', '1h', '--json'], demo.dir);
    expect(since.code, since.stderr).toBe(0);
    expect(jsonLines(since)).toHaveLength(lines.length);
  });

  it('a bad filter is a usage error (exit 2) naming it', async () => {
    const ran = await nk(['audit', 'query', demo.audit, '--verdict', 'maybe'], demo.dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('bad filter: verdict');
    expectNoStack(ran);
    const since = await nk(['audit', 'query', demo.audit, '--since', 'yesterday'], demo.dir);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('"yesterday" is not a duration');
  });

  it('no log at the path: E_NO_TARGET, exit 1; --json gives the coded error', async () => {
    const ran = await nk(['audit', 'query', 'nowhere.log', '--json'], demo.dir);
    expect(ran.code).toBe(1);
    expect(json<{ error: { code: string } }>(ran).error.code).toBe('E_NO_TARGET');
    expectNoStack(ran);
  });
});

describe.concurrent('audit tail', () => {
  it('-n 3 prints the last three records (the kernel stopping)', async () => {
    const ran = await nk(['audit', 'tail', demo.audit, '-n', '3', '--json'], demo.dir);
    expect(ran.code).toBe(0);
    const records = jsonLines<Record & { action: string }>(ran);
    expect(records.map((r) => r.line)).toEqual([lines.length - 2, lines.length - 1, lines.length]);
    expect(records.at(-1)!.action).toBe('kernel.stop');
    const human = await nk(['audit', 'tail', demo.audit, '-n', '3'], demo.dir);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(human.stdout).toMatch(/#\d+ info {2}kernel kernel\.stop/);
  });

  it('filters apply before counting', async () => {
    const records = jsonLines<Record>(await nk(['audit', 'tail', demo.audit, '--verdict', 'deny', '-n', '5', '--json'], demo.dir));
    expect(records.map((r) => r.line)).toEqual([denialLine]);
  });

  it('-n that is not a whole number: exit 2', async () => {
    const ran = await nk(['audit', 'tail', demo.audit, '-n', 'lots'], demo.dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('-n must be a whole number');
    expectNoStack(ran);
  });
});

describe.concurrent('audit stats', () => {
  it('counts decisions per extension and names the top denial', async () => {
    const ran = await nk(['audit', 'stats', demo.audit, '--json'], demo.dir);
    expect(ran.code).toBe(0);
    const stats = json<{ records: number; byExtension: { [id: string]: { allow: number; deny: number } }; topDenials: { actor: string; target: string; op: string; code: string; count: number }[]; latencyUs: { p50: number; p99: number } }>(ran);
    expect(stats.records).toBe(lines.length);
    expect(stats.byExtension.summarize!.deny).toBe(1);
    expect(Object.entries(stats.byExtension).filter(([, c]) => c.deny > 0).map(([id]) => id)).toEqual(['summarize']);
    expect(stats.topDenials).toEqual([expect.objectContaining({ actor: 'summarize', target: 'artifacts', op: 'get', code: 'E_DENIED', count: 1 })]);
    expect(stats.latencyUs.p99).toBeGreaterThanOrEqual(stats.latencyUs.p50);
    const human = await nk(['audit', 'stats', demo.audit], demo.dir);
    expect(human.stdout).toContain(`${lines.length} records`);
    expect(human.stdout).toMatch(/top denials:\n {2}1× summarize call artifacts\.get E_DENIED/);
  });

  it('no log at the path: exit 1', async () => {
    const ran = await nk(['audit', 'stats', 'nowhere.log'], demo.dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('E_NO_TARGET');
    expectNoStack(ran);
  });
});
