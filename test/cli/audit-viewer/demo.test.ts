/**
 * The viewer over the log the demo itself writes: `nanokernel run` (the main
 * job, as `npm start` runs it) as a subprocess, then the page in headless
 * Chromium on that log. What a newcomer sees after their first run: the
 * third-party plugin's denial with its reason, filters, a rule's file:line,
 * a broken chain in an edited copy. The README's screenshot is taken here.
 * Needs `npm run build` (the demo runs from dist/).
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matches, type AuditFilter } from '../../../cli/audit/query.js';
import { allRecords, type LoggedRecord } from '../../../cli/audit/records.js';
import { startAuditServer, type AuditServer } from '../../../cli/audit/serve.js';
import { ROOT, runDemo, type DemoRun } from '../commands/cli.js';
import { launchBrowser, type Browser } from './browser.js';
import { tamperedCopy } from './record-log.js';

/** Browser globals used by the functions sent to the page (type-checked without the DOM library). */
declare const document: any;
declare const window: { scrollTo(x: number, y: number): void };

const SCREENSHOT = path.join(ROOT, 'docs', 'img', 'audit-viewer.png');
const ROWS = '#timeline tbody tr[data-seq]';

let demo: DemoRun;
let records: LoggedRecord[];
let browser: Browser;
const servers: AuditServer[] = [];
let main: AuditServer;

const expected = (filter: AuditFilter) => records.filter((record) => matches(record, filter)).length;
const rowCount = (page: Page, count: number) => page.waitForFunction(([selector, n]) => document.querySelectorAll(selector as string).length === n, [ROWS, count] as const);
/** The demo's deliberate out-of-grant attempt: the summarize plugin reading secrets/api-key. */
const isTheDenial = (record: LoggedRecord) => record.actor === 'summarize' && record.verdict === 'deny' && record.resource === 'secrets/api-key';

async function open(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('#chain.ok, #chain.broken');
  await page.waitForSelector(ROWS);
  return page;
}

beforeAll(async () => {
  demo = await runDemo([], undefined, { linkDist: true });
  records = await allRecords(demo.audit);
  main = await startAuditServer(demo.audit, { policy: demo.policy });
  servers.push(main);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  if (demo) rmSync(demo.dir, { recursive: true, force: true });
});

describe('the audit viewer on the demo run’s log', { timeout: 30_000 }, () => {
  it('the log is the demo’s: the summary reports the denial, and the log holds it', () => {
    expect(demo.ran.stdout).toMatch(/E_DENIED summarize call artifacts\.get "secrets\/api-key": .+ \(audit #\d+\)/);
    expect(records.filter(isTheDenial)).toHaveLength(1);
    expect(records.length).toBeGreaterThan(50);
  });

  it('lists the demo’s denial with its reason, on a verified chain', async () => {
    const page = await open(main.url);
    await rowCount(page, records.length);
    expect(await page.textContent('#chain')).toBe(`Chain verified: ${records.length} records, intact`);
    const row = page.locator(`${ROWS}[data-seq="${records.find(isTheDenial)!.seq}"]`);
    expect(await row.getAttribute('class')).toContain('verdict-deny');
    expect(await row.locator('td.target').textContent()).toBe('artifacts.get');
    expect(await row.locator('td.reason').textContent()).toBe('E_DENIED: no grant allows it (default deny)');
    await page.close();
  });

  it('filters narrow the list to the denials, then to one extension', async () => {
    const page = await open(main.url);
    await page.selectOption('#filters select[name=verdict]', 'deny');
    await rowCount(page, expected({ verdict: 'deny' }));
    expect(expected({ verdict: 'deny' })).toBeLessThan(records.length);
    await page.selectOption('#filters select[name=ext]', 'summarize');
    await rowCount(page, expected({ verdict: 'deny', ext: 'summarize' }));
    expect(await page.locator(`${ROWS} td.reason`).allTextContents()).toContain('E_DENIED: no grant allows it (default deny)');
    await page.click('#filters button[type=reset]');
    await rowCount(page, records.length);
    await page.close();
  });

  it('a record’s detail shows the policy rule that allowed it, as file:line', async () => {
    const allowed = records.find((record) => record.verdict === 'allow' && typeof record.rule === 'string' && record.rule.startsWith(demo.policy))!;
    const [, line] = /:(\d+):\d+$/.exec(allowed.rule as string)!;
    const page = await open(main.url);
    await page.click(`${ROWS}[data-seq="${allowed.seq}"]`);
    await page.waitForSelector('#detail h2');
    expect(await page.textContent('#detail')).toContain(`${demo.policy}:${line}`);
    await page.close();
  });

  it('an edited copy of the demo log shows the broken-chain banner at the edited line', async () => {
    const server = await startAuditServer(tamperedCopy({ auditFile: demo.audit, dir: demo.dir }, 20));
    servers.push(server);
    const page = await open(server.url);
    expect(await page.textContent('#chain.broken')).toMatch(/^Chain BROKEN at line 20: /);
    await page.close();
  });

  it('the denial’s detail names the delegator: the plugin used a task token, which a policy rule would not widen', async () => {
    const page = await open(main.url);
    await page.click(`${ROWS}[data-seq="${records.find(isTheDenial)!.seq}"]`);
    await page.waitForFunction(() => document.querySelector('#detail')?.textContent?.includes('secrets/api-key'));
    const detail = await page.textContent('#detail');
    expect(detail).toMatch(/denied by the token summarize presented: delegated to it by dag \(#\d+\)/);
    expect(detail).toContain('delegated by dag to summarize (depth 1)');
    expect(await page.locator('#detail pre.suggestion').count()).toBe(0);
    await page.close();
  });

  it('saves a screenshot of the page after the demo run, with the denial open, for the README', async () => {
    const page = await open(main.url);
    await page.selectOption('#filters select[name=ext]', 'summarize');
    await rowCount(page, expected({ ext: 'summarize' }));
    await page.click(`${ROWS}[data-seq="${records.find(isTheDenial)!.seq}"]`);
    await page.waitForFunction(() => document.querySelector('#detail')?.textContent?.includes('secrets/api-key'));
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(SCREENSHOT).mtimeMs).toBeGreaterThan(Date.now() - 10_000);
    await page.close();
  });
});
