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

/**
 * `bench` (for bench/pool.bench.ts): `n` lease+release pairs on a private
 * scratch instrument inside the plugin, through the same code `lease` and
 * `release` run (minus the envelope's JSON); answers how many pairs it did.
 */
export const BenchBody = z.object({ n: z.number().int().min(0).max(1_000_000) }).strict();
export const BenchReply = z.object({ pairs: z.number().int().nonnegative() });

/** How an instrument is shared: `shared` = up to `slots` holders, `exclusive` = one holder whatever `slots` says. */
export const Mode = z.enum(['shared', 'exclusive']);
/** `status` entries also carry the instrument's `mode` (StatusReply accepts and strips it). */
export const StatusEntry = z.object({ instrument: z.string(), slots: z.number().int(), leased: z.number().int(), waiting: z.number().int(), mode: Mode });
