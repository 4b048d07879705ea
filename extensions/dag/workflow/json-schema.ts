/**
 * The JSON Schema of the workflow format, generated from the zod schema, for
 * editors (`# yaml-language-server: $schema=…`) and other languages. It checks
 * shapes only; `parseWorkflow` adds the graph rules (references, cycles).
 *
 * @module
 */
import { z } from '../../sdk/worker/index.js';
import { Workflow } from './schema.js';

/** Where the checked-in schema lives, relative to the repository root. */
export const WORKFLOW_SCHEMA_PATH = 'extensions/dag/workflow.schema.json';

/**
 * Build the JSON Schema (draft-07) describing a workflow file as written.
 *
 * @example
 * new Ajv({ strict: false }).compile(workflowJsonSchema())(parsedYaml) // true for a valid shape
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Workflow, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  return { ...generated, $id: 'https://nanokernel.dev/schemas/workflow-v1.json' };
}

/** The schema as the checked-in file holds it: two-space JSON and a final newline. */
export function workflowJsonSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
}
