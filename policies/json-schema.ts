/**
 * The JSON Schema of the policy format, generated from the zod schema, for
 * editors (VS Code's YAML extension, JetBrains) and for other languages'
 * validators. It checks shapes only; the loader adds what JSON Schema cannot
 * say (call targets that exist, sha256 required for wasm, duplicate keys).
 *
 * @module
 */
import { z } from 'zod';
import { PolicyFile } from './schema.js';

/** Where the checked-in schema lives, relative to the repository root. */
export const POLICY_SCHEMA_PATH = 'policies/policy.schema.json';

/**
 * Build the JSON Schema (draft-07, which editors support best) describing a
 * policy file as written: defaults are optional.
 *
 * @example
 * const schema = policyJsonSchema();
 * new Ajv({ strict: false }).compile(schema)(JSON.parse(json)) // true for a valid policy
 */
export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PolicyFile, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  return { ...generated, $id: 'https://nanokernel.dev/schemas/policy-v1.json' };
}

/** The schema as the checked-in file holds it: two-space JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
