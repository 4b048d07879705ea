/**
 * The arbitration protocol: every body and reply of the decision bus as a zod
 * schema (the schema is the type and the validator).
 *
 * - `ask` (op on `arbitration`, resource = the kind): {@link AskBody} → {@link AskReply}
 * - `decision.ask.<kind>` (event to resolvers): {@link AskEvent}
 * - `propose` (op on `arbitration`, resource = the questionId): {@link ProposeBody} → {@link ProposeReply}
 * - `decision.made.<kind>` (event, the evidence): {@link DecisionMade}
 *
 * The resolver's identity is never a body field: it is the envelope's `from`,
 * stamped by the kernel.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

/** The kinds every engine knows (seed 000); more come from the policy's `data.kinds`. */
export const BUILTIN_KINDS = ['ToolResolution', 'AgentResolution', 'ContextResolution'] as const;

/** A kind becomes a topic segment, so it has no dots, stars or spaces. */
export const Kind = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a kind is a letter followed by letters, digits, "_" or "-" (it becomes a topic segment)');

export const REDUCER_NAMES = ['score', 'priority', 'vote', 'veto', 'first-valid'] as const;
export const ReducerName = z.enum(REDUCER_NAMES);
export type ReducerName = z.infer<typeof ReducerName>;

export const MAX_CANDIDATES = 64;
export const MAX_REASON = 500;
/** `reason` is cut to this many characters in the published evidence. */
export const EVIDENCE_REASON = 120;

export const Candidate = z.string().min(1).max(128);

const Candidates = z
  .array(Candidate)
  .min(1)
  .max(MAX_CANDIDATES)
  .refine((list) => new Set(list).size === list.length, 'candidates must be distinct');

/** What an asker sends to `ask`. `deadlineMs` defaults to the policy's `data.deadlineMs`. */
export const AskBody = z
  .object({
    kind: Kind,
    question: z.string().max(2_000),
    candidates: Candidates,
    deadlineMs: z.number().int().min(1).optional(),
    /** Close as soon as this many proposals were accepted. */
    quorum: z.number().int().min(1).optional(),
    reducer: ReducerName.optional(),
  })
  .strict();
export type AskBody = z.infer<typeof AskBody>;

/** Published on `decision.ask.<kind>`; `deadline` is epoch milliseconds. */
export const AskEvent = z
  .object({
    questionId: z.string().min(1).max(80),
    kind: Kind,
    question: z.string().max(2_000),
    candidates: z.array(Candidate).max(MAX_CANDIDATES),
    deadline: z.number().int().nonnegative(),
  })
  .strict();
export type AskEvent = z.infer<typeof AskEvent>;

/** What a resolver sends to `propose`. Who it is comes from the envelope, not from here. */
export const ProposeBody = z
  .object({
    questionId: z.string().min(1).max(80),
    proposal: Candidate,
    score: z.number().finite(),
    priority: z.number().int().min(-1_000_000).max(1_000_000),
    veto: z.boolean().optional(),
    reason: z.string().max(MAX_REASON),
  })
  .strict();
export type ProposeBody = z.infer<typeof ProposeBody>;

/** A proposal as the engine recorded it: the body plus the kernel-stamped resolver id. */
export const Proposal = z
  .object({
    resolver: z.string().min(1).max(64),
    proposal: Candidate,
    score: z.number().finite(),
    priority: z.number().int(),
    veto: z.boolean().optional(),
    reason: z.string().max(MAX_REASON),
  })
  .strict();
export type Proposal = z.infer<typeof Proposal>;

export const ProposeReply = z
  .object({
    accepted: z.boolean(),
    /** True when the proposal came after its question's deadline (counted, then ignored). */
    late: z.boolean(),
  })
  .strict();
export type ProposeReply = z.infer<typeof ProposeReply>;

/** Why collection stopped: every known resolver answered, the quorum was met, or time ran out. */
export const ClosedBy = z.enum(['all', 'quorum', 'deadline']);
export type ClosedBy = z.infer<typeof ClosedBy>;

/** The reply to `ask`. The DAG tracker relies on `questionId`, `outcome` and `winner`. */
export const AskReply = z
  .object({
    questionId: z.string(),
    outcome: z.enum(['decided', 'no_decision']),
    winner: Candidate.optional(),
    reducer: ReducerName,
    /** In the tie order: lexical by resolver id. */
    proposals: z.array(Proposal),
    /** The known resolvers (`data.resolvers`) the question went to; the topic may reach others too. */
    asked: z.array(z.string()),
    /** Proposals that arrived after the deadline, counted and ignored. */
    late: z.number().int().nonnegative(),
    closedBy: ClosedBy,
    /** Resolvers whose veto stopped the decision (reducer `veto`). */
    vetoedBy: z.array(z.string()).optional(),
    /** One line on how the reducer decided. */
    why: z.string(),
  })
  .strict();
export type AskReply = z.infer<typeof AskReply>;

/** The evidence published on `decision.made.<kind>`: no question text, reasons cut short. */
export const DecisionMade = AskReply.omit({ proposals: true })
  .extend({
    kind: Kind,
    candidates: z.array(Candidate),
    proposals: z.array(Proposal.extend({ reason: z.string().max(EVIDENCE_REASON) })),
  })
  .strict();
export type DecisionMade = z.infer<typeof DecisionMade>;
