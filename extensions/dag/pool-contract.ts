/**
 * The pool replies the tracker reads, mirrored from extensions/pool/protocol.ts
 * (the contract). Mirrored, not imported: that file imports `zod` directly,
 * and inside a worker sandbox the provided `zod` module has no `z` export, so
 * bundling it would break the tracker at load. test/extensions/dag/contracts.test.ts
 * checks the two agree.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const Granted = z.object({ leaseId: z.string(), instrument: z.string(), expiresAt: z.number().int() });
export const Queued = z.object({ queued: z.string(), position: z.number().int().min(1) });
export const LeaseReply = z.union([Granted, Queued]);
export const ClaimReply = LeaseReply;
export const ReleaseReply = z.object({ released: z.boolean() });
