/**
 * The workflow file format, as one zod schema: it is the type (`z.infer`), the
 * validator and (exported by `write-schema.ts`) the JSON Schema editors use.
 * Cross-field rules (references, cycles, fallbacks) live in `graph.ts`.
 *
 * @module
 */
import { z } from '../../sdk/worker/index.js';

/** Node ids: lower-case words, so they fit in topics, refs and idempotency keys. */
export const NodeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, "_" or "-", starting with a letter');

/** Extension ids, as the policy names them. */
export const TargetId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9._-]*$/, 'use an extension id from the policy: lower-case letters, digits, ".", "_" or "-"');

/**
 * Artifact refs: `/`-separated segments of letters, digits, `.`, `_`, `-`;
 * `{runId}` is replaced by the run's id. Never a pattern (`*`), never `..`.
 */
export const Ref = z
  .string()
  .min(1)
  .max(256)
  .regex(/^([A-Za-z0-9._-]|\{runId\})+(\/([A-Za-z0-9._-]|\{runId\})+)*$/, 'an artifact ref is segments of letters, digits, ".", "_", "-" (or "{runId}") joined by "/"')
  .refine((ref) => !ref.split('/').some((part) => part === '.' || part === '..'), 'a ref must not contain "." or ".." segments');

/** How long to wait between attempts: `min(maxMs, baseMs * factor^(n-1))`, then jitter. */
export const Backoff = z
  .object({
    baseMs: z.number().int().min(0).max(600_000).default(200),
    factor: z.number().min(1).max(10).default(2),
    maxMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** Fraction of the delay that is random: 0 = none, 1 = anywhere in [0, delay]. */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .strict();
export type Backoff = z.output<typeof Backoff>;

/** An input: an artifact ref, or `{ from: node }` = that node's `output` (and a dependency on it). */
export const Input = z.union([Ref, z.object({ from: NodeId }).strict()]);
export type Input = z.output<typeof Input>;

/** When a node runs; a false condition skips it (and, in turn, the nodes that depend on it). */
export const Condition = z.union([
  z.object({ exists: Ref }).strict(),
  z.object({ missing: Ref }).strict(),
  z.object({ node: NodeId, path: z.string().max(200).optional(), equals: z.unknown() }).strict(),
  z.object({ node: NodeId, path: z.string().max(200).optional(), notEquals: z.unknown() }).strict(),
]);
export type Condition = z.output<typeof Condition>;

/** Take a pool slot around the node: `true` = the slot of the instrument the node uses. */
export const Lease = z.union([
  z.literal(true),
  z.object({ instrument: TargetId.optional(), ttlMs: z.number().int().min(1).max(86_400_000).optional() }).strict(),
]);
export type Lease = z.output<typeof Lease>;

/** Ask the arbitration engine which instrument to use among candidates. */
export const Decide = z
  .object({
    kind: z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a kind is a word of letters, digits, "_" or "-" (it becomes a topic segment), e.g. "instrument"'),
    question: z.string().min(1).max(500),
    candidates: z.array(TargetId).min(1).max(32).refine((list) => new Set(list).size === list.length, 'candidates must be distinct'),
    deadlineMs: z.number().int().min(1).max(60_000).default(500),
    /** One of the arbitration engine's reducers: score, priority, vote, veto, first-valid. */
    reducer: z.string().min(1).max(64).optional(),
  })
  .strict();
export type Decide = z.output<typeof Decide>;

export const WorkflowNode = z
  .object({
    /** The extension or plugin that runs the node (optional when `decide` picks it). */
    use: TargetId.optional(),
    /** The envelope op of the call. */
    op: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'an op is letters, digits, ".", "_" or "-"').default('handle'),
    /** The envelope resource of the call. */
    resource: z.string().max(256).regex(/^[^*\u0000-\u001f]*$/, 'a resource must not contain "*" or control characters').default(''),
    needs: z.array(NodeId).max(64).default([]),
    inputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'an input name is a word'), Input).default({}),
    output: Ref.optional(),
    /** Parameters passed to the instrument as `params`. */
    with: z.record(z.string(), z.unknown()).default({}),
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
    retries: z.number().int().min(0).max(20).optional(),
    backoff: Backoff.optional(),
    fallback: NodeId.optional(),
    /** Template for the idempotency key; `{runId}` and `{nodeId}` are replaced. */
    idempotencyKey: z.string().min(1).max(200).optional(),
    when: Condition.optional(),
    lease: Lease.optional(),
    decide: Decide.optional(),
  })
  .strict();
export type WorkflowNode = z.output<typeof WorkflowNode>;

export const Workflow = z
  .object({
    version: z.literal(1),
    name: z.string().min(1).max(100),
    description: z.string().max(2_000).optional(),
    defaults: z
      .object({
        timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
        retries: z.number().int().min(0).max(20).optional(),
        backoff: Backoff.optional(),
      })
      .strict()
      .default({}),
    nodes: z.record(NodeId, WorkflowNode).refine((nodes) => Object.keys(nodes).length > 0, 'a workflow needs at least one node'),
  })
  .strict();
export type Workflow = z.output<typeof Workflow>;

/** Top-level keys, node keys: for "did you mean" on a misspelt key. */
export const WORKFLOW_KEYS = Object.keys(Workflow.shape);
export const NODE_KEYS = Object.keys(WorkflowNode.shape);
