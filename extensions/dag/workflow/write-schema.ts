/**
 * Write `extensions/dag/workflow.schema.json` from the zod schema, or with
 * `--check` fail when the checked-in file is stale. From the repository root:
 *
 *     node dist/extensions/dag/workflow/write-schema.js            # write
 *     node dist/extensions/dag/workflow/write-schema.js --check    # exit 1 if out of date
 *
 * A script, never imported by the extension (it uses `node:fs`).
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WORKFLOW_SCHEMA_PATH, workflowJsonSchemaText } from './json-schema.js';

const args = process.argv.slice(2);
const target = resolve(args.find((arg) => !arg.startsWith('--')) ?? WORKFLOW_SCHEMA_PATH);
const text = workflowJsonSchemaText();

if (args.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // a missing file is stale
  }
  if (current !== text) {
    console.error(`${target} is out of date; run: node dist/extensions/dag/workflow/write-schema.js`);
    process.exit(1);
  }
  console.log(`${target} is current`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
