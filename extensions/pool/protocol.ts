/**
 * The pool manager's message protocol (the pool is a Wasm plugin; this file is
 * the contract its callers validate against, and what the plugin implements).
 *
 * The resource of `lease` is the instrument name. Slots per instrument and the
 * concurrency mode (exclusive / shared with a limit) come from the policy's
 * `data` for the pool. A full instrument queues the caller FIFO: `lease`
 * answers `{ queued: ticket }` and the caller claims with `claim` until granted
 * or its deadline passes (the plugin never blocks; a Wasm call cannot wait).
 *
 * @module
 */
import { z } from 'zod';

export const LeaseBody = z.object({ holder: z.string().min(1).max(128), ttlMs: z.number().int().min(1).max(86_400_000) }).strict();
export const Granted = z.object({ leaseId: z.string(), instrument: z.string(), expiresAt: z.number().int() });
export const Queued = z.object({ queued: z.string(), position: z.number().int().min(1) });
export const LeaseReply = z.union([Granted, Queued]);

/** `claim`: the resource is the instrument; resolves a ticket from a queued `lease`. */
export const ClaimBody = z.object({ ticket: z.string() }).strict();
export const ClaimReply = LeaseReply;

export const RenewBody = z.object({ leaseId: z.string(), ttlMs: z.number().int().min(1).max(86_400_000) }).strict();
export const RenewReply = Granted;
export const ReleaseBody = z.object({ leaseId: z.string() }).strict();
export const ReleaseReply = z.object({ released: z.boolean() });

export const StatusBody = z.object({}).strict();
export const StatusReply = z.object({
  instruments: z.array(z.object({ instrument: z.string(), slots: z.number().int(), leased: z.number().int(), waiting: z.number().int() })),
});

/** `sweep`: drop expired leases and abandoned tickets. */
export const SweepBody = z.object({}).strict();
export const SweepReply = z.object({ expired: z.number().int().nonnegative(), abandoned: z.number().int().nonnegative() });
