/**
 * Write `policies/policy.schema.json` from the zod schema, or with `--check`
 * fail when the checked-in file is stale. Run from the repository root:
 *
 *     node dist/policies/write-schema.js            # write
 *     node dist/policies/write-schema.js --check    # exit 1 if out of date
 *     node dist/policies/write-schema.js out.json   # write elsewhere
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { POLICY_SCHEMA_PATH, policyJsonSchemaText } from './json-schema.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const target = resolve(args.find((arg) => !arg.startsWith('--')) ?? POLICY_SCHEMA_PATH);
const text = policyJsonSchemaText();

if (check) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // a missing file is stale
  }
  if (current !== text) {
    console.error(`${target} is out of date; run: npm run schema:policy`);
    process.exit(1);
  }
  console.log(`${target} is current`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
