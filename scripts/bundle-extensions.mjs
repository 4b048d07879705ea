// Bundle each worker extension into one file in the sandbox's load format.
//
// A worker extension may be split into small modules; its sandbox evaluates one
// script whose only imports are the SDK and zod (docs/worker-extensions.md). esbuild
// joins the extension's own modules and leaves those two imports external. The
// bundle replaces tsc's output for the entry file under dist/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleExtension } from './extension-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEARCH = ['extensions', 'examples/workers'];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'assembly' && name !== 'sdk' && name !== 'node_modules') yield* files(full);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield full;
  }
}

const entries = SEARCH.flatMap((dir) => [...files(path.join(root, dir))]).filter((file) =>
  /^export default defineExtension\(/m.test(readFileSync(file, 'utf8')),
);

let failed = 0;
await Promise.all(
  entries.map(async (entry) => {
    const relative = path.relative(root, entry);
    const outfile = path.join(root, 'dist', relative.replace(/\.ts$/, '.js'));
    try {
      await bundleExtension(entry, outfile);
      console.log(`bundled ${relative}`);
    } catch (error) {
      failed++;
      console.error(`bundle failed: ${relative}: ${error.message}`);
    }
  }),
);
process.exit(failed > 0 ? 1 : 0);
