/**
 * Worker threads run compiled JavaScript. Under the test runner our modules are
 * loaded from their TypeScript sources, so a sibling `.js` does not exist there;
 * this finds the compiled copy under `dist/` (built by `npm run build`).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

/**
 * The URL of the compiled JavaScript for `relative`, resolved from the calling
 * module's `import.meta.url`.
 *
 * @example
 * new Worker(compiledUrl(import.meta.url, './bootstrap.js'))
 */
export function compiledUrl(callerUrl: string, relative: string): URL {
  const direct = new URL(relative, callerUrl);
  const directPath = fileURLToPath(direct);
  if (existsSync(directPath)) return direct;
  const root = projectRoot(path.dirname(fileURLToPath(callerUrl)));
  const compiled = path.join(root, 'dist', path.relative(root, directPath));
  if (!existsSync(compiled)) {
    throw new Error(`compiled file ${path.relative(root, compiled)} is missing; run "npm run build" first`);
  }
  return pathToFileURL(compiled);
}

/** The nearest directory above `start` that holds a package.json (the project root). */
export function projectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  // Inside dist/ there is no package.json, so this lands on the project root either way.
  return dir;
}
