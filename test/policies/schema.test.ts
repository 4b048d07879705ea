import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { POLICY_SCHEMA_PATH, policyJsonSchemaText } from '../../policies/index.js';
import { FIXTURES } from './helpers.js';

const checkedIn = JSON.parse(readFileSync(POLICY_SCHEMA_PATH, 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(checkedIn);
const asJson = (file: string): unknown => JSON.parse(JSON.stringify(parse(readFileSync(file, 'utf8'))));

describe('policy.schema.json', () => {
  it('is current: equal to a fresh generation from the zod schema', () => {
    expect(readFileSync(POLICY_SCHEMA_PATH, 'utf8')).toBe(policyJsonSchemaText());
  });

  it.each(['policies/default.yaml', 'policies/examples/minimal.yaml', 'policies/examples/reports.yaml', 'policies/examples/plugins.json'])(
    'validates %s (converted to JSON) through ajv',
    (file) => {
      const ok = validate(asJson(file));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  it.each([
    ['bad-version.yaml', '/version'],
    ['unknown-key.yaml', '/extensions/dag'],
    ['bad-pattern.yaml', '/extensions/reports/allow/1'],
    ['bad-sha.yaml', '/extensions/wordcount/sha256'],
    ['bad-sandbox.yaml', '/extensions/dag/sandbox'],
    ['bad-id.yaml', '/extensions'],
    ['ops-on-publish.yaml', '/extensions/dag/allow/0'],
  ])('rejects invalid/%s at %s', (file, where) => {
    expect(validate(asJson(`${FIXTURES}/invalid/${file}`))).toBe(false);
    expect(validate.errors!.map((error) => error.instancePath)).toContain(where);
  });
});
