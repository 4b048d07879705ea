// Re-pin the sha256 of every Wasm plugin in policies/default.yaml to its current
// build under dist/plugins/. Run after changing a plugin's source and rebuilding;
// review the diff before committing: a pinned hash is a promise about a file.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2] ?? path.join(root, 'policies', 'default.yaml');
const doc = parseDocument(readFileSync(file, 'utf8'));
let changed = 0;
for (const pair of doc.get('extensions').items) {
  const ext = pair.value;
  if (ext.get('sandbox') !== 'wasm') continue;
  const module = path.resolve(path.dirname(file), ext.get('module'));
  if (!existsSync(module)) {
    console.error(`missing ${path.relative(root, module)}: run npm run build first`);
    process.exitCode = 1;
    continue;
  }
  const hash = createHash('sha256').update(readFileSync(module)).digest('hex');
  if (ext.get('sha256') !== hash) {
    ext.set('sha256', hash);
    changed++;
    console.log(`pinned ${pair.key.value}: ${hash}`);
  }
}
if (changed > 0) writeFileSync(file, doc.toString({ lineWidth: 0 }));
console.log(`${changed} hash${changed === 1 ? '' : 'es'} changed in ${path.relative(root, file)}`);
