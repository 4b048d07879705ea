/**
 * The page's files (HTML, CSS, plain JavaScript modules: no build step) are
 * read once at start from `cli/audit/viewer/assets/` in the package, found from
 * this module's own location whether it runs from source or from `dist/`
 * (tsc does not copy them, so they are served from the source tree). Only the
 * files listed here are served, by fixed name: no request path reaches the disk.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../../sandboxes/compiled-path.js';

/** Served name → content type. */
const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'timeline.js': 'text/javascript; charset=utf-8',
  'detail.js': 'text/javascript; charset=utf-8',
  'views.js': 'text/javascript; charset=utf-8',
} as const;
export type AssetName = keyof typeof FILES;
export const ASSET_NAMES = Object.keys(FILES) as AssetName[];

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Where the assets live in the package. */
export function assetsDir(): string {
  return path.join(projectRoot(path.dirname(fileURLToPath(import.meta.url))), 'cli', 'audit', 'viewer', 'assets');
}

/**
 * Read every asset. Throws (naming the missing file) if the package was shipped without them.
 *
 * @example
 * const assets = await loadAssets();
 * assets.get('index.html')?.type // 'text/html; charset=utf-8'
 */
export async function loadAssets(dir = assetsDir()): Promise<ReadonlyMap<AssetName, Asset>> {
  const out = new Map<AssetName, Asset>();
  for (const name of ASSET_NAMES) {
    try {
      out.set(name, { type: FILES[name], body: await readFile(path.join(dir, name)) });
    } catch (cause) {
      throw new Error(`the audit viewer's page file ${name} is missing from ${dir}; reinstall the package`, { cause });
    }
  }
  return out;
}
