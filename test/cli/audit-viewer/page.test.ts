/**
 * The viewer's page in real headless Chromium, over a small log the real kernel
 * recorded on purpose: a denial by an explicit deny rule, a delegation, a hostile
 * op name. demo.test.ts does the same over the demo run's own log.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matches, type AuditFilter } from '../../../cli/audit/query.js';
import { allRecords, type LoggedRecord } from '../../../cli/audit/records.js';
import { startAuditServer, type AuditServer } from '../../../cli/audit/serve.js';
import { AuditLog } from '../../../nanokernel/index.js';
import { launchBrowser, type Browser } from './browser.js';
import { DENY_RULE_AT, HOSTILE_OP, recordLog, tamperedCopy, type RecordedLog } from './record-log.js';

/** Browser globals used by the functions sent to the page (this project is type-checked without the DOM library). */
declare const document: any;
declare const NodeFilter: { readonly SHOW_TEXT: number };

const ROWS = '#timeline tbody tr[data-seq]';

let log: RecordedLog;
let records: LoggedRecord[];
let browser: Browser;
const servers: AuditServer[] = [];
let main: AuditServer;

async function open(url: string): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector('#chain.ok, #chain.broken');
  await page.waitForSelector(ROWS);
  return { page, dialogs };
}

const rowCount = (page: Page, count: number) => page.waitForFunction(([selector, n]) => document.querySelectorAll(selector as string).length === n, [ROWS, count] as const);
const expected = (filter: AuditFilter) => records.filter((record) => matches(record, filter)).length;
/** Text nodes reading "null" or "undefined": a value rendered where nothing was meant. */
const strayNulls = () => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found: string[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if (/^(null|undefined)$/.test(node.textContent ?? '')) found.push(node.parentElement?.tagName ?? '');
  return found;
};
const seqOf = (predicate: (record: LoggedRecord) => boolean) => records.find(predicate)!.seq;

beforeAll(async () => {
  log = await recordLog();
  records = await allRecords(log.auditFile);
  main = await startAuditServer(log.auditFile, { policy: log.policyFile });
  servers.push(main);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  log?.cleanup();
});

describe('the audit viewer page', { timeout: 30_000 }, () => {
  it('lists every record, with the denial and its reason', async () => {
    const { page } = await open(main.url);
    await rowCount(page, records.length);
    expect(await page.textContent('#chain')).toBe(`Chain verified: ${records.length} records, intact`);
    const seq = seqOf((record) => record.resource === 'secret/plan');
    const row = page.locator(`${ROWS}[data-seq="${seq}"]`);
    expect(await row.getAttribute('class')).toContain('verdict-deny');
    expect(await row.locator('td.reason').textContent()).toBe('E_DENIED: secrets are never shouted');
    expect(await page.locator(`${ROWS}[data-seq="${seqOf((r) => r.op === 'wave')}"] td.reason`).textContent()).toBe('E_DENIED: no grant allows it (default deny)');
    await page.close();
  });

  it('narrows the list with the filters', async () => {
    const { page } = await open(main.url);
    await page.selectOption('#filters select[name=verdict]', 'deny');
    await rowCount(page, expected({ verdict: 'deny' }));
    expect(await page.locator(ROWS).evaluateAll((rows) => rows.every((row) => row.classList.contains('verdict-deny')))).toBe(true);
    await page.selectOption('#filters select[name=ext]', 'greeter');
    await rowCount(page, expected({ verdict: 'deny', ext: 'greeter' }));
    await page.selectOption('#filters select[name=verdict]', '');
    await page.selectOption('#filters select[name=op]', 'greet');
    await rowCount(page, expected({ ext: 'greeter', op: 'greet' }));
    await page.click('#filters button[type=reset]');
    await rowCount(page, records.length);
    await page.fill('#filters input[name=text]', 'secrets');
    await rowCount(page, expected({ text: 'secrets' }));
    await page.fill('#filters input[name=text]', '');
    const trace = records.find((record) => record.op === 'greet')!.trace_id!;
    await page.selectOption('#filters select[name=trace]', trace);
    await rowCount(page, expected({ trace }));
    expect(expected({ trace })).toBe(2);
    await page.close();
  });

  it("shows a record's joins: the rule's file:line, the reason, the smallest grant, the token chain", async () => {
    const { page } = await open(main.url);
    await page.click(`${ROWS}[data-seq="${seqOf((record) => record.resource === 'secret/plan')}"]`);
    await page.waitForSelector('#detail h2');
    const detail = await page.textContent('#detail');
    expect(detail).toContain(`${log.policyFile}:${DENY_RULE_AT.line}`);
    expect(detail).toContain('secrets are never shouted');
    expect(detail).toContain('- call: uppercase');
    await page.click(`${ROWS}[data-seq="${seqOf((record) => record.op === 'wave')}"]`);
    await page.waitForFunction(() => document.querySelector('#detail pre.suggestion')?.textContent?.includes('wave'));
    await page.click(`${ROWS}[data-seq="${seqOf((record) => record.action === 'delegate')}"]`);
    await page.waitForFunction(() => document.querySelectorAll('#detail ol.chain-list li').length === 2);
    expect(await page.locator('#detail ol.chain-list li').allTextContents()).toEqual([
      expect.stringContaining('minted by the kernel for operator'),
      expect.stringContaining('delegated by operator to greeter (depth 1)'),
    ]);
    expect(await page.evaluate(strayNulls)).toEqual([]);
    await page.close();
  });

  it('shows a run as a tree and each extension granted vs used', async () => {
    const { page } = await open(main.url);
    await page.click(`${ROWS}[data-seq="${seqOf((record) => record.op === 'greet')}"]`);
    await page.click('#detail button.link');
    await page.waitForSelector('#trace-tree .node');
    expect(await page.locator('#trace-tree .node').count()).toBe(2);
    await page.click('#tabs button[data-view=extensions]');
    await page.waitForSelector('#view-extensions article');
    expect(await page.locator('#view-extensions article h2').allTextContents()).toEqual([expect.stringContaining('greeter'), expect.stringContaining('operator'), expect.stringContaining('uppercase')]);
    expect(await page.locator('#view-extensions tr.unused').count()).toBe(1);
    expect(await page.evaluate(strayNulls)).toEqual([]);
    await page.close();
  });

  it('shows the broken-chain banner with the line of an edited record', async () => {
    const server = await startAuditServer(tamperedCopy(log, 12));
    servers.push(server);
    const { page } = await open(server.url);
    expect(await page.textContent('#chain.broken')).toMatch(/^Chain BROKEN at line 12: its content does not match its hash/);
    expect(await page.locator(`${ROWS}.unverified`).count()).toBe(records.length - 11);
    await page.close();
  });

  it('renders a hostile op name as text: no element, no dialog', async () => {
    const { page, dialogs } = await open(main.url);
    const seq = seqOf((record) => record.op === HOSTILE_OP);
    const row = page.locator(`${ROWS}[data-seq="${seq}"]`);
    expect(await row.locator('td.target').textContent()).toBe(`greeter.${HOSTILE_OP}`);
    await row.click();
    await page.waitForFunction((op) => document.querySelector('#detail')?.textContent?.includes(op), HOSTILE_OP);
    await page.selectOption('#filters select[name=op]', HOSTILE_OP);
    await rowCount(page, 1);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('tails new records live and re-checks the chain', async () => {
    const file = path.join(log.dir, 'live.log');
    copyFileSync(log.auditFile, file);
    const server = await startAuditServer(file);
    servers.push(server);
    const { page } = await open(server.url);
    await page.waitForSelector('#live.on');
    const writer = AuditLog.open(file, { kernel: 'local', sync: true });
    writer.append({ actor: 'operator', action: 'call', verdict: 'deny', target: 'greeter', op: 'later', code: 'E_DENIED' });
    await writer.close();
    await rowCount(page, records.length + 2);
    await page.waitForFunction((n) => document.querySelector('#chain')?.textContent === `Chain verified: ${n} records, intact`, records.length + 2);
    await page.close();
  });
});
