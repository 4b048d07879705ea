/**
 * Real headless Chromium for the viewer's page tests: Debian's `chromium`
 * (the `chromium` command is a wrapper script, so the binary is found with
 * `dpkg -L chromium`; `CHROMIUM_PATH` overrides), driven by `playwright-core`,
 * which downloads nothing. Each launch gets a fresh user-data-dir.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The real Chromium binary. */
export function chromiumPath(): string {
  const override = process.env.CHROMIUM_PATH;
  if (override) return override;
  let files: string[] = [];
  try {
    files = execFileSync('dpkg', ['-L', 'chromium'], { encoding: 'utf8' }).split('\n');
  } catch {
    // Not a Debian system, or the package is missing: the error below says what to do.
  }
  const isBinary = (file: string) => {
    try {
      const stat = statSync(file);
      return stat.isFile() && (stat.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  };
  // /usr/bin/chromium is the wrapper script; the browser is the executable under lib/.
  const binary = files.find((file) => /\/lib\/chromium\/chromium$/.test(file) && isBinary(file));
  if (!binary) throw new Error('no Chromium found: run "apt-get install -y chromium" or set CHROMIUM_PATH to the browser binary');
  return binary;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launch headless Chromium with a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'audit-viewer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
