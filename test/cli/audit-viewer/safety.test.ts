/**
 * The viewer's safety rules: headers, loopback-only `Host`, fixed page files,
 * read-only routes, and no token-looking text in any answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditApp, type AuditViewerApp } from '../../../cli/audit/viewer/app.js';
import { hostAllowed } from '../../../cli/audit/viewer/headers.js';
import { AuditLog } from '../../../nanokernel/index.js';

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJncmVldGVyIn0.c2lnbmF0dXJlLWJ5dGVz';
let dir: string;
let viewer: AuditViewerApp;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-viewer-safety-'));
  const file = path.join(dir, 'audit.log');
  const log = AuditLog.open(file, { kernel: 'local', sync: true });
  log.append({ actor: 'plugin', action: 'call', verdict: 'deny', target: 'x', op: `leak ${JWT}`, why: `token was ${JWT}`, code: 'E_DENIED', trace_id: 't1', detail: { note: `Bearer ${JWT}`, [`k-${JWT}`]: 1 } });
  log.append({ actor: 'plugin', action: 'call', verdict: 'allow', target: 'x', op: 'ok', trace_id: 't1', token_jti: 'jti-1' });
  await log.close();
  viewer = await createAuditApp(file, { host: '127.0.0.1' });
});
afterAll(async () => {
  await viewer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const inject = (url: string, options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; host?: string } = {}) =>
  viewer.app.inject({ method: options.method ?? 'GET', url, headers: { host: options.host ?? 'localhost:1234' } });

describe('headers', () => {
  it('sends a strict CSP and nosniff with the page, its files and the API', async () => {
    for (const url of ['/', '/assets/app.js', '/assets/app.css', '/api/status', '/api/records?verdict=nope', '/missing']) {
      const response = await inject(url);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await inject('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('the page has no inline script and no inline handler', async () => {
    const html = (await inject('/')).body;
    expect(html).toMatch(/<script type="module" src="\/assets\/app.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});

describe('what it answers', () => {
  it('answers only to loopback names (no DNS rebinding)', async () => {
    const response = await inject('/api/status', { host: 'attacker.example:1234' });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('E_FORBIDDEN_HOST');
    for (const host of ['127.0.0.1:1', 'localhost', '[::1]:80']) expect((await inject('/api/status', { host })).statusCode).toBe(200);
    expect(hostAllowed('0.0.0.0', 'anything')).toBe(true);
    expect(hostAllowed('10.0.0.5', '10.0.0.5:80')).toBe(true);
    expect(hostAllowed('10.0.0.5', 'evil:80')).toBe(false);
  });

  it('serves only its fixed page files: no path reaches the disk', async () => {
    for (const url of ['/assets/../../../package.json', '/assets/%2e%2e%2fpackage.json', '/assets/..%2f..%2fserve.ts', '/assets/index.html', '/assets/assets.ts', '/package.json', '/etc/passwd']) {
      const response = await inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('E_NOT_FOUND');
    }
  });

  it('is read-only: nothing but GET is routed', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) expect((await inject('/api/records', { method })).statusCode).toBe(404);
  });

  it('never sends token-looking text, wherever the log has it', async () => {
    for (const url of ['/api/records', '/api/records/2', '/api/records/3', '/api/traces/t1', '/api/status', '/api/extensions']) {
      const body = (await inject(url)).body;
      expect(body, url).not.toContain('eyJ');
    }
    const record = (await inject('/api/records/2')).json().record;
    expect(record.op).toBe('leak [redacted token]');
    expect(record.why).toBe('token was [redacted token]');
    expect(record.detail.note).toBe('Bearer [redacted token]');
    expect((await inject('/api/records/3')).json().record.token_jti).toBe('jti-1');
  });
});
