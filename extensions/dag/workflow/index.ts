/**
 * The workflow format: schema, parser with positions, graph checks. Pure, so
 * both the tracker (in its sandbox) and the CLI (to check files) import it.
 *
 * @example
 * import { parseWorkflow, formatProblem, WorkflowInvalidError } from '../extensions/dag/workflow/index.js';
 * try { parseWorkflow(text, file) } catch (e) { if (e instanceof WorkflowInvalidError) e.problems.map(formatProblem) }
 *
 * @module
 */
export { parseWorkflow, MAX_WORKFLOW_CHARS } from './parse.js';
export type { ParsedWorkflow } from './parse.js';
export { buildPlan, RESERVED_PREFIX } from './graph.js';
export type { Plan } from './graph.js';
export { findCycles, formatCycle, topologicalOrder } from './cycles.js';
export { WorkflowInvalidError, formatProblem } from './problems.js';
export type { WorkflowProblem } from './problems.js';
export { Backoff, Condition, Decide, Input, Lease, NodeId, Ref, TargetId, Workflow, WorkflowNode } from './schema.js';
export { workflowJsonSchema, workflowJsonSchemaText, WORKFLOW_SCHEMA_PATH } from './json-schema.js';
